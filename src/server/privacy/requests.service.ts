/**
 * Regulations (Segment's regulation names) and dashboard erasures, recorded in
 * privacy_requests. Suppressing and lifting are quick and done at once; erasing may name a
 * thousand people, so it is recorded `pending` and done by a worker (`processPendingErasure`,
 * polled by the worker role), one transaction per person, with a receipt of rows per table.
 */
import type { Db, Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import type { ErasureReceipt, RegulationInput, SubjectType } from '../../contracts/privacy.js';
import { customersNamed, erasePerson, identifiersOfSubject, subjectOf } from './erase.js';
import { suppress, suppressionHash, unsuppress, type Identifier, type SuppressionKind } from './suppress.js';
import { claimRequest, finishRequest, getRequest, insertRequest, releaseRequest, saveProgress, type RequestKind, type RequestRow } from './requests.repo.js';
import { isPassingDbError } from '../db/db-errors.js';

export interface Actor {
  kind: 'user' | 'key' | 'system';
  label: string;
}

/** How a subject type's values are suppressed (CUSTOMER_ID: by the customer's own identifiers). */
const KIND_OF: Record<Exclude<SubjectType, 'CUSTOMER_ID'>, SuppressionKind> = { USER_ID: 'user', ANONYMOUS_ID: 'anonymous', EMAIL: 'email', PHONE: 'phone' };

/** The hash a request keeps of a subject it names. */
export function subjectHash(workspaceId: number, type: SubjectType, value: string): string {
  return type === 'CUSTOMER_ID' ? suppressionHash(workspaceId, 'user', `customer:${value.trim()}`) : suppressionHash(workspaceId, KIND_OF[type], value);
}

/** The identifiers a regulation's subjects name, for suppressing or lifting. */
async function identifiersNamed(db: Queryable, workspaceId: number, type: SubjectType, values: readonly string[]): Promise<Identifier[]> {
  if (type !== 'CUSTOMER_ID') return values.map((value) => ({ kind: KIND_OF[type], value }));
  const out: Identifier[] = [];
  for (const v of values) for (const id of await customersNamed(db, workspaceId, 'CUSTOMER_ID', v)) out.push(...identifiersOfSubject(await subjectOf(db, workspaceId, id)));
  return out;
}

/** Progress kept on a running erasure (its receipt so far), so a worker taking it over goes on where it stopped. */
interface Progress {
  heartbeat?: string;
  done: number;
  customers: number;
  notFound: number;
  tables: Record<string, number>;
}

function receiptOf(r: RequestRow, p: Progress, at: Date): ErasureReceipt {
  return {
    requestId: r.id,
    erasedAt: at.toISOString(),
    erasedBy: r.requestedBy,
    customers: p.customers,
    notFound: p.notFound,
    tables: Object.entries(p.tables)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, rows]) => ({ table, rows })),
    suppressed: r.subject.suppress === true,
  };
}

export type RegulationFailure = Failure<'validation_failed'>;

/**
 * Record a regulation. Suppress and unsuppress are done at once (status done); an erasure is
 * recorded pending for the worker, and with SUPPRESS_WITH_DELETE the named identifiers are
 * suppressed at once too, so nothing of theirs is stored while it waits.
 */
export async function submitRegulation(db: Db, workspaceId: number, input: RegulationInput, by: Actor): Promise<Result<RequestRow, RegulationFailure>> {
  const values = [...new Set(input.subjectIds.map((v) => v.trim()))];
  const hashes = values.map((v) => subjectHash(workspaceId, input.subjectType, v));
  const base = { regulationType: input.regulationType, subjectType: input.subjectType, hashes };
  switch (input.regulationType) {
    case 'EXPORT':
      // The people are found now; the archive is built when it is downloaded (GET /api/privacy/requests/:id/archive).
      // The receipt keeps Tenure's internal customer ids only (no identifier), so it outlives an erasure.
      return ok(
        await db.transaction(async (tx) => {
          const req = await insertRequest(tx, { workspaceId, kind: 'export', status: 'running', subject: base, by });
          const customers: number[] = [];
          let notFound = 0;
          for (const v of values) {
            const ids = await customersNamed(tx, workspaceId, input.subjectType, v);
            if (ids.length === 0) notFound++;
            for (const id of ids) if (!customers.includes(id)) customers.push(id);
          }
          const receipt = { requestId: req.id, at: new Date().toISOString(), by: by.label, subjects: values.length, customers, notFound };
          await finishRequest(tx, req.id, { status: 'done', receipt });
          return (await getRequest(tx, workspaceId, req.id))!;
        }),
      );
    case 'SUPPRESS_ONLY':
    case 'UNSUPPRESS': {
      const kind: RequestKind = input.regulationType === 'UNSUPPRESS' ? 'unsuppress' : 'suppress';
      return ok(
        await db.transaction(async (tx) => {
          const req = await insertRequest(tx, { workspaceId, kind, status: 'running', subject: base, by });
          const ids = await identifiersNamed(tx, workspaceId, input.subjectType, values);
          const n = kind === 'suppress' ? await suppress(tx, workspaceId, ids, req.id) : await unsuppress(tx, workspaceId, ids);
          const receipt = { requestId: req.id, at: new Date().toISOString(), by: by.label, subjects: values.length, [kind === 'suppress' ? 'suppressed' : 'lifted']: n };
          await finishRequest(tx, req.id, { status: 'done', receipt });
          return (await getRequest(tx, workspaceId, req.id))!;
        }),
      );
    }
    case 'SUPPRESS_WITH_DELETE':
    case 'DELETE_ONLY': {
      const withSuppress = input.regulationType === 'SUPPRESS_WITH_DELETE';
      return ok(
        await db.transaction(async (tx) => {
          const req = await insertRequest(tx, { workspaceId, kind: 'erase', status: 'pending', subject: { ...base, suppress: withSuppress, pending: values }, by });
          if (withSuppress && input.subjectType !== 'CUSTOMER_ID') await suppress(tx, workspaceId, await identifiersNamed(tx, workspaceId, input.subjectType, values), req.id);
          return req;
        }),
      );
    }
  }
}

/** The customers an EXPORT request found (its receipt), or null when the request is not a finished export. */
export function exportedCustomers(r: RequestRow): number[] | null {
  if (r.kind !== 'export' || r.status !== 'done') return null;
  const ids = (r.receipt as { customers?: unknown } | null)?.customers;
  return Array.isArray(ids) ? ids.filter((x): x is number => Number.isSafeInteger(x)) : null;
}

/** Do an erasure request (claimed, status running) to its end: each person in their own transaction, the receipt at the end. */
export async function runErasure(db: Db, req: RequestRow, now: () => Date = () => new Date()): Promise<ErasureReceipt> {
  const values = req.subject.pending ?? [];
  const prior = req.receipt as Partial<Progress> | null;
  const p: Progress = { done: prior?.done ?? 0, customers: prior?.customers ?? 0, notFound: prior?.notFound ?? 0, tables: { ...(prior?.tables ?? {}) } };
  try {
    for (let i = p.done; i < values.length; i++) {
      const ids = await customersNamed(db, req.workspaceId, req.subject.subjectType, values[i]!);
      let found = 0;
      for (const id of ids) {
        const r = await erasePerson(db, req.workspaceId, id, { suppress: req.subject.suppress === true, requestId: req.id });
        if (!r.found) continue;
        found++;
        for (const [t, n] of Object.entries(r.rows)) p.tables[t] = (p.tables[t] ?? 0) + n;
      }
      if (found === 0) p.notFound++;
      p.customers += found;
      p.done = i + 1;
      await saveProgress(db, req.id, { ...p, heartbeat: now().toISOString() });
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const attempts = ((req.receipt as { attempts?: number } | null)?.attempts ?? 0) + 1;
    // A failure that passes (a timeout, a deadlock, a lost connection) leaves the request to be
    // taken again, from the person it stopped at: marked failed, its clear values (`pending`)
    // would be gone and the rest of its people never erased. Where the database is away, the
    // release fails too and the request is taken over once its heartbeat is stale.
    if (isPassingDbError(err) && attempts < ERASE_MAX_ATTEMPTS) {
      await releaseRequest(db, req.id, { ...p, attempts, lastError: message }).catch(() => undefined);
      throw err;
    }
    await finishRequest(db, req.id, { status: 'failed', receipt: receiptOf(req, p, now()), error: message });
    throw err;
  }
  const receipt = receiptOf(req, p, now());
  await finishRequest(db, req.id, { status: 'done', receipt });
  return receipt;
}

/** Runs of one erasure request at most when each ends in a failure that passes. */
const ERASE_MAX_ATTEMPTS = 5;

/** A running erasure whose worker has not beaten for this long is taken over. */
const STALE_MS = 120_000;

/** Claim and do one pending erasure; true when one was done (there may be more). */
export async function processPendingErasure(db: Db): Promise<boolean> {
  const req = await claimRequest(db, STALE_MS);
  if (!req) return false;
  await runErasure(db, req);
  return true;
}

/** The dashboard's erase of one customer, done now: the request and its receipt. */
export async function eraseCustomerNow(db: Db, workspaceId: number, customerId: number, opts: { suppress: boolean }, by: Actor): Promise<ErasureReceipt> {
  const value = String(customerId);
  const req = await insertRequest(db, {
    workspaceId,
    kind: 'erase',
    status: 'running',
    subject: {
      regulationType: opts.suppress ? 'SUPPRESS_WITH_DELETE' : 'DELETE_ONLY',
      subjectType: 'CUSTOMER_ID',
      hashes: [subjectHash(workspaceId, 'CUSTOMER_ID', value)],
      suppress: opts.suppress,
      pending: [value],
    },
    by,
  });
  return runErasure(db, req);
}

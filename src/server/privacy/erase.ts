/**
 * Erasure: remove a person from every table that holds them (erase-plan.ts), one transaction
 * per person, and optionally suppress their identifiers so a later event does not bring them
 * back (suppress.ts). The person is their customer and every customer merged into it.
 *
 * Concurrency: the transaction first takes what appenders and workers take for a customer —
 * the per-customer advisory locks of stages, segments, sends, surveys, loyalty and referrals,
 * then the row FOR UPDATE (as a merge does: it waits for appenders holding the row FOR KEY
 * SHARE, identity/merge-guard.ts, and they for it) — so nothing writes
 * rows of the person while they are being removed, and a batch that waited on them finds the
 * customer gone (and, suppressed, its events dropped: ingest.service re-checks before commit).
 */
import type { Db, Queryable } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import type { SubjectType } from '../../contracts/privacy.js';
import { ERASURE_PLAN, type ErasureSubject } from './erase-plan.js';
import { suppress, type Identifier } from './suppress.js';

/** Per-customer locks of the workers that write a customer's rows. */
const CUSTOMER_LOCKS = [LOCK.stageCustomer, LOCK.segmentCustomer, LOCK.sendCustomer, LOCK.surveyCustomer, LOCK.loyaltyCustomer, LOCK.referralAdvocate];

/** The customers a subject names now (CUSTOMER_ID follows merges to the survivor). */
export async function customersNamed(db: Queryable, workspaceId: number, type: SubjectType, value: string): Promise<number[]> {
  const v = value.trim();
  let sql: string;
  let params: unknown[];
  switch (type) {
    case 'CUSTOMER_ID': {
      if (!/^\d{1,18}$/.test(v)) return [];
      sql = `SELECT id FROM customers WHERE workspace_id = $1 AND id = $2::bigint
             UNION SELECT into_customer_id FROM customer_merges WHERE workspace_id = $1 AND from_customer_id = $2::bigint`;
      params = [workspaceId, v];
      break;
    }
    case 'USER_ID':
      sql = `SELECT customer_id AS id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = $2 UNION SELECT id FROM customers WHERE workspace_id = $1 AND user_id = $2`;
      params = [workspaceId, v];
      break;
    case 'ANONYMOUS_ID':
      sql = `SELECT customer_id AS id FROM identities WHERE workspace_id = $1 AND kind = 'anonymous' AND value = $2`;
      params = [workspaceId, v];
      break;
    case 'EMAIL':
      sql = `SELECT id FROM customers WHERE workspace_id = $1 AND lower(traits ->> 'email') = lower($2)`;
      params = [workspaceId, v];
      break;
    case 'PHONE':
      sql = `SELECT id FROM customers WHERE workspace_id = $1 AND traits ->> 'phone' IS NOT NULL
               AND (traits ->> 'phone' = $2 OR regexp_replace(traits ->> 'phone', '[^0-9+]', '', 'g') = regexp_replace($2, '[^0-9+]', '', 'g'))`;
      params = [workspaceId, v];
      break;
  }
  const { rows } = await db.query<{ id: string | number }>(sql, params);
  // A customer id may itself have been merged on: follow to the survivor that exists.
  return [...new Set(rows.map((r) => Number(r.id)))];
}

/** Everything that names customer `id` (with the customers merged into it). */
export async function subjectOf(tx: Queryable, workspaceId: number, id: number): Promise<ErasureSubject> {
  const merged = await tx.query<{ id: string | number }>(
    `WITH RECURSIVE m(id) AS (SELECT $2::bigint UNION SELECT cm.from_customer_id FROM customer_merges cm JOIN m ON cm.into_customer_id = m.id WHERE cm.workspace_id = $1)
     SELECT id FROM m`,
    [workspaceId, id],
  );
  const customerIds = merged.rows.map((r) => Number(r.id));
  const ids = await tx.query<{ kind: string; value: string }>(
    `SELECT kind, value FROM identities WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])
     UNION SELECT 'user', user_id FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[]) AND user_id IS NOT NULL`,
    [workspaceId, customerIds],
  );
  // Emails and phones the profile has, and those its events ever carried (a changed email is still theirs).
  const contact = await tx.query<{ email: string | null; phone: string | null }>(
    `SELECT lower(traits ->> 'email') AS email, traits ->> 'phone' AS phone FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])
     UNION
     SELECT lower(coalesce(traits ->> 'email', context -> 'traits' ->> 'email')), coalesce(traits ->> 'phone', context -> 'traits' ->> 'phone')
       FROM events WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])
        AND (traits ?| ARRAY['email', 'phone'] OR context -> 'traits' ?| ARRAY['email', 'phone'])`,
    [workspaceId, customerIds],
  );
  const uniq = (xs: Array<string | null>) => [...new Set(xs.filter((x): x is string => typeof x === 'string' && x.length > 0))];
  return {
    workspaceId,
    customerIds,
    userIds: uniq(ids.rows.filter((r) => r.kind === 'user').map((r) => r.value)),
    anonymousIds: uniq(ids.rows.filter((r) => r.kind === 'anonymous').map((r) => r.value)),
    emails: uniq(contact.rows.map((r) => r.email)),
    phones: uniq(contact.rows.map((r) => r.phone)),
  };
}

/** The identifiers to suppress for a subject. */
export function identifiersOfSubject(s: ErasureSubject): Identifier[] {
  return [
    ...s.userIds.map((value) => ({ kind: 'user' as const, value })),
    ...s.anonymousIds.map((value) => ({ kind: 'anonymous' as const, value })),
    ...s.emails.map((value) => ({ kind: 'email' as const, value })),
    ...s.phones.map((value) => ({ kind: 'phone' as const, value })),
  ];
}

export interface PersonErased {
  /** False when the customer was no longer there (erased or merged meanwhile). */
  found: boolean;
  /** Rows changed per table (tables with none left out). */
  rows: Record<string, number>;
}

/**
 * Lock what writers of these customers take, in a fixed order: the workers' per-customer
 * advisory locks, then the rows FOR UPDATE (which also holds off ingestion's fast path and
 * the segment worker, FOR KEY SHARE: identity/merge-guard.ts).
 */
async function lockCustomers(tx: Queryable, db: Db | Queryable, ids: number[]): Promise<void> {
  const pglite = (db as Partial<Db>).kind === 'pglite';
  if (!pglite) {
    const pairs = CUSTOMER_LOCKS.flatMap((ns) => [...ids].sort((a, b) => a - b).map((id) => [ns, id] as const));
    await tx.query(`SELECT pg_advisory_xact_lock(x.ns, (x.id % 2147483647)::int) FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS x(ns, id, o) ORDER BY o`, [
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    ]);
  }
  await tx.query(`SELECT id FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [[...ids].sort((a, b) => a - b)]);
}

/**
 * Erase one person (customer `customerId` and everything merged into it) in one transaction;
 * with `suppress`, suppress their identifiers in the same transaction (under `requestId`).
 */
export async function erasePerson(db: Db, workspaceId: number, customerId: number, opts: { suppress: boolean; requestId: number | null }): Promise<PersonErased> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const exists = await tx.query(`SELECT 1 FROM customers WHERE workspace_id = $1 AND id = $2`, [workspaceId, customerId]);
        if (exists.rows.length === 0) return { found: false, rows: {} };
        let subject = await subjectOf(tx, workspaceId, customerId);
        await lockCustomers(tx, db, subject.customerIds);
        // Read again under the locks: a batch that committed meanwhile may have added an identity or a merge.
        subject = await subjectOf(tx, workspaceId, customerId);
        const rows: Record<string, number> = {};
        for (const [table, step] of Object.entries(ERASURE_PLAN)) {
          const n = await step.run(tx, subject);
          if (n > 0) rows[table] = n;
        }
        if (opts.suppress) await suppress(tx, workspaceId, identifiersOfSubject(subject), opts.requestId);
        return { found: true, rows };
      });
    } catch (err) {
      // A deadlock with a worker that took the same customer's locks in another order: go again.
      const code = (err as { code?: string }).code;
      if ((code !== '40P01' && code !== '40001') || attempt >= 5) throw err;
    }
  }
}

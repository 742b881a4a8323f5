import type { Db, Queryable } from '../db/client.js';

/**
 * Durable derived work (table `derived_work`): what a commit causes — re-evaluating the
 * stages or segment memberships of the customers it touched — recorded in that commit,
 * claimed by any worker process with `FOR UPDATE SKIP LOCKED`, and deleted in the
 * transaction that does it. Nothing here lives only in memory: a crash right after a
 * commit leaves the rows for the next worker.
 */
export type WorkKind = 'stage' | 'segment';
export type WorkScope = 'customer' | 'account';

/** What changed per customer (event names, `$traits`, `$stage`…), for segment work; absent: everything. */
export type Changes = Map<number, Set<string>>;

/** One claimed row. */
export interface WorkRow {
  id: number;
  workspaceId: number;
  kind: WorkKind;
  scope: WorkScope;
  subjectIds: number[];
  /** Null: everything changed for these subjects. */
  changes: Changes | null;
  attempts: number;
}

/** A failing row is parked (kept, visible, no longer claimed) after this many failures of a single subject. */
export const MAX_ATTEMPTS = 6;

/** Changes as stored: groups of customers that share one set of change names. */
type StoredChanges = Array<[string[], number[]]>;

function encodeChanges(ids: number[], changes: Changes | Set<string> | undefined): StoredChanges | null {
  if (!changes) return null;
  const groups = new Map<string, [string[], number[]]>();
  for (const id of ids) {
    const set = changes instanceof Map ? changes.get(id) : changes;
    const names = set ? [...set].sort() : ['$all'];
    const key = names.join('\u0001');
    const g = groups.get(key);
    if (g) g[1].push(id);
    else groups.set(key, [names, [id]]);
  }
  return [...groups.values()];
}

function decodeChanges(stored: StoredChanges | null): Changes | null {
  if (!stored) return null;
  const out: Changes = new Map();
  for (const [names, ids] of stored) for (const id of ids) out.set(Number(id), new Set(names));
  return out;
}

/**
 * Record work for these subjects, inside the caller's transaction (so it commits with the
 * change that caused it). `changes` (segment work): per customer or for all of them; absent
 * means everything.
 */
export async function recordWork(
  tx: Queryable,
  workspaceId: number,
  kind: WorkKind,
  ids: readonly number[],
  opts: { scope?: WorkScope; changes?: Changes | Set<string> } = {},
): Promise<void> {
  if (ids.length === 0) return;
  const list = [...new Set(ids)];
  await tx.query(`INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes) VALUES ($1, $2, $3, $4::bigint[], $5::jsonb)`, [
    workspaceId,
    kind,
    opts.scope ?? 'customer',
    list,
    opts.changes ? JSON.stringify(encodeChanges(list, opts.changes)) : null,
  ]);
}

/**
 * Record the stage and segment work of one ingestion batch in one statement: every
 * customer's stage, and the segments that read what changed for each.
 */
export async function recordIngestWork(tx: Queryable, workspaceId: number, ids: readonly number[], changes: Changes): Promise<void> {
  if (ids.length === 0) return;
  const list = [...new Set(ids)];
  await tx.query(
    `INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes)
     VALUES ($1, 'stage', 'customer', $2::bigint[], NULL), ($1, 'segment', 'customer', $2::bigint[], $3::jsonb)`,
    [workspaceId, list, JSON.stringify(encodeChanges(list, changes))],
  );
}

/**
 * Claim the oldest claimable rows of a kind, up to about `maxSubjects` subjects (at least
 * one row), locked until the caller's transaction ends. `single`: one row only (after a
 * failure, to find the row at fault).
 */
export async function claimWork(tx: Queryable, kind: WorkKind, maxSubjects: number, opts: { single?: boolean; skipLocked: boolean }): Promise<WorkRow[]> {
  const { rows: candidates } = await tx.query<{ id: number; n: number }>(
    `SELECT id, cardinality(subject_ids) AS n FROM derived_work WHERE kind = $1 AND parked_at IS NULL AND not_before <= now() ORDER BY id LIMIT $2`,
    [kind, opts.single ? 1 : 200],
  );
  if (candidates.length === 0) return [];
  const pick: number[] = [];
  let n = 0;
  for (const c of candidates) {
    if (pick.length > 0 && n + c.n > maxSubjects) break;
    pick.push(c.id);
    n += c.n;
  }
  const { rows } = await tx.query<{ id: number; workspace_id: number; kind: WorkKind; scope: WorkScope; subject_ids: number[]; changes: StoredChanges | null; attempts: number }>(
    `SELECT id, workspace_id, kind, scope, subject_ids, changes, attempts FROM derived_work
      WHERE id = ANY($1::bigint[]) AND parked_at IS NULL ORDER BY id FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
    [pick],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    workspaceId: r.workspace_id,
    kind: r.kind,
    scope: r.scope,
    subjectIds: r.subject_ids.map(Number),
    changes: decodeChanges(r.changes),
    attempts: r.attempts,
  }));
}

/** Delete rows whose work is done (inside the transaction that did it). */
export async function finishWork(tx: Queryable, rows: readonly WorkRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`DELETE FROM derived_work WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
}

/**
 * Book a failed attempt at these rows (outside the failed transaction). A row of several
 * subjects is split in two halves, so one bad subject ends up alone; a row of one subject
 * counts the attempt and is parked, with its error, after MAX_ATTEMPTS. Retries back off
 * (`not_before`). Returns how many rows were parked.
 */
export async function failWork(db: Queryable, rows: readonly WorkRow[], error: string): Promise<number> {
  let parked = 0;
  const message = error.slice(0, 2_000);
  for (const r of rows) {
    const attempts = r.attempts + 1;
    const delay = `${Math.min(30, 0.2 * 2 ** attempts)} seconds`;
    if (r.subjectIds.length > 1) {
      const half = Math.ceil(r.subjectIds.length / 2);
      const parts = [r.subjectIds.slice(0, half), r.subjectIds.slice(half)];
      await db.query(
        `WITH gone AS (DELETE FROM derived_work WHERE id = $1 RETURNING workspace_id, kind, scope, changes)
         INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes, attempts, last_error, not_before)
         SELECT workspace_id, kind, scope, p.ids, changes, 0, $4, now() + $5::interval
           FROM gone, (VALUES ($2::bigint[]), ($3::bigint[])) AS p(ids)`,
        [r.id, parts[0], parts[1], message, delay],
      );
    } else {
      const park = attempts >= MAX_ATTEMPTS;
      if (park) parked++;
      await db.query(
        `UPDATE derived_work SET attempts = $2, last_error = $3, not_before = now() + $4::interval, parked_at = CASE WHEN $5 THEN now() END WHERE id = $1`,
        [r.id, attempts, message, delay, park],
      );
    }
  }
  return parked;
}

/** Derived work of a workspace: pending counts by kind and the parked rows with their errors. */
export interface WorkStatus {
  pending: { stage: number; segment: number };
  parked: Array<{ id: number; kind: WorkKind; scope: WorkScope; subjectIds: number[]; attempts: number; lastError: string | null; parkedAt: string }>;
}

export async function workStatus(db: Queryable, workspaceId: number): Promise<WorkStatus> {
  const { rows: counts } = await db.query<{ kind: WorkKind; n: number }>(
    `SELECT kind, coalesce(sum(cardinality(subject_ids)), 0)::int AS n FROM derived_work WHERE workspace_id = $1 AND parked_at IS NULL GROUP BY kind`,
    [workspaceId],
  );
  const { rows } = await db.query<{ id: number; kind: WorkKind; scope: WorkScope; subject_ids: number[]; attempts: number; last_error: string | null; parked_at: Date }>(
    `SELECT id, kind, scope, subject_ids, attempts, last_error, parked_at FROM derived_work WHERE workspace_id = $1 AND parked_at IS NOT NULL ORDER BY id LIMIT 200`,
    [workspaceId],
  );
  const pending = { stage: 0, segment: 0 };
  for (const c of counts) pending[c.kind] = c.n;
  return {
    pending,
    parked: rows.map((r) => ({ id: Number(r.id), kind: r.kind, scope: r.scope, subjectIds: r.subject_ids.map(Number), attempts: r.attempts, lastError: r.last_error, parkedAt: r.parked_at.toISOString() })),
  };
}

/** Put parked rows of a workspace back in the queue (all, or the given ids); returns how many. */
export async function retryParked(db: Db | Queryable, workspaceId: number, ids?: number[]): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE derived_work SET parked_at = NULL, attempts = 0, not_before = now() WHERE workspace_id = $1 AND parked_at IS NOT NULL AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))`,
    [workspaceId, ids ?? null],
  );
  return rowCount;
}

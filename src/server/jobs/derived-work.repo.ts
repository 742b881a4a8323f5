import type { Db, Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { pipelineLag, type PipelineLag } from './pipeline-lag.js';

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
 * means everything. `afterMs`: not claimed before this much later.
 */
export async function recordWork(
  tx: Queryable,
  workspaceId: number,
  kind: WorkKind,
  ids: readonly number[],
  opts: { scope?: WorkScope; changes?: Changes | Set<string>; afterMs?: number } = {},
): Promise<void> {
  if (ids.length === 0) return;
  const list = [...new Set(ids)];
  await tx.query(`INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes, not_before) VALUES ($1, $2, $3, $4::bigint[], $5::jsonb, now() + $6::int * interval '1 millisecond')`, [
    workspaceId,
    kind,
    opts.scope ?? 'customer',
    list,
    opts.changes ? JSON.stringify(encodeChanges(list, opts.changes)) : null,
    Math.max(0, Math.round(opts.afterMs ?? 0)),
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
  const { rows: candidates } = await tx.query<RowPick<typeof schema.derivedWork, 'id'> & { n: number }>(
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
  const { rows } = await tx.query<
    RowPick<typeof schema.derivedWork, 'id' | 'workspace_id' | 'kind' | 'scope' | 'subject_ids' | 'changes' | 'attempts', { kind: WorkKind; scope: WorkScope; changes: StoredChanges | null }>
  >(
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

/** How many of the oldest rows one compaction looks at. */
const COMPACT_WINDOW = 200;

/**
 * Merge the oldest not-yet-compacted rows of a kind when together they hold at least twice
 * `maxSubjects` subjects: each customer (or account) once, with the union of what changed
 * for it, in rows of at most `maxSubjects`. Under a backlog a customer is named by many
 * ingestion batches; without this it would be evaluated once per batch. The merged rows
 * keep the oldest ids (their place in the queue) and are marked `compacted` so they are not
 * merged again. Rows that have failed are left as they are (their split and count stay).
 * Runs in the caller's transaction; returns how many rows it merged (0: not worth it).
 */
export async function compactWork(tx: Queryable, kind: WorkKind, maxSubjects: number, opts: { skipLocked: boolean }): Promise<number> {
  const { rows: heads } = await tx.query<RowPick<typeof schema.derivedWork, 'id'> & { n: number }>(
    `SELECT id, cardinality(subject_ids) AS n FROM derived_work
      WHERE kind = $1 AND parked_at IS NULL AND NOT compacted AND attempts = 0 AND not_before <= now() ORDER BY id LIMIT $2`,
    [kind, COMPACT_WINDOW],
  );
  const total = heads.reduce((n, h) => n + h.n, 0);
  if (heads.length < 2 || total < 2 * maxSubjects) return 0;
  const { rows } = await tx.query<RowPick<typeof schema.derivedWork, 'id' | 'workspace_id' | 'scope' | 'subject_ids' | 'changes', { scope: WorkScope; changes: StoredChanges | null }>>(
    `SELECT id, workspace_id, scope, subject_ids, changes FROM derived_work
      WHERE id = ANY($1::bigint[]) AND parked_at IS NULL AND NOT compacted AND attempts = 0 ORDER BY id FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
    [heads.map((h) => h.id)],
  );
  if (rows.length < 2) return 0;
  // Per workspace and scope: each subject once, with the union of its changes (null: everything).
  const groups = new Map<string, { workspaceId: number; scope: WorkScope; subjects: Map<number, Set<string> | null> }>();
  for (const r of rows) {
    const key = `${r.workspace_id}:${r.scope}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { workspaceId: r.workspace_id, scope: r.scope, subjects: new Map() }));
    const changes = decodeChanges(r.changes);
    for (const raw of r.subject_ids) {
      const id = Number(raw);
      const add = changes ? changes.get(id) : undefined;
      const have = g.subjects.get(id);
      if (!add || add.has('$all')) g.subjects.set(id, null);
      else if (have === undefined) g.subjects.set(id, new Set(add));
      else if (have !== null) for (const k of add) have.add(k);
    }
  }
  const merged: Array<{ ws: number; scope: WorkScope; s: number[]; c: StoredChanges | null }> = [];
  for (const g of groups.values()) {
    const ids = [...g.subjects.keys()].sort((a, b) => a - b);
    const everything = [...g.subjects.values()].every((v) => v === null);
    for (let i = 0; i < ids.length; i += maxSubjects) {
      const part = ids.slice(i, i + maxSubjects);
      const changes: Changes = new Map();
      for (const id of part) {
        const set = g.subjects.get(id);
        if (set) changes.set(id, set);
      }
      merged.push({ ws: g.workspaceId, scope: g.scope, s: part, c: everything ? null : encodeChanges(part, changes) });
    }
  }
  // The merged rows take the oldest ids, in order; extra rows (rare: rows larger than maxSubjects) are new.
  const ids = rows.map((r) => Number(r.id));
  const reuse = merged.slice(0, ids.length).map((m, i) => ({ id: ids[i]!, ...m }));
  const extra = merged.slice(ids.length);
  await tx.query(
    `UPDATE derived_work d SET workspace_id = x.ws, scope = x.scope, changes = x.c, compacted = true,
            subject_ids = ARRAY(SELECT jsonb_array_elements_text(x.s)::bigint)
       FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, ws integer, scope text, s jsonb, c jsonb) WHERE d.id = x.id`,
    [JSON.stringify(reuse)],
  );
  const gone = ids.slice(reuse.length);
  if (gone.length > 0) await tx.query(`DELETE FROM derived_work WHERE id = ANY($1::bigint[])`, [gone]);
  if (extra.length > 0) {
    await tx.query(
      `INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes, compacted)
       SELECT x.ws, $2, x.scope, ARRAY(SELECT jsonb_array_elements_text(x.s)::bigint), x.c, true
         FROM jsonb_to_recordset($1::jsonb) AS x(ws integer, scope text, s jsonb, c jsonb)`,
      [JSON.stringify(extra), kind],
    );
  }
  return rows.length;
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
        `WITH gone AS (DELETE FROM derived_work WHERE id = $1 RETURNING workspace_id, kind, scope, changes, created_at)
         INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, changes, attempts, last_error, not_before, created_at)
         SELECT workspace_id, kind, scope, p.ids, changes, 0, $4, now() + $5::interval, created_at
           FROM gone, (VALUES ($2::bigint[]), ($3::bigint[])) AS p(ids)`,
        [r.id, parts[0], parts[1], message, delay],
      );
    } else {
      const park = attempts >= MAX_ATTEMPTS;
      if (park) parked++;
      await db.query(`UPDATE derived_work SET attempts = $2, last_error = $3, not_before = now() + $4::interval, parked_at = CASE WHEN $5 THEN now() END WHERE id = $1`, [
        r.id,
        attempts,
        message,
        delay,
        park,
      ]);
    }
  }
  return parked;
}

/** Derived work of a workspace: pending counts by kind and the parked rows with their errors. */
export interface WorkStatus {
  pending: { stage: number; segment: number };
  parked: Array<{ id: number; kind: WorkKind; scope: WorkScope; subjectIds: number[]; attempts: number; lastError: string | null; parkedAt: string }>;
  /** How far each background loop is behind (jobs/pipeline-lag.ts). */
  lag: PipelineLag;
}

export async function workStatus(db: Queryable, workspaceId: number): Promise<WorkStatus> {
  const { rows } = await db.query<
    RowPick<typeof schema.derivedWork, 'id' | 'kind' | 'scope' | 'subject_ids' | 'attempts' | 'last_error' | 'parked_at', { kind: WorkKind; scope: WorkScope; parked_at: Date }>
  >(`SELECT id, kind, scope, subject_ids, attempts, last_error, parked_at FROM derived_work WHERE workspace_id = $1 AND parked_at IS NOT NULL ORDER BY id LIMIT 200`, [workspaceId]);
  // The lag's stage and segment counts are the subjects waiting (not parked) of each kind.
  const lag = await pipelineLag(db, workspaceId);
  return {
    pending: { stage: lag.stage.waiting ?? 0, segment: lag.segment.waiting ?? 0 },
    lag,
    parked: rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      scope: r.scope,
      subjectIds: r.subject_ids.map(Number),
      attempts: r.attempts,
      lastError: r.last_error,
      parkedAt: r.parked_at.toISOString(),
    })),
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

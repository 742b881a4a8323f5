import { LOCK } from '../db/locks.js';
import type { Db, Queryable } from '../db/client.js';
import { compileCondition } from '../rules/compile-sql.js';
import { FactIndex, prepare } from '../rules/evaluate.js';
import { loadMomentFacts, momentPlan } from '../rules/moment-facts.js';
import { holdCustomers } from '../identity/merge-guard.js';
import { getSegment, type StoredSegment } from './segments.repo.js';
import { EV } from '../../contracts/events.js';
import { epochMsSql, timelineIdSql } from '../timeline/timeline-id.js';
import { timelineInsertSql } from '../timeline/timeline-writer.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { TimeSlice } from '../lib/time-slice.js';
import { dependencyLevels, reads } from './segment-reads.js';

/** The events Tenure writes on a customer's timeline when they enter or leave a segment. */
export const SEGMENT_ENTERED = EV.segmentEntered;
export const SEGMENT_EXITED = EV.segmentExited;
/** SQL: the event of a move `x` (its `dir` is `entered` or `exited`). */
const MOVE_EVENT = `CASE x.dir WHEN 'entered' THEN '${SEGMENT_ENTERED}' ELSE '${SEGMENT_EXITED}' END`;

export interface SyncResult {
  entered: number;
  exited: number;
}

/** Serialise membership writes of one segment across processes (transaction-scoped). */
async function lockSegment(tx: Queryable, workspaceId: number, segmentId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.segment}, hashtext($1::text || ':' || $2::text))`, [String(workspaceId), segmentId]);
}

/**
 * Of these segments, the ones whose memberships another transaction is writing now (a full
 * computation holds its segment's lock from its diff to its commit). The others' locks are
 * taken, until this transaction ends, so none of them starts its diff before this
 * transaction has committed.
 */
export async function segmentsBusy(tx: Queryable, workspaceId: number, segmentIds: readonly string[]): Promise<string[]> {
  if (segmentIds.length === 0) return [];
  const { rows } = await tx.query<{ id: string; taken: boolean }>(
    `SELECT x.id, pg_try_advisory_xact_lock(${LOCK.segment}, hashtext($1::text || ':' || x.id)) AS taken FROM (SELECT unnest($2::text[]) AS id ORDER BY 1) x`,
    [String(workspaceId), [...segmentIds]],
  );
  return rows.filter((r) => !r.taken).map((r) => r.id);
}

/**
 * Bring a dynamic segment's stored membership in line with its condition at `now`, for
 * every customer of the workspace (`ids` null: the full computation) or only these
 * customers (the ones an event just touched). In one statement: the matching customers
 * are worked out by the condition compiled to SQL; those not yet members enter, members
 * who no longer match exit; each entry opens a stay in `segment_history`, each exit
 * closes it, and each writes a `Segment Entered` / `Segment Exited` event (type
 * `tenure`) on the customer's timeline. Call inside a transaction.
 */
export async function syncMembers(tx: Queryable, seg: StoredSegment, now: Date, ids: number[] | null): Promise<SyncResult> {
  if (seg.kind !== 'dynamic' || !seg.condition) return { entered: 0, exited: 0 };
  if (ids && ids.length === 0) return { entered: 0, exited: 0 };
  // $1 workspace, $2 segment, $3 now, $4 segment name, $5 ids (or null); the condition's own parameters follow.
  const params: unknown[] = [seg.workspaceId, seg.id, now.toISOString(), seg.name, ids];
  const [table, alias] = seg.scope === 'account' ? ['accounts', 'a'] : ['customers', 'c'];
  const cond = compileCondition(seg.condition, { now, params, customer: alias, subject: seg.scope });
  const only = ids ? ` AND ${alias}.id = ANY($5::bigint[])` : ` AND $5::bigint[] IS NULL`;
  return applyTarget(tx, seg, `SELECT ${alias}.id FROM ${table} ${alias} WHERE ${alias}.workspace_id = $1${only} AND ${cond}`, params);
}

/**
 * Make a static segment's members exactly these customers (ids of the workspace; others
 * are ignored), with entries, exits, history and timeline events as for dynamic ones.
 */
export async function setStaticMembers(tx: Queryable, seg: StoredSegment, now: Date, customerIds: number[]): Promise<SyncResult> {
  if (seg.kind !== 'static') throw new Error(`segment ${seg.id} is not a static list`);
  const params: unknown[] = [seg.workspaceId, seg.id, now.toISOString(), seg.name, null, customerIds];
  return applyTarget(tx, seg, `SELECT c.id FROM customers c WHERE c.workspace_id = $1 AND c.id = ANY($6::bigint[])`, params);
}

/**
 * The membership diff of one segment against `target`, a query of customer ids ($1
 * workspace, $2 segment, $3 now, $4 name, $5 the customers considered, or null for all).
 */
async function applyTarget(tx: Queryable, seg: StoredSegment, target: string, params: unknown[]): Promise<SyncResult> {
  await lockSegment(tx, seg.workspaceId, seg.id);
  const ids = params[4] as number[] | null;
  const only = (col: string) => (ids ? ` AND ${col} = ANY($5::bigint[])` : ` AND $5::bigint[] IS NULL`);
  // Customers get Segment Entered / Exited on their timeline; accounts have no timeline of their own.
  const timeline =
    seg.scope === 'account'
      ? 'SELECT 1 WHERE $4::text IS NULL AND false' // ($4, the name, still needs a type)
      : timelineInsertSql({
          workspaceId: '$1',
          customerId: 'x.customer_id',
          messageId: timelineIdSql('segment', { segment: '$2::text', customer: 'x.customer_id', ms: epochMsSql('$3::timestamptz'), dir: 'x.dir' }),
          event: MOVE_EVENT,
          userId: 'c.user_id',
          at: '$3::timestamptz',
          properties: `jsonb_build_object('segmentId', $2::text, 'segmentName', $4::text)`,
          from: 'moves x JOIN customers c ON c.id = x.customer_id',
          returning: '1',
        });
  const { rows } = await tx.query<{ entered: number; exited: number }>(
    `WITH target AS MATERIALIZED (${target}),
     gone AS (
       DELETE FROM segment_members m WHERE m.workspace_id = $1 AND m.segment_id = $2${only('m.customer_id')}
         AND NOT EXISTS (SELECT 1 FROM target t WHERE t.id = m.customer_id)
       RETURNING m.customer_id
     ),
     came AS (
       INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at)
       SELECT $1, $2, t.id, $3::timestamptz FROM target t
        WHERE NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.workspace_id = $1 AND m.segment_id = $2 AND m.customer_id = t.id)
       RETURNING customer_id
     ),
     closed AS (
       UPDATE segment_history h SET exited_at = $3::timestamptz FROM gone g
        WHERE h.workspace_id = $1 AND h.segment_id = $2 AND h.customer_id = g.customer_id AND h.exited_at IS NULL
       RETURNING 1
     ),
     opened AS (
       INSERT INTO segment_history (workspace_id, segment_id, customer_id, entered_at) SELECT $1, $2, customer_id, $3::timestamptz FROM came
       RETURNING 1
     ),
     moves AS (
       SELECT customer_id, 'entered' AS dir FROM came UNION ALL SELECT customer_id, 'exited' FROM gone
     ),
     timeline AS (${timeline}
     )
     SELECT (SELECT count(*) FROM came)::int AS entered, (SELECT count(*) FROM gone)::int AS exited,
            (SELECT count(*) FROM closed)::int + (SELECT count(*) FROM opened)::int + (SELECT count(*) FROM timeline)::int AS writes`,
    params,
  );
  return { entered: rows[0]!.entered, exited: rows[0]!.exited };
}

/**
 * Work out a segment's whole membership now (after it is created or edited, and by the
 * sweep for segments that change with time). Returns null when the segment is gone.
 */
export async function computeSegment(db: Db, workspaceId: number, segmentId: string, now: Date): Promise<(SyncResult & { version: number }) | null> {
  return db.transaction(async (tx) => {
    const seg = await getSegment(tx, workspaceId, segmentId, { forUpdate: true });
    if (!seg) return null;
    // The diff of a whole segment joins thousands of members with thousands of matches:
    // hash joins are right whatever the statistics say. With stale statistics (a segment
    // just filled, autovacuum not there yet) the planner was seen to pick a nested loop
    // comparing every pair: 1.5 s instead of a few ms for 4,672 unchanged members.
    await tx.query(`SET LOCAL enable_nestloop = off`);
    const r = await syncMembers(tx, seg, now, null);
    await tx.query(`UPDATE segments SET computed_version = $3, computed_at = $4 WHERE workspace_id = $1 AND id = $2`, [workspaceId, segmentId, seg.version, now.toISOString()]);
    return { ...r, version: seg.version };
  });
}

/**
 * Re-evaluate many segments of one scope for a few subjects (the customers a batch of
 * events touched, or their accounts) and bring every membership that changed up to date.
 * The subjects' facts are loaded once (only what the conditions can read at `now`: see
 * `momentPlan`) and every condition
 * is decided in memory by the same evaluator the stage engine uses (held to the SQL
 * compiler by the property test); the decisions that differ from the stored memberships
 * are written together, in one statement. Segments reading other segments are decided
 * after those they read and see this batch's decisions. With `changes`, a segment is decided only for the subjects
 * whose changes it reads. `exclusive` (PGlite's one session: no other transaction can run
 * beside this one) skips the locks and checks that keep concurrent writers apart.
 */
export async function syncMany(tx: Queryable, segs: StoredSegment[], now: Date, ids: number[], changes?: Map<number, Set<string>>, opts: { exclusive?: boolean } = {}): Promise<SyncResult> {
  const total: SyncResult = { entered: 0, exited: 0 };
  const live = segs.filter((s) => s.condition !== null);
  if (ids.length === 0 || live.length === 0) return total;
  const workspaceId = live[0]!.workspaceId;
  const scope = live[0]!.scope;
  const relevant = new Map(live.map((s) => [s.id, changes ? ids.filter((id) => reads(s, changes.get(id))) : ids]));
  const wanted = [...new Set(live.flatMap((s) => relevant.get(s.id)!))].sort((x, y) => x - y);
  if (wanted.length === 0) return total;
  // Two workers evaluating one subject must not write decisions in the opposite order to
  // their reads (the later read's decision must win): each holds its subjects from the
  // read of their facts to the commit, in id order so two batches cannot deadlock.
  if (!opts.exclusive) {
    await tx.query(`SELECT pg_advisory_xact_lock($1::int, l.k) FROM (SELECT DISTINCT (id % 2147483647)::int AS k FROM unnest($2::bigint[]) id ORDER BY 1) l`, [
      scope === 'customer' ? LOCK.segmentCustomer : LOCK.segmentAccount,
      wanted,
    ]);
  }
  // Memberships always: they are what each decision is compared with.
  const facts = await loadMomentFacts(
    tx,
    workspaceId,
    scope,
    wanted,
    {
      ...momentPlan(
        live.map((s) => s.condition!),
        now,
      ),
      segments: true,
    },
    now,
  );
  const slice = new TimeSlice();
  const index = new Map<number, FactIndex>();
  for (const [id, f] of facts) {
    if (slice.due) await slice.pause();
    index.set(id, new FactIndex(f));
  }
  const nowMs = now.getTime();
  const enter: Array<[string, number]> = [];
  const leave: Array<[string, number]> = [];
  for (const level of dependencyLevels(live)) {
    for (const seg of level) {
      const test = prepare(seg.condition!);
      for (const id of relevant.get(seg.id)!) {
        if (slice.due) await slice.pause();
        const ix = index.get(id);
        const member = facts.get(id)?.segments?.has(seg.id) ?? false;
        const hit = ix ? test.test(ix, nowMs) : false; // a subject gone meanwhile is in nothing
        if (hit === member) continue;
        (hit ? enter : leave).push([seg.id, id]);
        // What later levels read: the memberships as now decided.
        const set = facts.get(id)?.segments as Set<string> | undefined;
        if (hit) set?.add(seg.id);
        else set?.delete(seg.id);
      }
    }
  }
  // Subjects gone meanwhile (merged away, deleted) leave whatever they were still in.
  const gone = wanted.filter((id) => !facts.has(id));
  if (gone.length > 0) {
    const { rows } = await tx.query<RowPick<typeof schema.segmentMembers, 'segment_id' | 'customer_id'>>(
      `SELECT segment_id, customer_id FROM segment_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND segment_id = ANY($3::text[])`,
      [workspaceId, gone, live.map((s) => s.id)],
    );
    for (const r of rows) leave.push([r.segment_id, r.customer_id]);
  }
  return applyDecisions(tx, workspaceId, scope, now, enter, leave, opts.exclusive ? null : new Map(live.map((s) => [s.id, s.version])));
}

/**
 * Write membership decisions of many segments at once: (segment, subject) pairs entering
 * and leaving, with their history and (customers) timeline events, in one statement,
 * after `guardDecisions` (unless `versions` is null); a pair already as decided (another
 * worker got there first) is left alone.
 */
async function applyDecisions(
  tx: Queryable,
  workspaceId: number,
  scope: 'customer' | 'account',
  now: Date,
  enter: Array<[string, number]>,
  leave: Array<[string, number]>,
  /** The versions decided with; null when nothing can run beside this transaction (PGlite: one session), so no locks or checks are needed. */
  versions: Map<string, number> | null,
): Promise<SyncResult> {
  if (enter.length === 0 && leave.length === 0) return { entered: 0, exited: 0 };
  if (versions) ({ enter, leave } = await guardDecisions(tx, workspaceId, scope, enter, leave, versions));
  if (enter.length === 0 && leave.length === 0) return { entered: 0, exited: 0 };
  const timeline =
    scope === 'account'
      ? 'SELECT 1 WHERE false'
      : timelineInsertSql({
          workspaceId: '$1',
          customerId: 'x.customer_id',
          messageId: timelineIdSql('segment', { segment: 'x.segment_id', customer: 'x.customer_id', ms: epochMsSql('$2::timestamptz'), dir: 'x.dir' }),
          event: MOVE_EVENT,
          userId: 'c.user_id',
          at: '$2::timestamptz',
          properties: `jsonb_build_object('segmentId', x.segment_id, 'segmentName', s.name)`,
          from: 'moves x JOIN customers c ON c.id = x.customer_id JOIN segments s ON s.workspace_id = $1 AND s.id = x.segment_id',
          returning: '1',
        });
  const { rows } = await tx.query<{ entered: number; exited: number }>(
    `WITH came AS (
       INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at)
       SELECT $1, x.segment_id, x.customer_id, $2::timestamptz FROM unnest($3::text[], $4::bigint[]) AS x(segment_id, customer_id)
       ON CONFLICT DO NOTHING
       RETURNING segment_id, customer_id
     ),
     gone AS (
       DELETE FROM segment_members m USING unnest($5::text[], $6::bigint[]) AS x(segment_id, customer_id)
        WHERE m.workspace_id = $1 AND m.segment_id = x.segment_id AND m.customer_id = x.customer_id
       RETURNING m.segment_id, m.customer_id
     ),
     closed AS (
       UPDATE segment_history h SET exited_at = $2::timestamptz FROM gone g
        WHERE h.workspace_id = $1 AND h.segment_id = g.segment_id AND h.customer_id = g.customer_id AND h.exited_at IS NULL
       RETURNING 1
     ),
     opened AS (
       INSERT INTO segment_history (workspace_id, segment_id, customer_id, entered_at) SELECT $1, segment_id, customer_id, $2::timestamptz FROM came
       RETURNING 1
     ),
     moves AS (
       SELECT segment_id, customer_id, 'entered' AS dir FROM came UNION ALL SELECT segment_id, customer_id, 'exited' FROM gone
     ),
     timeline AS (${timeline})
     SELECT (SELECT count(*) FROM came)::int AS entered, (SELECT count(*) FROM gone)::int AS exited,
            (SELECT count(*) FROM closed)::int + (SELECT count(*) FROM opened)::int + (SELECT count(*) FROM timeline)::int AS writes`,
    [workspaceId, now.toISOString(), enter.map(([s]) => s), enter.map(([, c]) => c), leave.map(([s]) => s), leave.map(([, c]) => c)],
  );
  return { entered: rows[0]!.entered, exited: rows[0]!.exited };
}

/**
 * Keep decisions apart from other writers: the segments' locks (against full
 * computations), dropping segments edited since `versions`, and holding the customers
 * entering against merges. Returns the decisions that still stand.
 */
async function guardDecisions(
  tx: Queryable,
  workspaceId: number,
  scope: 'customer' | 'account',
  enter: Array<[string, number]>,
  leave: Array<[string, number]>,
  versions: Map<string, number>,
): Promise<{ enter: Array<[string, number]>; leave: Array<[string, number]> }> {
  const segIds = [...new Set([...enter, ...leave].map(([s]) => s))].sort();
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK.segment}, hashtext($1::text || ':' || x.id)) FROM (SELECT unnest($2::text[]) AS id ORDER BY 1) x`, [String(workspaceId), segIds]);
  // Under the segments' locks: a segment edited (or deleted) since these decisions were
  // made is being worked out in full by its job, with its new condition; leave it to that.
  const { rows: current } = await tx.query<RowPick<typeof schema.segments, 'id' | 'version'>>(
    `SELECT id, version FROM segments WHERE workspace_id = $1 AND id = ANY($2::text[]) AND computed_version = version`,
    [workspaceId, segIds],
  );
  const still = new Set(current.filter((r) => versions.get(r.id) === r.version).map((r) => r.id));
  if (still.size < segIds.length) {
    enter = enter.filter(([sid]) => still.has(sid));
    leave = leave.filter(([sid]) => still.has(sid));
  }
  if (scope === 'customer' && enter.length > 0) {
    // A customer may have been merged away since their facts were read (a merge moves the
    // memberships, then deletes the row): hold those entering as ingestion holds the
    // customers it appends to (FOR KEY SHARE: a merge holds the customer it deletes FOR
    // UPDATE before it moves anything) and enter only those still there.
    // Without this, a worker racing a merge left memberships of customers gone.
    const alive = await holdCustomers(tx, workspaceId, [...new Set(enter.map(([, c]) => c))]);
    enter = enter.filter(([, c]) => alive.has(c));
  }
  return { enter, leave };
}

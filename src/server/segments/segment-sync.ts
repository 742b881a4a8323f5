import { segmentRefs } from '../../contracts/segment-definition.js';
import type { Db, Queryable } from '../db/client.js';
import { compileCondition } from '../rules/compile-sql.js';
import { getSegment, type StoredSegment } from './segments.repo.js';

/** The events Tenure writes on a customer's timeline when they enter or leave a segment. */
export const SEGMENT_ENTERED = 'Segment Entered';
export const SEGMENT_EXITED = 'Segment Exited';

export interface SyncResult {
  entered: number;
  exited: number;
}

/** Serialise membership writes of one segment across processes (transaction-scoped). */
async function lockSegment(tx: Queryable, workspaceId: number, segmentId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(30401, hashtext($1::text || ':' || $2::text))`, [String(workspaceId), segmentId]);
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
  await lockSegment(tx, seg.workspaceId, seg.id);
  // $1 workspace, $2 segment, $3 now, $4 segment name, $5 ids (or null); the condition's own parameters follow.
  const params: unknown[] = [seg.workspaceId, seg.id, now.toISOString(), seg.name, ids];
  const cond = compileCondition(seg.condition, { now, params });
  const only = (col: string) => (ids ? ` AND ${col} = ANY($5::bigint[])` : ` AND $5::bigint[] IS NULL`);
  const { rows } = await tx.query<{ entered: number; exited: number }>(
    `WITH target AS MATERIALIZED (
       SELECT c.id FROM customers c WHERE c.workspace_id = $1${only('c.id')} AND ${cond}
     ),
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
     timeline AS (
       INSERT INTO events (workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context)
       SELECT $1, x.customer_id, 'tenure:segment:' || $2::text || ':' || x.customer_id || ':' || (extract(epoch FROM $3::timestamptz) * 1000)::bigint || ':' || x.dir,
              'tenure', CASE x.dir WHEN 'entered' THEN '${SEGMENT_ENTERED}' ELSE '${SEGMENT_EXITED}' END, c.user_id, $3::timestamptz, $3::timestamptz,
              jsonb_build_object('segmentId', $2::text, 'segmentName', $4::text), '{"library":{"name":"tenure"}}'::jsonb
         FROM moves x JOIN customers c ON c.id = x.customer_id
       ON CONFLICT (workspace_id, message_id) DO NOTHING
       RETURNING 1
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
    const r = await syncMembers(tx, seg, now, null);
    await tx.query(`UPDATE segments SET computed_version = $3, computed_at = $4 WHERE workspace_id = $1 AND id = $2`, [workspaceId, segmentId, seg.version, now.toISOString()]);
    return { ...r, version: seg.version };
  });
}

/**
 * Order segments so that each comes after the segments its condition reads (`inSegment`),
 * for evaluating them in one pass. Segments in a cycle (refused when saved) keep their place.
 */
export function dependencyOrder(segs: StoredSegment[]): StoredSegment[] {
  const byId = new Map(segs.map((s) => [s.id, s]));
  const out: StoredSegment[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: StoredSegment) => {
    if (state.has(s.id)) return;
    state.set(s.id, 'visiting');
    for (const ref of s.condition ? segmentRefs(s.condition) : []) {
      const dep = byId.get(ref);
      if (dep) visit(dep);
    }
    state.set(s.id, 'done');
    out.push(s);
  };
  for (const s of segs) visit(s);
  return out;
}

import { orderValueSql } from '../analytics/order-value.js';
import type { Condition } from '../../contracts/condition.js';
import type { Db, Queryable } from '../db/client.js';
import { computeSegment } from './segment-sync.js';
import { getSegment, insertSegment } from './segments.repo.js';
import { EV } from '../../contracts/events.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * RFM: recency, frequency and monetary scores of every buyer, from order events.
 *
 * - Recency: the time of the customer's last order; frequency: how many orders;
 *   monetary: the sum of their orders' values (the one order value, analytics/order-value.ts;
 *   an order stating none counts 0).
 * - Each is scored 1–5 among the workspace's buyers (customers with at least one order;
 *   others have no RFM): buyers sorted ascending (for recency: oldest last order first),
 *   a buyer's score is the fifth of that order in which their value first appears —
 *   `1 + floor(5 × percent_rank)`, capped at 5 — so equal values share a score, the lower
 *   one. With 10 buyers of distinct values the scores are 1,1,2,2,3,3,4,4,5,5; when most
 *   buyers ordered once, they all have F = 1.
 * - The scores are stored as `rfm_r`, `rfm_f`, `rfm_m` in customer_scores (readable by
 *   the `score` leaf of any condition).
 * - The named groups follow the usual R × F grid (M is not used for the groups):
 *
 *   | R \ F | 1          | 2                  | 3                  | 4          | 5          |
 *   |-------|------------|--------------------|--------------------|------------|------------|
 *   | 5     | new        | potential loyalist | potential loyalist | champions  | champions  |
 *   | 4     | promising  | potential loyalist | potential loyalist | loyal      | loyal      |
 *   | 3     | about to sleep | about to sleep | need attention     | loyal      | loyal      |
 *   | 2     | hibernating | hibernating       | at risk            | at risk    | can't lose |
 *   | 1     | lost       | hibernating        | at risk            | at risk    | can't lose |
 *
 *   Each group is a built-in segment (`rfm_champions`, …) whose condition is the cells'
 *   score tests, so it has members, history, entry/exit events and CSV export like any.
 */

export const RFM_ORDER_EVENT = EV.orderCompleted;

type Cell = [r: number[], f: number[]];

interface RfmGroup {
  key: string;
  name: string;
  description: string;
  cells: Cell[];
}

export const RFM_GROUPS: RfmGroup[] = [
  { key: 'champions', name: 'Champions', description: 'Bought recently and often', cells: [[[5], [4, 5]]] },
  {
    key: 'loyal',
    name: 'Loyal',
    description: 'Buy often; bought not long ago',
    cells: [
      [
        [3, 4],
        [4, 5],
      ],
    ],
  },
  {
    key: 'potential_loyalists',
    name: 'Potential loyalists',
    description: 'Recent buyers with a few orders',
    cells: [
      [
        [4, 5],
        [2, 3],
      ],
    ],
  },
  { key: 'new', name: 'New customers', description: 'Bought for the first time, recently', cells: [[[5], [1]]] },
  { key: 'promising', name: 'Promising', description: 'Recent, one order', cells: [[[4], [1]]] },
  { key: 'need_attention', name: 'Need attention', description: 'Middling recency and frequency', cells: [[[3], [3]]] },
  { key: 'about_to_sleep', name: 'About to sleep', description: 'Few orders, and not lately', cells: [[[3], [1, 2]]] },
  {
    key: 'at_risk',
    name: 'At risk (RFM)',
    description: 'RFM group: bought fairly often, but long ago (not the at-risk lifecycle stage)',
    cells: [
      [
        [1, 2],
        [3, 4],
      ],
    ],
  },
  { key: 'cant_lose', name: "Can't lose them", description: 'Among the most frequent buyers, gone quiet', cells: [[[1, 2], [5]]] },
  {
    key: 'hibernating',
    name: 'Hibernating',
    description: 'Few orders, long ago',
    cells: [
      [[2], [1, 2]],
      [[1], [2]],
    ],
  },
  { key: 'lost', name: 'Lost', description: 'One order, longest ago', cells: [[[1], [1]]] },
];

export const rfmSegmentId = (key: string) => `rfm_${key}`;
export const isRfmSegment = (id: string) => RFM_GROUPS.some((g) => rfmSegmentId(g.key) === id);

/** The group of an (R, F) pair. */
export function rfmGroup(r: number, f: number): string {
  const g = RFM_GROUPS.find((x) => x.cells.some(([rs, fs]) => rs.includes(r) && fs.includes(f)));
  if (!g) throw new Error(`no RFM group for R${r} F${f}`);
  return g.key;
}

const oneOf = (name: string, values: number[]): Condition =>
  values.length === 1
    ? { score: { name, op: 'eq', value: values[0]! } }
    : { all: [{ score: { name, op: 'gte', value: Math.min(...values) } }, { score: { name, op: 'lte', value: Math.max(...values) } }] };

/** A group as a condition on the stored scores. */
export function rfmCondition(g: RfmGroup): Condition {
  const cells = g.cells.map(([r, f]): Condition => ({ all: [oneOf('rfm_r', r), oneOf('rfm_f', f)] }));
  return cells.length === 1 ? cells[0]! : { any: cells };
}

export interface RfmRun {
  computedAt: Date;
  buyers: number;
  /** Per dimension, the smallest value scoring 2, 3, 4, 5 (recency as an ISO time). */
  boundaries: { recency: Array<string | null>; frequency: Array<number | null>; monetary: Array<number | null> };
}

/**
 * Score every buyer of the workspace as of `now` (one statement; only changed scores are
 * written), and record the run. Call `refreshRfmSegments` after to move the groups.
 */
export async function computeRfm(db: Queryable, workspaceId: number, now: Date): Promise<RfmRun> {
  const { rows } = await db.query<{ buyers: number; boundaries: RfmRun['boundaries'] }>(
    `WITH orders AS MATERIALIZED (
       SELECT e.customer_id, max(e.timestamp) AS last_at, count(*)::int AS n,
              COALESCE(sum(${orderValueSql('e')}), 0) AS spent
         FROM events e JOIN customers c ON c.id = e.customer_id
        WHERE e.workspace_id = $1 AND e.event = $2 AND e.timestamp <= $3 AND c.workspace_id = $1
        GROUP BY e.customer_id
     ),
     scored AS MATERIALIZED (
       SELECT customer_id, last_at, n, spent,
              least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY last_at)))::int AS r,
              least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY n)))::int AS f,
              least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY spent)))::int AS m
         FROM orders
     ),
     cells AS (
       SELECT customer_id, 'rfm_r' AS name, r AS v FROM scored
       UNION ALL SELECT customer_id, 'rfm_f', f FROM scored
       UNION ALL SELECT customer_id, 'rfm_m', m FROM scored
     ),
     written AS (
       INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
       SELECT $1, customer_id, name, to_jsonb(v), $3 FROM cells
       ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value, computed_at = EXCLUDED.computed_at
        WHERE customer_scores.value IS DISTINCT FROM EXCLUDED.value
       RETURNING 1
     ),
     dropped AS (
       DELETE FROM customer_scores x WHERE x.workspace_id = $1 AND x.name IN ('rfm_r', 'rfm_f', 'rfm_m')
         AND NOT EXISTS (SELECT 1 FROM scored s WHERE s.customer_id = x.customer_id)
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM scored)::int AS buyers,
            json_build_object(
              'recency', (SELECT json_agg((SELECT min(last_at) FROM scored WHERE r >= k) ORDER BY k) FROM generate_series(2, 5) k),
              'frequency', (SELECT json_agg((SELECT min(n) FROM scored WHERE f >= k) ORDER BY k) FROM generate_series(2, 5) k),
              'monetary', (SELECT json_agg((SELECT min(spent) FROM scored WHERE m >= k) ORDER BY k) FROM generate_series(2, 5) k)
            ) AS boundaries,
            (SELECT count(*) FROM written) + (SELECT count(*) FROM dropped) AS writes`,
    [workspaceId, RFM_ORDER_EVENT, now.toISOString()],
  );
  const run: RfmRun = { computedAt: now, buyers: rows[0]!.buyers, boundaries: rows[0]!.boundaries };
  await db.query(
    `INSERT INTO rfm_runs (workspace_id, computed_at, buyers, boundaries) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (workspace_id) DO UPDATE SET computed_at = EXCLUDED.computed_at, buyers = EXCLUDED.buyers, boundaries = EXCLUDED.boundaries`,
    [workspaceId, now.toISOString(), run.buyers, JSON.stringify(run.boundaries)],
  );
  return run;
}

export async function lastRfmRun(db: Queryable, workspaceId: number): Promise<RfmRun | null> {
  const { rows } = await db.query<RowPick<typeof schema.rfmRuns, 'computed_at' | 'buyers' | 'boundaries', { boundaries: RfmRun['boundaries'] }>>(
    `SELECT computed_at, buyers, boundaries FROM rfm_runs WHERE workspace_id = $1`,
    [workspaceId],
  );
  return rows[0] ? { computedAt: rows[0].computed_at, buyers: rows[0].buyers, boundaries: rows[0].boundaries } : null;
}

/** Make sure the built-in group segments exist, then work out their members from the stored scores. */
export async function refreshRfmSegments(db: Db, workspaceId: number, now: Date): Promise<void> {
  for (const g of RFM_GROUPS) {
    const id = rfmSegmentId(g.key);
    if (!(await getSegment(db, workspaceId, id))) {
      await insertSegment(db, workspaceId, id, { name: `RFM: ${g.name}`, description: g.description, condition: rfmCondition(g) }).catch(async (err: unknown) => {
        if (!(await getSegment(db, workspaceId, id))) throw err; // another process made it meanwhile: fine
      });
    }
    await computeSegment(db, workspaceId, id, now);
  }
}

/** Score everyone and move the groups: what the sweep, the API and the demo run. */
export async function runRfm(db: Db, workspaceId: number, now: Date): Promise<RfmRun> {
  const run = await db.transaction((tx) => computeRfm(tx, workspaceId, now));
  await refreshRfmSegments(db, workspaceId, now);
  return run;
}

/** Buyers per group now, with each group's mean recency (days), frequency and monetary value. */
export async function rfmDistribution(db: Queryable, workspaceId: number, now: Date) {
  const { rows } = await db.query<RowPick<typeof schema.segmentMembers, 'segment_id'> & { n: number; recency_days: number | null; frequency: number | null; monetary: number | null }>(
    `SELECT m.segment_id, count(*)::int AS n,
            avg(extract(epoch FROM ($3::timestamptz - o.last_at)) / 86400)::float8 AS recency_days, avg(o.n)::float8 AS frequency, avg(o.spent)::float8 AS monetary
       FROM segment_members m
       JOIN LATERAL (
         SELECT max(e.timestamp) AS last_at, count(*) AS n,
                COALESCE(sum(${orderValueSql('e')}), 0) AS spent
           FROM events e WHERE e.customer_id = m.customer_id AND e.event = $4 AND e.timestamp <= $3
       ) o ON true
      WHERE m.workspace_id = $1 AND m.segment_id = ANY($2::text[])
      GROUP BY m.segment_id`,
    [workspaceId, RFM_GROUPS.map((g) => rfmSegmentId(g.key)), now.toISOString(), RFM_ORDER_EVENT],
  );
  const by = new Map(rows.map((r) => [r.segment_id, r]));
  const total = rows.reduce((n, r) => n + r.n, 0);
  const round = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? null : Math.round(v * 10 ** d) / 10 ** d);
  return RFM_GROUPS.map((g) => {
    const r = by.get(rfmSegmentId(g.key));
    return {
      key: g.key,
      name: g.name,
      segmentId: rfmSegmentId(g.key),
      count: r?.n ?? 0,
      share: total > 0 ? round((r?.n ?? 0) / total, 4)! : 0,
      recencyDays: round(r?.recency_days),
      frequency: round(r?.frequency, 2),
      monetary: round(r?.monetary, 2),
    };
  });
}

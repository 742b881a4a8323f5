import { bucketOf, fromBuckets, inSlice, momentsOf, n, numProp, rangeOf, ratio, Sql, type Computed, type MetricContext } from './query.js';
import { newCustomers } from './revenue-metrics.js';

/**
 * Retention KPIs: churn and retention from the lifecycle history (stage_transitions),
 * stage-to-stage conversion, and subscription revenue (MRR and its churn) from
 * `Subscription Started/Updated/Cancelled` events.
 */

const churnedStage = (c: MetricContext) => String(c.params.churnedStage ?? 'churned');

/**
 * Paying customers not churned at each moment (range start, then each period's end), and
 * how many of those at each period's (and the range's) start moved to churned within it.
 */
async function churnCounts(c: MetricContext): Promise<{ alive: number[]; churned: number[]; churnedTotal: number }> {
  const q = new Sql();
  const ws = q.p(c.workspaceId);
  const stage = q.p(churnedStage(c));
  const moments = momentsOf(c);
  // Windows: period i is (moment i-1, moment i); the last row is the whole range.
  const starts = [...moments.slice(0, -1), moments[0]!];
  const ends = [...moments.slice(1), moments[moments.length - 1]!];
  const { rows } = await c.db.query<{ kind: string; i: number; k: string }>(
    `WITH t AS (
       SELECT subject_id AS c, to_stage, at, lead(at) OVER (PARTITION BY subject_id ORDER BY at, id) AS nxt
         FROM stage_transitions
        WHERE workspace_id = ${ws} AND scope = 'customer'
          AND subject_id IN (SELECT subject_id FROM stage_transitions WHERE workspace_id = ${ws} AND scope = 'customer' AND to_stage = ${stage})
     ),
     stays AS MATERIALIZED (SELECT c, at AS s, coalesce(nxt, 'infinity'::timestamptz) AS e FROM t WHERE to_stage = ${stage}),
     paying AS MATERIALIZED (SELECT a.customer_id, a.first_order_at FROM analytics_customers a WHERE a.workspace_id = ${ws} AND a.first_order_at IS NOT NULL${inSlice(q, c, 'a.customer_id')}),
     m AS (SELECT * FROM unnest(${q.p(moments, 'timestamptz[]')}) WITH ORDINALITY AS m(t, i)),
     w AS (SELECT * FROM unnest(${q.p(starts, 'timestamptz[]')}, ${q.p(ends, 'timestamptz[]')}) WITH ORDINALITY AS w(s, e, i))
     SELECT 'alive' AS kind, m.i, count(p.customer_id) AS k
       FROM m LEFT JOIN paying p ON p.first_order_at < m.t AND NOT EXISTS (SELECT 1 FROM stays st WHERE st.c = p.customer_id AND st.s <= m.t AND st.e > m.t)
      GROUP BY m.i
     UNION ALL
     SELECT 'churned', w.i, count(p.customer_id)
       FROM w LEFT JOIN paying p ON p.first_order_at < w.s
            AND NOT EXISTS (SELECT 1 FROM stays st WHERE st.c = p.customer_id AND st.s <= w.s AND st.e > w.s)
            AND EXISTS (SELECT 1 FROM stays st WHERE st.c = p.customer_id AND st.s >= w.s AND st.s < w.e)
      GROUP BY w.i`,
    q.args,
  );
  const alive = moments.map(() => 0);
  const churned = c.periods.map(() => 0);
  let churnedTotal = 0;
  for (const r of rows) {
    const i = Number(r.i) - 1;
    if (r.kind === 'alive') alive[i] = n(r.k);
    else if (i < c.periods.length) churned[i] = n(r.k);
    else churnedTotal = n(r.k);
  }
  return { alive, churned, churnedTotal };
}

export async function churnRate(c: MetricContext): Promise<Computed> {
  const k = await churnCounts(c);
  return { series: c.periods.map((_, i) => ratio(k.churned[i], k.alive[i], 100)), total: ratio(k.churnedTotal, k.alive[0], 100) };
}

export async function retentionRate(c: MetricContext): Promise<Computed> {
  const [k, fresh] = await Promise.all([churnCounts(c), newCustomers(c)]);
  const rate = (s: number, e: number, nNew: number | null) => ratio(e - (nNew ?? 0), s, 100);
  return {
    series: c.periods.map((_, i) => rate(k.alive[i]!, k.alive[i + 1]!, fresh.series[i]!)),
    total: rate(k.alive[0]!, k.alive[k.alive.length - 1]!, fresh.total),
  };
}

export async function conversionRate(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const ws = q.p(c.workspaceId);
  const within = Number(c.params.within ?? 30);
  const { rows } = await c.db.query<{ b: number | null; entered: string; converted: string }>(
    `WITH f AS (SELECT subject_id AS c, min(at) AS at FROM stage_transitions WHERE workspace_id = ${ws} AND scope = 'customer' AND to_stage = ${q.p(String(c.params.from ?? 'engagement'))} GROUP BY subject_id)
     SELECT b, count(*) AS entered, count(*) FILTER (WHERE converted) AS converted FROM (
       SELECT ${bucketOf(q, c, 'f.at')} AS b,
              EXISTS (SELECT 1 FROM stage_transitions t WHERE t.workspace_id = ${ws} AND t.scope = 'customer' AND t.subject_id = f.c AND t.to_stage = ${q.p(String(c.params.to ?? 'conversion'))}
                         AND t.at >= f.at AND t.at <= f.at + ${q.p(within)} * interval '1 day') AS converted
         FROM f WHERE f.at >= ${q.p(r.startAt)} AND f.at < ${q.p(r.endAt)}${inSlice(q, c, 'f.c')}) x
     GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => ratio(n(row?.converted), n(row?.entered), 100));
}

interface SubscriptionWindow {
  /** MRR at each moment. */
  mrr: number[];
  /** Per window (each period, then the whole range): subscriptions active at its start, their MRR at start and end, MRR lost, and how many grew. */
  windows: Array<{ count: number; start: number; end: number; lost: number; grew: number }>;
}

/**
 * Subscription MRR over time: each subscription (a customer's, or per `subscription_id`) has
 * the amount of its latest Started/Updated event, 0 after a Cancelled one; an Updated event
 * without an `mrr` leaves the amount as it was.
 */
async function subscriptions(c: MetricContext): Promise<SubscriptionWindow> {
  const q = new Sql();
  const moments = momentsOf(c);
  const pairsFrom = [...moments.slice(0, -1).map((_, i) => i + 1), 1];
  const pairsTo = [...moments.slice(1).map((_, i) => i + 2), moments.length];
  const { rows } = await c.db.query<{ kind: string; i: number; count: string; start: string | null; end_mrr: string | null; lost: string | null; grew: string }>(
    `WITH ev AS (
       SELECT e.customer_id AS c, coalesce(e.properties->>'subscription_id', '') AS k, e.timestamp AS at, e.id,
              CASE WHEN e.event = 'Subscription Cancelled' THEN 0 ELSE coalesce(${numProp('e', 'mrr')}, 0) END AS mrr
         FROM events e
        WHERE e.workspace_id = ${q.p(c.workspaceId)} AND e.event IN ('Subscription Started', 'Subscription Updated', 'Subscription Cancelled')
          AND NOT (e.event = 'Subscription Updated' AND ${numProp('e', 'mrr')} IS NULL)
          AND e.timestamp < ${q.p(moments[moments.length - 1])}${inSlice(q, c, 'e.customer_id')}
     ),
     iv AS (SELECT c, k, at, mrr, lead(at) OVER (PARTITION BY c, k ORDER BY at, id) AS nxt FROM ev),
     m AS (SELECT * FROM unnest(${q.p(moments, 'timestamptz[]')}) WITH ORDINALITY AS m(t, i)),
     st AS MATERIALIZED (SELECT m.i, iv.c, iv.k, iv.mrr FROM m JOIN iv ON iv.at < m.t AND (iv.nxt IS NULL OR iv.nxt >= m.t)),
     w AS (SELECT * FROM unnest(${q.p(pairsFrom, 'int[]')}, ${q.p(pairsTo, 'int[]')}) WITH ORDINALITY AS w(a, b, i))
     SELECT 'mrr' AS kind, m.i, 0 AS count, sum(st.mrr) AS start, NULL AS end_mrr, NULL AS lost, 0 AS grew FROM m LEFT JOIN st ON st.i = m.i GROUP BY m.i
     UNION ALL
     SELECT 'window', w.i, count(s0.c), sum(s0.mrr), sum(coalesce(s1.mrr, 0)), sum(greatest(s0.mrr - coalesce(s1.mrr, 0), 0)), count(*) FILTER (WHERE s1.mrr > s0.mrr)
       FROM w LEFT JOIN st s0 ON s0.i = w.a AND s0.mrr > 0 LEFT JOIN st s1 ON s1.i = w.b AND s1.c = s0.c AND s1.k = s0.k
      GROUP BY w.i`,
    q.args,
  );
  const mrr = moments.map(() => 0);
  const windows = pairsFrom.map(() => ({ count: 0, start: 0, end: 0, lost: 0, grew: 0 }));
  for (const r of rows) {
    const i = Number(r.i) - 1;
    if (r.kind === 'mrr') mrr[i] = n(r.start);
    else windows[i] = { count: n(r.count), start: n(r.start), end: n(r.end_mrr), lost: n(r.lost), grew: n(r.grew) };
  }
  return { mrr, windows };
}

export async function mrr(c: MetricContext): Promise<Computed> {
  const s = await subscriptions(c);
  return { series: c.periods.map((_, i) => s.mrr[i + 1]!), total: s.mrr[s.mrr.length - 1]! };
}

/** A metric over each window of `subscriptions` (periods, then the whole range). */
async function perWindow(c: MetricContext, f: (w: SubscriptionWindow['windows'][number]) => number | null): Promise<Computed> {
  const s = await subscriptions(c);
  const values = s.windows.map(f);
  return { series: values.slice(0, c.periods.length), total: values[values.length - 1] ?? null };
}

export const revenueChurnRate = (c: MetricContext) => perWindow(c, (w) => ratio(w.lost, w.start, 100));
export const netRevenueRetention = (c: MetricContext) => perWindow(c, (w) => ratio(w.end, w.start, 100));
export const upsellRate = (c: MetricContext) => perWindow(c, (w) => ratio(w.grew, w.count, 100));

import { bucketOf, fromBuckets, inSlice, momentsOf, n, numProp, rangeOf, ratio, Sql, type Computed, type MetricContext } from './query.js';
import { EV } from '../../contracts/events.js';

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
async function churnCounts(c: MetricContext): Promise<{ alive: number[]; churned: number[]; churnedTotal: number; lost: number[]; lostTotal: number }> {
  const q = new Sql();
  const ws = q.p(c.workspaceId);
  const stage = q.p(churnedStage(c));
  const moments = momentsOf(c);
  // Windows: period i is (moment i-1, moment i); the last row is the whole range.
  const starts = [...moments.slice(0, -1), moments[0]!];
  const ends = [...moments.slice(1), moments[moments.length - 1]!];
  // Churned stays are disjoint per customer, so "not churned at t" is "paying at t" minus
  // the stays covering t; every probe is a join on the customer, never a scan per customer.
  const { rows } = await c.db.query<{ kind: string; i: number; k: string }>(
    `WITH paying AS MATERIALIZED (SELECT a.customer_id AS c, a.first_order_at AS f FROM analytics_customers a WHERE a.workspace_id = ${ws} AND a.first_order_at IS NOT NULL${inSlice(q, c, 'a.customer_id')}),
     stays AS MATERIALIZED (
       SELECT t.subject_id AS c, t.at AS s, p.f,
              coalesce((SELECT x.at FROM stage_transitions x WHERE x.workspace_id = ${ws} AND x.scope = 'customer' AND x.subject_id = t.subject_id AND (x.at, x.id) > (t.at, t.id)
                         ORDER BY x.at, x.id LIMIT 1), 'infinity'::timestamptz) AS e
         FROM stage_transitions t JOIN paying p ON p.c = t.subject_id
        WHERE t.workspace_id = ${ws} AND t.scope = 'customer' AND t.to_stage = ${stage}
     ),
     m AS (SELECT * FROM unnest(${q.p(moments, 'timestamptz[]')}) WITH ORDINALITY AS m(t, i)),
     w AS (SELECT * FROM unnest(${q.p(starts, 'timestamptz[]')}, ${q.p(ends, 'timestamptz[]')}) WITH ORDINALITY AS w(s, e, i)),
     covering AS (SELECT m.i, count(*) AS k FROM m JOIN stays st ON st.f < m.t AND st.s <= m.t AND st.e > m.t GROUP BY m.i),
     moved AS (
       SELECT w.i, count(DISTINCT st.c) AS k FROM w JOIN stays st ON st.f < w.s AND st.s >= w.s AND st.s < w.e
        WHERE NOT EXISTS (SELECT 1 FROM stays o WHERE o.c = st.c AND o.s <= w.s AND o.e > w.s)
        GROUP BY w.i
     ),
     -- Of the customers alive at a window's start, those in a churned stay at its end.
     lost AS (
       SELECT w.i, count(*) AS k FROM w JOIN stays st ON st.f < w.s AND st.s <= w.e AND st.e > w.e
        WHERE NOT EXISTS (SELECT 1 FROM stays o WHERE o.c = st.c AND o.s <= w.s AND o.e > w.s)
        GROUP BY w.i
     )
     SELECT 'paying' AS kind, width_bucket(p.f, ${q.p(moments, 'timestamptz[]')}) AS i, count(*) AS k FROM paying p GROUP BY 2
     UNION ALL SELECT 'covering', i, k FROM covering
     UNION ALL SELECT 'churned', i, k FROM moved
     UNION ALL SELECT 'lost', i, k FROM lost`,
    q.args,
  );
  const paying = moments.map(() => 0);
  const covering = moments.map(() => 0);
  const alive = moments.map(() => 0);
  const churned = c.periods.map(() => 0);
  const lost = c.periods.map(() => 0);
  let churnedTotal = 0;
  let lostTotal = 0;
  // Paying customers by the moment their first order falls before: bucket k lies between moments k and k+1 (0: before the first).
  const firstOrders = new Map<number, number>();
  for (const r of rows) if (r.kind === 'paying') firstOrders.set(Number(r.i), n(r.k));
  let before = 0;
  for (let i = 0; i < moments.length; i++) {
    before += firstOrders.get(i) ?? 0;
    paying[i] = before;
  }
  for (const r of rows) {
    const i = Number(r.i) - 1;
    if (r.kind === 'paying') continue;
    else if (r.kind === 'covering') covering[i] = n(r.k);
    else if (r.kind === 'lost') {
      if (i < c.periods.length) lost[i] = n(r.k);
      else lostTotal = n(r.k);
    } else if (i < c.periods.length) churned[i] = n(r.k);
    else churnedTotal = n(r.k);
  }
  for (let i = 0; i < moments.length; i++) alive[i] = paying[i]! - covering[i]!;
  return { alive, churned, churnedTotal, lost, lostTotal };
}

export async function churnRate(c: MetricContext): Promise<Computed> {
  const k = await churnCounts(c);
  return { series: c.periods.map((_, i) => ratio(k.churned[i], k.alive[i], 100)), total: ratio(k.churnedTotal, k.alive[0], 100) };
}

/**
 * Of the customers paying and not churned at a period's start, the share still not churned at
 * its end. The classic (E − N) ÷ S counts the churn of customers won during the period against
 * the starting base, which turns negative for a fast-growing business over a long range (−155%
 * on the demo over a year); this is the number that formula means to give.
 */
export async function retentionRate(c: MetricContext): Promise<Computed> {
  const k = await churnCounts(c);
  const rate = (s: number, lost: number) => ratio(s - lost, s, 100);
  return {
    series: c.periods.map((_, i) => rate(k.alive[i]!, k.lost[i]!)),
    total: rate(k.alive[0]!, k.lostTotal),
  };
}

export async function conversionRate(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const ws = q.p(c.workspaceId);
  const within = Number(c.params.within ?? 30);
  // First entries into `from` in the range, and whether an entry into `to` followed within the
  // window (a join on the customer over the two stages' rows, read through stage_transitions_to_idx).
  const { rows } = await c.db.query<{ b: number | null; entered: string; converted: string }>(
    `WITH f AS MATERIALIZED (
       SELECT subject_id AS c, min(at) AS at FROM stage_transitions WHERE workspace_id = ${ws} AND scope = 'customer' AND to_stage = ${q.p(String(c.params.from ?? 'engagement'))} GROUP BY subject_id
     ),
     e AS (SELECT f.c, f.at FROM f WHERE f.at >= ${q.p(r.startAt)} AND f.at < ${q.p(r.endAt)}${inSlice(q, c, 'f.c')}),
     t AS MATERIALIZED (SELECT subject_id AS c, at FROM stage_transitions WHERE workspace_id = ${ws} AND scope = 'customer' AND to_stage = ${q.p(String(c.params.to ?? 'conversion'))}),
     hit AS (SELECT DISTINCT e.c FROM e JOIN t ON t.c = e.c AND t.at >= e.at AND t.at <= e.at + ${q.p(within)} * interval '1 day')
     SELECT b, count(*) AS entered, count(h.c) AS converted FROM (SELECT ${bucketOf(q, c, 'e.at')} AS b, e.c FROM e) x LEFT JOIN hit h ON h.c = x.c
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
              CASE WHEN e.event = '${EV.subscriptionCancelled}' THEN 0 ELSE coalesce(${numProp('e', 'mrr')}, 0) END AS mrr
         FROM events e
        WHERE e.workspace_id = ${q.p(c.workspaceId)} AND e.event IN ('${EV.subscriptionStarted}', '${EV.subscriptionUpdated}', '${EV.subscriptionCancelled}')
          AND NOT (e.event = '${EV.subscriptionUpdated}' AND ${numProp('e', 'mrr')} IS NULL)
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

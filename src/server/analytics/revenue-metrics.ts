import { NET_VALUE, bucketOf, fromBuckets, inSlice, momentsOf, n, rangeOf, ratio, Sql, type Computed, type MetricContext } from './query.js';
import { EV } from '../../contracts/events.js';

/**
 * Revenue and value KPIs over analytics_orders and analytics_customers (see the catalogue
 * for each definition).
 */

interface OrderBuckets {
  b: number | null;
  revenue: string | null;
  orders: string;
  buyers: string;
}

/** Per period and over the range: net revenue, orders, and distinct customers who ordered. */
async function orderBuckets(c: MetricContext): Promise<{ rows: OrderBuckets[] }> {
  const q = new Sql();
  const r = rangeOf(c);
  const { rows } = await c.db.query<OrderBuckets>(
    `SELECT b, sum(v) AS revenue, count(*) FILTER (WHERE kind = 'order') AS orders, count(DISTINCT customer_id) FILTER (WHERE kind = 'order') AS buyers
       FROM (SELECT ${bucketOf(q, c, 'o.at')} AS b, o.kind, o.customer_id, ${NET_VALUE} AS v
               FROM analytics_orders o
              WHERE o.workspace_id = ${q.p(c.workspaceId)} AND o.at >= ${q.p(r.startAt)} AND o.at < ${q.p(r.endAt)}${inSlice(q, c, 'o.customer_id')}) x
      GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return { rows };
}

export async function revenue(c: MetricContext): Promise<Computed> {
  return fromBuckets(c, (await orderBuckets(c)).rows, (r) => n(r?.revenue));
}

export async function orders(c: MetricContext): Promise<Computed> {
  return fromBuckets(c, (await orderBuckets(c)).rows, (r) => n(r?.orders));
}

export async function aov(c: MetricContext): Promise<Computed> {
  return fromBuckets(c, (await orderBuckets(c)).rows, (r) => ratio(n(r?.revenue), n(r?.orders)));
}

export async function purchaseFrequency(c: MetricContext): Promise<Computed> {
  return fromBuckets(c, (await orderBuckets(c)).rows, (r) => ratio(n(r?.orders), n(r?.buyers)));
}

/** Customers whose first (and second) order came before each moment (range start, then each period's end). */
async function buyersAt(c: MetricContext): Promise<Array<{ first: number; second: number }>> {
  const q = new Sql();
  const { rows } = await c.db.query<{ i: number; first: string; second: string }>(
    `SELECT m.i, count(*) FILTER (WHERE a.first_order_at < m.t) AS first, count(*) FILTER (WHERE a.second_order_at < m.t) AS second
       FROM unnest(${q.p(momentsOf(c), 'timestamptz[]')}) WITH ORDINALITY AS m(t, i)
       LEFT JOIN analytics_customers a ON a.workspace_id = ${q.p(c.workspaceId)} AND a.first_order_at < m.t${inSlice(q, c, 'a.customer_id')}
      GROUP BY m.i ORDER BY m.i`,
    q.args,
  );
  return rows.map((r) => ({ first: n(r.first), second: n(r.second) }));
}

export async function repeatPurchaseRate(c: MetricContext): Promise<Computed> {
  const at = await buyersAt(c);
  const series = c.periods.map((_, i) => ratio(at[i + 1]!.second, at[i + 1]!.first, 100));
  return { series, total: series[series.length - 1] ?? null };
}

export async function newCustomers(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const { rows } = await c.db.query<{ b: number | null; k: string }>(
    `SELECT b, count(*) AS k FROM (SELECT ${bucketOf(q, c, 'a.first_order_at')} AS b FROM analytics_customers a
        WHERE a.workspace_id = ${q.p(c.workspaceId)} AND a.first_order_at >= ${q.p(r.startAt)} AND a.first_order_at < ${q.p(r.endAt)}${inSlice(q, c, 'a.customer_id')}) x
      GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => n(row?.k));
}

/** Net revenue from the beginning of the data to each moment (range start, then each period's end). */
async function revenueToDate(c: MetricContext): Promise<number[]> {
  const q = new Sql();
  const moments = momentsOf(c);
  const { rows } = await c.db.query<{ b: number; v: string | null }>(
    `SELECT width_bucket(o.at, ${q.p(moments, 'timestamptz[]')}) AS b, sum(${NET_VALUE}) AS v
       FROM analytics_orders o WHERE o.workspace_id = ${q.p(c.workspaceId)} AND o.at < ${q.p(moments[moments.length - 1])}${inSlice(q, c, 'o.customer_id')}
      GROUP BY 1`,
    q.args,
  );
  // Bucket 0 is before the first moment; bucket k lies between moments k-1 and k (1-based).
  const perBucket = new Map(rows.map((r) => [Number(r.b), n(r.v)]));
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < moments.length; i++) {
    sum += perBucket.get(i) ?? 0;
    out.push(sum);
  }
  return out;
}

const margin = (c: MetricContext) => Number(c.params.margin ?? 1);

/** Historical CLV at each period's end: net revenue to date ÷ customers with an order to date, times the margin. */
async function historicalClv(c: MetricContext): Promise<Array<number | null>> {
  const [rev, buyers] = await Promise.all([revenueToDate(c), buyersAt(c)]);
  return c.periods.map((_, i) => {
    const v = ratio(rev[i + 1], buyers[i + 1]!.first);
    return v === null ? null : v * margin(c);
  });
}

export async function clv(c: MetricContext): Promise<Computed> {
  if (c.params.method === 'classic') return classicClv(c);
  const series = await historicalClv(c);
  return { series, total: series[series.length - 1] ?? null };
}

/** AOV × yearly purchase frequency × lifespan × margin, over the 365 days before each period's end. */
async function classicClv(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const { rows } = await c.db.query<{ i: number; revenue: string | null; orders: string; buyers: string }>(
    `SELECT m.i, sum(${NET_VALUE}) AS revenue, count(o.event_id) FILTER (WHERE o.kind = 'order') AS orders, count(DISTINCT o.customer_id) FILTER (WHERE o.kind = 'order') AS buyers
       FROM unnest(${q.p(
         c.periods.map((p) => p.endAt),
         'timestamptz[]',
       )}) WITH ORDINALITY AS m(t, i)
       LEFT JOIN analytics_orders o ON o.workspace_id = ${q.p(c.workspaceId)} AND o.at >= m.t - interval '365 days' AND o.at < m.t${inSlice(q, c, 'o.customer_id')}
      GROUP BY m.i ORDER BY m.i`,
    q.args,
  );
  const lifespan = Number(c.params.lifespanYears ?? 3);
  const series = rows.map((r) => {
    const value = ratio(n(r.revenue), n(r.orders));
    const frequency = ratio(n(r.orders), n(r.buyers));
    return value === null || frequency === null ? null : value * frequency * lifespan * margin(c);
  });
  return { series, total: series[series.length - 1] ?? null };
}

/** Marketing spend per period and over the range (in the slice's channel when sliced by channel). */
async function spendBuckets(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  // Spend is per calendar day: a day belongs to the period it starts in.
  const { rows } = await c.db.query<{ b: number | null; v: string | null }>(
    `SELECT b, sum(amount) AS v FROM (SELECT ${bucketOf(q, c, `(s.day::timestamp AT TIME ZONE ${q.p(c.tz)})`)} AS b, s.amount FROM marketing_spend s
        WHERE s.workspace_id = ${q.p(c.workspaceId)} AND s.day >= ${q.p(c.periods[0]!.start)}::date AND s.day < ${q.p(c.periods[c.periods.length - 1]!.end)}::date
          ${c.slice.channel ? `AND s.channel = ${q.p(c.slice.channel)}` : ''}) x
      WHERE b BETWEEN 1 AND ${q.p(c.periods.length)} GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => n(row?.v));
}

export async function cac(c: MetricContext): Promise<Computed> {
  const [spend, fresh] = await Promise.all([spendBuckets(c), newCustomers(c)]);
  return { series: spend.series.map((s, i) => ratio(s, fresh.series[i])), total: ratio(spend.total, fresh.total) };
}

const BELOW = 'below_3_to_1';

export async function clvCacRatio(c: MetricContext): Promise<Computed> {
  const [value, cost] = await Promise.all([historicalClv(c), cac(c)]);
  const series = c.periods.map((_, i) => ratio(value[i], cost.series[i]));
  const total = ratio(value[value.length - 1], cost.total);
  return { series, total, flags: series.map((v) => (v !== null && v < 3 ? BELOW : undefined)), totalFlag: total !== null && total < 3 ? BELOW : undefined };
}

export async function cpa(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const event = String(c.params.event ?? EV.signedUp);
  const [spend, { rows }] = await Promise.all([
    spendBuckets(c),
    c.db.query<{ b: number | null; k: string }>(
      `SELECT b, count(*) AS k FROM (
         SELECT ${bucketOf(q, c, 'min(e.timestamp)')} AS b FROM events e
          WHERE e.workspace_id = ${q.p(c.workspaceId)} AND e.event = ${q.p(event)} AND e.timestamp < ${q.p(r.endAt)}${inSlice(q, c, 'e.customer_id')}
          GROUP BY e.customer_id) x
        WHERE b BETWEEN 1 AND ${q.p(c.periods.length)} GROUP BY GROUPING SETS ((b), ())`,
      q.args,
    ),
  ]);
  const acquired = fromBuckets(c, rows, (row) => n(row?.k));
  return { series: spend.series.map((s, i) => ratio(s, acquired.series[i])), total: ratio(spend.total, acquired.total) };
}

import { ORDER_EVENT, SIGNUP_EVENT } from './facts.js';
import { bucketOf, fromBuckets, inSlice, n, numProp, rangeOf, ratio, Sql, type Computed, type MetricContext } from './query.js';
import { EV } from '../../contracts/events.js';

/**
 * Engagement, satisfaction and conversion KPIs: activity and sessions from analytics_days,
 * the rest from the events of one name (read through events_ws_event_time_idx).
 */

type Row = { b: number | null } & Record<string, unknown>;

/**
 * Aggregates per period and over the range of the events named `event` in the range (alias
 * `e`, with its period as `b`): `build` gives the SELECT list and any extra condition.
 */
async function overEvents(c: MetricContext, event: string, build: (q: Sql) => { select: string; where?: string; from?: string; properties?: boolean }): Promise<Row[]> {
  const q = new Sql();
  const r = rangeOf(c);
  const built = build(q);
  const head = `SELECT ${bucketOf(q, c, 'e.timestamp')} AS b, e.id, e.customer_id, e.timestamp${built.properties ? ', e.properties' : ''} FROM events e
     WHERE e.workspace_id = ${q.p(c.workspaceId)} AND e.event = ${q.p(event)} AND e.timestamp >= ${q.p(r.startAt)} AND e.timestamp < ${q.p(r.endAt)}${inSlice(q, c, 'e.customer_id')}`;
  const { select, where, from } = built;
  const { rows } = await c.db.query<Row>(`SELECT b, ${select} FROM (${head}${where ? ` AND ${where}` : ''}) e ${from ?? ''} GROUP BY GROUPING SETS ((b), ())`, q.args);
  return rows;
}

interface Activity {
  active: Computed;
  sessions: Computed;
  seconds: Computed;
}

const monthStart = (day: string) => day.endsWith('-01');

/**
 * Active customers, sessions and session seconds per period and over the range. Periods of
 * whole months read analytics_months (a row per active customer and month), days read
 * analytics_days (a row per active customer and day); anything else counts distinct
 * customers over the days. Distinct counts go through a hash of (period, customer), never a
 * sort.
 */
async function activity(c: MetricContext): Promise<Activity> {
  const months = c.periods.every((p) => monthStart(p.start) && monthStart(p.end));
  const days = c.periods.every((p) => Date.parse(`${p.end}T00:00:00Z`) - Date.parse(`${p.start}T00:00:00Z`) === 86_400_000);
  const table = months ? 'analytics_months' : 'analytics_days';
  const col = months ? 'month' : 'day';
  const q = new Sql();
  const src = `SELECT ${bucketOf(q, c, `(d.${col}::timestamp AT TIME ZONE ${q.p(c.tz)})`)} AS b, d.customer_id, d.sessions, d.session_seconds FROM ${table} d
     WHERE d.workspace_id = ${q.p(c.workspaceId)} AND d.${col} >= ${q.p(c.periods[0]!.start)}::date AND d.${col} < ${q.p(c.periods[c.periods.length - 1]!.end)}::date${inSlice(q, c, 'd.customer_id')}`;
  // A period holds one row per customer when the table's grain is the period's.
  const perPeriod = months && c.periods.every((p) => p.end === nextMonth(p.start)) ? true : days;
  const { rows } = await c.db.query<{ kind: string; b: number | null; active: string; sessions: string | null; seconds: string | null }>(
    `WITH x AS MATERIALIZED (${src})
     SELECT 'period' AS kind, b, ${perPeriod ? 'count(*)' : 'count(DISTINCT customer_id)'} AS active, sum(sessions) AS sessions, sum(session_seconds) AS seconds FROM x GROUP BY b
     UNION ALL
     SELECT 'total', NULL, (SELECT count(*) FROM (SELECT DISTINCT customer_id FROM x) u), sum(sessions), sum(session_seconds) FROM x`,
    q.args,
  );
  const list = rows.map((r) => ({ ...r, b: r.kind === 'total' ? null : Number(r.b) }));
  return { active: fromBuckets(c, list, (r) => n(r?.active)), sessions: fromBuckets(c, list, (r) => n(r?.sessions)), seconds: fromBuckets(c, list, (r) => n(r?.seconds)) };
}

function nextMonth(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

export async function activeCustomers(c: MetricContext): Promise<Computed> {
  return (await activity(c)).active;
}

export async function avgEngagementTime(c: MetricContext): Promise<Computed> {
  const a = await activity(c);
  return { series: a.seconds.series.map((v, i) => ratio(v, a.sessions.series[i], 1 / 60)), total: ratio(a.seconds.total, a.sessions.total, 1 / 60) };
}

/** Customers who did an event (optionally with `feature` = value) ÷ active customers, per period. */
async function shareOfActive(c: MetricContext, event: string, feature: string | null): Promise<Computed> {
  const [active, did] = await Promise.all([
    activity(c),
    overEvents(c, event, (q) => ({ select: 'count(DISTINCT customer_id) AS k', where: feature === null ? undefined : `e.properties->>'feature' = ${q.p(feature)}` })),
  ]);
  const a = active.active;
  const d = fromBuckets(c, did, (r) => n(r?.k));
  return { series: d.series.map((v, i) => ratio(v, a.series[i], 100)), total: ratio(d.total, a.total, 100) };
}

export const referralRate = (c: MetricContext) => shareOfActive(c, String(c.params.event ?? EV.referralSent), null);
export const featureAdoption = (c: MetricContext) =>
  shareOfActive(c, String(c.params.event ?? EV.featureUsed), c.params.feature === undefined || c.params.feature === '' ? null : String(c.params.feature));

/** Unique `event`s (once per email) ÷ `Email Delivered`, per period. */
async function emailRate(c: MetricContext, event: string): Promise<Computed> {
  const [delivered, unique] = await Promise.all([
    overEvents(c, EV.emailDelivered, () => ({ select: 'count(*) AS k' })),
    overEvents(c, event, () => ({ select: `count(DISTINCT coalesce(e.properties->>'messageId', '#' || e.id)) AS k`, properties: true })),
  ]);
  const d = fromBuckets(c, delivered, (r) => n(r?.k));
  const u = fromBuckets(c, unique, (r) => n(r?.k));
  return { series: u.series.map((v, i) => ratio(v, d.series[i], 100)), total: ratio(u.total, d.total, 100) };
}

export const emailOpenRate = (c: MetricContext) => emailRate(c, EV.emailOpened);
export const emailClickRate = (c: MetricContext) => emailRate(c, EV.emailLinkClicked);

/** Survey responses of one type with a score in [min, max]. */
async function surveys(c: MetricContext, type: string, min: number, max: number, select: string, value: (r: Row | undefined) => number | null): Promise<Computed> {
  const score = numProp('e', 'score');
  const rows = await overEvents(c, EV.surveyResponded, (q) => ({
    select,
    properties: true,
    where: `e.properties->>'type' = ${q.p(type)} AND ${score} BETWEEN ${q.p(min)} AND ${q.p(max)}`,
  }));
  return fromBuckets(c, rows, value);
}

export const nps = (c: MetricContext) =>
  surveys(c, 'nps', 0, 10, `count(*) AS k, count(*) FILTER (WHERE ${numProp('e', 'score')} >= 9) AS promoters, count(*) FILTER (WHERE ${numProp('e', 'score')} <= 6) AS detractors`, (r) =>
    ratio(n(r?.promoters) - n(r?.detractors), n(r?.k), 100),
  );
export const csat = (c: MetricContext) => surveys(c, 'csat', 1, 5, `count(*) AS k, count(*) FILTER (WHERE ${numProp('e', 'score')} >= 4) AS good`, (r) => ratio(n(r?.good), n(r?.k), 100));
export const ces = (c: MetricContext) => surveys(c, 'ces', -1e9, 1e9, `count(*) AS k, avg(${numProp('e', 'score')}) AS mean`, (r) => (n(r?.k) === 0 ? null : n(r?.mean)));

export async function leadResponseTime(c: MetricContext): Promise<Computed> {
  const rows = await overEvents(c, EV.leadCreated, (q) => ({
    select: `percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM lc.at - e.timestamp) / 60) FILTER (WHERE lc.at IS NOT NULL) AS median`,
    from: `LEFT JOIN LATERAL (SELECT min(x.timestamp) AS at FROM events x WHERE x.workspace_id = ${q.p(c.workspaceId)} AND x.event = '${EV.leadContacted}' AND x.customer_id = e.customer_id AND x.timestamp >= e.timestamp) lc ON true`,
  }));
  return fromBuckets(c, rows, (r) => (r?.median === null || r?.median === undefined ? null : n(r.median)));
}

export async function activationRate(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const ws = q.p(c.workspaceId);
  const within = `${q.p(Number(c.params.within ?? 7))} * interval '1 day'`;
  const signup = String(c.params.signupEvent ?? SIGNUP_EVENT);
  const event = String(c.params.event ?? ORDER_EVENT);
  // The facts answer the default events (first sign-up per customer; orders by customer and time).
  const signups =
    signup === SIGNUP_EVENT
      ? `SELECT a.customer_id, a.signed_up_at AS at FROM analytics_customers a WHERE a.workspace_id = ${ws} AND a.signed_up_at < ${q.p(r.endAt)}${inSlice(q, c, 'a.customer_id')}`
      : `SELECT e.customer_id, min(e.timestamp) AS at FROM events e WHERE e.workspace_id = ${ws} AND e.event = ${q.p(signup)} AND e.timestamp < ${q.p(r.endAt)}${inSlice(q, c, 'e.customer_id')} GROUP BY e.customer_id`;
  const activated =
    event === ORDER_EVENT
      ? `EXISTS (SELECT 1 FROM analytics_orders o WHERE o.customer_id = s.customer_id AND o.kind = 'order' AND o.at >= s.at AND o.at <= s.at + ${within})`
      : `EXISTS (SELECT 1 FROM events x WHERE x.customer_id = s.customer_id AND x.event = ${q.p(event)} AND x.timestamp >= s.at AND x.timestamp <= s.at + ${within})`;
  const { rows } = await c.db.query<Row>(
    `WITH s AS (${signups})
     SELECT b, count(*) AS k, count(*) FILTER (WHERE activated) AS activated FROM (
       SELECT ${bucketOf(q, c, 's.at')} AS b, ${activated} AS activated FROM s WHERE s.at >= ${q.p(r.startAt)}) x
      GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => ratio(n(row?.activated), n(row?.k), 100));
}

export async function timeToConvert(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  const { rows } = await c.db.query<Row>(
    `SELECT b, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median FROM (
       SELECT ${bucketOf(q, c, 'a.first_order_at')} AS b, extract(epoch FROM a.first_order_at - coalesce(a.first_seen_at, a.first_order_at)) / 86400 AS days
         FROM analytics_customers a WHERE a.workspace_id = ${q.p(c.workspaceId)} AND a.first_order_at >= ${q.p(r.startAt)} AND a.first_order_at < ${q.p(r.endAt)}${inSlice(q, c, 'a.customer_id')}) x
      GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => (row?.median === null || row?.median === undefined ? null : n(row.median)));
}

export async function cartAbandonmentRate(c: MetricContext): Promise<Computed> {
  const q = new Sql();
  const r = rangeOf(c);
  // Checkouts, and those followed by an order (a semi-join on the customer, so one hash of
  // the orders rather than a probe per checkout).
  const { rows } = await c.db.query<Row>(
    `WITH k AS MATERIALIZED (
       SELECT ${bucketOf(q, c, 'e.timestamp')} AS b, e.customer_id, e.timestamp FROM events e
        WHERE e.workspace_id = ${q.p(c.workspaceId)} AND e.event = '${EV.checkoutStarted}' AND e.timestamp >= ${q.p(r.startAt)} AND e.timestamp < ${q.p(r.endAt)}${inSlice(q, c, 'e.customer_id')}
     ),
     bought AS (
       SELECT k.b FROM k WHERE EXISTS (SELECT 1 FROM analytics_orders o WHERE o.customer_id = k.customer_id AND o.kind = 'order' AND o.at >= k.timestamp AND o.at <= k.timestamp + ${q.p(Number(c.params.within ?? 24))} * interval '1 hour')
     )
     SELECT b, sum(k) AS k, sum(bought) AS bought FROM (
       SELECT b, count(*) AS k, 0 AS bought FROM k GROUP BY b UNION ALL SELECT b, 0, count(*) FROM bought GROUP BY b
     ) x GROUP BY GROUPING SETS ((b), ())`,
    q.args,
  );
  return fromBuckets(c, rows, (row) => ratio(n(row?.k) - n(row?.bought), n(row?.k), 100));
}

import type { CohortRetention } from '../../contracts/metrics.js';
import type { Db } from '../db/client.js';
import { workspaceTimezone } from '../workspaces/workspaces.repo.js';
import { SIGNUP_EVENT, syncFacts } from './facts.js';
import { n, NET_VALUE, periodsOf, Sql } from './query.js';
import { checkRange, failAt, type MetricsResult, type RetentionRequest } from './requests.js';

/**
 * Cohort retention: the customers whose first `cohortEvent` (default `Signed Up`) falls in
 * each period of [from, to), and per later period k (0 = the cohort's own) how many of them
 * did `returnEvent` (default: any activity, rules/activity.ts), or, with measure=revenue, their net
 * revenue. Periods after `to` are not counted, so the table is a triangle.
 */
export async function cohortRetention(db: Db, workspaceId: number, req: RetentionRequest): Promise<MetricsResult<CohortRetention>> {
  const range = checkRange(req.from, req.to);
  if (range) return range;
  const interval = req.interval ?? 'month';
  const cohortEvent = (req.cohortEvent ?? SIGNUP_EVENT).trim();
  const returnEvent = req.returnEvent === undefined || req.returnEvent === null || req.returnEvent.trim() === '' ? null : req.returnEvent.trim();
  const measure = req.measure ?? 'customers';
  if (cohortEvent.length === 0 || cohortEvent.length > 200) return failAt('bad_parameter', 'cohortEvent must be an event name', 'cohortEvent');
  await syncFacts(db);
  const tz = await workspaceTimezone(db, workspaceId);
  const periods = await periodsOf(db, tz, req.from, req.to, interval);
  if (periods.length > 120) return failAt('bad_range', `${periods.length} cohorts of a ${interval}: at most 120; choose a longer interval or a shorter range`, 'interval');

  const q = new Sql();
  const ws = q.p(workspaceId);
  const starts = q.p([...periods.map((p) => p.startAt), periods[periods.length - 1]!.endAt], 'timestamptz[]');
  const start = q.p(periods[0]!.startAt);
  const end = q.p(periods[periods.length - 1]!.endAt);
  // Members: by their first cohort event ever (the sign-up fact when that is the event).
  const members =
    cohortEvent === SIGNUP_EVENT
      ? `SELECT customer_id AS c, signed_up_at AS at FROM analytics_customers WHERE workspace_id = ${ws} AND signed_up_at >= ${start} AND signed_up_at < ${end}`
      : `SELECT customer_id AS c, min(timestamp) AS at FROM events WHERE workspace_id = ${ws} AND event = ${q.p(cohortEvent)} GROUP BY customer_id HAVING min(timestamp) >= ${start} AND min(timestamp) < ${end}`;
  // What counts in period k: activity days, one event, or revenue.
  const returns =
    measure === 'revenue'
      ? `SELECT o.customer_id AS c, width_bucket(o.at, ${starts}) AS pi, ${NET_VALUE} AS v FROM analytics_orders o WHERE o.workspace_id = ${ws} AND o.at >= ${start} AND o.at < ${end}`
      : returnEvent === null
        ? `SELECT DISTINCT d.customer_id AS c, width_bucket(d.day::timestamp AT TIME ZONE ${q.p(tz)}, ${starts}) AS pi, 1 AS v FROM analytics_days d WHERE d.workspace_id = ${ws} AND d.day >= ${q.p(periods[0]!.start)}::date AND d.day < ${q.p(periods[periods.length - 1]!.end)}::date`
        : `SELECT DISTINCT e.customer_id AS c, width_bucket(e.timestamp, ${starts}) AS pi, 1 AS v FROM events e WHERE e.workspace_id = ${ws} AND e.event = ${q.p(returnEvent)} AND e.timestamp >= ${start} AND e.timestamp < ${end}`;
  const { rows } = await db.query<{ ci: number; k: number | null; size: string | null; v: string | null }>(
    `WITH m AS MATERIALIZED (SELECT c, width_bucket(at, ${starts}) AS ci FROM (${members}) x),
          r AS (${returns})
     SELECT m.ci, NULL::int AS k, count(*) AS size, NULL AS v FROM m GROUP BY m.ci
     UNION ALL
     SELECT m.ci, r.pi - m.ci, NULL, ${measure === 'revenue' ? 'sum(r.v)' : 'count(DISTINCT m.c)'} FROM m JOIN r ON r.c = m.c AND r.pi >= m.ci GROUP BY m.ci, r.pi`,
    q.args,
  );
  const cohorts = periods.map((p, i) => ({ start: p.start, end: p.end, size: 0, values: periods.slice(i).map(() => 0), rates: [] as Array<number | null> }));
  for (const r of rows) {
    const c = cohorts[Number(r.ci) - 1];
    if (!c) continue;
    if (r.k === null) c.size = n(r.size);
    else if (Number(r.k) < c.values.length) c.values[Number(r.k)] = Math.round(n(r.v) * 100) / 100;
  }
  for (const c of cohorts) c.rates = c.values.map((v) => (c.size === 0 ? null : Math.round((v / c.size) * 1e6) / 1e6));
  const now = Date.now();
  const current = periods.find((p) => Date.parse(p.startAt) <= now && Date.parse(p.endAt) > now);
  return { ok: true, value: { interval, cohortEvent, returnEvent, measure, from: req.from, to: req.to, cohorts, currentPeriod: current?.start ?? null } };
}

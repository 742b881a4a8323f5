import type { Funnel } from '../../contracts/metrics.js';
import type { Db } from '../db/client.js';
import { workspaceTimezone } from '../workspaces/workspaces.repo.js';
import { syncFacts } from './facts.js';
import { n, Sql } from './query.js';
import { checkRange, failAt, type FunnelRequest, type MetricsResult } from './requests.js';

const UNITS: Record<string, number> = { m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** A duration written 30m, 24h, 7d or 2w, in seconds (null when malformed). */
export function parseWithin(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/.exec(s);
  if (!m) return null;
  const v = Number(m[1]) * UNITS[m[2]!]!;
  return v > 0 && v <= 366 * 86_400 ? v : null;
}

/**
 * An ordered funnel: customers whose step 1 happened in [from, to) (their first such
 * occurrence), then for each next step the first occurrence at or after the previous
 * step (strictly after when a step repeats the one before) and no later than `within` after step 1. Steps are event names, or `stage:KEY` for
 * entering a lifecycle stage.
 */
export async function funnel(db: Db, workspaceId: number, req: FunnelRequest): Promise<MetricsResult<Funnel>> {
  const range = checkRange(req.from, req.to);
  if (range) return range;
  const steps = req.steps.map((s) => s.trim());
  if (steps.length < 2 || steps.length > 10) return failAt('bad_parameter', `a funnel has 2 to 10 steps, not ${steps.length}`, 'steps');
  const blank = steps.findIndex((s) => s.length === 0 || s.length > 200 || s === 'stage:');
  if (blank >= 0) return failAt('bad_parameter', `step ${blank + 1} is not an event name (or stage:KEY)`, 'steps');
  const within = parseWithin(req.within);
  if (within === null) return failAt('bad_parameter', `within "${req.within}" is not a duration such as 30m, 24h, 7d or 2w (at most a year)`, 'within');
  await syncFacts(db);
  const tz = await workspaceTimezone(db, workspaceId);

  const q = new Sql();
  const ws = q.p(workspaceId);
  const w = `${q.p(within)} * interval '1 second'`;
  /** Occurrences of a step as (customer_id, timestamp). */
  const source = (step: string) =>
    step.startsWith('stage:')
      ? `(SELECT subject_id AS customer_id, at AS timestamp FROM stage_transitions WHERE workspace_id = ${ws} AND scope = 'customer' AND to_stage = ${q.p(step.slice(6))})`
      : `(SELECT customer_id, timestamp FROM events WHERE workspace_id = ${ws} AND event = ${q.p(step)})`;
  const fromAt = `(${q.p(req.from)}::date::timestamp AT TIME ZONE ${q.p(tz)})`;
  const toAt = `(${q.p(req.to)}::date::timestamp AT TIME ZONE ${q.p(tz)})`;
  const first = steps[0]!;
  // Step 1: a common event is found faster by one index probe per customer than by reading
  // all its rows; the planner's estimate of its rows in the range decides.
  const probe = !first.startsWith('stage:') && (req.firstStep ? req.firstStep === 'probe' : await commonEvent(db, workspaceId, first, req.from, req.to, tz));
  const ctes = [
    probe
      ? `s1 AS MATERIALIZED (SELECT c.id AS c, f.t AS t1, f.t, NULL::timestamptz AS tp FROM customers c
           CROSS JOIN LATERAL (SELECT x.timestamp AS t FROM events x WHERE x.customer_id = c.id AND x.event = ${q.p(first)} AND x.timestamp >= ${fromAt} AND x.timestamp < ${toAt} ORDER BY x.timestamp LIMIT 1) f
          WHERE c.workspace_id = ${ws})`
      : `s1 AS MATERIALIZED (SELECT e.customer_id AS c, min(e.timestamp) AS t1, min(e.timestamp) AS t, NULL::timestamptz AS tp FROM ${source(first)} e
          WHERE e.timestamp >= ${fromAt} AND e.timestamp < ${toAt} GROUP BY e.customer_id)`,
  ];
  // Each later step: the first occurrence after the previous one, one index probe per customer
  // (events_customer_event_time_idx; stage entries through stage_transitions_subject_idx).
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i]!;
    const op = step === steps[i - 1] ? '>' : '>=';
    const next = step.startsWith('stage:')
      ? `SELECT x.at AS t FROM stage_transitions x WHERE x.workspace_id = ${ws} AND x.scope = 'customer' AND x.subject_id = p.c AND x.to_stage = ${q.p(step.slice(6))} AND x.at ${op} p.t AND x.at <= p.t1 + ${w} ORDER BY x.at LIMIT 1`
      : `SELECT x.timestamp AS t FROM events x WHERE x.customer_id = p.c AND x.event = ${q.p(step)} AND x.timestamp ${op} p.t AND x.timestamp <= p.t1 + ${w} ORDER BY x.timestamp LIMIT 1`;
    ctes.push(`s${i + 1} AS MATERIALIZED (SELECT p.c, p.t1, n.t, p.t AS tp FROM s${i} p CROSS JOIN LATERAL (${next}) n)`);
  }
  const selects = steps.map((_, i) => `SELECT ${i + 1} AS i, count(*) AS k, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t - tp)) AS med FROM s${i + 1}`);
  const { rows } = await db.query<{ i: number; k: string; med: number | null }>(`WITH ${ctes.join(',\n')} ${selects.join(' UNION ALL ')} ORDER BY 1`, q.args);
  const counts = rows.map((r) => n(r.k));
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    ok: true,
    value: {
      steps: steps.map((step, i) => ({
        step,
        count: counts[i]!,
        conversion: i === 0 ? (counts[0]! > 0 ? 1 : null) : counts[i - 1]! > 0 ? round(counts[i]! / counts[i - 1]!) : null,
        overall: counts[0]! > 0 ? round(counts[i]! / counts[0]!) : null,
        dropOff: i === 0 ? 0 : counts[i - 1]! - counts[i]!,
        medianSecondsFromPrevious: i === 0 || rows[i]!.med === null ? null : round(Number(rows[i]!.med)),
      })),
      within: req.within,
      from: req.from,
      to: req.to,
    },
  };
}

/** Whether the planner expects more rows of `event` in the range than the workspace has customers. */
async function commonEvent(db: Db, workspaceId: number, event: string, from: string, to: string, tz: string): Promise<boolean> {
  const plan = await db.query<{ 'QUERY PLAN': string | Array<{ Plan: { 'Plan Rows': number } }> }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM events WHERE workspace_id = $1 AND event = $2 AND timestamp >= ($3::date::timestamp AT TIME ZONE $5) AND timestamp < ($4::date::timestamp AT TIME ZONE $5)`,
    [workspaceId, event, from, to, tz],
  );
  const raw = plan.rows[0]?.['QUERY PLAN'];
  const parsed = typeof raw === 'string' ? (JSON.parse(raw) as Array<{ Plan: { 'Plan Rows': number } }>) : raw;
  const expected = parsed?.[0]?.Plan['Plan Rows'] ?? 0;
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [workspaceId]);
  return expected > 2 * rows[0]!.n;
}

import { type Breakdown, type Interval, type MetricBreakdown, type MetricInfo, type MetricSeries, type Slice } from '../../contracts/metrics.js';
import type { Db, Queryable } from '../db/client.js';
import { getModel } from '../lifecycle/models.repo.js';
import { workspaceGrossMargin, workspaceTimezone } from '../workspaces/workspaces.repo.js';
import { METRICS, metricInfo, type MetricName } from './catalogue.js';
import { syncFacts } from './facts.js';
import { inSlice, periodsOf, Sql, type Computed, type MetricContext, type Period } from './query.js';
import * as revenue from './revenue-metrics.js';
import * as retention from './retention-metrics.js';
import * as engagement from './engagement-metrics.js';
import { checkRange, failAt, type BreakdownRequest, type MetricRequest, type MetricsFailure, type MetricsResult } from './requests.js';
import type { Err } from '../lib/result.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

const COMPUTE: Record<MetricName, (c: MetricContext) => Promise<Computed>> = {
  revenue: revenue.revenue,
  orders: revenue.orders,
  aov: revenue.aov,
  purchase_frequency: revenue.purchaseFrequency,
  repeat_purchase_rate: revenue.repeatPurchaseRate,
  active_customers: engagement.activeCustomers,
  new_customers: revenue.newCustomers,
  churn_rate: retention.churnRate,
  retention_rate: retention.retentionRate,
  mrr: retention.mrr,
  revenue_churn_rate: retention.revenueChurnRate,
  net_revenue_retention: retention.netRevenueRetention,
  clv: revenue.clv,
  cac: revenue.cac,
  clv_cac_ratio: revenue.clvCacRatio,
  cpa: revenue.cpa,
  conversion_rate: retention.conversionRate,
  activation_rate: engagement.activationRate,
  time_to_convert: engagement.timeToConvert,
  cart_abandonment_rate: engagement.cartAbandonmentRate,
  nps: engagement.nps,
  csat: engagement.csat,
  ces: engagement.ces,
  lead_response_time: engagement.leadResponseTime,
  avg_engagement_time: engagement.avgEngagementTime,
  email_open_rate: engagement.emailOpenRate,
  email_click_rate: engagement.emailClickRate,
  upsell_rate: retention.upsellRate,
  referral_rate: engagement.referralRate,
  feature_adoption: engagement.featureAdoption,
};

/** Fill a metric's parameters with their defaults and check them. */
function checkParams(info: MetricInfo, given: Record<string, string | number>, stages: string[], defaults: Record<string, number> = {}): MetricsResult<Record<string, string | number>> {
  const known = new Map(info.parameters.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      const list = info.parameters.map((p) => p.name).join(', ');
      return failAt('bad_parameter', `${info.name} has no parameter "${name}"${list ? ` (it takes: ${list})` : ' (it takes none)'}`, name);
    }
  }
  const out: Record<string, string | number> = {};
  for (const p of info.parameters) {
    const raw = given[p.name];
    if (raw === undefined || raw === '') {
      const d = defaults[p.name] ?? p.default;
      if (d !== null) out[p.name] = d;
      continue;
    }
    if (p.type === 'number') {
      const v = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(v) || String(raw).trim() === '') return failAt('bad_parameter', `${p.name} must be a number, not "${raw}"`, p.name);
      if (v <= 0 || (p.name === 'margin' && v > 1) || v > 100_000) {
        return failAt('bad_parameter', p.name === 'margin' ? `margin is a fraction above 0 and at most 1 (0.3 = 30%), not ${v}` : `${p.name} must be above 0 (and at most 100,000), not ${v}`, p.name);
      }
      out[p.name] = v;
    } else if (p.type === 'enum') {
      if (!p.values?.includes(String(raw))) return failAt('bad_parameter', `${p.name} must be one of ${p.values?.join(', ')}, not "${raw}"`, p.name);
      out[p.name] = String(raw);
    } else if (p.type === 'stage') {
      if (!stages.includes(String(raw))) return failAt('bad_parameter', `${p.name}: the lifecycle model has no stage "${raw}" (its stages: ${stages.join(', ')})`, p.name);
      out[p.name] = String(raw);
    } else {
      const s = String(raw).trim();
      if (s.length === 0 || s.length > 200) return failAt('bad_parameter', `${p.name} must be a name of 1 to 200 characters`, p.name);
      out[p.name] = s;
    }
  }
  return { ok: true, value: out };
}

async function stageKeys(db: Queryable, workspaceId: number): Promise<string[]> {
  const { model } = await getModel(db, workspaceId);
  return [...model.stages, model.atRisk, model.churned].map((s) => s.key);
}

/** Check a slice: its segment must exist and its stage be one of the model's. */
async function checkSlice(db: Queryable, workspaceId: number, slice: Slice, stages: string[]): Promise<Err<MetricsFailure> | null> {
  if (slice.segment) {
    const { rows } = await db.query(`SELECT 1 FROM segments WHERE workspace_id = $1 AND id = $2`, [workspaceId, slice.segment]);
    if (rows.length === 0) return failAt('not_found', `no segment "${slice.segment}"`, 'segment');
  }
  if (slice.stage && !stages.includes(slice.stage)) return failAt('bad_parameter', `the lifecycle model has no stage "${slice.stage}" (its stages: ${stages.join(', ')})`, 'stage');
  if (slice.cohort && !/^\d{4}-(0[1-9]|1[0-2])$/.test(slice.cohort)) return failAt('bad_parameter', `a cohort is the month of the first sign-up, written YYYY-MM, not "${slice.cohort}"`, 'cohort');
  return null;
}

/** Everything needed to compute a metric for a request, or the reason it cannot be. */
async function prepare(
  db: Db,
  workspaceId: number,
  name: string,
  req: { from: string; to: string; slice?: Slice; params?: Record<string, string | number> },
): Promise<MetricsResult<{ info: MetricInfo; params: Record<string, string | number>; tz: string; stages: string[] }>> {
  const info = metricInfo(name);
  if (!info) return failAt('unknown_metric', `no metric "${name}"; GET /api/metrics lists them (${METRICS.map((m) => m.name).join(', ')})`, 'name');
  const range = checkRange(req.from, req.to);
  if (range) return range;
  const stages = await stageKeys(db, workspaceId);
  // The workspace's gross margin, when set, is the margin value metrics use unless the request says otherwise.
  const grossMargin = await workspaceGrossMargin(db, workspaceId);
  const params = checkParams(info, req.params ?? {}, stages, grossMargin === null ? {} : { margin: grossMargin });
  if (!params.ok) return params;
  const slice = await checkSlice(db, workspaceId, req.slice ?? {}, stages);
  if (slice) return slice;
  await syncFacts(db);
  return { ok: true, value: { info, params: params.value, tz: await workspaceTimezone(db, workspaceId), stages } };
}

/** A metric over [from, to), in periods of `interval` (default month), for everyone or a slice. */
export async function metricSeries(db: Db, workspaceId: number, name: string, req: MetricRequest): Promise<MetricsResult<MetricSeries>> {
  const ready = await prepare(db, workspaceId, name, req);
  if (!ready.ok) return ready;
  const { info, params, tz } = ready.value;
  const interval = req.interval ?? 'month';
  const periods = await periodsOf(db, tz, req.from, req.to, interval);
  if (periods.length > 5_000) return failAt('bad_range', `${periods.length} periods of a ${interval}: at most 5,000; choose a longer interval`, 'interval');
  const slice = req.slice ?? {};
  const now = new Date();
  const out = await COMPUTE[info.name as MetricName]({ db, workspaceId, tz, periods, params, slice });
  return {
    ok: true,
    value: {
      name: info.name,
      unit: info.unit,
      tag: info.tag,
      definition: info.definition,
      from: req.from,
      to: req.to,
      interval,
      slice,
      parameters: params,
      ...basisOf(info, params),
      total: clean(out.total),
      ...(out.totalFlag ? { flag: out.totalFlag } : {}),
      series: periods.map((p, i) => ({
        start: p.start,
        end: p.end,
        value: clean(out.series[i]),
        ...(out.flags?.[i] ? { flag: out.flags[i] } : {}),
        // The period still running: its value covers only part of it, and charts say so.
        ...(Date.parse(p.endAt) > now.getTime() && Date.parse(p.startAt) <= now.getTime() ? { partial: true } : {}),
      })),
    },
  };
}

/** Finite numbers rounded to 6 decimals; anything else (NaN, ∞) is null. */
function clean(v: number | null | undefined): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Math.round(v * 1e6) / 1e6;
}

/** The whole range as one period. */
async function spanOf(db: Queryable, tz: string, from: string, to: string): Promise<Period> {
  const { rows } = await db.query<{ s: Date; e: Date }>(`SELECT $1::date::timestamp AT TIME ZONE $3 AS s, $2::date::timestamp AT TIME ZONE $3 AS e`, [from, to, tz]);
  return { start: from, end: to, startAt: new Date(rows[0]!.s).toISOString(), endAt: new Date(rows[0]!.e).toISOString() };
}

/** The keys of a breakdown, with a label and the slice each one is. */
async function breakdownKeys(db: Queryable, workspaceId: number, by: Breakdown, tz: string): Promise<Array<{ key: string; label: string; slice: Slice }>> {
  if (by === 'channel') {
    const { rows } = await db.query<{ k: string }>(
      `SELECT DISTINCT COALESCE(first_touch->>'channel', 'direct') AS k FROM customers WHERE workspace_id = $1
       UNION SELECT DISTINCT channel FROM marketing_spend WHERE workspace_id = $1 ORDER BY 1`,
      [workspaceId],
    );
    return rows.map((r) => ({ key: r.k, label: r.k.replaceAll('_', ' '), slice: { channel: r.k } }));
  }
  if (by === 'stage') {
    const { model } = await getModel(db, workspaceId);
    return [...model.stages, model.atRisk, model.churned].map((s) => ({ key: s.key, label: s.name, slice: { stage: s.key } }));
  }
  if (by === 'segment') {
    const { rows } = await db.query<RowPick<typeof schema.segments, 'id' | 'name'>>(`SELECT id, name FROM segments WHERE workspace_id = $1 AND scope = 'customer' ORDER BY name, id`, [workspaceId]);
    return rows.map((r) => ({ key: r.id, label: r.name, slice: { segment: r.id } }));
  }
  const { rows } = await db.query<{ k: string }>(
    `SELECT DISTINCT to_char(signed_up_at AT TIME ZONE $2, 'YYYY-MM') AS k FROM analytics_customers WHERE workspace_id = $1 AND signed_up_at IS NOT NULL ORDER BY 1`,
    [workspaceId, tz],
  );
  return rows.map((r) => ({ key: r.k, label: r.k, slice: { cohort: r.k } }));
}

/** How many customers each slice holds. */
async function sliceSize(db: Queryable, workspaceId: number, slice: Slice, tz: string): Promise<number> {
  const q = new Sql();
  const { rows } = await db.query<{ k: number }>(`SELECT count(*)::int AS k FROM customers c WHERE c.workspace_id = ${q.p(workspaceId)}${inSlice(q, { workspaceId, tz, slice }, 'c.id')}`, q.args);
  return rows[0]!.k;
}

/** A metric over [from, to) for each channel, stage, segment or sign-up cohort. */
export async function metricBreakdown(db: Db, workspaceId: number, name: string, req: BreakdownRequest): Promise<MetricsResult<MetricBreakdown>> {
  const ready = await prepare(db, workspaceId, name, req);
  if (!ready.ok) return ready;
  const { info, params, tz } = ready.value;
  const span = await spanOf(db, tz, req.from, req.to);
  const compute = COMPUTE[info.name as MetricName];
  const whole = await compute({ db, workspaceId, tz, periods: [span], params, slice: {} });
  const rows: MetricBreakdown['rows'] = [];
  for (const k of await breakdownKeys(db, workspaceId, req.by, tz)) {
    const out = await compute({ db, workspaceId, tz, periods: [span], params, slice: k.slice });
    rows.push({ key: k.key, label: k.label, value: clean(out.total), customers: await sliceSize(db, workspaceId, k.slice, tz) });
  }
  return { ok: true, value: { name: info.name, unit: info.unit, definition: info.definition, by: req.by, from: req.from, to: req.to, total: clean(whole.total), rows } };
}

export { cohortRetention } from './cohort-retention.js';
export { funnel } from './funnels.js';
export type { BreakdownRequest, FunnelRequest, MetricRequest, MetricsFailure, MetricsResult, RetentionRequest } from './requests.js';

/** For metrics that take a margin: whether the value shown is revenue (margin 1) or at a gross margin. */
function basisOf(info: MetricInfo, params: Record<string, string | number>): { basis?: 'revenue' | 'gross_margin' } {
  if (!info.parameters.some((p) => p.name === 'margin')) return {};
  return { basis: Number(params.margin ?? 1) < 1 ? 'gross_margin' : 'revenue' };
}

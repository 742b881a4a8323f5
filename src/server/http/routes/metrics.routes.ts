import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { Breakdown, CohortRetention, Funnel, Interval, MetricBreakdown, MetricCatalogue, MetricSeries } from '../../../contracts/metrics.js';
import { METRICS } from '../../analytics/catalogue.js';
import { cohortRetention, funnel, metricBreakdown, metricSeries, type MetricsResult } from '../../analytics/metrics.service.js';
import type { Db } from '../../db/client.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { EV } from '../../../contracts/events.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['metrics'];

const Range = { from: z.string().describe('First day, YYYY-MM-DD (workspace timezone)'), to: z.string().describe('First day NOT counted, YYYY-MM-DD: the range is [from, to)') };
/** Query keys that are not metric parameters. */
const RESERVED = new Set(['from', 'to', 'interval', 'segment', 'stage', 'channel', 'cohort', 'by']);

/** The metric's own parameters: every other query key (e.g. `margin=0.4`, `within=14`). */
function metricParams(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (!RESERVED.has(k) && typeof v === 'string') out[k] = v;
  return out;
}

/** A typed failure as an HTTP error: 404 for something missing, 400 otherwise. */
function unwrap<T>(r: MetricsResult<T>): T {
  if (r.ok) return r.value;
  throw httpErrorOf(r);
}

/** The KPI API: the catalogue, a metric over time, breakdowns, cohort retention, funnels. */
export function metricsRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/metrics', {
    schema: { tags, summary: 'The metric catalogue: name, unit, definition, leading/lagging, parameters', security, response: { 200: MetricCatalogue, ...errors } },
    handler: async (req) => {
      await authenticateAdmin(deps.keys, req);
      return { metrics: [...METRICS] };
    },
  });

  r.get('/api/metrics/:name', {
    schema: {
      tags,
      summary: 'A metric over time',
      description:
        'Values per period of `interval` over [from, to), and the total over the whole range. Slice with `segment`, `stage`, `channel` or `cohort` (YYYY-MM of the first sign-up); any other query key is a metric parameter (see the catalogue). Unknown metrics, bad ranges and bad parameters are answered 400 naming the field.',
      security,
      params: z.object({ name: z.string().min(1).max(100) }),
      querystring: z.looseObject({
        ...Range,
        interval: Interval.default('month'),
        segment: z.string().optional(),
        stage: z.string().optional(),
        channel: z.string().optional(),
        cohort: z.string().optional(),
      }),
      response: { 200: MetricSeries, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const q = req.query;
      const slice = Object.fromEntries((['segment', 'stage', 'channel', 'cohort'] as const).filter((k) => q[k]).map((k) => [k, q[k]]));
      return unwrap(await metricSeries(deps.db, ws.id, req.params.name, { from: q.from, to: q.to, interval: q.interval, slice, params: metricParams(q) }));
    },
  });

  r.get('/api/metrics/:name/breakdown', {
    schema: {
      tags,
      summary: 'A metric over [from, to) for each acquisition channel, lifecycle stage, segment or sign-up cohort',
      security,
      params: z.object({ name: z.string().min(1).max(100) }),
      querystring: z.looseObject({ ...Range, by: Breakdown }),
      response: { 200: MetricBreakdown, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const q = req.query;
      return unwrap(await metricBreakdown(deps.db, ws.id, req.params.name, { by: q.by, from: q.from, to: q.to, params: metricParams(q) }));
    },
  });

  r.get('/api/cohorts/retention', {
    schema: {
      tags,
      summary: 'Cohort retention: cohorts by the period of a first event, and who came back in each later period',
      security,
      querystring: z.strictObject({
        ...Range,
        interval: Interval.default('month'),
        cohortEvent: z.string().min(1).max(200).default(EV.signedUp),
        returnEvent: z.string().max(200).optional().describe('Default: any event of their own'),
        measure: z.enum(['customers', 'revenue']).default('customers'),
      }),
      response: { 200: CohortRetention, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return unwrap(await cohortRetention(deps.db, ws.id, req.query));
    },
  });

  r.get('/api/funnels', {
    schema: {
      tags,
      summary: 'An ordered funnel of events (or `stage:KEY` stage entries) within a window from the first step',
      security,
      querystring: z.strictObject({
        ...Range,
        steps: z.string().min(1).describe('Comma-separated steps, e.g. `Product Viewed,Checkout Started,Order Completed`'),
        within: z.string().default('7d').describe('30m, 24h, 7d, 2w'),
      }),
      response: { 200: Funnel, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return unwrap(await funnel(deps.db, ws.id, { steps: req.query.steps.split(','), within: req.query.within, from: req.query.from, to: req.query.to }));
    },
  });
}

import { z } from 'zod';

/**
 * Lifecycle KPIs: the metric catalogue, a metric over time, breakdowns, cohort retention and
 * funnels. Dates are calendar days (YYYY-MM-DD) in the workspace's timezone; every range and
 * every period is half-open, [from, to): `to` is the first day not counted.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const Day = z
  .string()
  .regex(DAY, 'a date is written YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'not a calendar date');

export const Interval = z.enum(['day', 'week', 'month', 'quarter']);
export type Interval = z.infer<typeof Interval>;

export const MetricUnit = z.enum(['currency', 'count', 'ratio', 'percent', 'days', 'minutes', 'score']);
export const MetricTag = z.enum(['leading', 'lagging']);

export const MetricParameter = z.object({
  name: z.string(),
  type: z.enum(['number', 'string', 'event', 'stage', 'enum']),
  description: z.string(),
  default: z.union([z.string(), z.number()]).nullable(),
  /** For `enum` parameters. */
  values: z.array(z.string()).optional(),
  required: z.boolean(),
});
export type MetricParameter = z.infer<typeof MetricParameter>;

export const MetricInfo = z.object({
  name: z.string(),
  title: z.string(),
  unit: MetricUnit,
  tag: MetricTag,
  /** Which family of the lifecycle it measures (revenue, retention, value, conversion, satisfaction, engagement). */
  group: z.string(),
  definition: z.string(),
  parameters: z.array(MetricParameter),
});
export type MetricInfo = z.infer<typeof MetricInfo>;

export const MetricCatalogue = z.object({ metrics: z.array(MetricInfo) });

/** Who a metric counts: everyone, or the customers in a segment / a stage / an acquisition channel / a sign-up cohort. */
export const Slice = z.object({
  segment: z.string().min(1).max(100).optional().describe('Only customers in this segment now'),
  stage: z.string().min(1).max(100).optional().describe('Only customers in this lifecycle stage now'),
  channel: z.string().min(1).max(100).optional().describe("Only customers acquired through this channel (their first touch; 'direct' when none)"),
  cohort: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a cohort is the month of the first sign-up, written YYYY-MM')
    .optional()
    .describe('Only customers whose first `Signed Up` was in this month (YYYY-MM)'),
});
export type Slice = z.infer<typeof Slice>;

export const MetricPoint = z.object({
  start: z.string().describe('First day of the period (YYYY-MM-DD)'),
  end: z.string().describe('First day after the period'),
  value: z.number().nullable().describe('null when the metric is undefined for the period (a zero denominator)'),
  flag: z.string().optional().describe('A warning on the value, e.g. a CLV:CAC ratio below 3'),
  partial: z.boolean().optional().describe('true when the period has not ended yet: its value covers only part of it'),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const MetricSeries = z.object({
  name: z.string(),
  unit: MetricUnit,
  tag: MetricTag,
  definition: z.string(),
  from: z.string(),
  to: z.string(),
  interval: Interval,
  slice: Slice,
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  basis: z
    .enum(['revenue', 'gross_margin'])
    .optional()
    .describe('For value metrics (CLV, CLV:CAC): revenue (margin 1) or at a gross margin (`parameters.margin`, the workspace setting unless the request gave one)'),
  total: z.number().nullable().describe('The metric over the whole range [from, to)'),
  flag: z.string().optional(),
  series: z.array(MetricPoint),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

export const Breakdown = z.enum(['channel', 'stage', 'segment', 'cohort']);
export type Breakdown = z.infer<typeof Breakdown>;

export const MetricBreakdown = z.object({
  name: z.string(),
  unit: MetricUnit,
  definition: z.string(),
  by: Breakdown,
  from: z.string(),
  to: z.string(),
  total: z.number().nullable(),
  rows: z.array(z.object({ key: z.string(), label: z.string(), value: z.number().nullable(), customers: z.number().int().describe('Customers in the slice') })),
});
export type MetricBreakdown = z.infer<typeof MetricBreakdown>;

export const RetentionCohort = z.object({
  start: z.string(),
  end: z.string(),
  size: z.number().int(),
  values: z.array(z.number()).describe('Per period k = 0, 1, …: customers who returned (or their revenue)'),
  rates: z.array(z.number().nullable()).describe('values ÷ size'),
});

export const CohortRetention = z.object({
  interval: Interval,
  cohortEvent: z.string(),
  returnEvent: z.string().nullable(),
  measure: z.enum(['customers', 'revenue']),
  from: z.string(),
  to: z.string(),
  cohorts: z.array(RetentionCohort),
  currentPeriod: z.string().nullable().describe('Start of the period that has not ended yet (its cells cover only part of it), or null when every period has ended'),
});
export type CohortRetention = z.infer<typeof CohortRetention>;

export const FunnelStep = z.object({
  step: z.string(),
  count: z.number().int(),
  conversion: z.number().nullable().describe('From the previous step (1 for the first)'),
  overall: z.number().nullable().describe('From the first step'),
  dropOff: z.number().int().describe('Who reached the previous step but not this one'),
  medianSecondsFromPrevious: z.number().nullable(),
});

export const Funnel = z.object({
  steps: z.array(FunnelStep),
  within: z.string(),
  from: z.string(),
  to: z.string(),
});
export type Funnel = z.infer<typeof Funnel>;

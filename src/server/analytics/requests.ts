import { EARLIEST_MOMENT, END_OF_MOMENTS } from '../../contracts/time-window.js';
import { Day, type Breakdown, type Interval, type Slice } from '../../contracts/metrics.js';
import { fail, type Err, type Failure, type Result } from '../lib/result.js';

/** An expected failure of a metrics request: the HTTP layer makes it a 400 (404 for `not_found`). */
export type MetricsFailure = Failure<'unknown_metric' | 'bad_range' | 'bad_parameter' | 'not_found'> & {
  /** The query parameter at fault (`from`, `to`, `interval`, `segment`, a metric parameter …). */
  field?: string;
};
export type MetricsResult<T> = Result<T, MetricsFailure>;

export interface MetricRequest {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, exclusive. */
  to: string;
  interval?: Interval;
  slice?: Slice;
  params?: Record<string, string | number>;
}

export interface BreakdownRequest {
  by: Breakdown;
  from: string;
  to: string;
  params?: Record<string, string | number>;
}

export interface RetentionRequest {
  interval?: Interval;
  cohortEvent?: string;
  /** null / absent: any own event. */
  returnEvent?: string | null;
  from: string;
  to: string;
  measure?: 'customers' | 'revenue';
}

export interface FunnelRequest {
  /** Event names; `stage:KEY` for entering a lifecycle stage. */
  steps: string[];
  /** A duration: 30m, 24h, 7d, 2w. */
  within: string;
  from: string;
  to: string;
  /** How step 1 is read (default: chosen from the planner's estimate); for tests. */
  firstStep?: 'probe' | 'scan';
}

/** The longest range a request may cover. */
const MAX_RANGE_DAYS = 3_660;

/** A metrics failure naming the query parameter at fault. */
export const failAt = (code: MetricsFailure['code'], message: string, field?: string): Err<MetricsFailure> => fail(code, message, field ? { field } : {});

/** Check a [from, to) range of calendar days. */
export function checkRange(from: string, to: string): Err<MetricsFailure> | null {
  for (const [field, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (v === undefined || v === '') return failAt('bad_range', `${field} is required (YYYY-MM-DD)`, field);
    const r = Day.safeParse(v);
    if (!r.success) return failAt('bad_range', `${field} "${v}" is not a date written YYYY-MM-DD`, field);
    // `to` is exclusive, so it may be the end of the window itself.
    const t = Date.parse(`${v}T00:00:00Z`);
    if (t < EARLIEST_MOMENT || t > END_OF_MOMENTS) return failAt('bad_range', `${field} ${v} is outside the accepted range 1970-01-01 … 2100-01-01`, field);
  }
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (days <= 0) return failAt('bad_range', `to (${to}) must be after from (${from}): the range is [from, to), to is the first day not counted`, 'to');
  if (days > MAX_RANGE_DAYS) return failAt('bad_range', `the range ${from} … ${to} is ${days} days long; at most ${MAX_RANGE_DAYS} (10 years) at once`, 'to');
  return null;
}

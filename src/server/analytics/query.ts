import type { Interval, Slice } from '../../contracts/metrics.js';
import type { Queryable } from '../db/client.js';

/** A statement's parameters, numbered as they are added. */
export class Sql {
  readonly args: unknown[] = [];
  /** Add a value; returns its placeholder (with a cast when given). */
  p(value: unknown, cast?: string): string {
    this.args.push(value);
    return `$${this.args.length}${cast ? `::${cast}` : ''}`;
  }
}

/** One period of a series: calendar days in the workspace timezone and the instants they begin and end. */
export interface Period {
  start: string;
  end: string;
  startAt: string;
  endAt: string;
}

const STEP: Record<Interval, string> = { day: '1 day', week: '1 week', month: '1 month', quarter: '3 months' };

/**
 * The periods of `interval` covering [from, to) (calendar boundaries: ISO weeks from Monday,
 * quarters from January), the first and last clipped to the range, in the timezone `tz`.
 */
export async function periodsOf(db: Queryable, tz: string, from: string, to: string, interval: Interval): Promise<Period[]> {
  const { rows } = await db.query<{ start: string; end: string; start_at: Date; end_at: Date }>(
    `SELECT to_char(s, 'YYYY-MM-DD') AS start, to_char(e, 'YYYY-MM-DD') AS end, s AT TIME ZONE $4 AS start_at, e AT TIME ZONE $4 AS end_at
       FROM (SELECT greatest(g, $1::date::timestamp) AS s, least(g + $3::interval, $2::date::timestamp) AS e
               FROM generate_series(date_trunc($5, $1::date::timestamp), $2::date::timestamp - interval '1 day', $3::interval) g) x
      ORDER BY s`,
    [from, to, STEP[interval], tz, interval],
  );
  return rows.map((r) => ({ start: r.start, end: r.end, startAt: new Date(r.start_at).toISOString(), endAt: new Date(r.end_at).toISOString() }));
}

/** Everything a metric's computation needs. */
export interface MetricContext {
  db: Queryable;
  workspaceId: number;
  tz: string;
  periods: Period[];
  params: Record<string, string | number>;
  slice: Slice;
}

/** A metric's values: one per period, and over the whole range. */
export interface Computed {
  series: Array<number | null>;
  total: number | null;
  flags?: Array<string | undefined>;
  totalFlag?: string;
}

/** The range's first instant and the instant after it. */
export function rangeOf(c: MetricContext): { startAt: string; endAt: string } {
  return { startAt: c.periods[0]!.startAt, endAt: c.periods[c.periods.length - 1]!.endAt };
}

/**
 * `width_bucket` thresholds: period i (1-based) is bucket i; 0 is before the range and
 * n + 1 after it.
 */
export function bucketOf(q: Sql, c: MetricContext, expr: string): string {
  const thresholds = [...c.periods.map((p) => p.startAt), rangeOf(c).endAt];
  return `width_bucket(${expr}, ${q.p(thresholds, 'timestamptz[]')})`;
}

/**
 * A condition keeping only the slice's customers (empty when everyone counts): `col` is the
 * customer id column of the rows being filtered.
 */
export function inSlice(q: Sql, c: Pick<MetricContext, 'workspaceId' | 'tz' | 'slice'>, col: string): string {
  const parts: string[] = [];
  const s = c.slice;
  if (!s.segment && !s.stage && !s.channel && !s.cohort) return '';
  const ws = q.p(c.workspaceId);
  if (s.segment) parts.push(`SELECT customer_id FROM segment_members WHERE workspace_id = ${ws} AND segment_id = ${q.p(s.segment)}`);
  if (s.stage) parts.push(`SELECT subject_id FROM stage_states WHERE workspace_id = ${ws} AND scope = 'customer' AND stage = ${q.p(s.stage)}`);
  if (s.channel) parts.push(`SELECT id FROM customers WHERE workspace_id = ${ws} AND COALESCE(first_touch->>'channel', 'direct') = ${q.p(s.channel)}`);
  if (s.cohort) {
    const month = `${s.cohort}-01`;
    parts.push(
      `SELECT customer_id FROM analytics_customers WHERE workspace_id = ${ws} AND signed_up_at >= (${q.p(month)}::date::timestamp AT TIME ZONE ${q.p(c.tz)}) AND signed_up_at < ((${q.p(month)}::date + interval '1 month')::timestamp AT TIME ZONE ${q.p(c.tz)})`,
    );
  }
  return parts.length === 0 ? '' : ` AND ${col} IN (${parts.join(' INTERSECT ')})`;
}

/** Rows of a GROUP BY GROUPING SETS ((b), ()) over buckets: values per period (1..n) and the total (b null). */
export function fromBuckets<R extends { b: number | null }>(c: MetricContext, rows: R[], value: (r: R | undefined) => number | null): Computed {
  const byBucket = new Map<number | null, R>();
  for (const r of rows) byBucket.set(r.b === null ? null : Number(r.b), r);
  return { series: c.periods.map((_, i) => value(byBucket.get(i + 1))), total: value(byBucket.get(null)) };
}

/** Moments: the range's start, then each period's end (index i = end of period i). */
export function momentsOf(c: MetricContext): string[] {
  return [c.periods[0]!.startAt, ...c.periods.map((p) => p.endAt)];
}

/** a ÷ b, null when b is 0 or either is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined, scale = 1): number | null {
  if (a === null || a === undefined || b === null || b === undefined || Number(b) === 0) return null;
  return (Number(a) / Number(b)) * scale;
}

/** A numeric column as a number (pg returns numeric and bigint as strings). */
export function n(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** A JSON property of `e.properties` as a number when it is one (or a numeric string), else null. */
export function numProp(alias: string, name: string): string {
  return numJson(`${alias}.properties->'${name}'`);
}

/** A jsonb expression as a number when it is one (or a numeric string), else null. */
export function numJson(expr: string): string {
  return `(CASE jsonb_typeof(${expr}) WHEN 'number' THEN (${expr})::numeric WHEN 'string' THEN CASE WHEN (${expr}) #>> '{}' ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$' THEN ((${expr}) #>> '{}')::numeric END END)`;
}

/** Net value of an analytics_orders row `o`: an order's value, a refund's negative (one naming only its order refunds that order's whole value). */
export const NET_VALUE = `CASE WHEN o.kind = 'order' THEN o.amount
  ELSE -coalesce(o.amount, (SELECT x.amount FROM analytics_orders x WHERE x.workspace_id = o.workspace_id AND x.order_id = o.order_id AND x.kind = 'order' ORDER BY x.at LIMIT 1), 0) END`;

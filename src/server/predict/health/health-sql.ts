import { workspaceActivitySql } from '../../rules/activity.js';
import type { MeasureKind } from '../../../contracts/health.js';
import { compileCondition } from '../../rules/compile-sql.js';
import { EV } from '../../../contracts/events.js';
import { supportMetricSql, ticketsOf } from '../../support/measures.js';

/** The event a `survey` measure reads (properties `type` and `score`), as the NPS / CSAT KPIs do. */
export const SURVEY_EVENT = EV.surveyResponded;

const DAY_MS = 86_400_000;

/**
 * A measure as SQL over a `customers` row (alias `c`): `value`, the input read as float8
 * (NULL: no data), and `score(v)`, that input mapped to 0–100 (NULL stays NULL). Values
 * go into `params`; `$nowParam` is the placeholder of now (timestamptz).
 */
export function measureSql(kind: MeasureKind, now: Date, params: unknown[], nowParam: string): { value: string; score: (v: string) => string } {
  const p = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const since = (days: number) => p(new Date(now.getTime() - days * DAY_MS).toISOString(), 'timestamptz');
  switch (kind.type) {
    case 'rule': {
      const cond = compileCondition(kind.condition, { now, params, customer: 'c' });
      const ifTrue = p(kind.ifTrue, 'float8');
      const ifFalse = p(kind.ifFalse, 'float8');
      return { value: `(CASE WHEN ${cond} THEN 1 ELSE 0 END)::float8`, score: (v) => `(CASE WHEN ${v} = 1 THEN ${ifTrue} ELSE ${ifFalse} END)` };
    }
    case 'score':
      return {
        value: `(SELECT CASE WHEN jsonb_typeof(x.value) = 'number' THEN (x.value)::float8 END FROM customer_scores x WHERE x.customer_id = c.id AND x.name = ${p(kind.name, 'text')})`,
        score: interpolation(kind.points, p),
      };
    case 'events': {
      const which = kind.event === undefined ? workspaceActivitySql('e', 'c.workspace_id') : `e.event = ${p(kind.event, 'text')}`;
      const agg = kind.fn === 'count' ? 'count(*)' : `count(DISTINCT (e.timestamp AT TIME ZONE 'UTC')::date)`;
      return {
        value: `(SELECT ${agg}::float8 FROM events e WHERE e.customer_id = c.id AND ${which} AND e.timestamp <= ${nowParam} AND e.timestamp > ${since(kind.withinDays)})`,
        score: interpolation(kind.points, p),
      };
    }
    case 'survey': {
      const window = kind.withinDays === undefined ? '' : ` AND e.timestamp > ${since(kind.withinDays)}`;
      return {
        value: `(SELECT (e.properties ->> 'score')::float8 FROM events e
                  WHERE e.customer_id = c.id AND e.event = ${p(SURVEY_EVENT, 'text')} AND e.properties ->> 'type' = ${p(kind.surveyType, 'text')}
                    AND jsonb_typeof(e.properties -> 'score') = 'number' AND e.timestamp <= ${nowParam}${window}
                  ORDER BY e.timestamp DESC, e.id DESC LIMIT 1)`,
        score: interpolation(kind.points, p),
      };
    }
    case 'support':
      return { value: supportMetricSql(kind.metric, ticketsOf('customer', 'c.id'), since(kind.withinDays), nowParam), score: interpolation(kind.points, p) };
    case 'trait': {
      const path = p(kind.path.split('.'), 'text[]');
      return { value: `(CASE WHEN jsonb_typeof(c.traits #> ${path}) = 'number' THEN (c.traits #>> ${path})::float8 END)`, score: interpolation(kind.points, p) };
    }
  }
}

/**
 * Piecewise-linear mapping through `points` (inputs strictly increasing): the first score
 * at or below the first input, the last at or above the last, linear in between.
 */
function interpolation(points: Array<[number, number]>, p: (value: unknown, type: string) => string): (v: string) => string {
  return (v) => {
    const first = points[0]!;
    const last = points[points.length - 1]!;
    const parts = [`WHEN ${v} IS NULL THEN NULL`, `WHEN ${v} <= ${p(first[0], 'float8')} THEN ${p(first[1], 'float8')}`];
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1]!;
      const [x1, y1] = points[i]!;
      parts.push(`WHEN ${v} <= ${p(x1, 'float8')} THEN ${p(y0, 'float8')} + (${v} - ${p(x0, 'float8')}) * ${p((y1 - y0) / (x1 - x0), 'float8')}`);
    }
    parts.push(`ELSE ${p(last[1], 'float8')}`);
    return `(CASE ${parts.join(' ')} END)`;
  };
}

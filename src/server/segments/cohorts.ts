import type { z } from 'zod';
import type { Condition } from '../../contracts/condition.js';
import type { CohortList } from '../../contracts/segment-definition.js';
import type { Queryable } from '../db/client.js';

type Cohorts = z.infer<typeof CohortList>;

/** The beginning of time for "never before": the condition language's windows need a start. */
const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * Customers who did `event` for the first time in [from, to): a condition in the rule
 * language, so a cohort becomes a segment like any other.
 */
export function firstEventCondition(event: string, from: string, to: string): Condition {
  return { all: [{ performed: { event, window: { between: { from, to } } } }, { not: { performed: { event, window: { between: { from: EPOCH, to: from } } } } }] };
}

/**
 * Cohorts of a workspace: customers grouped by the week or month (UTC; weeks start on
 * Monday) of their first `event`, or by the channel or campaign of their first touch.
 * Each comes with the condition that defines it.
 */
export async function cohorts(db: Queryable, workspaceId: number, q: { by: 'first_event' | 'channel' | 'campaign'; event: string; period: 'week' | 'month' }): Promise<Cohorts> {
  if (q.by === 'first_event') {
    const { rows } = await db.query<{ start: string; end: string; n: number }>(
      `SELECT to_char(p, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS start, to_char(p + ('1 ' || $3)::interval, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS end, count(*)::int AS n
         FROM (SELECT date_trunc($3, min(e.timestamp) AT TIME ZONE 'UTC') AS p
                 FROM events e WHERE e.workspace_id = $1 AND e.event = $2 GROUP BY e.customer_id) f
        GROUP BY p ORDER BY p`,
      [workspaceId, q.event, q.period],
    );
    return {
      by: q.by,
      event: q.event,
      period: q.period,
      cohorts: rows.map((r) => ({ key: r.start.slice(0, 10), from: r.start, to: r.end, count: r.n, condition: firstEventCondition(q.event, r.start, r.end) })),
    };
  }
  const column = q.by === 'channel' ? `COALESCE(c.first_touch->>'channel', 'direct')` : `c.first_touch->>'campaign'`;
  const { rows } = await db.query<{ key: string; n: number }>(
    `SELECT ${column} AS key, count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND ${column} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    [workspaceId],
  );
  return {
    by: q.by,
    event: null,
    period: null,
    cohorts: rows.map((r) => ({
      key: r.key,
      from: null,
      to: null,
      count: r.n,
      condition: q.by === 'channel' ? { acquisition: { channel: r.key } } : { acquisition: { campaign: r.key } },
    })),
  };
}

import type { Queryable } from '../db/client.js';

/**
 * How far each background loop is behind, for one workspace (GET /api/work `lag`): what
 * waits for it and how long the oldest of it has waited. A loop that keeps up shows
 * `waiting: 0`; one that does not (traffic above what the machine can evaluate, a stopped
 * worker process) shows a count and an age that grow.
 */
export interface LoopLag {
  /** Customers (stage, segment), events (the event readers), runs or messages waiting; null: the loop has never run here. */
  waiting: number | null;
  /** Seconds the oldest waiting item has waited; null when nothing waits (or the age is unknown). */
  oldestSeconds: number | null;
}

export interface PipelineLag {
  /** Customers (and accounts) waiting for their stage to be evaluated. */
  stage: LoopLag;
  /** Customers waiting for their segment memberships to be evaluated. */
  segment: LoopLag;
  /** Events the journey trigger scanner has not read. */
  journeyTriggers: LoopLag;
  /** Events not yet folded into the KPI facts. */
  kpiFacts: LoopLag;
  /** Events the loyalty processor has not read. */
  loyalty: LoopLag;
  /** Events the referral processor has not read. */
  referrals: LoopLag;
  /** Journey runs whose next step is due. */
  journeySteps: LoopLag;
  /** Messages due to be sent. */
  messages: LoopLag;
}

/** Events past a cursor are counted up to this many (the count stays cheap however far behind a reader is). */
export const EVENTS_COUNTED = 1_000_000;

/** The event readers and their cursor tables (jobs/event-cursor.ts). */
const READERS = [
  ['journeyTriggers', 'journey_cursor'],
  ['kpiFacts', 'analytics_cursor'],
  ['loyalty', 'loyalty_cursor'],
  ['referrals', 'referral_cursor'],
] as const;

/**
 * SQL: a reader's lag as json `{ n, age }`, null when its cursor row does not exist. The
 * cursor is shared by every workspace; the events past it are this workspace's. The age is
 * that of the first waiting event from outside Tenure (`received_at` is when the server
 * took it; Tenure's own timeline events carry their moment's time there instead).
 */
function readerSql(table: string): string {
  return `(SELECT json_build_object(
             'n', (SELECT count(*) FROM (SELECT 1 FROM events e WHERE e.id > c.high_water AND e.workspace_id = $1 LIMIT ${EVENTS_COUNTED}) x),
             'age', (SELECT extract(epoch FROM now() - e.received_at) FROM events e
                      WHERE e.id > c.high_water AND e.workspace_id = $1 AND e.type <> 'tenure' ORDER BY e.id LIMIT 1))
            FROM ${table} c ORDER BY c.high_water LIMIT 1)`;
}

/** Each background loop's lag for this workspace, read in one statement. */
export async function pipelineLag(db: Queryable, workspaceId: number): Promise<PipelineLag> {
  const { rows } = await db.query<Record<string, { n: number | string | null; age: number | string | null } | null>>(
    `SELECT
       (SELECT json_build_object('n', coalesce(sum(cardinality(subject_ids)), 0), 'age', extract(epoch FROM now() - min(created_at)))
          FROM derived_work WHERE workspace_id = $1 AND kind = 'stage' AND parked_at IS NULL) AS stage,
       (SELECT json_build_object('n', coalesce(sum(cardinality(subject_ids)), 0), 'age', extract(epoch FROM now() - min(created_at)))
          FROM derived_work WHERE workspace_id = $1 AND kind = 'segment' AND parked_at IS NULL) AS segment,
       ${READERS.map(([name, table]) => `${readerSql(table)} AS "${name}"`).join(',\n       ')},
       (SELECT json_build_object('n', count(*), 'age', extract(epoch FROM now() - min(wake_at)))
          FROM journey_runs WHERE workspace_id = $1 AND wake_at <= now() AND status IN ('active', 'waiting')) AS "journeySteps",
       (SELECT json_build_object('n', count(*), 'age', extract(epoch FROM now() - min(coalesce(next_attempt_at, created_at))))
          FROM messages WHERE workspace_id = $1 AND status = 'queued' AND coalesce(next_attempt_at, created_at) <= now()) AS messages`,
    [workspaceId],
  );
  const r = rows[0]!;
  const lag = (v: { n: number | string | null; age: number | string | null } | null | undefined): LoopLag => {
    if (!v) return { waiting: null, oldestSeconds: null };
    const waiting = Number(v.n ?? 0);
    // Ages in tenths of a second, by the database's clock.
    const age = waiting > 0 && v.age !== null ? Math.max(0, Math.round(Number(v.age) * 10) / 10) : null;
    return { waiting, oldestSeconds: age };
  };
  return {
    stage: lag(r.stage),
    segment: lag(r.segment),
    journeyTriggers: lag(r.journeyTriggers),
    kpiFacts: lag(r.kpiFacts),
    loyalty: lag(r.loyalty),
    referrals: lag(r.referrals),
    journeySteps: lag(r.journeySteps),
    messages: lag(r.messages),
  };
}

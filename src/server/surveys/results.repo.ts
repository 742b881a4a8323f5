import type { Queryable } from '../db/client.js';
import type { Col, RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import type { Tally } from './results-stats.js';

/**
 * The SQL behind a survey's results (results.ts): every query reads one survey's answers in a
 * half-open range [from, to) of `responded_at` (an open end when null), respondents only.
 */

/** One survey's answers in the range: the filter every results query starts from. */
export interface Scope {
  workspaceId: number;
  surveyId: string;
  /** ISO instants; null: unbounded. */
  from: string | null;
  to: string | null;
}

type SurveyRow = RowPick<typeof schema.surveys, 'id' | 'name' | 'type'> & { definition: unknown };

/** A survey with its current definition (null when the version row is missing), or null when the workspace has no such survey. */
export async function findSurvey(db: Queryable, workspaceId: number, surveyId: string): Promise<SurveyRow | null> {
  const { rows } = await db.query<SurveyRow>(
    `SELECT s.id, s.name, s.type, v.definition
       FROM surveys s LEFT JOIN survey_versions v ON v.workspace_id = s.workspace_id AND v.survey_id = s.id AND v.version = s.version
      WHERE s.workspace_id = $1 AND s.id = $2`,
    [workspaceId, surveyId],
  );
  return rows[0] ?? null;
}

/** The answers in scope, as CTE `r` ($1 workspace, $2 survey, $3 from, $4 to). */
const IN_SCOPE = `r AS (SELECT * FROM survey_responses
  WHERE workspace_id = $1 AND survey_id = $2 AND ($3::timestamptz IS NULL OR responded_at >= $3::timestamptz) AND ($4::timestamptz IS NULL OR responded_at < $4::timestamptz))`;
const scopeArgs = (s: Scope) => [s.workspaceId, s.surveyId, s.from, s.to];

/** The tally columns of a group of `r` rows. */
const TALLY = `count(*) AS n, count(*) FILTER (WHERE r.sentiment = 'positive') AS positive, count(*) FILTER (WHERE r.sentiment = 'neutral') AS neutral,
  count(*) FILTER (WHERE r.sentiment = 'negative') AS negative, coalesce(sum(r.score::float8), 0) AS sum, coalesce(sum(r.score::float8 * r.score::float8), 0) AS sum_squares`;
interface TallyRow {
  n: number;
  positive: number;
  neutral: number;
  negative: number;
  sum: number;
  sum_squares: number;
}
const tallyOf = (r: TallyRow | undefined): Tally =>
  r
    ? { n: Number(r.n), positive: Number(r.positive), neutral: Number(r.neutral), negative: Number(r.negative), sum: Number(r.sum), sumSquares: Number(r.sum_squares) }
    : { n: 0, positive: 0, neutral: 0, negative: 0, sum: 0, sumSquares: 0 };

/** All answers in scope. */
export async function overallTally(db: Queryable, s: Scope): Promise<Tally> {
  const { rows } = await db.query<TallyRow>(`WITH ${IN_SCOPE} SELECT ${TALLY} FROM r`, scopeArgs(s));
  return tallyOf(rows[0]);
}

const STEP = { week: '1 week', month: '1 month', quarter: '3 months' } as const;

/**
 * Per calendar period in the timezone `tz` (ISO weeks from Monday, quarters from January),
 * labelled by its first day (YYYY-MM-DD), oldest first: every period from the first answer's to
 * the last answer's, those without answers included (an empty tally).
 */
export async function periodTallies(db: Queryable, s: Scope, tz: string, period: keyof typeof STEP): Promise<Array<{ period: string; tally: Tally }>> {
  const { rows } = await db.query<TallyRow & { period: string }>(
    `WITH ${IN_SCOPE},
          b AS (SELECT date_trunc($6, r.responded_at AT TIME ZONE $5) AS k, ${TALLY} FROM r GROUP BY 1),
          g AS (SELECT g.k FROM (SELECT min(k) AS lo, max(k) AS hi FROM b) m, generate_series(m.lo, m.hi, $7::interval) AS g(k))
     SELECT to_char(g.k, 'YYYY-MM-DD') AS period, b.n, b.positive, b.neutral, b.negative, b.sum, b.sum_squares
       FROM g LEFT JOIN b ON b.k = g.k ORDER BY g.k`,
    [...scopeArgs(s), tz, period, STEP[period]],
  );
  return rows.map((r) => ({ period: r.period, tally: r.n === null ? tallyOf(undefined) : tallyOf(r) }));
}

/** Per survey round (survey_responses.round), in the order the rounds were first answered. */
export async function roundTallies(db: Queryable, s: Scope): Promise<Array<{ round: string; tally: Tally }>> {
  const { rows } = await db.query<TallyRow & RowPick<typeof schema.surveyResponses, 'round'>>(
    `WITH ${IN_SCOPE} SELECT r.round, ${TALLY} FROM r GROUP BY r.round ORDER BY min(r.responded_at), r.round`,
    scopeArgs(s),
  );
  return rows.map((r) => ({ round: r.round, tally: tallyOf(r) }));
}

/** Per account (answers of the account's customers pooled, by survey_responses.account_id), most answers first, at most `limit`. */
export async function accountTallies(db: Queryable, s: Scope, limit: number): Promise<Array<{ accountId: number; groupId: string; name: string | null; tally: Tally }>> {
  const { rows } = await db.query<TallyRow & { account_id: number; group_id: Col<typeof schema.accounts, 'group_id'>; name: string | null }>(
    `WITH ${IN_SCOPE}
     SELECT a.id AS account_id, a.group_id, a.traits->>'name' AS name, ${TALLY}
       FROM r JOIN accounts a ON a.id = r.account_id AND a.workspace_id = r.workspace_id
      GROUP BY a.id, a.group_id, a.traits->>'name' ORDER BY count(*) DESC, a.id LIMIT $5`,
    [...scopeArgs(s), limit],
  );
  return rows.map((r) => ({ accountId: Number(r.account_id), groupId: r.group_id, name: r.name, tally: tallyOf(r) }));
}

/** Answers per score value seen. */
export async function scoreCounts(db: Queryable, s: Scope): Promise<Map<number, number>> {
  const { rows } = await db.query<{ score: number; count: number }>(`WITH ${IN_SCOPE} SELECT r.score::float8 AS score, count(*) AS count FROM r GROUP BY 1`, scopeArgs(s));
  return new Map(rows.map((r) => [Number(r.score), Number(r.count)]));
}

/**
 * Invitations sent in the range (by `sent_at`): those still `sent`, and those since `answered`
 * or `dismissed`. Held, skipped and pending invitations were never sent and are not counted,
 * nor is an unanswered one whose message did not reach the customer (skipped by consent or
 * suppression, failed, bounced, kept in the outbox, or not out yet).
 */
export async function deliveryCounts(db: Queryable, s: Scope): Promise<{ sent: number; answered: number; dismissed: number }> {
  const { rows } = await db.query<{ sent: number; answered: number; dismissed: number }>(
    `SELECT count(*) AS sent, count(*) FILTER (WHERE i.status = 'answered') AS answered, count(*) FILTER (WHERE i.status = 'dismissed') AS dismissed
       FROM survey_invitations i LEFT JOIN messages m ON m.id = i.message_id
      WHERE i.workspace_id = $1 AND i.survey_id = $2 AND i.status IN ('sent', 'answered', 'dismissed') AND i.sent_at IS NOT NULL
        AND ($3::timestamptz IS NULL OR i.sent_at >= $3::timestamptz) AND ($4::timestamptz IS NULL OR i.sent_at < $4::timestamptz)
        AND (i.status <> 'sent' OR i.message_id IS NULL OR m.status IN ('sent', 'delivered'))`,
    scopeArgs(s),
  );
  const r = rows[0]!;
  return { sent: Number(r.sent), answered: Number(r.answered), dismissed: Number(r.dismissed) };
}

/** The follow-up task reason a negative answer's task carries. */
export const NEGATIVE_REASON = 'survey:negative';

/** The closed loop over the negative answers in scope (see FollowUpCounts in results.ts for the definitions). */
export interface FollowUpCounts {
  negative: number;
  withTask: number;
  followedUp: number;
  medianHoursToFollowUp: number | null;
  withLaterAnswer: number;
  recovered: number;
}

/**
 * For each negative answer in scope: its follow-up task (tasks.response_id, reason
 * `survey:negative`; a done one first should there be several), and the same customer's next
 * answer of the same survey type (any survey of that type, answered at or before `now`).
 */
export async function followUpCounts(db: Queryable, s: Scope, now: Date): Promise<FollowUpCounts> {
  const { rows } = await db.query<{ negative: number; with_task: number; followed_up: number; median_hours: number | null; with_later: number; recovered: number }>(
    `WITH ${IN_SCOPE},
          neg AS (SELECT r.id, r.customer_id, r.type, r.responded_at FROM r WHERE r.sentiment = 'negative'),
          t AS (SELECT DISTINCT ON (t.response_id) t.response_id, t.status, t.done_at
                  FROM tasks t WHERE t.workspace_id = $1 AND t.reason = $5 AND t.response_id IN (SELECT id FROM neg)
                 ORDER BY t.response_id, (t.status = 'done') DESC, t.done_at, t.id)
     SELECT count(*) AS negative,
            count(t.response_id) AS with_task,
            count(*) FILTER (WHERE t.status = 'done') AS followed_up,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.done_at - neg.responded_at) / 3600.0) FILTER (WHERE t.status = 'done' AND t.done_at IS NOT NULL) AS median_hours,
            count(nx.sentiment) AS with_later,
            count(*) FILTER (WHERE nx.sentiment <> 'negative') AS recovered
       FROM neg
       LEFT JOIN t ON t.response_id = neg.id
       LEFT JOIN LATERAL (
            SELECT x.sentiment FROM survey_responses x
             WHERE x.workspace_id = $1 AND x.customer_id = neg.customer_id AND x.type = neg.type AND x.responded_at <= $6
               AND (x.responded_at > neg.responded_at OR (x.responded_at = neg.responded_at AND x.id > neg.id))
             ORDER BY x.responded_at, x.id LIMIT 1) nx ON true`,
    [...scopeArgs(s), NEGATIVE_REASON, now],
  );
  const r = rows[0]!;
  return {
    negative: Number(r.negative),
    withTask: Number(r.with_task),
    followedUp: Number(r.followed_up),
    medianHoursToFollowUp: r.median_hours === null ? null : Number(r.median_hours),
    withLaterAnswer: Number(r.with_later),
    recovered: Number(r.recovered),
  };
}

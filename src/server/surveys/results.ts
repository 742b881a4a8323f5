import type { z } from 'zod';
import type { ResultsQuery, SurveyResults } from '../../contracts/survey-results.js';
import { DEFAULT_SCALE, SurveyDefinitionSchema, scaleOf, type SurveyType } from '../../contracts/surveys.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { workspaceTimezone } from '../workspaces/workspaces.repo.js';
import { summarize } from './results-stats.js';
import { accountTallies, deliveryCounts, findSurvey, followUpCounts, overallTally, periodTallies, roundTallies, scoreCounts, type Scope } from './results.repo.js';

/** At most this many accounts in `accounts` (the largest by answers). */
export const MAX_ACCOUNTS = 50;

/**
 * A survey's results over a range of answers, honest about their precision
 * (docs/surveys-results.md has the formulas and a worked example):
 *
 * - **Scores** (`overall`, per `trend` period, per `rounds`, per `accounts`): respondents only,
 *   every answer of every version of the survey with `responded_at` in [from, to) (either end
 *   open when not given). Score, 95% margin of error and `tooFew` (n < MIN_RESPONDENTS): see
 *   `summarize` in results-stats.ts. The sentiment counted is the one stored with each answer
 *   (the band its version's scale gave it); CES means the raw scores.
 * - **Trend**: calendar periods in the workspace's timezone (ISO weeks from Monday, months,
 *   quarters from January), labelled by their first day (YYYY-MM-DD), from the first answer's
 *   period to the last's, periods without answers included with an empty summary.
 * - **Delivery**: invitations whose `sent_at` is in the range and that were sent (status
 *   `sent`, `answered` or `dismissed`); of them `answered` and `dismissed`; response rate =
 *   answered ÷ sent (null when none was sent). Dismissals are never in a score. An invitation
 *   sent in the range may be answered after it, so `delivery.answered` need not equal
 *   `overall.respondents`.
 * - **Distribution**: answers per score value, every value of the current scale (zeros
 *   included), plus any other value an older version's scale allowed.
 * - **Follow-up** over the negative answers in the range (detractors 0–6, unsatisfied,
 *   difficult): `withTask` those with a follow-up task (reason `survey:negative`,
 *   `response_id` = the answer; a negative answer given while the customer's (or account's)
 *   task is still open gets none, as only one is open at a time); `followedUp` those whose task
 *   is done; `followedUpShare` = followedUp ÷ negative; `medianHoursToFollowUp` = median hours
 *   from the answer to its task's `done_at`, over the followed-up ones; `recovered` the negative
 *   answers whose same customer's next answer of the same survey type (any survey of that type,
 *   answered by `now`, after the negative one) is not negative (NPS ≥ 7; CSAT/CES neutral or
 *   positive); `recoveryRate` = recovered ÷ the negative answers that have such a next answer
 *   (null when none has): a customer not asked again is neither recovered nor lost.
 */
export async function surveyResults(
  db: Queryable,
  workspaceId: number,
  surveyId: string,
  query: z.output<typeof ResultsQuery>,
  now: Date,
): Promise<Result<SurveyResults, { code: 'not_found' | 'bad_range'; message: string }>> {
  if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) return fail('bad_range', '`from` must be before `to`');
  const survey = await findSurvey(db, workspaceId, surveyId);
  if (!survey) return fail('not_found', `no survey "${surveyId}"`);
  const type: SurveyType = survey.type;
  const parsed = SurveyDefinitionSchema.safeParse(survey.definition);
  const scale = parsed.success ? scaleOf(parsed.data) : DEFAULT_SCALE[type];
  const scope: Scope = { workspaceId, surveyId, from: query.from ? new Date(query.from).toISOString() : null, to: query.to ? new Date(query.to).toISOString() : null };
  const tz = await workspaceTimezone(db, workspaceId);

  // One after the other: a results request holds one pooled connection at a time.
  const overall = await overallTally(db, scope);
  const periods = await periodTallies(db, scope, tz, query.period);
  const rounds = await roundTallies(db, scope);
  const accounts = await accountTallies(db, scope, MAX_ACCOUNTS);
  const counts = await scoreCounts(db, scope);
  const delivery = await deliveryCounts(db, scope);
  const loop = await followUpCounts(db, scope, now);
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

  const values = new Set<number>(counts.keys());
  for (let v = scale.min; v <= scale.max; v++) values.add(v);
  return ok({
    surveyId: survey.id,
    type,
    scale,
    overall: summarize(type, overall),
    delivery: { ...delivery, responseRate: ratio(delivery.answered, delivery.sent) },
    distribution: [...values].sort((a, b) => a - b).map((score) => ({ score, count: counts.get(score) ?? 0 })),
    trend: periods.map((p) => ({ period: p.period, summary: summarize(type, p.tally) })),
    rounds: rounds.map((r) => ({ round: r.round, summary: summarize(type, r.tally) })),
    accounts: accounts.map((a) => ({ accountId: a.accountId, groupId: a.groupId, name: a.name, summary: summarize(type, a.tally) })),
    followUp: {
      negative: loop.negative,
      withTask: loop.withTask,
      followedUp: loop.followedUp,
      followedUpShare: ratio(loop.followedUp, loop.negative),
      medianHoursToFollowUp: loop.medianHoursToFollowUp,
      recovered: loop.recovered,
      recoveryRate: ratio(loop.recovered, loop.withLaterAnswer),
    },
  });
}

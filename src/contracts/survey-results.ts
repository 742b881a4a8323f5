import { z } from 'zod';
import { ResponseView, Sentiment, SurveyType } from './surveys.js';

/**
 * A survey's results, honest about their precision: respondents only in the denominator
 * (dismissals and unanswered invitations reported apart), a 95% margin of error, and a
 * "too few answers" flag. Shared by server and dashboard.
 */

/** The score of a group of answers: NPS (−100…100), CSAT (% positive) or CES (mean score). */
export const ScoreSummary = z.object({
  /** Answers counted (respondents). */
  respondents: z.number(),
  positive: z.number(),
  neutral: z.number(),
  negative: z.number(),
  /** NPS: %promoters − %detractors; CSAT: % positive; CES: mean score. Null without answers. */
  score: z.number().nullable(),
  /** Half-width of the 95% confidence interval, in the score's unit (NPS points, CSAT percentage points, CES score units). Null below 2 answers. */
  marginOfError: z.number().nullable(),
  /** Fewer than MIN_RESPONDENTS answers: show the number, but not as a finding. */
  tooFew: z.boolean(),
});
export type ScoreSummary = z.infer<typeof ScoreSummary>;

/** Below this many answers a score is flagged `tooFew`. */
export const MIN_RESPONDENTS = 30;

export const ResultsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  period: z.enum(['week', 'month', 'quarter']).default('month'),
});

export const SurveyResults = z.object({
  surveyId: z.string(),
  type: SurveyType,
  scale: z.object({ min: z.number(), max: z.number() }),
  overall: ScoreSummary,
  /** Invitations sent in the range (by their send time; those since answered or dismissed included); of them answered, and dismissed (closed unanswered, never in a score); response rate = answered / sent (null when none was sent). */
  delivery: z.object({ sent: z.number(), answered: z.number(), dismissed: z.number(), responseRate: z.number().nullable() }),
  /** Answers per score value (min..max), for the distribution chart. */
  distribution: z.array(z.object({ score: z.number(), count: z.number() })),
  /** Per calendar period of the query's `period` in the workspace's timezone (ISO weeks from Monday, quarters from January), `period` = its first day (YYYY-MM-DD), oldest first: every period from the first answer's to the last answer's, those without answers included (respondents 0, score null). */
  trend: z.array(z.object({ period: z.string(), summary: ScoreSummary })),
  /** Per survey round (a broadcast's name, else the quarter sent, e.g. 2026-Q4), in the order they were first answered. */
  rounds: z.array(z.object({ round: z.string(), summary: ScoreSummary })),
  /** B2B: per account (customers' answers pooled), largest first, at most 50. */
  accounts: z.array(z.object({ accountId: z.number(), groupId: z.string(), name: z.string().nullable(), summary: ScoreSummary })),
  /**
   * The loop closed, over the negative answers in the range: `withTask` those with a follow-up task (reason `survey:negative`, made
   * for that answer); `followedUp` those whose task is done; `followedUpShare` = followedUp ÷ negative; `medianHoursToFollowUp` =
   * median hours from the answer to its task's `doneAt`; `recovered` those whose customer's next answer of the same survey type (any
   * survey of that type) is not negative (NPS ≥ 7; CSAT/CES neutral or positive); `recoveryRate` = recovered ÷ the negative answers
   * the customer answered again after (null when none): a customer not asked again counts neither way. docs/surveys-results.md.
   */
  followUp: z.object({
    negative: z.number(),
    withTask: z.number(),
    followedUp: z.number(),
    followedUpShare: z.number().nullable(),
    medianHoursToFollowUp: z.number().nullable(),
    recovered: z.number(),
    recoveryRate: z.number().nullable(),
  }),
});
export type SurveyResults = z.infer<typeof SurveyResults>;

export const ResponsesQuery = z.object({
  sentiment: Sentiment.optional(),
  /** Only answers with a comment. `true`/`false` (a query string's "false" is false: z.coerce.boolean() would read it as true). */
  withComment: z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((v) => v === true || v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Responses with a smaller id (paging, newest first). */
  before: z.coerce.number().int().positive().optional(),
});
export const ResponseList = z.object({ responses: z.array(ResponseView), next: z.number().nullable() });

/** One item of the follow-up queue: the task a negative answer made, with the answer. */
export const FollowUpItem = z.object({
  taskId: z.number(),
  status: z.enum(['open', 'done', 'cancelled']),
  title: z.string(),
  assigneeRole: z.string(),
  assignee: z.string().nullable(),
  dueAt: z.string(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
  overdue: z.boolean(),
  response: ResponseView,
  surveyName: z.string(),
});
export const FollowUpQuery = z.object({ status: z.enum(['open', 'done', 'cancelled']).default('open'), limit: z.coerce.number().int().min(1).max(500).default(100) });
export const FollowUpList = z.object({ items: z.array(FollowUpItem) });

import { z } from 'zod';
import { ConditionSchema } from './condition.js';
import { JobView } from './lifecycle.js';

/**
 * Health scorecards (Gainsight-style): weighted measures, each mapped to 0–100, combined
 * into one score per customer and per account with red / yellow / green bands.
 *
 * - A `rule` measure is a condition in the rule language: `ifTrue` (default 100) when it
 *   holds, else `ifFalse` (default 0). It always has a value.
 * - Every other measure reads a number and maps it to 0–100 by linear interpolation
 *   between `points` ([input, score] pairs, inputs strictly increasing); below the first
 *   point the first score holds, above the last the last.
 *   `score`: a computed score in customer_scores (e.g. `churn_risk`); `events`: how many
 *   matching events (`fn: count`) or on how many UTC days (`fn: days`) in the last
 *   `withinDays` days (no `event`: any of the customer's own activity); `survey`: the
 *   latest numeric `score` of a `Survey Responded` event of that `type` (e.g. `nps`);
 *   `trait`: a numeric trait.
 * - A measure without data for a customer (no such score, no survey answer, a trait that
 *   is not a number) is left out and the weights of the others are renormalised:
 *   score = Σ wᵢ·sᵢ / Σ wᵢ over the measures with data. The score lists the ones missing.
 *   A customer with no measure at all has no score.
 * - The score is rounded to one decimal; its band follows from the rounded score:
 *   red below `yellowFrom`, yellow from it, green from `greenFrom`.
 */

const Points = z
  .array(z.tuple([z.number().refine(Number.isFinite, 'must be a finite number'), z.number().min(0).max(100)]))
  .min(2, 'give at least two [input, score] points')
  .max(20)
  .refine((ps) => ps.every((p, i) => i === 0 || p[0] > ps[i - 1]![0]), 'the inputs of the points must be strictly increasing')
  .describe('[input, score 0–100] pairs; scores between them are interpolated linearly');

const Score0to100 = z.number().min(0).max(100);
const Days = z.number().int().min(1).max(3_650);

export const MeasureKind = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rule'), condition: ConditionSchema, ifTrue: Score0to100.default(100), ifFalse: Score0to100.default(0) }),
  z.strictObject({
    type: z.literal('score'),
    name: z
      .string()
      .min(1)
      .max(100)
      .refine((n) => n !== 'health', 'a measure cannot read the health score itself'),
    points: Points,
  }),
  z.strictObject({
    type: z.literal('events'),
    event: z.string().min(1).max(512).optional().describe('Omitted: any of the customer’s own activity'),
    fn: z.enum(['count', 'days']).default('count'),
    withinDays: Days,
    points: Points,
  }),
  z.strictObject({ type: z.literal('survey'), surveyType: z.string().min(1).max(100).describe('The `type` property of `Survey Responded`, e.g. nps'), withinDays: Days.optional(), points: Points }),
  z.strictObject({
    type: z.literal('support'),
    metric: z
      .enum(['first_response_hours', 'resolution_hours', 'reopen_rate', 'csat', 'tickets'])
      .describe('From the helpdesk tickets opened in the window: mean hours to the first agent reply or to the solve, share of solved tickets reopened (0–1), mean rating (0–1), tickets opened'),
    withinDays: Days.default(90),
    points: Points,
  }),
  z.strictObject({
    type: z.literal('trait'),
    path: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path such as `seats`'),
    points: Points,
  }),
]);
export type MeasureKind = z.infer<typeof MeasureKind>;

export const Measure = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a key is lower-case letters, digits and _ (at most 40), starting with a letter'),
  name: z.string().trim().min(1, 'a measure needs a name').max(100),
  weight: z.number().positive('a weight is more than 0').max(1_000),
  kind: MeasureKind,
});
export type Measure = z.infer<typeof Measure>;

export const Bands = z
  .strictObject({ yellowFrom: Score0to100.default(40), greenFrom: Score0to100.default(70) })
  .refine((b) => b.yellowFrom <= b.greenFrom, { message: 'yellowFrom must not be above greenFrom', path: ['yellowFrom'] });
export type Bands = z.infer<typeof Bands>;

export const Scorecard = z
  .strictObject({
    measures: z.array(Measure).min(1, 'a scorecard needs at least one measure').max(50),
    bands: Bands.default({ yellowFrom: 40, greenFrom: 70 }),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.measures.forEach((m, i) => {
      if (seen.has(m.key)) ctx.addIssue({ code: 'custom', path: ['measures', i, 'key'], message: `two measures have the key "${m.key}"` });
      seen.add(m.key);
    });
  });
export type Scorecard = z.infer<typeof Scorecard>;

export const HealthBand = z.enum(['red', 'yellow', 'green']);
export type HealthBand = z.infer<typeof HealthBand>;

export const ScorecardView = z.object({
  scorecard: Scorecard,
  isDefault: z.boolean().describe('No scorecard saved yet: the default for this workspace’s data is in use'),
  updatedAt: z.string().nullable(),
  computedAt: z.string().nullable().describe('When scores were last computed'),
});

export const RecomputeStarted = z.object({ job: JobView });

/** One measure in a score: its 0–100 score, weight, the input it read, and the points of the total it contributes. */
export const MeasureScore = z.object({
  key: z.string(),
  name: z.string(),
  score: z.number(),
  weight: z.number(),
  value: z.number().nullable().describe('The input read (rules: 1 when the condition holds, else 0; accounts: the members’ mean)'),
  contribution: z.number().describe('score × weight / Σ weights of the measures with data: the contributions add up to the score'),
});

/** A measure that moved a score: its contribution before and after (points of the total), largest |impact| first. */
export const Mover = z.object({ key: z.string(), name: z.string(), impact: z.number(), from: z.number().nullable(), to: z.number().nullable() });

export const HealthChange = z.object({
  at: z.string(),
  score: z.number(),
  band: HealthBand,
  previousScore: z.number().nullable(),
  previousBand: HealthBand.nullable(),
  movers: z.array(Mover).describe('The measures whose contribution changed most; their impacts add up to the change of the score'),
});

export const HealthView = z.object({
  scope: z.enum(['customer', 'account']),
  id: z.number().int(),
  score: z.number().nullable().describe('Null until computed (or when no measure has data)'),
  band: HealthBand.nullable(),
  computedAt: z.string().nullable(),
  measures: z.array(MeasureScore),
  missing: z.array(z.object({ key: z.string(), name: z.string() })).describe('Measures without data, left out (the others’ weights renormalised)'),
  history: z.array(HealthChange).describe('Every change of score or band, newest first'),
});

import { z } from 'zod';

/**
 * Surveys: NPS (0–10), CSAT (1–5 by default, scale configurable) and CES (1–7), sent by a
 * journey's survey step or as a broadcast, answered by one click in an email, on the hosted
 * answer page, in the in-app inbox or by an SMS reply. Every answer is a `Survey Responded`
 * event. Shared by server and dashboard (no imports beyond zod).
 */

export const SurveyType = z.enum(['nps', 'csat', 'ces']);
export type SurveyType = z.infer<typeof SurveyType>;

/** How an answer reads: negative (NPS detractor, CSAT unsatisfied, CES difficult), neutral, positive (promoter, satisfied, easy). */
export const Sentiment = z.enum(['negative', 'neutral', 'positive']);
export type Sentiment = z.infer<typeof Sentiment>;

/** The band names per type, by sentiment. */
export const BAND_NAMES: Readonly<Record<SurveyType, Readonly<Record<Sentiment, string>>>> = {
  nps: { negative: 'detractor', neutral: 'passive', positive: 'promoter' },
  csat: { negative: 'unsatisfied', neutral: 'neutral', positive: 'satisfied' },
  ces: { negative: 'difficult', neutral: 'neutral', positive: 'easy' },
};

/** The default scale per type (NPS is always 0–10). */
export const DEFAULT_SCALE: Readonly<Record<SurveyType, { min: number; max: number }>> = { nps: { min: 0, max: 10 }, csat: { min: 1, max: 5 }, ces: { min: 1, max: 7 } };

/**
 * The sentiment of a score. NPS: 0–6 negative, 7–8 neutral, 9–10 positive (Bain's bands).
 * CSAT and CES on a scale min..max: above 60% of the way up positive, below 40% negative, the
 * rest neutral — on 1–5 that is 4–5 / 3 / 1–2 (CSAT's "top two boxes"), on 1–7 5–7 / 4 / 1–3.
 */
export function sentimentOf(type: SurveyType, scale: { min: number; max: number }, score: number): Sentiment {
  if (type === 'nps') return score >= 9 ? 'positive' : score >= 7 ? 'neutral' : 'negative';
  const span = scale.max - scale.min;
  if (score > scale.min + span * 0.6) return 'positive';
  if (score < scale.min + span * 0.4) return 'negative';
  return 'neutral';
}

/** The band of a score (`detractor`, `satisfied`, …). */
export function bandOf(type: SurveyType, scale: { min: number; max: number }, score: number): string {
  return BAND_NAMES[type][sentimentOf(type, scale, score)];
}

/** Languages the answer page's own words (buttons, "thank you", labels) come in; the survey's texts are the author's. */
export const SurveyLocale = z.enum(['en', 'fr', 'de', 'es']);
export type SurveyLocale = z.infer<typeof SurveyLocale>;

export const SurveyChannel = z.enum(['email', 'sms', 'inapp']);
export type SurveyChannel = z.infer<typeof SurveyChannel>;

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');
const Text = (max: number) => z.string().trim().min(1).max(max);
const PerSentiment = z.strictObject({ negative: Text(1000).optional(), neutral: Text(1000).optional(), positive: Text(1000).optional() });

/** One survey's content and rules; each saved edit is a new version (responses keep the version they answered). */
export const SurveyDefinitionSchema = z
  .strictObject({
    type: SurveyType,
    /** CSAT and CES only (NPS is 0–10): the lowest and highest score. */
    scale: z.strictObject({ min: z.number().int().min(0).max(1), max: z.number().int().min(2).max(10) }).optional(),
    /** The question; Liquid with the customer's traits (`{{ customer.first_name }}`) and `{{ workspace.name }}`. */
    question: Text(500),
    lowLabel: Text(60).optional(),
    highLabel: Text(60).optional(),
    /** The open-text follow-up after the score, per sentiment (falling back to `default`); none: no follow-up. */
    followUp: z.strictObject({ default: Text(500), ...PerSentiment.shape }).optional(),
    /** Thank-you text per sentiment (falling back to `default`). */
    thankYou: z.strictObject({ default: Text(1000), ...PerSentiment.shape }).default({ default: 'Thank you for your answer.' }),
    /** The email: subject and an introduction above the score buttons (Liquid). */
    email: z.strictObject({ subject: Text(200), intro: z.string().max(2000).default('') }).optional(),
    /** The SMS: its text must tell how to answer ("Reply with a number from 0 to 10"); Liquid. */
    sms: z.strictObject({ text: Text(480) }).optional(),
    locale: SurveyLocale.default('en'),
    /** The subscription group the invitations belong to (consent); none: the channel's default. */
    group: Id.optional(),
    /** This survey's own fatigue: not again to a customer within `minDaysBetween` days; `whenHeld`: wait until eligible, or skip. `sampleRate`: the share of invitations sent (0–1). */
    fatigue: z
      .strictObject({ minDaysBetween: z.number().int().min(0).max(3650).default(0), whenHeld: z.enum(['wait', 'skip']).default('wait'), sampleRate: z.number().min(0).max(1).default(1) })
      .default({ minDaysBetween: 0, whenHeld: 'wait', sampleRate: 1 }),
    /** Closing the loop: a task for a person on a negative answer, at most one open per customer (or account) and reason. */
    followUpTask: z
      .strictObject({
        enabled: z.boolean().default(true),
        title: Text(200).default('Follow up on a detractor'),
        assigneeRole: Text(100).default('success'),
        dueHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .default(48),
        per: z.enum(['customer', 'account']).default('customer'),
      })
      .default({ enabled: true, title: 'Follow up on a detractor', assigneeRole: 'success', dueHours: 48, per: 'customer' }),
  })
  .superRefine((d, ctx) => {
    if (d.type === 'nps' && d.scale && (d.scale.min !== 0 || d.scale.max !== 10)) ctx.addIssue({ code: 'custom', path: ['scale'], message: 'NPS is always 0–10; leave scale out' });
  });
export type SurveyDefinition = z.infer<typeof SurveyDefinitionSchema>;
export type SurveyDefinitionInput = z.input<typeof SurveyDefinitionSchema>;

/** The scale a definition uses. */
export function scaleOf(d: Pick<SurveyDefinition, 'type' | 'scale'>): { min: number; max: number } {
  return d.type === 'nps' ? DEFAULT_SCALE.nps : (d.scale ?? DEFAULT_SCALE[d.type]);
}

export const SurveyStatus = z.enum(['draft', 'active', 'archived']);
export type SurveyStatus = z.infer<typeof SurveyStatus>;

export const SurveyCreate = z.strictObject({ id: Id, name: Text(200), definition: SurveyDefinitionSchema });
export const SurveyUpdate = z.strictObject({ name: Text(200).optional(), definition: SurveyDefinitionSchema.optional(), status: SurveyStatus.optional() });

export const SurveyView = z.object({
  id: z.string(),
  name: z.string(),
  status: SurveyStatus,
  version: z.number(),
  definition: SurveyDefinitionSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Invitations sent and answers, all versions. */
  sent: z.number(),
  responses: z.number(),
});
export type SurveyView = z.infer<typeof SurveyView>;

/**
 * Fatigue rules of a workspace: do not survey a customer again within N days of the last
 * survey sent to them — of any kind (`globalDays`), of the same type (`perTypeDays`), on the
 * same channel (`perChannelDays`); none before `firstSurveyDelayDays` after they were first
 * seen. 0 switches a rule off. A survey adds its own `minDaysBetween`.
 */
export const SurveySettingsSchema = z.strictObject({
  globalDays: z.number().int().min(0).max(3650).default(14),
  perTypeDays: z.strictObject({ nps: z.number().int().min(0).max(3650), csat: z.number().int().min(0).max(3650), ces: z.number().int().min(0).max(3650) }).default({ nps: 90, csat: 0, ces: 30 }),
  perChannelDays: z
    .strictObject({ email: z.number().int().min(0).max(3650), sms: z.number().int().min(0).max(3650), inapp: z.number().int().min(0).max(3650) })
    .default({ email: 0, sms: 30, inapp: 0 }),
  firstSurveyDelayDays: z.number().int().min(0).max(3650).default(7),
});
export type SurveySettings = z.infer<typeof SurveySettingsSchema>;
export const DEFAULT_SURVEY_SETTINGS: SurveySettings = SurveySettingsSchema.parse({});

/** What became of an invitation. `held`: waiting for a fatigue rule until `eligibleAt` (the reason says which). */
export const InvitationStatus = z.enum(['pending', 'held', 'sent', 'skipped', 'answered', 'dismissed']);
export type InvitationStatus = z.infer<typeof InvitationStatus>;

/** Why an invitation was held or skipped (`reasonCode`). */
export const HOLD_REASONS = ['fatigue_global', 'fatigue_type', 'fatigue_survey', 'fatigue_channel', 'first_survey_delay', 'sampled_out', 'survey_inactive', 'no_address'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export const InvitationView = z.object({
  id: z.number(),
  surveyId: z.string(),
  version: z.number(),
  customerId: z.number(),
  userId: z.string().nullable(),
  channel: z.string(),
  source: z.string(),
  round: z.string(),
  status: InvitationStatus,
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
  eligibleAt: z.string().nullable(),
  messageId: z.number().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export type InvitationView = z.infer<typeof InvitationView>;

export const ResponseView = z.object({
  id: z.number(),
  surveyId: z.string(),
  version: z.number(),
  type: SurveyType,
  customerId: z.number(),
  userId: z.string().nullable(),
  accountId: z.number().nullable(),
  channel: z.string(),
  round: z.string(),
  score: z.number(),
  band: z.string(),
  sentiment: Sentiment,
  comment: z.string().nullable(),
  respondedAt: z.string(),
});
export type ResponseView = z.infer<typeof ResponseView>;

/** A broadcast: every member of a segment is invited once (one survey round). */
export const SurveyBroadcast = z.strictObject({ segment: z.string().min(1).max(100), channel: SurveyChannel, round: z.string().trim().min(1).max(100).optional() });

/** The answer posted to a survey link (the hosted page, an app, the email's landing page). */
export const SurveyAnswer = z.strictObject({ score: z.coerce.number().int().min(0).max(10), comment: z.string().max(5000).optional() });
export const SurveyComment = z.strictObject({ comment: z.string().trim().min(1).max(5000) });

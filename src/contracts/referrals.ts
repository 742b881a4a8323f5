import { z } from 'zod';

/**
 * Referrals: each advocate has a code and a link; a friend is attributed by the link (first
 * touch wins) or by the code at checkout; both are rewarded — the friend at their first
 * qualifying order, the advocate after the refund window if that order stands — unless the
 * fraud guard blocks or holds the referral (docs/referrals.md). Shared by server and dashboard.
 */

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');

/** The alphabet of generated codes: no 0/O, 1/I/L, 5/S, 2/Z, 8/B (read aloud, typed from a phone). */
export const CODE_ALPHABET = '34679ACDEFGHJKMNPQRTUVWXY';
/** A code as stored and compared: upper case, letters, digits and `-`, 3–32 long. */
export const ReferralCode = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9-]+$/, 'use letters, digits and "-"')
  .transform((s) => s.toUpperCase());

/** What a side of a referral gets: points (through the ledger) or a reward from the catalogue. */
export const ReferralRewardSchema = z.union([z.strictObject({ points: z.number().int().min(1).max(1_000_000) }), z.strictObject({ rewardId: Id })]);
export type ReferralReward = z.infer<typeof ReferralRewardSchema>;

/** The fraud guard's signals. */
export const FraudSignal = z.enum([
  /** Friend and advocate resolve to the same customer (directly or after a merge). */
  'same_customer',
  /** They share an anonymous id or a device id (`context.device.id`). */
  'shared_device',
  /** Their emails are the same once canonical (case, Gmail dots and `+tags`). */
  'same_email',
  /** Their normalised postal addresses are the same. */
  'same_address',
  /** The same payment fingerprint (an order or trait property, see `paymentProperty`). */
  'same_payment',
  /** The same IP address and user agent. */
  'same_ip_ua',
  /** The friend was a customer (had an order) before the referral. */
  'existing_customer',
  /** The advocate referred more than `velocity.perAdvocatePerDay` friends in a day. */
  'advocate_velocity',
  /** More than `velocity.ordersPerIpPerDay` qualifying referral orders from one IP in a day. */
  'ip_velocity',
  /** The friend's email domain is a disposable-address service. */
  'disposable_email',
]);
export type FraudSignal = z.infer<typeof FraudSignal>;

export const FraudAction = z.enum(['block', 'hold', 'off']);
export type FraudAction = z.infer<typeof FraudAction>;

/** The default action per signal: identity signals block, circumstantial ones hold for review. */
export const DEFAULT_FRAUD_ACTIONS: Readonly<Record<FraudSignal, FraudAction>> = {
  same_customer: 'block',
  shared_device: 'block',
  same_email: 'block',
  same_payment: 'block',
  existing_customer: 'block',
  same_address: 'hold',
  same_ip_ua: 'hold',
  advocate_velocity: 'hold',
  ip_velocity: 'hold',
  disposable_email: 'hold',
};

export const ReferralSettingsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Where the referral link lands (the customer's own site); `?ref=CODE` is added. */
  landingUrl: z.url().max(2000),
  /** The URL query parameter the landing page carries the code in (read from page events). */
  param: z.string().min(1).max(40).default('ref'),
  /** The friend's first order must be worth at least this (workspace currency). */
  minOrderValue: z.number().min(0).default(0),
  /** Days after the qualifying order before the advocate is rewarded (the refund window). */
  refundWindowDays: z.number().int().min(0).max(365).default(30),
  /** Days a link attribution stays valid before the friend's first order. */
  attributionDays: z.number().int().min(1).max(365).default(60),
  friendReward: ReferralRewardSchema,
  advocateReward: ReferralRewardSchema,
  /** Most rewarded referrals per advocate (none: no cap), over all time. */
  maxRewardsPerAdvocate: z.number().int().min(1).max(100_000).optional(),
  /** The order (or trait) property holding a payment fingerprint (card fingerprint from the payment provider). */
  paymentProperty: z.string().min(1).max(100).default('payment_fingerprint'),
  velocity: z.strictObject({ perAdvocatePerDay: z.number().int().min(1).default(5), ordersPerIpPerDay: z.number().int().min(1).default(3) }).default({ perAdvocatePerDay: 5, ordersPerIpPerDay: 3 }),
  /** Per-signal action; missing signals take DEFAULT_FRAUD_ACTIONS. */
  actions: z.partialRecord(FraudSignal, FraudAction).default({}),
  /** Domains added to the built-in disposable list. */
  disposableDomains: z.array(z.string().min(3).max(200)).max(5_000).default([]),
});
export type ReferralSettings = z.infer<typeof ReferralSettingsSchema>;

export const ReferralDecision = z.enum(['allow', 'hold', 'block']);
export type ReferralDecision = z.infer<typeof ReferralDecision>;

/** One reason of a decision: the signal, what it acts as, and the evidence in words. */
export const DecisionReason = z.object({ signal: FraudSignal, action: FraudAction, detail: z.string() });
export type DecisionReason = z.infer<typeof DecisionReason>;

/**
 * A referral's life: `attributed` (friend known, no qualifying order yet) → at the first
 * qualifying order the guard decides: `blocked`, `held` (review queue), or the friend is
 * rewarded and the advocate's reward waits (`pending`) until the refund window ends →
 * `rewarded`; a refund of the qualifying order before then `void`s it, after it
 * `clawed_back`. An attribution older than `attributionDays` with no order `expired`.
 */
export const ReferralStatus = z.enum(['attributed', 'held', 'blocked', 'pending', 'rewarded', 'void', 'clawed_back', 'expired']);
export type ReferralStatus = z.infer<typeof ReferralStatus>;

export const ReferralView = z.object({
  id: z.number().int(),
  code: z.string(),
  advocate: z.object({ customerId: z.number().int(), userId: z.string().nullable(), email: z.string().nullable() }),
  friend: z.object({ customerId: z.number().int(), userId: z.string().nullable(), email: z.string().nullable() }),
  via: z.enum(['link', 'code']),
  status: ReferralStatus,
  decision: ReferralDecision.nullable(),
  reasons: z.array(DecisionReason),
  attributedAt: z.string(),
  orderId: z.string().nullable(),
  orderValue: z.number().nullable(),
  orderAt: z.string().nullable(),
  advocateDueAt: z.string().nullable(),
  override: z.object({ by: z.string(), decision: ReferralDecision, note: z.string(), at: z.string() }).nullable(),
});
export type ReferralView = z.infer<typeof ReferralView>;

/** GET /api/referrals: newest first; `status=held` is the review queue. */
export const ReferralListQuery = z.object({
  status: ReferralStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[0-9]+$/)
    .optional(),
});

export const DecisionInput = z.strictObject({ decision: z.enum(['allow', 'block']), note: z.string().trim().min(1).max(1000) });

export const CodeInput = z.strictObject({ customer: z.string().min(1).max(200), code: ReferralCode.optional() });
export const CodeView = z.object({ code: z.string(), link: z.string(), customerId: z.number().int(), vanity: z.boolean(), createdAt: z.string() });
export type CodeView = z.infer<typeof CodeView>;

export const LeaderboardRow = z.object({
  customerId: z.number().int(),
  userId: z.string().nullable(),
  email: z.string().nullable(),
  code: z.string(),
  clicks: z.number().int(),
  attributed: z.number().int(),
  rewarded: z.number().int(),
  pending: z.number().int(),
  held: z.number().int(),
  blocked: z.number().int(),
  revenue: z.number(),
});
export type LeaderboardRow = z.infer<typeof LeaderboardRow>;

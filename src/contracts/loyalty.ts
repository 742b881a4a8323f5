import { z } from 'zod';
import { ConditionSchema } from './condition.js';
import { EventMatch } from './journey.js';

/**
 * Loyalty: a points programme per workspace — earn rules, tiers, rewards — on an
 * append-only, double-entry ledger (docs/loyalty.md). Shared by server and dashboard.
 *
 * Points are whole numbers. Earned points form lots with their own expiry; redemption and
 * expiry take the lot that expires first (lots without expiry last). A lot can be pending
 * (not yet spendable) for a duration or until an event. Every entry has an idempotency key.
 */

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Points = z.number().int().min(1).max(100_000_000);
const Iso = z.iso.datetime({ offset: true });

/** How long earned points stay pending: a number of days, and/or until an event about the same order (e.g. `Order Delivered`), whichever comes first. */
export const PendingSchema = z
  .strictObject({
    days: z.number().int().min(0).max(3650).optional(),
    /** The event that releases the points; it must carry the earning order's `order_id` when the earn came from an order. */
    untilEvent: z.string().min(1).max(200).optional(),
    /** With `untilEvent`: release anyway after this many days (default: never without the event). */
    maxDays: z.number().int().min(1).max(3650).optional(),
  })
  .refine((p) => p.days !== undefined || p.untilEvent !== undefined, 'give days, untilEvent, or both');
export type Pending = z.infer<typeof PendingSchema>;

/** A cap on what one rule gives one member in a period (calendar period in the workspace's timezone, or lifetime). */
export const CapSchema = z.strictObject({ points: Points, per: z.enum(['day', 'week', 'month', 'year', 'lifetime']) });
export type Cap = z.infer<typeof CapSchema>;

/**
 * One earn rule. `order`: points per unit of order value (the one order value KPIs use,
 * analytics/order-value.ts), rounded down. `event`: fixed points per matching event (a
 * review, a sign-up). `birthday`: fixed points once a year on the date in a trait.
 * `referral`: fixed points when a referral of this member is rewarded (see ReferralSettings).
 * The rule in force is copied onto each earn entry, so a refund reverses with the rule the
 * order earned under, not today's.
 */
export const EarnRuleSchema = z.strictObject({
  id: Id,
  name: Text(120),
  enabled: z.boolean().default(true),
  kind: z.enum(['order', 'event', 'birthday']),
  /** `order`: points per 1 unit of the workspace's currency. */
  pointsPerUnit: z.number().positive().max(10_000).optional(),
  /** `event`, `birthday`: points each time. */
  points: Points.optional(),
  /** `event`: which event (name and property tests); `order` rules read `Order Completed`. */
  event: EventMatch.optional(),
  /** `birthday`: the trait holding the date (`YYYY-MM-DD` or `MM-DD`; default `birthday`). */
  birthdayTrait: z.string().min(1).max(100).optional(),
  /** Only members for whom this holds (the rule language, evaluated on the member at the event). */
  condition: ConditionSchema.optional(),
  /** Whether the tier's multiplier applies (default true). */
  tierMultiplier: z.boolean().default(true),
  /** An extra multiplier (a campaign's "double points"). */
  multiplier: z.number().positive().max(100).default(1),
  cap: CapSchema.optional(),
  /** At most once per member ever (a sign-up bonus). */
  oncePerMember: z.boolean().default(false),
  /** A campaign: the rule earns only for events in [startsAt, endsAt). */
  startsAt: Iso.optional(),
  endsAt: Iso.optional(),
  /** Overrides the programme's default pending. */
  pending: PendingSchema.optional(),
  /** Days until these points expire (overrides the programme's default; null: never). */
  expiresAfterDays: z.number().int().min(1).max(36500).nullable().optional(),
});
export type EarnRule = z.infer<typeof EarnRuleSchema>;

/** One tier: reached at `entry`, kept at review with at least `retain` over the term. */
export const TierSchema = z.strictObject({
  key: Id,
  name: Text(60),
  entry: z.number().min(0),
  retain: z.number().min(0),
  /** Multiplies points from rules with `tierMultiplier`. */
  multiplier: z.number().positive().max(100).default(1),
  /** What the tier gives, readable in templates (`{{ loyalty.tier.benefits.free_shipping }}`) and shown on the member page. */
  benefits: z.record(z.string().min(1).max(60), z.union([z.string().max(500), z.number(), z.boolean()])).default({}),
});
export type Tier = z.infer<typeof TierSchema>;

/**
 * Tiers: the qualifying measure over a term, reviewed at the term's end.
 * - `points`: points earned in the term (before redemptions); `spend`: order value net of refunds.
 * - `calendar_year` (Jan 1 in the workspace's timezone), `rolling_12m` (the last 12 months, reviewed daily),
 *   `lifetime` (never reviewed down), `anniversary` (each year from the member's joining date).
 * - At review, a member under their tier's `retain` goes down one step, or to the tier the measure qualifies for (`recalculate`).
 * Upgrades happen as soon as the measure reaches a higher tier's `entry`.
 */
export const TierSettingsSchema = z.strictObject({
  measure: z.enum(['points', 'spend']),
  term: z.enum(['calendar_year', 'rolling_12m', 'lifetime', 'anniversary']),
  downgrade: z.enum(['one_step', 'recalculate']).default('one_step'),
  /** Lowest first; the first tier's entry must be 0. */
  tiers: z.array(TierSchema).min(1).max(12),
});
export type TierSettings = z.infer<typeof TierSettingsSchema>;

/**
 * Programme settings. `pointValue`: what one point is worth when redeemed, in the workspace's
 * currency (the liability report values outstanding points at it). `spentReversal`: a refund
 * whose points were already spent leaves a negative balance (`negative`), or first cancels the
 * member's unused rewards bought with points (`clawback`), then goes negative for the rest.
 */
export const ProgrammeSettingsSchema = z.strictObject({
  name: Text(120).default('Rewards'),
  pointsName: Text(40).default('points'),
  pointValue: z.number().positive().max(1_000_000).default(0.01),
  enrolment: z.enum(['automatic', 'opt_in']).default('automatic'),
  /** `opt_in`: the event that enrols a customer. */
  optInEvent: z.string().min(1).max(200).default('Loyalty Joined'),
  /** Share of customers (0–50%) kept out of the programme at random, for the lift report. */
  holdoutPercent: z.number().min(0).max(50).default(0),
  /** Default expiry of earned points in days (null: never). */
  expiresAfterDays: z.number().int().min(1).max(36500).nullable().default(365),
  /** Default pending for order points (none: available at once). */
  pending: PendingSchema.optional(),
  spentReversal: z.enum(['negative', 'clawback']).default('negative'),
  earnRules: z.array(EarnRuleSchema).max(50).default([]),
  tiers: TierSettingsSchema.optional(),
});
export type ProgrammeSettings = z.infer<typeof ProgrammeSettingsSchema>;

export const ProgrammeStatus = z.enum(['draft', 'live', 'paused']);
export type ProgrammeStatus = z.infer<typeof ProgrammeStatus>;

export const ProgrammeView = z.object({
  status: ProgrammeStatus,
  version: z.number().int(),
  settings: ProgrammeSettingsSchema,
  updatedAt: z.string(),
});
export type ProgrammeView = z.infer<typeof ProgrammeView>;

export const ProgrammeInput = z.strictObject({ status: ProgrammeStatus.optional(), settings: ProgrammeSettingsSchema });
export type ProgrammeInput = z.infer<typeof ProgrammeInput>;

/** Ledger entry kinds. `settle`: a negative balance paid off from a new lot. `cancel`: a redemption cancelled and its points returned. */
export const EntryKind = z.enum(['earn', 'release', 'redeem', 'expire', 'adjust', 'reverse', 'transfer', 'settle', 'cancel']);
export type EntryKind = z.infer<typeof EntryKind>;

/** One ledger entry as the API shows it (its postings summed per account of the member). */
export const EntryView = z.object({
  id: z.number().int(),
  kind: EntryKind,
  key: z.string(),
  at: z.string(),
  /** Change of the member's available and pending balances. */
  available: z.number().int(),
  pending: z.number().int(),
  orderId: z.string().nullable(),
  ruleId: z.string().nullable(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  counterparty: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type EntryView = z.infer<typeof EntryView>;

export const LotView = z.object({
  id: z.number().int(),
  points: z.number().int(),
  remaining: z.number().int(),
  pending: z.boolean(),
  earnedAt: z.string(),
  expiresAt: z.string().nullable(),
  pendingUntil: z.string().nullable(),
  pendingEvent: z.string().nullable(),
  orderId: z.string().nullable(),
});
export type LotView = z.infer<typeof LotView>;

export const MemberView = z.object({
  customerId: z.number().int(),
  userId: z.string().nullable(),
  status: z.enum(['member', 'holdout', 'not_enrolled']),
  joinedAt: z.string().nullable(),
  available: z.number().int(),
  pending: z.number().int(),
  /** Points earned in the current tier term (or spend), and what the next tier needs. */
  tier: z.object({ key: z.string(), name: z.string(), since: z.string(), benefits: z.record(z.string(), z.unknown()) }).nullable(),
  progress: z
    .object({ measure: z.enum(['points', 'spend']), value: z.number(), next: z.object({ key: z.string(), name: z.string(), entry: z.number() }).nullable(), termEndsAt: z.string().nullable() })
    .nullable(),
  expiringSoon: z.object({ points: z.number().int(), at: z.string() }).nullable(),
  lots: z.array(LotView),
});
export type MemberView = z.infer<typeof MemberView>;

export const LedgerPage = z.object({ entries: z.array(EntryView), nextBefore: z.number().int().nullable() });
export type LedgerPage = z.infer<typeof LedgerPage>;

/** What a ledger move answers (adjust, transfer): the entry, the change, the member's balances after it. */
export const EntryResultView = z.object({
  entryId: z.number().int(),
  replayed: z.boolean(),
  available: z.number().int(),
  pending: z.number().int(),
  balance: z.number().int(),
  pendingBalance: z.number().int(),
});
export type EntryResultView = z.infer<typeof EntryResultView>;

export const AdjustInput = z.strictObject({
  points: z
    .number()
    .int()
    .min(-100_000_000)
    .max(100_000_000)
    .refine((n) => n !== 0, 'must not be 0'),
  reason: Text(500),
  key: Text(200),
});
export const TransferInput = z.strictObject({ from: Text(200), to: Text(200), points: Points, key: Text(200), reason: Text(500).optional() });
export const RedeemInput = z.strictObject({ rewardId: Id, key: Text(200) });

/** A reward in the catalogue. */
export const RewardKind = z.enum(['discount_code', 'free_product', 'store_credit', 'custom']);
export const RewardInput = z.strictObject({
  id: Id,
  name: Text(120),
  description: z.string().max(1000).default(''),
  kind: RewardKind,
  cost: Points,
  /** What the reward is worth to the member in the workspace's currency (a €5 code: 5). */
  value: z.number().min(0).max(1_000_000).default(0),
  /** `discount_code`: codes come from an uploaded pool (`pool`) or are generated (`generate`, with a prefix). */
  codes: z
    .strictObject({
      source: z.enum(['pool', 'generate']),
      prefix: z
        .string()
        .max(20)
        .regex(/^[A-Z0-9-]*$/, 'capital letters, digits and "-"')
        .default(''),
    })
    .optional(),
  /** `free_product`: the product id. */
  productId: z.string().max(200).optional(),
  /** Only members of this tier or above. */
  minTier: Id.optional(),
  /** Most redemptions per member (none: no limit). */
  perMemberLimit: z.number().int().min(1).max(10_000).optional(),
  active: z.boolean().default(true),
});
export type RewardInput = z.infer<typeof RewardInput>;
export const RewardView = RewardInput.extend({ codesLeft: z.number().int().nullable(), redeemed: z.number().int() });
export type RewardView = z.infer<typeof RewardView>;

export const RedemptionStatus = z.enum(['issued', 'used', 'cancelled', 'clawed_back']);
export const RedemptionView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  userId: z.string().nullable(),
  rewardId: z.string(),
  rewardName: z.string(),
  points: z.number().int(),
  code: z.string().nullable(),
  status: RedemptionStatus,
  channel: z.enum(['api', 'link', 'inbox', 'admin', 'referral']),
  createdAt: z.string(),
});
export type RedemptionView = z.infer<typeof RedemptionView>;

/** Outstanding points valued at `pointValue`, by the month they expire (null: never). */
export const LiabilityReport = z.object({
  currency: z.string(),
  pointValue: z.number(),
  available: z.object({ points: z.number().int(), value: z.number() }),
  pending: z.object({ points: z.number().int(), value: z.number() }),
  /** Negative balances (points owed by members after refunds of spent points). */
  owed: z.object({ points: z.number().int(), members: z.number().int() }),
  byExpiryMonth: z.array(z.object({ month: z.string().nullable(), points: z.number().int(), value: z.number() })),
  members: z.number().int(),
});
export type LiabilityReport = z.infer<typeof LiabilityReport>;

/**
 * Members against a comparison group on retention and CLV over a window: the holdout when the
 * programme has one, else non-members matched on stage and spend before joining. With a
 * difference, its 95% interval, and whether the groups are large enough to say.
 */
export const LiftReport = z.object({
  comparison: z.enum(['holdout', 'matched']),
  windowDays: z.number().int(),
  members: z.object({ n: z.number().int(), retention: z.number().nullable(), clv: z.number().nullable() }),
  others: z.object({ n: z.number().int(), retention: z.number().nullable(), clv: z.number().nullable() }),
  retentionLift: z.object({ diff: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable() }),
  clvLift: z.object({ diff: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable() }),
  tooFew: z.boolean(),
  note: z.string(),
});
export type LiftReport = z.infer<typeof LiftReport>;

/** What the customer sees through their signed link: balance, tier, rewards they can take. */
export const CustomerLoyaltyView = z.object({
  programme: z.string(),
  pointsName: z.string(),
  available: z.number().int(),
  pending: z.number().int(),
  tier: z.object({ name: z.string(), benefits: z.record(z.string(), z.unknown()) }).nullable(),
  expiringSoon: z.object({ points: z.number().int(), at: z.string() }).nullable(),
  rewards: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), cost: z.number().int(), affordable: z.boolean() })),
  redemptions: z.array(z.object({ rewardName: z.string(), code: z.string().nullable(), at: z.string(), status: z.string() })),
  referral: z.object({ code: z.string(), link: z.string() }).nullable(),
});
export type CustomerLoyaltyView = z.infer<typeof CustomerLoyaltyView>;

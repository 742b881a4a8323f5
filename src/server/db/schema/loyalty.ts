import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A workspace's loyalty programme (contracts/loyalty.ts ProgrammeSettingsSchema); `version` counts saved edits. */
export const loyaltyProgrammes = pgTable('loyalty_programmes', {
  workspaceId: integer('workspace_id').primaryKey(),
  status: text('status', { enum: ['draft', 'live', 'paused'] })
    .notNull()
    .default('draft'),
  settings: jsonb('settings').notNull(),
  version: integer('version').notNull().default(1),
  /** When the programme first went live (the lift report's start). */
  liveSince: timestamp('live_since', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every saved version of the programme's settings, kept (earn entries name the version their rule came from). */
export const loyaltyProgrammeVersions = pgTable(
  'loyalty_programme_versions',
  {
    workspaceId: integer('workspace_id').notNull(),
    version: integer('version').notNull(),
    settings: jsonb('settings').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.version] })],
);

/**
 * A customer's place in the programme: a member, or in the holdout (kept out at random for
 * the lift report). The tier is a read model of the ledger and the tier rules, kept here with
 * the start of its qualification term; its history is in loyalty_tier_changes.
 */
export const loyaltyMembers = pgTable(
  'loyalty_members',
  {
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['member', 'holdout'] }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    tier: text('tier'),
    tierSince: timestamp('tier_since', { withTimezone: true }),
    /** Start of the current qualification term (calendar year, anniversary year). */
    termStart: timestamp('term_start', { withTimezone: true }),
    /** When the tier was last reviewed (term end, rolling window). */
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.customerId] }), index('loyalty_members_customer_idx').on(t.customerId)],
);

/**
 * The ledger: one row per move, append-only, never updated. `idempotency_key` names the
 * move's cause (`order:<messageId>:<rule>`, an API caller's key), so a replay writes nothing.
 * The amounts are in loyalty_postings (double entry: each entry's postings sum to zero).
 */
export const loyaltyEntries = pgTable(
  'loyalty_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind', { enum: ['earn', 'release', 'redeem', 'expire', 'adjust', 'reverse', 'transfer', 'settle', 'cancel'] }).notNull(),
    /** The member the entry is about (a transfer: the sender). */
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    /** A transfer's receiver. */
    counterpartyId: bigint('counterparty_id', { mode: 'number' }),
    /** The size of the move (positive). */
    points: bigint('points', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    orderId: text('order_id'),
    /** The messageId of the event that caused the entry. */
    sourceEvent: text('source_event'),
    /** `earn`: the rule in force, copied (with the programme version), and the order value it earned on. */
    rule: jsonb('rule'),
    /** `reverse`: the earn entry reversed; `cancel`: the redeem entry cancelled. */
    reverses: bigint('reverses', { mode: 'number' }),
    redemptionId: bigint('redemption_id', { mode: 'number' }),
    referralId: bigint('referral_id', { mode: 'number' }),
    actor: text('actor'),
    reason: text('reason'),
    detail: jsonb('detail').notNull().default({}),
  },
  (t) => [
    uniqueIndex('loyalty_entries_key_uq').on(t.workspaceId, t.idempotencyKey),
    index('loyalty_entries_customer_idx').on(t.workspaceId, t.customerId, t.at),
    index('loyalty_entries_order_idx')
      .on(t.workspaceId, t.orderId)
      .where(sql`${t.orderId} IS NOT NULL`),
  ],
);

/**
 * The postings of each entry: an amount on an account. Member accounts (`available`,
 * `pending`) carry the customer and, except for a negative balance, the lot; programme
 * accounts (`issued`, `redeemed`, `expired`, `adjusted`) carry neither. A lot's remaining
 * points are the sum of its postings; a member's balance the sum of their `available` postings.
 */
export const loyaltyPostings = pgTable(
  'loyalty_postings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entryId: bigint('entry_id', { mode: 'number' }).notNull(),
    workspaceId: integer('workspace_id').notNull(),
    account: text('account', { enum: ['available', 'pending', 'issued', 'redeemed', 'expired', 'adjusted'] }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }),
    lotId: bigint('lot_id', { mode: 'number' }),
    amount: bigint('amount', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('loyalty_postings_entry_idx').on(t.entryId),
    index('loyalty_postings_customer_idx')
      .on(t.workspaceId, t.customerId)
      .where(sql`${t.customerId} IS NOT NULL`),
    index('loyalty_postings_lot_idx')
      .on(t.lotId)
      .where(sql`${t.lotId} IS NOT NULL`),
  ],
);

/**
 * A lot: points earned together (one earn, a positive adjustment, a transfer received, a
 * cancelled redemption's points), with their expiry and, while pending, what releases them.
 * Immutable: what is left of it is the sum of its postings.
 */
export const loyaltyLots = pgTable(
  'loyalty_lots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    /** The entry that made the lot. */
    entryId: bigint('entry_id', { mode: 'number' }).notNull(),
    points: bigint('points', { mode: 'number' }).notNull(),
    earnedAt: timestamp('earned_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Pending until this time (or the event below, whichever first); null with no event: available at once. */
    pendingUntil: timestamp('pending_until', { withTimezone: true }),
    pendingEvent: text('pending_event'),
    orderId: text('order_id'),
  },
  (t) => [
    index('loyalty_lots_customer_idx').on(t.workspaceId, t.customerId),
    index('loyalty_lots_expiry_idx')
      .on(t.workspaceId, t.expiresAt)
      .where(sql`${t.expiresAt} IS NOT NULL`),
    index('loyalty_lots_pending_idx')
      .on(t.workspaceId, t.pendingUntil)
      .where(sql`${t.pendingUntil} IS NOT NULL OR ${t.pendingEvent} IS NOT NULL`),
  ],
);

/** Tier moves, kept (the member page's history, the reports). */
export const loyaltyTierChanges = pgTable(
  'loyalty_tier_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    fromTier: text('from_tier'),
    toTier: text('to_tier').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
    value: numeric('value', { mode: 'number' }),
  },
  (t) => [index('loyalty_tier_changes_customer_idx').on(t.workspaceId, t.customerId, t.at)],
);

/** The rewards catalogue (contracts/loyalty.ts RewardInput). */
export const loyaltyRewards = pgTable(
  'loyalty_rewards',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    definition: jsonb('definition').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** Uploaded discount codes of a reward; `redemption_id` once handed out. */
export const loyaltyRewardCodes = pgTable(
  'loyalty_reward_codes',
  {
    workspaceId: integer('workspace_id').notNull(),
    rewardId: text('reward_id').notNull(),
    code: text('code').notNull(),
    redemptionId: bigint('redemption_id', { mode: 'number' }),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.rewardId, t.code] }),
    index('loyalty_reward_codes_free_idx')
      .on(t.workspaceId, t.rewardId)
      .where(sql`${t.redemptionId} IS NULL`),
  ],
);

/** A reward taken: its redeem entry, the code handed out, what became of it. */
export const loyaltyRedemptions = pgTable(
  'loyalty_redemptions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    rewardId: text('reward_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** The redeem entry (null: a reward given without points, e.g. a referral reward). */
    entryId: bigint('entry_id', { mode: 'number' }),
    points: bigint('points', { mode: 'number' }).notNull(),
    code: text('code'),
    status: text('status', { enum: ['issued', 'used', 'cancelled', 'clawed_back'] })
      .notNull()
      .default('issued'),
    channel: text('channel', { enum: ['api', 'link', 'inbox', 'admin', 'referral'] }).notNull(),
    referralId: bigint('referral_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('loyalty_redemptions_key_uq').on(t.workspaceId, t.idempotencyKey), index('loyalty_redemptions_customer_idx').on(t.workspaceId, t.customerId)],
);

/** The loyalty event processor's place in the events table (see jobs/event-cursor.ts). */
export const loyaltyCursor = pgTable('loyalty_cursor', {
  id: integer('id').primaryKey(),
  highWater: bigint('high_water', { mode: 'number' }).notNull().default(0),
  gaps: jsonb('gaps').notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The referral processor's place in the events table (attribution, qualifying orders, refunds). */
export const referralCursor = pgTable('referral_cursor', {
  id: integer('id').primaryKey(),
  highWater: bigint('high_water', { mode: 'number' }).notNull().default(0),
  gaps: jsonb('gaps').notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A workspace's referral programme (contracts/referrals.ts ReferralSettingsSchema). */
export const referralSettings = pgTable('referral_settings', {
  workspaceId: integer('workspace_id').primaryKey(),
  settings: jsonb('settings').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Advocates' codes (upper case); a member may have several (a vanity code beside the generated one). */
export const referralCodes = pgTable(
  'referral_codes',
  {
    workspaceId: integer('workspace_id').notNull(),
    code: text('code').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    vanity: boolean('vanity').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.code] }), index('referral_codes_customer_idx').on(t.workspaceId, t.customerId)],
);

/** Follows of a referral link (`/r/<workspace>/<code>`): the leaderboard's clicks, and evidence for the fraud guard. */
export const referralClicks = pgTable(
  'referral_clicks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    code: text('code').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('referral_clicks_code_idx').on(t.workspaceId, t.code, t.at)],
);

/**
 * One friend's referral (a friend is referred once: first touch wins). The fraud guard's
 * decision and reasons are kept with an admin's override; the reward entries and redemptions
 * point back here (referral_id).
 */
export const referrals = pgTable(
  'referrals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    code: text('code').notNull(),
    advocateId: bigint('advocate_id', { mode: 'number' }).notNull(),
    friendId: bigint('friend_id', { mode: 'number' }).notNull(),
    via: text('via', { enum: ['link', 'code'] }).notNull(),
    attributedAt: timestamp('attributed_at', { withTimezone: true }).notNull(),
    /** The attributing event's messageId, IP, user agent, anonymous id, URL. */
    evidence: jsonb('evidence').notNull().default({}),
    status: text('status', { enum: ['attributed', 'held', 'blocked', 'pending', 'rewarded', 'void', 'clawed_back', 'expired'] })
      .notNull()
      .default('attributed'),
    decision: text('decision', { enum: ['allow', 'hold', 'block'] }),
    reasons: jsonb('reasons').notNull().default([]),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    override: jsonb('override'),
    orderId: text('order_id'),
    orderValue: numeric('order_value', { mode: 'number' }),
    orderAt: timestamp('order_at', { withTimezone: true }),
    advocateDueAt: timestamp('advocate_due_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('referrals_friend_uq').on(t.workspaceId, t.friendId),
    index('referrals_advocate_idx').on(t.workspaceId, t.advocateId, t.attributedAt),
    index('referrals_status_idx').on(t.workspaceId, t.status),
    index('referrals_due_idx')
      .on(t.advocateDueAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

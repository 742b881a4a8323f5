import { bigint, bigserial, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, date } from 'drizzle-orm/pg-core';

/** B2B accounts, created by Segment `group` calls. */
export const accounts = pgTable(
  'accounts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    groupId: text('group_id').notNull(),
    traits: jsonb('traits').notNull().default({}),
    traitTimes: jsonb('trait_times').notNull().default({}),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('accounts_group_uq').on(t.workspaceId, t.groupId)],
);

export const accountMembers = pgTable(
  'account_members',
  {
    workspaceId: integer('workspace_id').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.customerId] }), index('account_members_customer_idx').on(t.customerId)],
);

/** Marketing spend per channel/campaign and day, the denominator of CAC. */
export const marketingSpend = pgTable(
  'marketing_spend',
  {
    workspaceId: integer('workspace_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    channel: text('channel').notNull(),
    campaign: text('campaign').notNull().default(''),
    amount: numeric('amount', { precision: 14, scale: 2 }).notNull(),
    currency: text('currency').notNull().default('USD'),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.channel, t.campaign] })],
);

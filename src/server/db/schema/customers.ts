import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** One row per unified customer profile. */
export const customers = pgTable(
  'customers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    /** Canonical userId; null while the customer is only known anonymously. */
    userId: text('user_id'),
    traits: jsonb('traits').notNull().default({}),
    /** Per trait: [firstSetAt, lastSetAt] as ISO strings (last-write-wins by event timestamp). */
    traitTimes: jsonb('trait_times').notNull().default({}),
    // First and last seen are not stored here: they are read from the events index
    // (events_customer_time_idx), so appending an event never rewrites the customer row.
    firstTouch: jsonb('first_touch'),
    lastTouch: jsonb('last_touch'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('customers_user_uq').on(t.workspaceId, t.userId),
    index('customers_ws_id_idx').on(t.workspaceId, t.id),
    // Helpdesk requesters are matched by email (support/match.ts).
    index('customers_email_idx').on(t.workspaceId, sql`lower(${t.traits} ->> 'email')`),
  ],
);

/** Every identifier that resolves to a customer: userIds (including aliases) and anonymousIds. */
export const identities = pgTable(
  'identities',
  {
    workspaceId: integer('workspace_id').notNull(),
    kind: text('kind', { enum: ['user', 'anonymous'] }).notNull(),
    value: text('value').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.value] }), index('identities_customer_idx').on(t.customerId)],
);

/** Record of profile merges (anonymous → known, alias), so old customer ids can be redirected. */
export const customerMerges = pgTable(
  'customer_merges',
  {
    workspaceId: integer('workspace_id').notNull(),
    fromCustomerId: bigint('from_customer_id', { mode: 'number' }).notNull(),
    intoCustomerId: bigint('into_customer_id', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    mergedAt: timestamp('merged_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.fromCustomerId] })],
);

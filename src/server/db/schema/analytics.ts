import { bigint, bigserial, date, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Pre-aggregated facts for the KPI layer, derived from `events` by the analytics sync
 * (src/server/analytics/facts.ts), which reads events in id order, so late-arriving events
 * (an old timestamp, received now) are folded in like any other. Merges are replayed from
 * `analytics_merges`. Everything here can be rebuilt from the events.
 */

/** How far the sync has read the events table (one row; gaps are ids skipped over, read again until they appear). */
export const analyticsCursor = pgTable('analytics_cursor', {
  id: integer('id').primaryKey(),
  highWater: bigint('high_water', { mode: 'number' }).notNull(),
  gaps: jsonb('gaps').notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One row per `Order Completed` (kind order) and `Order Refunded` (kind refund). */
export const analyticsOrders = pgTable(
  'analytics_orders',
  {
    eventId: bigint('event_id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    kind: text('kind', { enum: ['order', 'refund'] }).notNull(),
    orderId: text('order_id'),
    /** The order's value, or the refunded amount; null for a refund that names only its order. */
    amount: numeric('amount'),
  },
  (t) => [
    index('analytics_orders_ws_at_idx').on(t.workspaceId, t.at),
    index('analytics_orders_order_idx').on(t.workspaceId, t.orderId),
    index('analytics_orders_customer_at_idx').on(t.customerId, t.at),
  ],
);

/** Per customer and calendar day (workspace timezone): their activity (rules/activity.ts) in events, sessions and their length. */
export const analyticsDays = pgTable(
  'analytics_days',
  {
    workspaceId: integer('workspace_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    events: integer('events').notNull(),
    sessions: integer('sessions').notNull(),
    sessionSeconds: doublePrecision('session_seconds').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.customerId] }), index('analytics_days_customer_idx').on(t.customerId)],
);

/** Per customer: the moments most KPIs hinge on. */
export const analyticsCustomers = pgTable(
  'analytics_customers',
  {
    customerId: bigint('customer_id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    /** First activity (rules/activity.ts). */
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }),
    /** First `Signed Up`. */
    signedUpAt: timestamp('signed_up_at', { withTimezone: true }),
    firstOrderAt: timestamp('first_order_at', { withTimezone: true }),
    secondOrderAt: timestamp('second_order_at', { withTimezone: true }),
  },
  (t) => [index('analytics_customers_ws_idx').on(t.workspaceId)],
);

/** Merges the sync has yet to fold into the facts (written by the merge itself, in its transaction). */
export const analyticsMerges = pgTable('analytics_merges', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  workspaceId: integer('workspace_id').notNull(),
  fromCustomerId: bigint('from_customer_id', { mode: 'number' }).notNull(),
  intoCustomerId: bigint('into_customer_id', { mode: 'number' }).notNull(),
});

/**
 * The timezone each workspace's customer-days were cut in, and the activity definition they
 * were cut with (src/server/rules/activity.ts; null: before the facts used it, every event but
 * Tenure's own). The sync cuts the days (and first seen) again when either changes.
 */
export const analyticsTimezones = pgTable('analytics_timezones', {
  workspaceId: integer('workspace_id').primaryKey(),
  timezone: text('timezone').notNull(),
  activity: text('activity'),
});

/** Per customer and calendar month (workspace timezone): analytics_days summed, so monthly activity is one row per active customer. */
export const analyticsMonths = pgTable(
  'analytics_months',
  {
    workspaceId: integer('workspace_id').notNull(),
    month: date('month', { mode: 'string' }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    events: integer('events').notNull(),
    sessions: integer('sessions').notNull(),
    sessionSeconds: doublePrecision('session_seconds').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.month, t.customerId] }), index('analytics_months_customer_idx').on(t.customerId)],
);

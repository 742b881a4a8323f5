import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Append-only store of everything customers did (and everything Tenure did to them).
 * PARTITION BY RANGE (timestamp), one partition a month (events_YYYY_MM): migration
 * 0028 and db/event-partitions.ts; drizzle-kit does not model partitioning, so this is
 * the partitioned table's shape, and its partitions are made by SQL. A partitioned
 * table's unique keys must hold the partition key: the primary key is (id, timestamp),
 * and a messageId's uniqueness within a workspace is kept by `event_message_ids` below.
 * See docs/scaling.md, "Partitioned events and retention".
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    messageId: text('message_id').notNull(),
    /** Segment call type: track, identify, page, screen, group, alias. */
    type: text('type').notNull(),
    /** Event name for track; page/screen name; null otherwise. */
    event: text('event'),
    userId: text('user_id'),
    anonymousId: text('anonymous_id'),
    groupId: text('group_id'),
    /** Clock-skew corrected time the event happened. */
    timestamp: timestamp('timestamp', { withTimezone: true }).notNull(),
    originalTimestamp: timestamp('original_timestamp', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    properties: jsonb('properties').notNull().default({}),
    traits: jsonb('traits'),
    context: jsonb('context').notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.timestamp] }),
    index('events_customer_time_idx').on(t.customerId, t.timestamp),
    index('events_ws_event_time_idx').on(t.workspaceId, t.event, t.timestamp),
    /** A customer's events of one name in time order: funnel steps, activation, "did X after Y". */
    index('events_customer_event_time_idx').on(t.customerId, t.event, t.timestamp),
  ],
);

/**
 * Every stored event's (workspace, messageId), once: the exact messageId dedupe that a
 * unique index on the partitioned `events` cannot give (it would have to hold the
 * timestamp). Kept by two statement-level triggers on `events` (migration 0028): an
 * INSERT or COPY adds its rows' ids in the same statement (a repeat fails it with 23505
 * on event_message_ids_pkey), a DELETE removes them. Dropping a month's partition fires
 * no trigger: retention (db/event-partitions.ts) deletes that month's ids first.
 */
export const eventMessageIds = pgTable(
  'event_message_ids',
  {
    workspaceId: integer('workspace_id').notNull(),
    messageId: text('message_id').notNull(),
  },
  (t) => [primaryKey({ name: 'event_message_ids_pkey', columns: [t.workspaceId, t.messageId] })],
);

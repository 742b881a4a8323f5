import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Append-only store of everything customers did (and everything Tenure did to them). */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
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
    uniqueIndex('events_message_uq').on(t.workspaceId, t.messageId),
    index('events_customer_time_idx').on(t.customerId, t.timestamp),
    index('events_ws_event_time_idx').on(t.workspaceId, t.event, t.timestamp),
    /** A customer's events of one name in time order: funnel steps, activation, "did X after Y". */
    index('events_customer_event_time_idx').on(t.customerId, t.event, t.timestamp),
  ],
);

import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Helpdesk connections: one webhook receiver each (POST /webhooks/helpdesk/:id), for
 * Chatwoot, Zendesk or any other tool through the generic shape (docs/helpdesk.md). The id
 * is random (it is in a public URL); `secret` is the signing secret sealed with the server
 * secret (channels/secret-box.ts), bound to the connection.
 */
export const helpdeskConnections = pgTable(
  'helpdesk_connections',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['chatwoot', 'zendesk', 'generic'] }).notNull(),
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('helpdesk_connections_id_uq').on(t.id)],
);

/**
 * Every webhook delivery received, accepted or not (a rejection keeps its reason and no
 * payload). A delivery id (the tool's, else a hash of the body) is stored once per
 * connection: a retried delivery finds it and changes nothing.
 */
export const helpdeskDeliveries = pgTable(
  'helpdesk_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    connectionId: text('connection_id').notNull(),
    deliveryId: text('delivery_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: ['accepted', 'duplicate', 'rejected', 'ignored', 'unmatched'] }).notNull(),
    reasonCode: text('reason_code'),
    reason: text('reason'),
    /** The body as received (accepted deliveries only; at most the receiver's body limit). */
    payload: jsonb('payload'),
    /** The support events it made (names). */
    events: text('events').array().notNull().default([]),
    customerId: bigint('customer_id', { mode: 'number' }),
  },
  (t) => [uniqueIndex('helpdesk_deliveries_delivery_uq').on(t.connectionId, t.deliveryId), index('helpdesk_deliveries_connection_idx').on(t.workspaceId, t.connectionId, t.id)],
);

/**
 * A ticket (conversation) of a helpdesk as Tenure follows it: whose it is (null while the
 * requester matches no customer), its times (first response and resolution are measured
 * from `created_at`), reopens and the last rating; `events` are its timeline events, kept
 * so that a ticket matched later writes them then (each write is idempotent by messageId).
 */
export const supportTickets = pgTable(
  'support_tickets',
  {
    workspaceId: integer('workspace_id').notNull(),
    connectionId: text('connection_id').notNull(),
    ticketId: text('ticket_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }),
    accountId: bigint('account_id', { mode: 'number' }),
    requesterEmail: text('requester_email'),
    requesterPhone: text('requester_phone'),
    requesterExternalId: text('requester_external_id'),
    organization: text('organization'),
    domain: text('domain'),
    createdAt: timestamp('created_at', { withTimezone: true }),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    solvedAt: timestamp('solved_at', { withTimezone: true }),
    solves: integer('solves').notNull().default(0),
    reopens: integer('reopens').notNull().default(0),
    /** The last rating normalised to 0–1, and when it was given. */
    rating: real('rating'),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
    events: jsonb('events').notNull().default([]),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.connectionId, t.ticketId] }), index('support_tickets_customer_idx').on(t.customerId), index('support_tickets_account_idx').on(t.accountId)],
);

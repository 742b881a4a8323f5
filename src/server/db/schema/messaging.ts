import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Message templates (Liquid; email bodies in MJML or HTML), with the compiled form used to render. */
export const templates = pgTable(
  'templates',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    channel: text('channel', { enum: ['email', 'sms', 'webhook', 'inapp'] }).notNull(),
    format: text('format', { enum: ['mjml', 'html', 'text'] }).notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    text: text('text'),
    compiled: jsonb('compiled').notNull(),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/**
 * What a customer can subscribe to per channel (newsletter, product updates…). `optIn`
 * groups send only to customers who subscribed; the others to everyone who has not
 * unsubscribed.
 */
export const subscriptionGroups = pgTable(
  'subscription_groups',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    channel: text('channel', { enum: ['email', 'sms', 'webhook', 'inapp'] }).notNull(),
    optIn: boolean('opt_in').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** A customer's choice for one subscription group. */
export const consents = pgTable(
  'consents',
  {
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    groupId: text('group_id').notNull(),
    subscribed: boolean('subscribed').notNull(),
    source: text('source').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.customerId, t.groupId] })],
);

/** Addresses never sent to again on a channel: hard bounces, spam complaints. */
export const suppressions = pgTable(
  'suppressions',
  {
    workspaceId: integer('workspace_id').notNull(),
    channel: text('channel').notNull(),
    address: text('address').notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.channel, t.address] })],
);

/** Per workspace: frequency caps, quiet hours, sender. */
export const messagingSettings = pgTable('messaging_settings', {
  workspaceId: integer('workspace_id').primaryKey(),
  settings: jsonb('settings').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every message Tenure decided to send, and what became of it. `idempotencyKey` comes from
 * the journey step (run, step, visit): the same step never makes two messages, and the
 * channel is handed the same key on every attempt. Workers claim `queued` messages whose
 * `nextAttemptAt` has come with FOR UPDATE SKIP LOCKED; `leaseUntil` bounds a claim, so a
 * crashed worker's messages are tried again.
 */
export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    journeyId: text('journey_id'),
    runId: bigint('run_id', { mode: 'number' }),
    stepId: text('step_id'),
    variant: text('variant'),
    channel: text('channel').notNull(),
    templateId: text('template_id'),
    groupId: text('group_id'),
    transactional: boolean('transactional').notNull().default(false),
    idempotencyKey: text('idempotency_key').notNull(),
    /** queued | sending | sent | delivered | failed | skipped | bounced */
    status: text('status').notNull(),
    /** Why skipped or failed, in words; the last transient error while retrying. */
    reason: text('reason'),
    /** Machine-readable reason: unsubscribed, frequency_cap, quiet_hours, suppressed, no_address, template_error, … */
    reasonCode: text('reason_code'),
    toAddress: text('to_address'),
    subject: text('subject'),
    bodyHtml: text('body_html'),
    bodyText: text('body_text'),
    /** Rendering context captured when the step ran (trigger event, journey). */
    context: jsonb('context').notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    providerId: text('provider_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    clickedAt: timestamp('clicked_at', { withTimezone: true }),
    readAt: timestamp('read_at', { withTimezone: true }),
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('messages_key_uq').on(t.workspaceId, t.idempotencyKey),
    index('messages_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status IN ('queued', 'sending')`),
    index('messages_customer_idx').on(t.workspaceId, t.customerId, t.createdAt),
    index('messages_journey_idx').on(t.workspaceId, t.journeyId, t.status),
  ],
);

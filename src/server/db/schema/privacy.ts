import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A privacy request (export, erase, suppress, unsuppress, property purge), API or dashboard,
 * one per call; `receipt` is what was done (tables and row counts, when, by whom). Subjects
 * are kept as hashes only, so the request outlives the person it erased.
 */
export const privacyRequests = pgTable(
  'privacy_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    kind: text('kind', { enum: ['export', 'erase', 'suppress', 'unsuppress', 'purge_property'] }).notNull(),
    status: text('status', { enum: ['pending', 'running', 'done', 'failed'] })
      .notNull()
      .default('pending'),
    /** What the request names, with identifier values hashed (`{ subjectType, hashes[] }`, or the purge's property and range). */
    subject: jsonb('subject').notNull(),
    requestedByKind: text('requested_by_kind', { enum: ['user', 'key', 'system'] }).notNull(),
    requestedBy: text('requested_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    receipt: jsonb('receipt'),
    error: text('error'),
  },
  (t) => [index('privacy_requests_ws_idx').on(t.workspaceId, t.createdAt)],
);

/**
 * Identifiers whose events are dropped at ingestion until lifted: a salted hash of the value
 * (`kind` user, anonymous, email or phone), never the value itself.
 */
export const privacySuppressions = pgTable(
  'privacy_suppressions',
  {
    workspaceId: integer('workspace_id').notNull(),
    kind: text('kind', { enum: ['user', 'anonymous', 'email', 'phone'] }).notNull(),
    valueHash: text('value_hash').notNull(),
    requestId: bigint('request_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Events dropped because of it (counted, nothing kept). */
    dropped: bigint('dropped', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.valueHash] })],
);

/**
 * Proof of every consent change: which customer, which subscription group, granted or not,
 * from where (source), when, the IP and user agent, and the text the person was shown.
 * Append-only (a trigger refuses UPDATE; DELETE is for erasure only).
 */
export const consentRecords = pgTable(
  'consent_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    groupId: text('group_id').notNull(),
    subscribed: boolean('subscribed').notNull(),
    /** `preference_page`, `unsubscribe_link`, `api`, `import`, `identify`, `bounce`, `complaint`, `sms_stop`, `dashboard`, … */
    source: text('source').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The words the person saw when they chose (the form's label, the link's footer), as shown. */
    textShown: text('text_shown'),
    /** Who recorded it when not the customer: a user's email or a key's name. */
    actor: text('actor'),
    /** Anything else the source had (the event's messageId, the message id of the unsubscribe link). */
    context: jsonb('context'),
  },
  (t) => [index('consent_records_customer_idx').on(t.workspaceId, t.customerId, t.at)],
);

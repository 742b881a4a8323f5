import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Surveys of a workspace (NPS, CSAT, CES); `version` is the newest definition, the one sent. */
export const surveys = pgTable(
  'surveys',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    type: text('type', { enum: ['nps', 'csat', 'ces'] }).notNull(),
    status: text('status', { enum: ['draft', 'active', 'archived'] })
      .notNull()
      .default('draft'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** Every version of every survey's definition, kept: invitations and responses point at theirs. */
export const surveyVersions = pgTable(
  'survey_versions',
  {
    workspaceId: integer('workspace_id').notNull(),
    surveyId: text('survey_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.surveyId, t.version] })],
);

/** A workspace's fatigue rules (contracts/surveys.ts SurveySettingsSchema); none stored: the defaults. */
export const surveySettings = pgTable('survey_settings', {
  workspaceId: integer('workspace_id').primaryKey(),
  rules: jsonb('rules').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One survey to one customer on one channel: written by a journey's survey step, a
 * broadcast or the API (`pending`), decided by the survey sender under the fatigue rules
 * (`sent` with its message, `held` until `eligible_at` with the reason, or `skipped`), then
 * `answered` or `dismissed`. `idempotency_key` names its cause, so a replayed step or a
 * repeated broadcast invites nobody twice.
 */
export const surveyInvitations = pgTable(
  'survey_invitations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    surveyId: text('survey_id').notNull(),
    version: integer('version').notNull(),
    type: text('type', { enum: ['nps', 'csat', 'ces'] }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    channel: text('channel', { enum: ['email', 'sms', 'inapp', 'link'] }).notNull(),
    /** journey | broadcast | api */
    source: text('source').notNull(),
    journeyId: text('journey_id'),
    runId: bigint('run_id', { mode: 'number' }),
    /** The survey round the answers count in: a broadcast's name, else the calendar quarter sent (2026-Q4). */
    round: text('round').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: ['pending', 'held', 'sent', 'skipped', 'answered', 'dismissed'] }).notNull(),
    reasonCode: text('reason_code'),
    reason: text('reason'),
    /** When a pending or held invitation is looked at next. */
    eligibleAt: timestamp('eligible_at', { withTimezone: true }),
    messageId: bigint('message_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('survey_invitations_key_uq').on(t.workspaceId, t.idempotencyKey),
    index('survey_invitations_due_idx')
      .on(t.eligibleAt)
      .where(sql`status IN ('pending', 'held')`),
    index('survey_invitations_customer_idx').on(t.workspaceId, t.customerId, t.sentAt),
    index('survey_invitations_survey_idx').on(t.workspaceId, t.surveyId, t.createdAt),
  ],
);

/** One answer: the score, then (maybe) the follow-up comment on the same row. At most one per invitation. */
export const surveyResponses = pgTable(
  'survey_responses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    invitationId: bigint('invitation_id', { mode: 'number' }).notNull(),
    surveyId: text('survey_id').notNull(),
    version: integer('version').notNull(),
    type: text('type', { enum: ['nps', 'csat', 'ces'] }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    accountId: bigint('account_id', { mode: 'number' }),
    channel: text('channel').notNull(),
    round: text('round').notNull(),
    score: real('score').notNull(),
    band: text('band').notNull(),
    sentiment: text('sentiment', { enum: ['negative', 'neutral', 'positive'] }).notNull(),
    comment: text('comment'),
    commentedAt: timestamp('commented_at', { withTimezone: true }),
    respondedAt: timestamp('responded_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('survey_responses_invitation_uq').on(t.invitationId),
    index('survey_responses_survey_idx').on(t.workspaceId, t.surveyId, t.respondedAt),
    index('survey_responses_customer_idx').on(t.workspaceId, t.customerId, t.respondedAt),
  ],
);

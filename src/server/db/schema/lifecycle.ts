import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Each workspace's lifecycle model (absent: the default preset). `version` grows with every edit. */
export const lifecycleModels = pgTable('lifecycle_models', {
  workspaceId: integer('workspace_id').primaryKey(),
  version: integer('version').notNull(),
  model: jsonb('model').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Where each customer (scope `customer`) or account (scope `account`, B2B models) stands
 * now. `evaluatedAt` is the time up to which the history is worked out; `nextCheckAt` the
 * earliest future moment a stage can change with no new event (a window closing, a
 * silence growing long enough), which the sweep waits for.
 */
export const stageStates = pgTable(
  'stage_states',
  {
    workspaceId: integer('workspace_id').notNull(),
    scope: text('scope', { enum: ['customer', 'account'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    stage: text('stage').notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull(),
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    modelVersion: integer('model_version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.scope, t.subjectId] }), index('stage_states_stage_idx').on(t.workspaceId, t.scope, t.stage), index('stage_states_check_idx').on(t.nextCheckAt)],
);

/** Every move between stages: the history (from is null on a subject's first stage). */
export const stageTransitions = pgTable(
  'stage_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    scope: text('scope', { enum: ['customer', 'account'] }).notNull(),
    subjectId: bigint('subject_id', { mode: 'number' }).notNull(),
    fromStage: text('from_stage'),
    toStage: text('to_stage').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** entered | linear | skip | regression | cyclical | recovered */
    pattern: text('pattern').notNull(),
    /** Which rule decided, in words. */
    reason: text('reason').notNull(),
    /** The event that caused the move; null when time passing did (a window closed). */
    triggerMessageId: text('trigger_message_id'),
  },
  (t) => [
    index('stage_transitions_subject_idx').on(t.workspaceId, t.scope, t.subjectId, t.at),
    index('stage_transitions_time_idx').on(t.workspaceId, t.scope, t.at),
    index('stage_transitions_to_idx').on(t.workspaceId, t.scope, t.toStage, t.at),
  ],
);

/** Background jobs (model recomputes, …): claimed with FOR UPDATE SKIP LOCKED, progress reported as done/total. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    kind: text('kind').notNull(),
    params: jsonb('params').notNull().default({}),
    status: text('status', { enum: ['queued', 'running', 'done', 'failed'] })
      .notNull()
      .default('queued'),
    done: bigint('done', { mode: 'number' }).notNull().default(0),
    total: bigint('total', { mode: 'number' }),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    /** Runs that ended in a passing failure (a timeout, a deadlock, a lost connection); queued again until the limit. */
    attempts: integer('attempts').notNull().default(0),
    /** A job queued again after a passing failure waits until then. */
    runAfter: timestamp('run_after', { withTimezone: true }),
  },
  (t) => [index('jobs_status_idx').on(t.status, t.id)],
);

/** Segment membership as of now (filled by the segments engine), read by the `inSegment` rule leaf. */
export const segmentMembers = pgTable(
  'segment_members',
  {
    workspaceId: integer('workspace_id').notNull(),
    segmentId: text('segment_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.segmentId, t.customerId] }), index('segment_members_customer_idx').on(t.customerId)],
);

/** Computed numeric scores per customer (churn risk, health, predicted CLV …), read by the `score` rule leaf. */
export const customerScores = pgTable(
  'customer_scores',
  {
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    value: jsonb('value').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.name] })],
);

import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Journeys of a workspace. `version` is the newest definition (the one being edited);
 * `liveVersion` the one new customers enter while `status` is `live`.
 */
export const journeys = pgTable(
  'journeys',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status', { enum: ['draft', 'live', 'paused', 'archived'] })
      .notNull()
      .default('draft'),
    version: integer('version').notNull().default(1),
    liveVersion: integer('live_version'),
    /** Time-based triggers' bookkeeping: the last schedule occurrence run, the last date-trait sweep. */
    triggerState: jsonb('trigger_state').notNull().default({}),
    entries: bigint('entries', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** Every version of every journey's definition, kept: runs point at the version they entered. */
export const journeyVersions = pgTable(
  'journey_versions',
  {
    workspaceId: integer('workspace_id').notNull(),
    journeyId: text('journey_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.journeyId, t.version] })],
);

/**
 * One customer's way through one journey. `wakeAt` is the run's timer: workers claim runs
 * whose time has come with FOR UPDATE SKIP LOCKED. `entryKey` names what made it enter
 * (the trigger event's messageId, a schedule occurrence, a date), so the same cause never
 * enters twice; at most one run per customer and journey is open at a time.
 */
export const journeyRuns = pgTable(
  'journey_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    journeyId: text('journey_id').notNull(),
    version: integer('version').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    /** active | waiting | completed | converted | exited | failed */
    status: text('status').notNull(),
    step: text('step').notNull(),
    state: jsonb('state').notNull(),
    variant: text('variant'),
    wakeAt: timestamp('wake_at', { withTimezone: true }),
    entryKey: text('entry_key').notNull(),
    /** The triggering event (name, properties, messageId), for templates. */
    trigger: jsonb('trigger'),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
    failures: integer('failures').notNull().default(0),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('journey_runs_entry_uq').on(t.workspaceId, t.journeyId, t.customerId, t.entryKey),
    uniqueIndex('journey_runs_open_uq')
      .on(t.workspaceId, t.journeyId, t.customerId)
      .where(sql`status IN ('active', 'waiting')`),
    index('journey_runs_wake_idx')
      .on(t.wakeAt)
      .where(sql`wake_at IS NOT NULL`),
    index('journey_runs_customer_idx').on(t.workspaceId, t.customerId),
    index('journey_runs_journey_idx').on(t.workspaceId, t.journeyId, t.status),
  ],
);

/**
 * How many runs went through each step (a wait counts when it ends), for per-step counts on
 * the canvas. Append-only: each runner batch adds one row per journey step it executed, in
 * its own transaction (no counter row for workers to contend on); reads sum them.
 */
export const journeyStepCounts = pgTable(
  'journey_step_counts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    journeyId: text('journey_id').notNull(),
    stepId: text('step_id').notNull(),
    passed: integer('passed').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('journey_step_counts_journey_idx').on(t.workspaceId, t.journeyId, t.stepId)],
);

/** Events waiting to be fed to a run (an event wait, a goal, exit criteria); deleted once applied. */
export const journeySignals = pgTable(
  'journey_signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    event: jsonb('event').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('journey_signals_run_idx').on(t.runId)],
);

/**
 * How far the trigger scanner has read the events table (one row). Ids below `highWater`
 * are done except `gaps`: ids not yet seen (a transaction still open, or rolled back),
 * re-read until they appear or are old enough to be given up.
 */
export const journeyCursor = pgTable('journey_cursor', {
  id: integer('id').primaryKey(),
  highWater: bigint('high_water', { mode: 'number' }).notNull(),
  gaps: jsonb('gaps').notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A hand-off to a person, created by a journey's task step. */
export const tasks = pgTable(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    journeyId: text('journey_id'),
    runId: bigint('run_id', { mode: 'number' }),
    idempotencyKey: text('idempotency_key').notNull(),
    title: text('title').notNull(),
    note: text('note'),
    assigneeRole: text('assignee_role').notNull(),
    assignee: text('assignee'),
    /** The Tenure user (users.id) the task is assigned to; their own queue lists it. */
    assigneeUserId: integer('assignee_user_id'),
    status: text('status', { enum: ['open', 'done', 'cancelled'] })
      .notNull()
      .default('open'),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    doneAt: timestamp('done_at', { withTimezone: true }),
    /** Why the task exists beyond a journey step (`survey:negative`): at most one open task per reason and subject. */
    reason: text('reason'),
    /** Whom an open task with a reason is about: `customer:<id>` or `account:<id>`. */
    subjectKey: text('subject_key'),
    /** The survey answer that asked for it. */
    responseId: bigint('response_id', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('tasks_key_uq').on(t.workspaceId, t.idempotencyKey),
    index('tasks_open_idx').on(t.workspaceId, t.status, t.dueAt),
    uniqueIndex('tasks_open_reason_uq')
      .on(t.workspaceId, t.reason, t.subjectKey)
      .where(sql`status = 'open' AND reason IS NOT NULL`),
  ],
);

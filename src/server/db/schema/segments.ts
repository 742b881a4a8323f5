import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Saved segments of a workspace. `kind`: `dynamic` (members are the customers matching
 * `condition`, kept current), `static` (a list). `version` grows with every edit;
 * `computedVersion`/`computedAt` say which version the stored membership reflects and
 * when it was last worked out in full.
 */
export const segments = pgTable(
  'segments',
  {
    workspaceId: integer('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind', { enum: ['dynamic', 'static'] }).notNull(),
    /** Who the members are: customers, or accounts (B2B; `segment_members.customer_id` then holds account ids). */
    scope: text('scope', { enum: ['customer', 'account'] })
      .notNull()
      .default('customer'),
    condition: jsonb('condition'),
    version: integer('version').notNull().default(1),
    computedVersion: integer('computed_version'),
    computedAt: timestamp('computed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/**
 * Every stay of a customer in a segment: entered, and exited (null while still in). The
 * members as of a past moment D are the stays with enteredAt ≤ D < exitedAt.
 */
export const segmentHistory = pgTable(
  'segment_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    segmentId: text('segment_id').notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    exitedAt: timestamp('exited_at', { withTimezone: true }),
  },
  (t) => [index('segment_history_segment_idx').on(t.workspaceId, t.segmentId, t.customerId), index('segment_history_customer_idx').on(t.customerId)],
);

/**
 * The last RFM scoring of each workspace: when, over how many buyers, and the score
 * boundaries (the values at which each of R, F and M reaches scores 2 to 5).
 */
export const rfmRuns = pgTable('rfm_runs', {
  workspaceId: integer('workspace_id').primaryKey(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  buyers: integer('buyers').notNull(),
  boundaries: jsonb('boundaries').notNull(),
});

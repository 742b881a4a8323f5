import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Work that a commit causes and that must happen even if the process dies right after it:
 * re-evaluating the stages and segments of the customers a batch of events touched. The
 * row is written in the same transaction as the events; any worker process claims it
 * (`FOR UPDATE SKIP LOCKED`) and deletes it in the transaction that does the work. A row
 * that keeps failing is parked (`parked_at`, with its error) rather than dropped.
 */
export const derivedWork = pgTable(
  'derived_work',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    /** `stage` (re-evaluate stages) or `segment` (re-evaluate segment memberships). */
    kind: text('kind').notNull(),
    /** `customer` or `account` (stage work on accounts). */
    scope: text('scope').notNull().default('customer'),
    /** The customers (or accounts) to re-evaluate. */
    subjectIds: bigint('subject_ids', { mode: 'number' }).array().notNull(),
    /**
     * For segment work, what changed: `[[names…], [ids…]]` groups (event names, `$traits`,
     * `$stage`…); null means everything.
     */
    changes: jsonb('changes'),
    /**
     * Written by compaction (several rows' subjects merged, each customer once): not merged
     * again, so a backlog is compacted once rather than on every claim.
     */
    compacted: boolean('compacted').notNull().default(false),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not claimed before this time (backoff after a failure). */
    notBefore: timestamp('not_before', { withTimezone: true }).notNull().defaultNow(),
    /** Set when the row failed too often: kept, visible, not claimed until retried. */
    parkedAt: timestamp('parked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('derived_work_claim_idx')
      .on(t.kind, t.notBefore, t.id)
      .where(sql`parked_at IS NULL`),
  ],
);

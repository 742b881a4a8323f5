import { bigint, bigserial, boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * CSV imports uploaded to a running server (POST /api/imports): the uploaded file waits in
 * a spool file (`path`) until its job (`job_id`, kind `import.csv`) has stored it; the
 * counters are the job's progress; `cancel_requested` asks the job to stop after the batch
 * in hand (what was committed stays, and `accepted` says how much).
 */
export const imports = pgTable(
  'imports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: integer('workspace_id').notNull(),
    jobId: bigint('job_id', { mode: 'number' }),
    /** customers | events | spend */
    kind: text('kind').notNull(),
    /** The name the client gave the file (shown in messages: `people.csv:12`). */
    fileName: text('file_name').notNull(),
    /** The spool file on the server that received the upload; null once it is removed. */
    path: text('path'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** queued | running | done | failed | cancelled */
    status: text('status').notNull().default('queued'),
    bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
    rows: bigint('rows', { mode: 'number' }).notNull().default(0),
    accepted: bigint('accepted', { mode: 'number' }).notNull().default(0),
    duplicates: bigint('duplicates', { mode: 'number' }).notNull().default(0),
    rejected: bigint('rejected', { mode: 'number' }).notNull().default(0),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('imports_workspace_idx').on(t.workspaceId, t.id)],
);

/** Rejected rows of an import (the first MAX_STORED_REJECTIONS; the rest are only counted in imports.rejected). */
export const importRejections = pgTable(
  'import_rejections',
  {
    importId: bigint('import_id', { mode: 'number' }).notNull(),
    line: integer('line').notNull(),
    field: text('field'),
    message: text('message').notNull(),
  },
  (t) => [index('import_rejections_idx').on(t.importId, t.line)],
);

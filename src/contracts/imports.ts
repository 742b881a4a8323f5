import { z } from 'zod';

/**
 * CSV imports into a running server (see docs/imports.md): preview the mapping of a file's
 * first rows, upload the whole file as a background import, follow its progress, list or
 * download its rejected rows, cancel it.
 */

/** What a file holds: customers (one identify per row), events (one track/page/screen per row) or marketing spend (all or nothing). */
export const ImportKind = z.enum(['customers', 'events', 'spend']);
export type ImportKind = z.infer<typeof ImportKind>;

/** Query of POST /api/imports and POST /api/imports/preview. */
export const ImportQuery = z.object({
  kind: ImportKind,
  /** The file's name, for messages (`people.csv:12 [email]: …`); default `upload.csv`. */
  name: z.string().trim().min(1).max(255).optional(),
});

/** What one header column becomes. */
export const ColumnRole = z.enum(['userId', 'anonymousId', 'timestamp', 'messageId', 'event', 'type', 'properties', 'trait', 'property', 'context', 'spend']);
export type ColumnRole = z.infer<typeof ColumnRole>;

export const PreviewColumn = z.object({
  header: z.string(),
  role: ColumnRole,
  /** Where the value goes in the stored call, e.g. `traits.address.city`, `properties.revenue`, `userId`. */
  target: z.string(),
  /** The cell type (`string` unless the header says `name:number`, …). */
  type: z.string(),
});

export const PreviewRow = z.object({
  line: z.number().int(),
  /** The row as it would be stored (the Segment call, or the spend row); null when the row is rejected. */
  stored: z.record(z.string(), z.unknown()).nullable(),
  /** Why the row would be rejected. */
  error: z.object({ field: z.string().optional(), message: z.string() }).nullable(),
});

/** Answer of POST /api/imports/preview: the mapping, or why the header cannot be used. */
export const ImportPreview = z.object({
  kind: ImportKind,
  columns: z.array(PreviewColumn),
  rows: z.array(PreviewRow),
  /** A header the importer refuses (nothing would be imported); the columns are then empty. */
  headerError: z.string().nullable(),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const ImportStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type ImportStatus = z.infer<typeof ImportStatus>;

/** One import as the API shows it. */
export const ImportView = z.object({
  id: z.number().int(),
  kind: ImportKind,
  fileName: z.string(),
  status: ImportStatus,
  /** The uploaded size and how much of it has been read. */
  sizeBytes: z.number().int(),
  bytesRead: z.number().int(),
  /** 0–100, from the bytes read. */
  percent: z.number(),
  /** Data rows read; of them stored, already present (same message id) and rejected. */
  rows: z.number().int(),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  cancelRequested: z.boolean(),
  /** Why a failed import stopped (or why a spend file stored nothing). */
  error: z.string().nullable(),
  jobId: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ImportView = z.infer<typeof ImportView>;

export const ImportList = z.object({ imports: z.array(ImportView) });

/** One rejected row: its line in the file (the header is line 1), the column at fault if one is, and why. */
export const ImportRejection = z.object({ line: z.number().int(), field: z.string().nullable(), message: z.string() });
export type ImportRejection = z.infer<typeof ImportRejection>;

export const RejectionPage = z.object({
  rejections: z.array(ImportRejection),
  /** Rejected rows in all; only the first MAX_STORED_REJECTIONS are kept to list. */
  total: z.number().int(),
  /** Pass as `after` for the next page; null at the end. */
  nextAfter: z.number().int().nullable(),
});

export const RejectionQuery = z.object({
  /** Rejections on lines after this one. */
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Rejected rows kept per import (listable and downloadable); the rest are only counted. */
export const MAX_STORED_REJECTIONS = 100_000;

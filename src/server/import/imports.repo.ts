import type { ImportKind, ImportRejection, ImportStatus } from '../../contracts/imports.js';
import type { Queryable } from '../db/client.js';
import type { Col, RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** An import as stored (table `imports`). */
export interface ImportRow {
  id: number;
  workspaceId: number;
  jobId: number | null;
  kind: ImportKind;
  fileName: string;
  path: string | null;
  sizeBytes: number;
  status: ImportStatus;
  bytesRead: number;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  cancelRequested: boolean;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLS = `id::float8 AS id, workspace_id AS "workspaceId", job_id::float8 AS "jobId", kind, file_name AS "fileName", path, size_bytes::float8 AS "sizeBytes", status,
  bytes_read::float8 AS "bytesRead", rows::float8 AS rows, accepted::float8 AS accepted, duplicates::float8 AS duplicates, rejected::float8 AS rejected,
  cancel_requested AS "cancelRequested", error, created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;
/** The row COLS selects (the bigint counts cast to float8 are typed by ImportRow). */
type ImportRowRead = RowPickCamel<
  typeof schema.imports,
  'workspace_id' | 'kind' | 'file_name' | 'path' | 'status' | 'cancel_requested' | 'error' | 'created_at' | 'started_at' | 'finished_at',
  Pick<ImportRow, 'kind' | 'status'>
> &
  Pick<ImportRow, 'id' | 'jobId' | 'sizeBytes' | 'bytesRead' | 'rows' | 'accepted' | 'duplicates' | 'rejected'>;

/** Store a new import of an uploaded (spooled) file, queued. */
export async function insertImport(db: Queryable, workspaceId: number, v: { kind: ImportKind; fileName: string; path: string; sizeBytes: number }): Promise<ImportRow> {
  const { rows } = await db.query<ImportRowRead>(`INSERT INTO imports (workspace_id, kind, file_name, path, size_bytes) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLS}`, [
    workspaceId,
    v.kind,
    v.fileName,
    v.path,
    v.sizeBytes,
  ]);
  return rows[0]!;
}

export async function setImportJob(db: Queryable, id: number, jobId: number): Promise<void> {
  await db.query(`UPDATE imports SET job_id = $2 WHERE id = $1`, [id, jobId]);
}

export async function getImport(db: Queryable, workspaceId: number, id: number): Promise<ImportRow | null> {
  const { rows } = await db.query<ImportRowRead>(`SELECT ${COLS} FROM imports WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0] ?? null;
}

/** The import a job works on (any workspace). */
export async function getImportById(db: Queryable, id: number): Promise<ImportRow | null> {
  const { rows } = await db.query<ImportRowRead>(`SELECT ${COLS} FROM imports WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The latest imports of a workspace, newest first. */
export async function listImports(db: Queryable, workspaceId: number, limit: number): Promise<ImportRow[]> {
  const { rows } = await db.query<ImportRowRead>(`SELECT ${COLS} FROM imports WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2`, [workspaceId, limit]);
  return rows;
}

/** A (re)started run: counters and rejections from an earlier, interrupted run are cleared (stored rows come back as duplicates). */
export async function startImportRun(db: Queryable, id: number): Promise<void> {
  await db.query(`DELETE FROM import_rejections WHERE import_id = $1`, [id]);
  await db.query(`UPDATE imports SET status = 'running', started_at = now(), bytes_read = 0, rows = 0, accepted = 0, duplicates = 0, rejected = 0, error = NULL WHERE id = $1`, [id]);
}

/** Progress of a running import, and the rejections found since the last call (appended). */
export async function saveImportProgress(
  db: Queryable,
  id: number,
  t: { bytes: number; rows: number; accepted: number; duplicates: number; rejected: number },
  rejections: ImportRejection[],
): Promise<void> {
  await db.query(`UPDATE imports SET bytes_read = $2, rows = $3, accepted = $4, duplicates = $5, rejected = $6 WHERE id = $1`, [id, t.bytes, t.rows, t.accepted, t.duplicates, t.rejected]);
  for (let i = 0; i < rejections.length; i += 1_000) {
    const part = rejections.slice(i, i + 1_000);
    await db.query(`INSERT INTO import_rejections (import_id, line, field, message) SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`, [
      id,
      part.map((r) => r.line),
      part.map((r) => r.field),
      part.map((r) => r.message),
    ]);
  }
}

/** The end of an import (done, failed or cancelled); its spool file is gone. */
export async function finishImport(db: Queryable, id: number, status: Exclude<ImportStatus, 'queued' | 'running'>, error: string | null): Promise<void> {
  await db.query(`UPDATE imports SET status = $2, error = $3, finished_at = now(), path = NULL WHERE id = $1`, [id, status, error]);
}

/** Put an interrupted import back in the queue (its job is queued again). */
export async function requeueImport(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE imports SET status = 'queued' WHERE id = $1 AND status = 'running'`, [id]);
}

/** Ask a queued or running import to stop; returns the import, or null when there is none. */
export async function requestCancel(db: Queryable, workspaceId: number, id: number): Promise<ImportRow | null> {
  const { rows } = await db.query<ImportRowRead>(`UPDATE imports SET cancel_requested = true WHERE workspace_id = $1 AND id = $2 AND status IN ('queued', 'running') RETURNING ${COLS}`, [
    workspaceId,
    id,
  ]);
  return rows[0] ?? null;
}

export async function isCancelRequested(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query<{ c: Col<typeof schema.imports, 'cancel_requested'> }>(`SELECT cancel_requested AS c FROM imports WHERE id = $1`, [id]);
  return rows[0]?.c === true;
}

/** Rejected rows after line `after`, in line order. */
export async function listRejections(db: Queryable, importId: number, after: number, limit: number): Promise<ImportRejection[]> {
  const { rows } = await db.query<RowPick<typeof schema.importRejections, 'line' | 'field' | 'message'>>(
    `SELECT line, field, message FROM import_rejections WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
    [importId, after, limit],
  );
  return rows;
}

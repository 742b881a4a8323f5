/**
 * privacy_requests: one row per regulation or dashboard erasure. Subjects are kept as salted
 * hashes (`subject.hashes`); a pending erasure also holds the values it names in
 * `subject.pending` until a worker has done it (they are taken out when it finishes), because
 * the worker must find the people by them.
 */
import type { Queryable } from '../db/client.js';
import type { SubjectType } from '../../contracts/privacy.js';

/** The job name the worker's privacy poller answers on the bus (`jobs-queued`). */
export const PRIVACY_JOB = 'privacy.erase';

export type RequestKind = 'export' | 'erase' | 'suppress' | 'unsuppress' | 'purge_property';
export type RequestStatus = 'pending' | 'running' | 'done' | 'failed';

export interface RequestSubject {
  regulationType: string;
  subjectType: SubjectType;
  hashes: string[];
  /** Suppress the erased people's identifiers. */
  suppress?: boolean;
  /** The values, only while the request waits to be done. */
  pending?: string[];
}

export interface RequestRow {
  id: number;
  workspaceId: number;
  kind: RequestKind;
  status: RequestStatus;
  subject: RequestSubject;
  requestedByKind: 'user' | 'key' | 'system';
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
  receipt: unknown;
  error: string | null;
}

interface Raw {
  id: string | number;
  workspace_id: number;
  kind: RequestKind;
  status: RequestStatus;
  subject: RequestSubject;
  requested_by_kind: 'user' | 'key' | 'system';
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
  receipt: unknown;
  error: string | null;
}

const COLS = `id, workspace_id, kind, status, subject, requested_by_kind, requested_by, created_at, finished_at, receipt, error`;

function rowOf(r: Raw): RequestRow {
  return {
    id: Number(r.id),
    workspaceId: r.workspace_id,
    kind: r.kind,
    status: r.status,
    subject: r.subject,
    requestedByKind: r.requested_by_kind,
    requestedBy: r.requested_by,
    createdAt: new Date(r.created_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    receipt: r.receipt,
    error: r.error,
  };
}

export async function insertRequest(
  db: Queryable,
  r: { workspaceId: number; kind: RequestKind; status: RequestStatus; subject: RequestSubject; by: { kind: 'user' | 'key' | 'system'; label: string } },
): Promise<RequestRow> {
  const { rows } = await db.query<Raw>(`INSERT INTO privacy_requests (workspace_id, kind, status, subject, requested_by_kind, requested_by) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING ${COLS}`, [
    r.workspaceId,
    r.kind,
    r.status,
    JSON.stringify(r.subject),
    r.by.kind,
    r.by.label,
  ]);
  return rowOf(rows[0]!);
}

/** Mark a request done (or failed) with its receipt; the subject's clear values go. */
export async function finishRequest(db: Queryable, id: number, r: { status: 'done' | 'failed'; receipt: unknown; error?: string | null }): Promise<void> {
  await db.query(`UPDATE privacy_requests SET status = $2, receipt = $3::jsonb, error = $4, finished_at = now(), subject = subject - 'pending' WHERE id = $1`, [
    id,
    r.status,
    JSON.stringify(r.receipt),
    r.error ?? null,
  ]);
}

/** A running request back to pending (its run failed in passing), with its progress: the next claim goes on from there. */
export async function releaseRequest(db: Queryable, id: number, receipt: unknown): Promise<void> {
  await db.query(`UPDATE privacy_requests SET status = 'pending', receipt = $2::jsonb WHERE id = $1 AND status = 'running'`, [id, JSON.stringify(receipt)]);
}

/** Progress of a running request (also its heartbeat: a worker that died leaves it stale, and another takes it over). */
export async function saveProgress(db: Queryable, id: number, receipt: unknown): Promise<void> {
  await db.query(`UPDATE privacy_requests SET receipt = $2::jsonb WHERE id = $1 AND status = 'running'`, [id, JSON.stringify(receipt)]);
}

/**
 * Claim the oldest pending erasure (or a running one whose worker stopped beating for
 * `staleMs`): marked running in this statement, so two workers never take the same one.
 */
export async function claimRequest(db: Queryable, staleMs: number): Promise<RequestRow | null> {
  const { rows } = await db.query<Raw>(
    `UPDATE privacy_requests SET status = 'running', receipt = jsonb_set(coalesce(receipt, '{}'::jsonb), '{heartbeat}', to_jsonb(now()))
      WHERE id = (SELECT id FROM privacy_requests
                   WHERE kind = 'erase' AND (status = 'pending'
                      OR (status = 'running' AND coalesce((receipt ->> 'heartbeat')::timestamptz, created_at) < now() - make_interval(secs => $1 / 1000.0)))
                   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLS}`,
    [staleMs],
  );
  return rows[0] ? rowOf(rows[0]) : null;
}

export async function getRequest(db: Queryable, workspaceId: number, id: number): Promise<RequestRow | null> {
  const { rows } = await db.query<Raw>(`SELECT ${COLS} FROM privacy_requests WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0] ? rowOf(rows[0]) : null;
}

export async function listRequests(db: Queryable, workspaceId: number, limit: number): Promise<RequestRow[]> {
  const { rows } = await db.query<Raw>(`SELECT ${COLS} FROM privacy_requests WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [workspaceId, limit]);
  return rows.map(rowOf);
}

import type { Queryable } from '../db/client.js';
import type { RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A background job as stored (and as the admin API shows it). */
export interface Job {
  id: number;
  workspaceId: number;
  kind: string;
  params: Record<string, unknown>;
  status: JobStatus;
  done: number;
  total: number | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLS = `id, workspace_id AS "workspaceId", kind, params, status, done, total, error, created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;
/** The row COLS selects. */
type JobRow = RowPickCamel<typeof schema.jobs, 'id' | 'workspace_id' | 'kind' | 'params' | 'status' | 'done' | 'total' | 'error' | 'created_at' | 'started_at' | 'finished_at', Pick<Job, 'params'>>;

/** Queue a job. */
export async function enqueueJob(db: Queryable, workspaceId: number, kind: string, params: Record<string, unknown> = {}): Promise<Job> {
  const { rows } = await db.query<JobRow>(`INSERT INTO jobs (workspace_id, kind, params) VALUES ($1, $2, $3) RETURNING ${COLS}`, [workspaceId, kind, JSON.stringify(params)]);
  return rows[0]!;
}

export async function getJob(db: Queryable, workspaceId: number, id: number): Promise<Job | null> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLS} FROM jobs WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0] ?? null;
}

/**
 * Claim the oldest queued job of these kinds (FOR UPDATE SKIP LOCKED: many workers never
 * take the same one). Jobs whose worker stopped beating for `staleMs` are queued again.
 */
export async function claimJob(db: Queryable, kinds: string[], staleMs = 120_000): Promise<Job | null> {
  await db.query(`UPDATE jobs SET status = 'queued' WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1) AND kind = ANY($2::text[])`, [staleMs / 1000, kinds]);
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET status = 'running', started_at = now(), heartbeat_at = now(), error = NULL
      WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND kind = ANY($1::text[]) AND (run_after IS NULL OR run_after <= now()) ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING ${COLS}`,
    [kinds],
  );
  return rows[0] ?? null;
}

export async function reportProgress(db: Queryable, id: number, done: number, total: number | null): Promise<void> {
  await db.query(`UPDATE jobs SET done = $2, total = $3, heartbeat_at = now() WHERE id = $1`, [id, done, total]);
}

/** Put a running job back in the queue (its process is stopping before it could finish); only the run this process started. */
export async function requeueJob(db: Queryable, job: Pick<Job, 'id' | 'startedAt'>): Promise<void> {
  await db.query(`UPDATE jobs SET status = 'queued', heartbeat_at = now() WHERE id = $1 AND status = 'running' AND abs(extract(epoch FROM started_at - $2::timestamptz)) < 0.002`, [
    job.id,
    job.startedAt,
  ]);
}

/**
 * A run that failed in passing (db/db-errors.ts `isPassingDbError`): the job goes back to the
 * queue, to be taken after `delayMs` × 2^(attempts so far), with the error shown meanwhile;
 * only the run this process started. False when this was its `maxAttempts`-th run (then it
 * is finished as failed) or the run is no longer this process's.
 */
export async function retryJob(db: Queryable, job: Pick<Job, 'id' | 'startedAt'>, error: string, delayMs: number, maxAttempts: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET status = 'queued', attempts = attempts + 1, run_after = now() + make_interval(secs => $3 * power(2, attempts)), error = $4, heartbeat_at = now()
      WHERE id = $1 AND status = 'running' AND attempts + 1 < $5 AND abs(extract(epoch FROM started_at - $2::timestamptz)) < 0.002`,
    [job.id, job.startedAt, delayMs / 1000, `will try again: ${error}`, maxAttempts],
  );
  return rowCount > 0;
}

export async function finishJob(db: Queryable, id: number, error: string | null): Promise<void> {
  await db.query(`UPDATE jobs SET status = $2, error = $3, finished_at = now(), heartbeat_at = now() WHERE id = $1`, [id, error ? 'failed' : 'done', error]);
}

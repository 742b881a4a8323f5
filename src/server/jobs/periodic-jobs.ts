import type { Queryable } from '../db/client.js';
import { enqueueJob } from './jobs.repo.js';

/**
 * Work that is redone on a clock (model refits, scores): `lastRun` is SQL giving
 * (workspace_id, last_at) for every workspace the job applies to (last_at null: never run).
 */
export interface PeriodicJob {
  kind: string;
  everyMs: number;
  lastRun: string;
}

/**
 * Enqueue each periodic job for the workspaces where it is due: its last run is older than
 * its period and no job of its kind is queued, running, or was created within the period
 * (so a job that fails — too little data — is retried once a period, not at every look).
 * Returns how many jobs were enqueued.
 */
export async function enqueueDueJobs(db: Queryable, jobs: readonly PeriodicJob[], now: Date): Promise<number> {
  let enqueued = 0;
  for (const j of jobs) {
    const { rows } = await db.query<{ workspace_id: number }>(
      `SELECT l.workspace_id FROM (${j.lastRun}) l
        WHERE (l.last_at IS NULL OR l.last_at < $1::timestamptz - $2 * interval '1 millisecond')
          AND NOT EXISTS (SELECT 1 FROM jobs x WHERE x.workspace_id = l.workspace_id AND x.kind = $3
                            AND (x.status IN ('queued', 'running') OR x.created_at > $1::timestamptz - $2 * interval '1 millisecond'))`,
      [now.toISOString(), j.everyMs, j.kind],
    );
    for (const r of rows) {
      await enqueueJob(db, r.workspace_id, j.kind, { scheduled: true });
      enqueued++;
    }
  }
  return enqueued;
}

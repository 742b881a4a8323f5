/**
 * The workspace's activity setting (rules/activity.ts: whether opens and clicks count) and
 * the job that applies a change: every customer's and account's stage replayed under the new
 * definition, then every rule segment computed again. The KPI facts follow by themselves at
 * their next sync (analytics/facts.ts cuts a workspace's days again when the definition it
 * recorded differs).
 */
import type { Db } from '../db/client.js';
import { enqueueJob, type Job } from '../jobs/jobs.repo.js';
import type { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { activitySettings, type ActivitySettings } from '../rules/activity.js';
import { computeSegment } from './segment-sync.js';
import { listSegments } from './segments.repo.js';
import { ACTIVITY_JOB } from '../jobs/job-kinds.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Apply a change of the setting (fields left out keep theirs) in one transaction with its
 * re-evaluation job, so a crash cannot leave the setting changed and nothing re-evaluated.
 * Returns the setting after, and the job when it changed.
 */
export async function changeActivitySettings(db: Db, workspaceId: number, patch: Partial<ActivitySettings>): Promise<{ activity: ActivitySettings; job: Job | null }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<RowPick<typeof schema.workspaces, 'activity'>>(`SELECT activity FROM workspaces WHERE id = $1 FOR UPDATE`, [workspaceId]);
    const before = activitySettings(rows[0]?.activity);
    const after: ActivitySettings = { opens: patch.opens ?? before.opens, clicks: patch.clicks ?? before.clicks };
    if (after.opens === before.opens && after.clicks === before.clicks) return { activity: before, job: null };
    await tx.query(`UPDATE workspaces SET activity = $2::jsonb WHERE id = $1`, [workspaceId, JSON.stringify(after)]);
    return { activity: after, job: await enqueueJob(tx, workspaceId, ACTIVITY_JOB, { activity: after }) };
  });
}

/** The job: stages (most of the work, with their progress), then each rule segment. */
export function activityJob(db: Db, models: ModelCache) {
  return async (job: Job, progress: (done: number, total: number) => void): Promise<void> => {
    const now = new Date();
    const segments = (await listSegments(db, job.workspaceId)).filter((s) => s.condition !== null);
    const total = 100 + segments.length;
    await recomputeStages(db, job.workspaceId, { now, models, onProgress: (done, of) => progress(of > 0 ? Math.floor((done / of) * 100) : 100, total) });
    progress(100, total);
    let done = 100;
    for (const s of segments) {
      await computeSegment(db, job.workspaceId, s.id, now);
      progress(++done, total);
    }
  };
}

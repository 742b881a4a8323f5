/** Every kind of queued job and what does it: the job runner of a worker process runs these. */
import type { Db } from '../db/client.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { ACTIVITY_JOB, CHURN_TRAIN_JOB, CLV_JOB, HEALTH_JOB, RECOMMEND_JOB, RECOMPUTE_JOB, RFM_JOB, SEGMENT_COMPUTE_JOB } from '../jobs/job-kinds.js';
import type { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { scoreClv } from '../predict/clv/clv-scores.js';
import { trainChurn } from '../predict/churn/churn-train.js';
import { computeHealth } from '../predict/health/health-compute.js';
import { computeRecommendations } from '../predict/recommend.js';
import { activityJob } from '../segments/activity-reevaluation.js';
import { runRfm } from '../segments/rfm.js';
import { computeSegment } from '../segments/segment-sync.js';

export function jobCatalogue(db: Db, models: ModelCache): Record<string, JobHandler> {
  return {
    [RECOMPUTE_JOB]: async (job, progress) => {
      await recomputeStages(db, job.workspaceId, { now: new Date(), models, onProgress: progress });
    },
    [SEGMENT_COMPUTE_JOB]: async (job, progress) => {
      const { segmentId } = job.params as { segmentId: string };
      progress(0, 1);
      await computeSegment(db, job.workspaceId, segmentId, new Date());
      progress(1, 1);
    },
    [RFM_JOB]: async (job, progress) => {
      progress(0, 1);
      await runRfm(db, job.workspaceId, new Date());
      progress(1, 1);
    },
    [HEALTH_JOB]: async (job, progress) => {
      await computeHealth(db, job.workspaceId, { now: new Date(), onProgress: progress });
    },
    [ACTIVITY_JOB]: activityJob(db, models),
    [CLV_JOB]: async (job, progress) => {
      progress(0, 1);
      const r = await scoreClv(db, job.workspaceId, { now: new Date() });
      if (!r.ok) throw new Error(r.message);
      progress(1, 1);
    },
    [RECOMMEND_JOB]: async (job, progress) => {
      progress(0, 1);
      await computeRecommendations(db, job.workspaceId, { now: new Date() });
      progress(1, 1);
    },
    [CHURN_TRAIN_JOB]: async (job, progress) => {
      const { horizonDays } = job.params as { horizonDays?: number };
      const trained = await trainChurn(db, job.workspaceId, { now: new Date(), horizonDays, onProgress: progress });
      if (!trained.ok) throw new Error(trained.message);
    },
  };
}

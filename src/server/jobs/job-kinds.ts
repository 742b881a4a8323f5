/**
 * The kinds of queued job (the `jobs` table's `kind`), one name each. The handlers that do
 * them are the job catalogue (roles/job-catalogue.ts); whoever queues one names it from here.
 * Stored rows carry these strings: renaming one strands the jobs queued under the old name.
 */
/** Replay every subject's stages under a new lifecycle model version. */
export const RECOMPUTE_JOB = 'stages.recompute';
/** Work out one segment's membership in full (after it is created or edited). */
export const SEGMENT_COMPUTE_JOB = 'segments.compute';
/** Score RFM and refresh the RFM segments. */
export const RFM_JOB = 'segments.rfm';
/** Score everyone's health under the workspace's scorecard. */
export const HEALTH_JOB = 'health.compute';
/** Fit the CLV model and score predicted CLV. */
export const CLV_JOB = 'predict.clv';
/** Train the churn model and score churn risk. */
export const CHURN_TRAIN_JOB = 'predict.churn';
/** Compute product recommendations. */
export const RECOMMEND_JOB = 'predict.recommendations';
/** Re-evaluate stages and segments after the workspace's definition of activity changed. */
export const ACTIVITY_JOB = 'activity.reevaluate';

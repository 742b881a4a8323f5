import type { PeriodicJob } from '../jobs/periodic-jobs.js';
import { CHURN_TRAIN_JOB, CLV_JOB, HEALTH_JOB, RECOMMEND_JOB } from '../jobs/job-kinds.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const withOrders = `EXISTS (SELECT 1 FROM analytics_orders o WHERE o.workspace_id = w.id)`;

/**
 * What is refitted on a clock, in the order it runs (the churn model before the health
 * scores that read churn risk): CLV and churn daily, health and recommendations hourly.
 */
export const PREDICTION_SCHEDULE: readonly PeriodicJob[] = [
  {
    kind: CLV_JOB,
    everyMs: DAY,
    lastRun: `SELECT w.id AS workspace_id, (SELECT max(trained_at) FROM prediction_models m WHERE m.workspace_id = w.id AND m.kind = 'clv') AS last_at FROM workspaces w WHERE ${withOrders}`,
  },
  {
    kind: CHURN_TRAIN_JOB,
    everyMs: DAY,
    lastRun: `SELECT w.id AS workspace_id, (SELECT max(trained_at) FROM prediction_models m WHERE m.workspace_id = w.id AND m.kind = 'churn') AS last_at FROM workspaces w
               WHERE EXISTS (SELECT 1 FROM stage_transitions t WHERE t.workspace_id = w.id)`,
  },
  {
    kind: HEALTH_JOB,
    everyMs: HOUR,
    lastRun: `SELECT w.id AS workspace_id, h.computed_at AS last_at FROM workspaces w LEFT JOIN health_scorecards h ON h.workspace_id = w.id WHERE EXISTS (SELECT 1 FROM customers c WHERE c.workspace_id = w.id)`,
  },
  {
    kind: RECOMMEND_JOB,
    everyMs: HOUR,
    lastRun: `SELECT w.id AS workspace_id, (SELECT max(computed_at) FROM products p WHERE p.workspace_id = w.id) AS last_at FROM workspaces w WHERE ${withOrders}`,
  },
];

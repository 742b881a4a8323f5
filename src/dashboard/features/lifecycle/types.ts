import type { z } from 'zod';
import type { Distribution, JobView, LifecycleModel, ModelSaved, StageStats } from '../../../contracts/lifecycle.js';

/** GET /api/lifecycle/model (the model is `unknown` on the wire; the server validated it). */
export interface ModelResponse {
  version: number;
  model: LifecycleModel;
}
export type DistributionView = z.infer<typeof Distribution>;
export type StageStatsView = z.infer<typeof StageStats>;
export type JobViewT = z.infer<typeof JobView>;
export type ModelSavedView = z.infer<typeof ModelSaved>;

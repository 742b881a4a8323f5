import type { z } from 'zod';
import type { Distribution, Flows, LifecycleModel } from '../../../contracts/lifecycle.js';

/** GET /api/lifecycle/distribution. */
export type DistributionView = z.infer<typeof Distribution>;
/** GET /api/lifecycle/flows. */
export type FlowsView = z.infer<typeof Flows>;
/** GET /api/lifecycle/model (the model is typed `unknown` on the wire; the server validated it). */
export interface ModelResponse {
  version: number;
  model: LifecycleModel;
}

import { z } from 'zod';

/** The steps of preparing the demo, in order. */
export const DEMO_PHASES = ['data', 'stages', 'segments', 'predictions', 'journeys', 'loyalty'] as const;
export type DemoPhase = (typeof DEMO_PHASES)[number];

/** What each step is called on the console and in the dashboard. */
export const DEMO_PHASE_LABELS: Record<DemoPhase, string> = {
  data: 'Generating 18 months of customers and events',
  stages: 'Replaying every customer’s lifecycle stages',
  segments: 'Building example segments, RFM groups and recommendations',
  predictions: 'Fitting CLV and churn-risk models, scoring health',
  journeys: 'Publishing example journeys',
  loyalty: 'Running three months of the loyalty and referral programmes',
};

/**
 * GET /api/demo/status: whether this server is preparing demo data in the background.
 * `none`: no demo is being prepared by this process (data is what it is); `preparing`:
 * numbers on the overview are not final yet; `ready`: the demo finished in this process;
 * `failed`: it stopped with `error`.
 */
export const DemoStatusView = z.object({
  state: z.enum(['none', 'preparing', 'ready', 'failed']),
  /** The step running now (null unless preparing). */
  phase: z.enum(DEMO_PHASES).nullable(),
  /** Progress within the step: `done` of `total` (customers, or sub-steps). */
  done: z.number().int(),
  total: z.number().int(),
  /** Progress over all steps, 0–100. */
  percent: z.number(),
  steps: z.array(z.object({ phase: z.enum(DEMO_PHASES), label: z.string(), status: z.enum(['waiting', 'running', 'done']), seconds: z.number().nullable() })),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type DemoStatusView = z.infer<typeof DemoStatusView>;

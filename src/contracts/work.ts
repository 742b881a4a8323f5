import { z } from 'zod';

/** One background loop's lag: what waits for it (null: it has never run here) and the age in seconds of the oldest of it (null: nothing waits). */
export const LoopLagView = z.object({ waiting: z.number().int().nullable(), oldestSeconds: z.number().nullable() });

/** Durable derived work of a workspace (GET /api/work): what is waiting, and what failed too often and is parked. */
export const WorkStatusView = z.object({
  /** Customers (or accounts) waiting for stage and segment re-evaluation. */
  pending: z.object({ stage: z.number().int(), segment: z.number().int() }),
  parked: z.array(
    z.object({
      id: z.number().int(),
      kind: z.enum(['stage', 'segment']),
      scope: z.enum(['customer', 'account']),
      subjectIds: z.array(z.number().int()),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      parkedAt: z.string(),
    }),
  ),
  /**
   * How far each background loop is behind: customers waiting for stage and segment
   * evaluation; events not yet read by the journey trigger scanner, the KPI facts, the
   * loyalty and referral processors (counted up to 1,000,000); journey runs with a step due;
   * messages due to be sent.
   */
  lag: z.object({
    stage: LoopLagView,
    segment: LoopLagView,
    journeyTriggers: LoopLagView,
    kpiFacts: LoopLagView,
    loyalty: LoopLagView,
    referrals: LoopLagView,
    journeySteps: LoopLagView,
    messages: LoopLagView,
  }),
});

/** POST /api/work/retry: put parked work back in the queue (all of it, or the rows named). */
export const WorkRetryInput = z.object({ ids: z.array(z.number().int().positive()).max(1000).optional() }).strict();
export const WorkRetried = z.object({ retried: z.number().int() });

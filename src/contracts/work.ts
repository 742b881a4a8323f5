import { z } from 'zod';

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
});

/** POST /api/work/retry: put parked work back in the queue (all of it, or the rows named). */
export const WorkRetryInput = z.object({ ids: z.array(z.number().int().positive()).max(1000).optional() }).strict();
export const WorkRetried = z.object({ retried: z.number().int() });

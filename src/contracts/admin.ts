import { z } from 'zod';

/**
 * A JSON object answered as stored (traits, properties, context). z.record and
 * z.looseObject rebuild the object by assignment, which drops a `__proto__` key — a
 * trait or property name like any other; this passes the object through, checked only
 * to be an object.
 */
function storedObject<V = unknown>(): z.ZodType<Record<string, V>> {
  return z
    .unknown()
    .refine((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'must be an object')
    .meta({ type: 'object', additionalProperties: true }) as unknown as z.ZodType<Record<string, V>>;
}

/** Where a customer came from (first or last marketing touch). */
export const TouchSchema = z.object({
  channel: z.string(),
  source: z.string().nullable(),
  medium: z.string().nullable(),
  campaign: z.string().nullable(),
  referrer: z.string().nullable(),
  at: z.string(),
});

export const CustomerSummary = z.object({
  userId: z.string().nullable(),
  anonymousIds: z.array(z.string()),
  traits: storedObject(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  acquisitionChannel: z.string().describe('First-touch channel; "direct" when no campaign or referrer was ever seen'),
  stage: z.string().nullable().describe('Current lifecycle stage (null until first evaluated, a moment after the first event)'),
  stageSince: z.string().nullable(),
  churnRisk: z.number().nullable().describe('Churn risk 0–100 from the churn model (null until the model has scored the customer; churned customers are not scored)'),
});

export const CustomerDetail = CustomerSummary.extend({
  /** Internal id, stable across merges into this profile. */
  customerId: z.number().int(),
  traitTimes: storedObject<[string, string]>().describe('Per trait: [firstSetAt, lastSetAt]'),
  accountIds: z.array(z.string()),
  aliases: z.array(z.string()).describe('Other userIds that resolve to this customer (from alias calls)'),
  firstTouch: TouchSchema.nullable(),
  lastTouch: TouchSchema.nullable(),
  scores: z.record(z.string(), z.number()).describe('Computed scores by name: churn_risk (0–100), health (0–100), predicted_clv, p_alive (0–1), rfm_r/f/m (1–5); reasons at /predictions and /health'),
});

export const CustomerList = z.object({
  customers: z.array(CustomerSummary),
  nextCursor: z.string().nullable(),
});

export const CustomerListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d+$/, 'cursor must be a value returned as nextCursor').optional(),
  q: z.string().max(200).optional().describe('Case-insensitive match on userId, anonymousId, email or name'),
  stage: z.string().min(1).max(40).optional().describe('Only customers in this lifecycle stage'),
  segment: z.string().min(1).max(100).optional().describe('Only members of this segment (its id)'),
  riskAtLeast: z.coerce
    .number({ error: 'riskAtLeast must be a number from 0 to 100' })
    .min(0, 'riskAtLeast must be from 0 to 100')
    .max(100, 'riskAtLeast must be from 0 to 100')
    .optional()
    .describe('Only customers whose churn risk (0–100) is at least this'),
  riskBelow: z.coerce
    .number({ error: 'riskBelow must be a number from 0 to 100' })
    .min(0, 'riskBelow must be from 0 to 100')
    .max(100, 'riskBelow must be from 0 to 100')
    .optional()
    .describe('Only customers whose churn risk (0–100) is below this; customers without a score never match a risk filter'),
});

export const EventSchema = z.object({
  id: z.number().int(),
  messageId: z.string(),
  type: z.string(),
  event: z.string().nullable(),
  userId: z.string().nullable(),
  anonymousId: z.string().nullable(),
  groupId: z.string().nullable(),
  timestamp: z.string(),
  receivedAt: z.string(),
  properties: storedObject(),
  traits: storedObject().nullable(),
  context: storedObject(),
});

export const EventList = z.object({ events: z.array(EventSchema), nextCursor: z.string().nullable() });

export const EventListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
  event: z
    .string()
    .max(2_000)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const names = [
        ...new Set(
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      if (names.length === 0 || names.length > 20 || names.some((n) => n.length > 200)) {
        ctx.addIssue({ code: 'custom', message: 'event must be 1 to 20 event names (each up to 200 characters), separated by commas' });
        return z.NEVER;
      }
      return names;
    })
    .describe('Only these events, by name, comma-separated (e.g. `Survey Responded,Referral Sent`); names match exactly'),
});

export const AccountDetail = z.object({
  groupId: z.string(),
  traits: storedObject(),
  traitTimes: storedObject<[string, string]>(),
  memberUserIds: z.array(z.string()),
  memberCount: z.number().int(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  /** `error`: why the database check failed, in short (only when `ok` is false). */
  database: z.object({
    ok: z.boolean(),
    kind: z.enum(['pglite', 'postgres']),
    latencyMs: z.number(),
    error: z.string().optional(),
    pool: z
      .object({
        max: z.number().int(),
        open: z.number().int(),
        busy: z.number().int(),
        waiting: z.number().int().describe('Checkouts waiting for a connection now'),
        transactions: z.number().int().describe('Transactions begun since the process started'),
        waited: z.number().int().describe('Of them, those that waited more than 1 ms for a connection'),
        waitedMs: z.number().describe('Their waits, summed (ms)'),
        longestWaitMs: z.number(),
      })
      .optional()
      .describe('PostgreSQL: the connection pool. Many waits mean the pool (DATABASE_POOL_SIZE) or the database is the bottleneck'),
  }),
  uptimeSeconds: z.number(),
  /** This process's memory (MB): resident set, and of it the JavaScript heap (used and reserved) and memory outside it (buffers). */
  memory: z.object({ rssMb: z.number(), heapUsedMb: z.number(), heapTotalMb: z.number(), externalMb: z.number() }),
  /** How long callbacks waited for this process's event loop over the last complete 10 s (ms; zeros in the first 10 s). */
  eventLoop: z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
});

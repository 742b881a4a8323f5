import { z } from 'zod';

/** How a regulation names people, as Segment's regulations API does (plus Tenure's own customer id). */
export const SubjectType = z.enum(['USER_ID', 'ANONYMOUS_ID', 'EMAIL', 'PHONE', 'CUSTOMER_ID']);
export type SubjectType = z.infer<typeof SubjectType>;

/**
 * What to do (Segment's names): erase and keep dropping their events (`SUPPRESS_WITH_DELETE`),
 * erase only (`DELETE_ONLY`), drop future events only (`SUPPRESS_ONLY`), lift a suppression
 * (`UNSUPPRESS`), or build the export archive (`EXPORT`).
 */
export const RegulationType = z.enum(['SUPPRESS_WITH_DELETE', 'DELETE_ONLY', 'SUPPRESS_ONLY', 'UNSUPPRESS', 'EXPORT']);
export type RegulationType = z.infer<typeof RegulationType>;

/** POST /api/privacy/regulations: one regulation over up to 1,000 people. */
export const RegulationInput = z.strictObject({
  regulationType: RegulationType,
  subjectType: SubjectType,
  subjectIds: z.array(z.string().trim().min(1).max(500)).min(1, 'name at least one person').max(1000, 'at most 1,000 people per regulation'),
});
export type RegulationInput = z.infer<typeof RegulationInput>;

/** What an erasure removed: rows per table, when, by whom. Kept (it holds no personal data) after the person is gone. */
export const ErasureReceipt = z.object({
  requestId: z.number().int(),
  erasedAt: z.string(),
  erasedBy: z.string(),
  /** People named that Tenure held (others are counted in `notFound`). */
  customers: z.number().int(),
  notFound: z.number().int(),
  tables: z.array(z.object({ table: z.string(), rows: z.number().int() })),
  suppressed: z.boolean(),
});
export type ErasureReceipt = z.infer<typeof ErasureReceipt>;

export const PrivacyRequestView = z.object({
  id: z.number().int(),
  kind: z.enum(['export', 'erase', 'suppress', 'unsuppress', 'purge_property']),
  status: z.enum(['pending', 'running', 'done', 'failed']),
  subjects: z.number().int(),
  requestedBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  receipt: z.unknown().nullable(),
  error: z.string().nullable(),
});
export type PrivacyRequestView = z.infer<typeof PrivacyRequestView>;
export const PrivacyRequestList = z.object({ requests: z.array(PrivacyRequestView) });

/** DELETE a property's values across events (and, with `traits`, the profile trait) in a time range. */
export const PropertyPurgeInput = z.strictObject({
  /** A property of events (`properties.card_number`) or a context field (`context.ip`); dotted path. */
  property: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dotted path such as properties.card_number or context.ip'),
  /** Only these events (by name); all events when absent. */
  event: z.string().max(200).optional(),
  from: z.string().datetime({ offset: true }),
  to: z.string().datetime({ offset: true }),
});
export const PropertyPurged = z.object({ requestId: z.number().int(), events: z.number().int() });

export const SuppressionView = z.object({ kind: z.enum(['user', 'anonymous', 'email', 'phone']), createdAt: z.string(), dropped: z.number().int(), requestId: z.number().int().nullable() });
export const SuppressionList = z.object({ suppressions: z.array(SuppressionView), total: z.number().int() });

/** One consent change with its proof. */
export const ConsentRecordView = z.object({
  id: z.number().int(),
  groupId: z.string(),
  subscribed: z.boolean(),
  source: z.string(),
  at: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  textShown: z.string().nullable(),
  actor: z.string().nullable(),
});
export const ConsentRecordList = z.object({ records: z.array(ConsentRecordView) });

/** POST /api/customers/:id/erase: erase now; `suppress` (default true) keeps dropping their events afterwards. */
export const EraseInput = z.strictObject({ suppress: z.boolean().default(true) });
export type EraseInput = z.infer<typeof EraseInput>;

/** GET /api/privacy/requests: newest first. */
export const PrivacyRequestQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** GET /api/privacy/suppressions: newest first, a page at a time. */
export const SuppressionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

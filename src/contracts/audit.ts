import { z } from 'zod';

/** Who did something: a signed-in user, an API key, or Tenure itself (a grace period ending). */
export const AuditActor = z.object({ kind: z.enum(['user', 'key', 'system']), id: z.number().int().nullable(), label: z.string() });

/** One audit entry: who did what (`segment.update`) to which object, with the object before and after. */
export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: AuditActor,
  action: z.string(),
  objectType: z.string(),
  objectId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  /** Words matched against the action, object, actor and the before/after text. */
  q: z.string().max(200).optional(),
  objectType: z.string().max(64).optional(),
  objectId: z.string().max(200).optional(),
  action: z.string().max(64).optional(),
  actor: z.string().max(254).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  /** Entries older than this id (the previous page's `next`). */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
export const AuditPage = z.object({ entries: z.array(AuditEntry), next: z.number().int().nullable() });

import { z } from 'zod';

/**
 * Helpdesk connections: Chatwoot and Zendesk webhooks received natively (signatures
 * checked), any other tool through the generic receiver. Shared by server and dashboard.
 */

export const HelpdeskKind = z.enum(['chatwoot', 'zendesk', 'generic']);
export type HelpdeskKind = z.infer<typeof HelpdeskKind>;

export const HelpdeskConnectionCreate = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: HelpdeskKind,
  /** The signing secret the helpdesk shows (Chatwoot's webhook secret, Zendesk's webhook signing secret); generic: generated when absent. */
  secret: z.string().min(8).max(500).optional(),
});
export const HelpdeskConnectionUpdate = z.strictObject({ name: z.string().trim().min(1).max(200).optional(), secret: z.string().min(8).max(500).optional(), enabled: z.boolean().optional() });

export const HelpdeskConnectionView = z.object({
  id: z.string(),
  name: z.string(),
  kind: HelpdeskKind,
  enabled: z.boolean(),
  /** The URL to paste into the helpdesk. */
  webhookUrl: z.string(),
  /** Shown once, when generated (generic). */
  secret: z.string().optional(),
  createdAt: z.string(),
  lastDeliveryAt: z.string().nullable(),
  deliveries: z.number(),
  rejected: z.number(),
  unmatched: z.number(),
});
export type HelpdeskConnectionView = z.infer<typeof HelpdeskConnectionView>;

/** One webhook delivery received: accepted (with the events it made) or rejected with the reason. */
export const HelpdeskDeliveryView = z.object({
  id: z.number(),
  deliveryId: z.string().nullable(),
  receivedAt: z.string(),
  status: z.enum(['accepted', 'duplicate', 'rejected', 'ignored', 'unmatched']),
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
  /** The support events it made (Ticket Created, …). */
  events: z.array(z.string()),
  customerId: z.number().nullable(),
});
export type HelpdeskDeliveryView = z.infer<typeof HelpdeskDeliveryView>;
export const HelpdeskDeliveryList = z.object({ deliveries: z.array(HelpdeskDeliveryView) });

/** A ticket id or a score as a helpdesk's template fills it in: a number or a string. */
const Text = z.union([z.string().max(200), z.number()]).transform((v) => String(v).trim());
const When = z.string().max(64).optional();

/**
 * The generic receiver's JSON (docs/helpdesk.md): one support event of a ticket, as an
 * admin's template in Help Scout, Intercom, Freshdesk, Zammad (or a Zendesk trigger) fills it in.
 */
export const GenericHelpdeskPayload = z.object({
  event: z.enum(['created', 'replied', 'solved', 'reopened', 'rated']),
  ticket_id: Text.pipe(z.string().min(1)),
  /** The tool's id of this delivery (a retried delivery sends the same); absent: a hash of the body. */
  delivery_id: Text.optional(),
  /** When it happened (ISO 8601; default: when received). */
  occurred_at: When,
  /** When the ticket was opened (ISO 8601), when the tool knows it: first response and resolution times count from it. */
  ticket_created_at: When,
  /** The reply's id (`replied`) or the rating's (`rated`), so two replies are two events. */
  ref: Text.optional(),
  requester: z.object({ email: z.string().max(320).optional(), phone: z.string().max(64).optional(), external_id: Text.optional(), name: z.string().max(200).optional() }).optional(),
  organization: z.union([z.string().max(200), z.object({ id: Text.optional(), name: z.string().max(200).optional(), domain: z.string().max(253).optional() })]).optional(),
  domain: z.string().max(253).optional(),
  /** `rated`: the score (a number, or `good` / `bad`), on scale_min..scale_max (default 1–5). */
  score: z.union([z.number(), z.string().max(20)]).optional(),
  scale_min: z.coerce.number().optional(),
  scale_max: z.coerce.number().optional(),
  comment: z.string().max(5_000).optional(),
});
export type GenericHelpdeskPayload = z.infer<typeof GenericHelpdeskPayload>;

/** What a helpdesk webhook delivery was answered with. */
export const HelpdeskReceipt = z.object({ status: z.enum(['accepted', 'duplicate', 'ignored', 'unmatched']), events: z.array(z.string()), reason: z.string().nullable() });
export type HelpdeskReceipt = z.infer<typeof HelpdeskReceipt>;

/** POST /api/helpdesk/connections/:id/rematch: tickets matched to customers now, and their events written. */
export const HelpdeskRematch = z.object({ matched: z.number(), events: z.number(), stillUnmatched: z.number() });
export const HelpdeskConnectionList = z.object({ connections: z.array(HelpdeskConnectionView) });
export const HelpdeskDeliveryQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

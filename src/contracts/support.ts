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

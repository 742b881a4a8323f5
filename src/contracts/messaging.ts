import { z } from 'zod';
import { DurationSchema } from './condition.js';
import { Channel } from './journey.js';

/** Messaging: templates, subscription groups, consent, frequency caps and quiet hours. */

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour), e.g. 21:00');

/** At most `max` non-transactional messages on `channel` per rolling `within`. */
export const FrequencyCap = z.strictObject({ channel: Channel, max: z.number().int().min(0).max(10_000), within: DurationSchema });

/** No non-transactional message in [start, end) of the customer's local clock; `delay` holds it until `end`, `skip` drops it. */
export const QuietHours = z.strictObject({
  start: Time,
  end: Time,
  action: z.enum(['delay', 'skip']).default('delay'),
  channels: z.array(Channel).min(1).default(['email', 'sms']),
});

export const MessagingSettingsInput = z.strictObject({
  caps: z.array(FrequencyCap).max(20).default([]),
  quietHours: QuietHours.nullable().default(null),
  /** The From of emails (default: $EMAIL_FROM, else "Tenure <no-reply@localhost>"). */
  emailFrom: z.string().min(3).max(300).nullable().default(null),
});
export type MessagingSettingsInput = z.infer<typeof MessagingSettingsInput>;

/** Defaults for a new workspace: 5 marketing emails and 3 SMS per 7 days; no SMS from 21:00 to 08:00 local time. */
export const DEFAULT_MESSAGING: MessagingSettingsInput = {
  caps: [
    { channel: 'email', max: 5, within: { amount: 7, unit: 'days' } },
    { channel: 'sms', max: 3, within: { amount: 7, unit: 'days' } },
  ],
  quietHours: { start: '21:00', end: '08:00', action: 'delay', channels: ['sms'] },
  emailFrom: null,
};

export const TemplateFormat = z.enum(['mjml', 'html', 'text']);

export const TemplateInput = z.strictObject({
  name: z.string().trim().min(1, 'a template needs a name').max(200),
  channel: Channel,
  /** Email bodies: MJML (default) or HTML; SMS, in-app and webhook bodies are text (webhook: JSON text). */
  format: TemplateFormat.optional(),
  subject: z.string().max(1_000).optional().describe('Email subject, or in-app title (Liquid)'),
  body: z.string().min(1, 'a template needs a body').max(200_000).describe('Liquid; for email MJML or HTML'),
  text: z.string().max(100_000).optional().describe('Email plain-text part (default: made from the HTML)'),
});
export type TemplateInput = z.infer<typeof TemplateInput>;

export const TemplateView = z.object({
  id: z.string(),
  name: z.string(),
  channel: Channel,
  format: TemplateFormat,
  subject: z.string().nullable(),
  body: z.string(),
  text: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const TemplatePreviewInput = z.strictObject({
  customerId: z.string().min(1).describe('A customer id, userId or anonymousId whose data fills the template'),
  event: z
    .strictObject({ name: z.string(), properties: z.record(z.string(), z.unknown()).default({}) })
    .optional()
    .describe('A triggering event to render with'),
});

export const TemplatePreview = z.object({ subject: z.string().nullable(), html: z.string().nullable(), text: z.string() });

export const SubscriptionGroupInput = z.strictObject({
  id: Id.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2_000).default(''),
  channel: Channel,
  /** true: only customers who subscribed get these messages; false (default): everyone who has not unsubscribed. */
  optIn: z.boolean().default(false),
});

export const SubscriptionGroupView = z.object({ id: z.string(), name: z.string(), description: z.string(), channel: Channel, optIn: z.boolean(), createdAt: z.string() });

/** GET /api/customers/:id/subscriptions: each group's state for the customer, channel-wide opt-outs, suppressed addresses. */
export const CustomerSubscriptions = z.object({
  groups: z.array(z.object({ id: z.string(), name: z.string(), channel: Channel, subscribed: z.boolean(), explicit: z.boolean().describe('The customer chose; otherwise the group default') })),
  unsubscribedFromAll: z.array(Channel),
  suppressed: z.array(z.object({ channel: z.string(), address: z.string(), reason: z.string() })),
});

/** How this server sends on one channel. Providers are set with environment variables on the server, not through the API. */
export const ChannelStatus = z.object({
  channel: Channel,
  transport: z
    .enum(['smtp', 'sms_api', 'outbox', 'http', 'inbox'])
    .describe('smtp / sms_api: a provider is set; outbox: rendered and kept, not sent; http: webhooks to the URL a step names; inbox: in-app messages read with GET /v1/inbox'),
  sends: z.boolean().describe('False when messages on this channel stay in the outbox'),
  target: z.string().nullable().describe('The SMTP server or SMS API host and port (never credentials)'),
  from: z.string().nullable().describe('The default sender: EMAIL_FROM, SMS_FROM'),
});
export const ChannelsView = z.object({ channels: z.array(ChannelStatus) });
export type ChannelStatus = z.infer<typeof ChannelStatus>;

/**
 * `outboxed`: rendered and kept in the outbox because no provider is connected for its
 * channel — not sent, and no delivery event is written.
 */
export const MessageStatus = z.enum(['queued', 'sending', 'sent', 'outboxed', 'delivered', 'failed', 'skipped', 'bounced']);

export const MessageView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  journeyId: z.string().nullable(),
  stepId: z.string().nullable(),
  variant: z.string().nullable(),
  channel: Channel,
  templateId: z.string().nullable(),
  status: MessageStatus,
  reasonCode: z.string().nullable().describe('Why skipped or failed: unsubscribed, frequency_cap, quiet_hours, suppressed, no_address, template_error, provider_rejected, …'),
  reason: z.string().nullable(),
  to: z.string().nullable(),
  subject: z.string().nullable(),
  attempts: z.number().int(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  openedAt: z.string().nullable(),
  clickedAt: z.string().nullable(),
});

/** GET /api/messages: filters and paging. */
export const MessageQuery = z.object({
  status: MessageStatus.optional(),
  channel: Channel.optional(),
  journey: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional().describe('Messages with a smaller id (paging: the last id of the previous page)'),
});
/** GET /api/messages and GET /api/customers/:id/messages. */
export const MessageList = z.object({ messages: z.array(MessageView) });
/** GET /api/messages/:id: a message with its rendered bodies. */
export const MessageDetail = MessageView.extend({ html: z.string().nullable(), text: z.string().nullable() });

/** GET /api/subscription-groups. */
export const SubscriptionGroupList = z.object({ groups: z.array(SubscriptionGroupView) });
/** PUT /api/subscription-groups/:id: the name and description only. */
export const SubscriptionGroupRename = z.strictObject({ name: z.string().trim().min(1).max(200), description: z.string().max(2_000).default('') });

export const TaskStatus = z.enum(['open', 'done', 'cancelled']);
/** A hand-off to a person, as GET /api/tasks and PATCH /api/tasks/:id answer it. */
export const TaskView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  userId: z.string().nullable(),
  journeyId: z.string().nullable(),
  title: z.string(),
  note: z.string().nullable(),
  assigneeRole: z.string(),
  assignee: z.string().nullable(),
  /** The Tenure user the task is assigned to (their own queue: GET /api/tasks/mine), and their name. */
  assigneeUserId: z.number().int().nullable(),
  assigneeName: z.string().nullable(),
  status: TaskStatus,
  dueAt: z.string(),
  overdue: z.boolean(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});
export type TaskView = z.infer<typeof TaskView>;
/** GET /api/tasks. */
export const TaskQuery = z.object({
  status: TaskStatus.default('open'),
  role: z.string().max(100).optional().describe('Only tasks for this assignee role'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** PATCH /api/tasks/:id. */
export const TaskPatch = z.strictObject({
  status: TaskStatus.optional(),
  assignee: z.string().max(200).nullable().optional(),
  /** A member of the workspace (users.id); they get an email. Null unassigns. */
  assigneeUserId: z.number().int().positive().nullable().optional(),
});

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { Channel } from '../../../contracts/journey.js';
import { ChannelsView, type ChannelStatus, CustomerSubscriptions, MessageStatus, MessageView, MessagingSettingsInput, SubscriptionGroupInput, SubscriptionGroupView } from '../../../contracts/messaging.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { allGroupsKey } from '../../channels/policy.js';
import { getMessagingSettings, saveMessagingSettings } from '../../channels/settings.repo.js';
import { recordBounce, recordComplaint, setConsent } from '../../channels/tracking.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const IdParams = z.object({ id: z.string().min(1).max(512) });

const MESSAGE_COLS = `id, customer_id AS "customerId", journey_id AS "journeyId", step_id AS "stepId", variant, channel, template_id AS "templateId", status, reason_code AS "reasonCode", reason,
  to_address AS "to", subject, attempts, created_at AS "createdAt", sent_at AS "sentAt", opened_at AS "openedAt", clicked_at AS "clickedAt"`;

type MessageRow = Omit<z.infer<typeof MessageView>, 'createdAt' | 'sentAt' | 'openedAt' | 'clickedAt'> & { createdAt: Date; sentAt: Date | null; openedAt: Date | null; clickedAt: Date | null };
const iso = (d: Date | null) => d?.toISOString() ?? null;
const messageView = (m: MessageRow) => ({ ...m, createdAt: m.createdAt.toISOString(), sentAt: iso(m.sentAt), openedAt: iso(m.openedAt), clickedAt: iso(m.clickedAt) });

const TaskView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  userId: z.string().nullable(),
  journeyId: z.string().nullable(),
  title: z.string(),
  note: z.string().nullable(),
  assigneeRole: z.string(),
  assignee: z.string().nullable(),
  status: z.enum(['open', 'done', 'cancelled']),
  dueAt: z.string(),
  overdue: z.boolean(),
  createdAt: z.string(),
  doneAt: z.string().nullable(),
});

/** Admin API: subscription groups, messaging settings (caps, quiet hours), messages (the outbox), consent, tasks, provider feedback. */
export function messagingRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus; channels: ChannelStatus[]; /** The channels of one workspace (its providers saved in Settings first). */ channelsFor?: (workspaceId: number) => Promise<ChannelStatus[]> }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/channels', {
    schema: {
      tags: ['messaging'],
      summary: 'How this workspace sends on each channel: the provider connected in Settings, else the one set with environment variables (SMTP_URL, SMS_API_URL, …), else the outbox',
      security,
      response: { 200: ChannelsView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { channels: deps.channelsFor ? await deps.channelsFor(ws.id) : deps.channels };
    },
  });
  const customer = async (ws: number, id: string) => {
    const c = await findCustomerId(deps.db, ws, id);
    if (c === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${id}"`);
    return c;
  };

  r.get('/api/subscription-groups', {
    schema: { tags: ['messaging'], summary: 'Subscription groups (what customers can opt into or out of, per channel)', security, response: { 200: z.object({ groups: z.array(SubscriptionGroupView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { rows } = await deps.db.query<z.infer<typeof SubscriptionGroupView> & { createdAt: Date }>(
        `SELECT id, name, description, channel, opt_in AS "optIn", created_at AS "createdAt" FROM subscription_groups WHERE workspace_id = $1 ORDER BY channel, name`,
        [ws.id],
      );
      return { groups: rows.map((g) => ({ ...g, createdAt: g.createdAt.toISOString() })) };
    },
  });

  r.post('/api/subscription-groups', {
    schema: { tags: ['messaging'], summary: 'Create a subscription group', security, body: SubscriptionGroupInput, response: { 201: SubscriptionGroupView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const id = req.body.id ?? req.body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64);
      if (!id) throw new HttpError('validation_failed', 'body.id: give an id (letters, digits, "-" and "_")', { field: 'id' });
      const { rows } = await deps.db.query<z.infer<typeof SubscriptionGroupView> & { createdAt: Date }>(
        `INSERT INTO subscription_groups (workspace_id, id, name, description, channel, opt_in) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
         RETURNING id, name, description, channel, opt_in AS "optIn", created_at AS "createdAt"`,
        [ws.id, id, req.body.name, req.body.description, req.body.channel, req.body.optIn],
      );
      if (!rows[0]) throw new HttpError('conflict', `subscription group "${id}" exists`);
      return reply.status(201).send({ ...rows[0], createdAt: rows[0].createdAt.toISOString() });
    },
  });

  r.put('/api/subscription-groups/:id', {
    schema: { tags: ['messaging'], summary: 'Rename or re-describe a subscription group (its channel and opt-in rule are fixed)', security, params: IdParams, body: z.strictObject({ name: z.string().trim().min(1).max(200), description: z.string().max(2_000).default('') }), response: { 200: SubscriptionGroupView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { rows } = await deps.db.query<z.infer<typeof SubscriptionGroupView> & { createdAt: Date }>(
        `UPDATE subscription_groups SET name = $3, description = $4 WHERE workspace_id = $1 AND id = $2 RETURNING id, name, description, channel, opt_in AS "optIn", created_at AS "createdAt"`,
        [ws.id, req.params.id, req.body.name, req.body.description],
      );
      if (!rows[0]) throw new HttpError('not_found', `no subscription group "${req.params.id}"`);
      return { ...rows[0], createdAt: rows[0].createdAt.toISOString() };
    },
  });

  r.get('/api/messaging/settings', {
    schema: { tags: ['messaging'], summary: 'Frequency caps, quiet hours and sender', security, response: { 200: MessagingSettingsInput, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return (await getMessagingSettings(deps.db, ws.id)).settings;
    },
  });

  r.put('/api/messaging/settings', {
    schema: { tags: ['messaging'], summary: 'Replace frequency caps, quiet hours and sender', security, body: MessagingSettingsInput, response: { 200: MessagingSettingsInput, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await saveMessagingSettings(deps.db, ws.id, req.body);
      deps.bus.publish({ kind: 'messaging-settings', workspaceId: ws.id });
      return (await getMessagingSettings(deps.db, ws.id)).settings;
    },
  });

  const MessageQuery = z.object({
    status: MessageStatus.optional(),
    channel: Channel.optional(),
    journey: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.coerce.number().int().positive().optional().describe('Messages with a smaller id (paging: the last id of the previous page)'),
  });

  r.get('/api/messages', {
    schema: { tags: ['messaging'], summary: 'Messages, newest first: the outbox of everything sent, skipped (with reasons) or waiting', security, querystring: MessageQuery, response: { 200: z.object({ messages: z.array(MessageView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const q = req.query;
      const { rows } = await deps.db.query<MessageRow>(
        `SELECT ${MESSAGE_COLS} FROM messages WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR channel = $3) AND ($4::text IS NULL OR journey_id = $4)
           AND ($5::bigint IS NULL OR id < $5) ORDER BY id DESC LIMIT $6`,
        [ws.id, q.status ?? null, q.channel ?? null, q.journey ?? null, q.before ?? null, q.limit],
      );
      return { messages: rows.map(messageView) };
    },
  });

  r.get('/api/messages/:id', {
    schema: {
      tags: ['messaging'],
      summary: 'One message with its rendered content (as sent, or as the outbox kept it)',
      security,
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: MessageView.extend({ html: z.string().nullable(), text: z.string().nullable() }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { rows } = await deps.db.query<MessageRow & { html: string | null; text: string | null }>(`SELECT ${MESSAGE_COLS}, body_html AS html, body_text AS text FROM messages WHERE workspace_id = $1 AND id = $2`, [ws.id, req.params.id]);
      if (!rows[0]) throw new HttpError('not_found', `no message ${req.params.id}`);
      return { ...messageView(rows[0]), html: rows[0].html, text: rows[0].text };
    },
  });

  r.get('/api/customers/:id/messages', {
    schema: { tags: ['customers', 'messaging'], summary: "The customer's messages, newest first, with why any was skipped or failed", security, params: IdParams, response: { 200: z.object({ messages: z.array(MessageView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const { rows } = await deps.db.query<MessageRow>(`SELECT ${MESSAGE_COLS} FROM messages WHERE workspace_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id DESC LIMIT 500`, [ws.id, c]);
      return { messages: rows.map(messageView) };
    },
  });

  const subscriptions = async (ws: number, c: number) => {
    const { rows: groups } = await deps.db.query<{ id: string; name: string; channel: z.infer<typeof Channel>; opt_in: boolean; subscribed: boolean | null }>(
      `SELECT g.id, g.name, g.channel, g.opt_in, c.subscribed FROM subscription_groups g LEFT JOIN consents c ON c.workspace_id = g.workspace_id AND c.group_id = g.id AND c.customer_id = $2
        WHERE g.workspace_id = $1 ORDER BY g.channel, g.name`,
      [ws, c],
    );
    const { rows: all } = await deps.db.query<{ group_id: string }>(`SELECT group_id FROM consents WHERE workspace_id = $1 AND customer_id = $2 AND group_id LIKE '$all:%' AND NOT subscribed`, [ws, c]);
    const { rows: supp } = await deps.db.query<{ channel: string; address: string; reason: string }>(
      `SELECT s.channel, s.address, s.reason FROM suppressions s JOIN customers cu ON cu.id = $2
        WHERE s.workspace_id = $1 AND s.address IN (lower(cu.traits ->> 'email'), cu.traits ->> 'phone', cu.traits ->> 'phone_number')`,
      [ws, c],
    );
    return {
      groups: groups.map((g) => ({ id: g.id, name: g.name, channel: g.channel, subscribed: g.subscribed ?? !g.opt_in, explicit: g.subscribed !== null })),
      unsubscribedFromAll: all.map((a) => a.group_id.slice(5) as z.infer<typeof Channel>),
      suppressed: supp,
    };
  };

  r.get('/api/customers/:id/subscriptions', {
    schema: { tags: ['customers', 'messaging'], summary: "The customer's consent per subscription group, and suppressed addresses", security, params: IdParams, response: { 200: CustomerSubscriptions, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return subscriptions(ws.id, await customer(ws.id, req.params.id));
    },
  });

  r.put('/api/customers/:id/subscriptions', {
    schema: {
      tags: ['customers', 'messaging'],
      summary: "Record the customer's choices (e.g. from your own preference centre)",
      security,
      params: IdParams,
      body: z.strictObject({
        groups: z.record(z.string(), z.boolean()).default({}).describe('group id → subscribed'),
        all: z.record(Channel, z.boolean()).optional().describe('channel → false to unsubscribe from everything on it, true to undo'),
      }),
      response: { 200: CustomerSubscriptions, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const { rows } = await deps.db.query<{ id: string }>(`SELECT id FROM subscription_groups WHERE workspace_id = $1`, [ws.id]);
      const known = new Set(rows.map((x) => x.id));
      for (const g of Object.keys(req.body.groups)) if (!known.has(g)) throw new HttpError('validation_failed', `body.groups.${g}: no subscription group "${g}"`, { field: `groups.${g}` });
      const changes = [...Object.entries(req.body.groups).map(([groupId, subscribed]) => ({ groupId, subscribed })), ...Object.entries(req.body.all ?? {}).map(([ch, subscribed]) => ({ groupId: allGroupsKey(ch as z.infer<typeof Channel>), subscribed }))];
      const changed = await setConsent(deps.db, ws.id, c, changes, 'admin_api', new Date());
      if (changed.length > 0) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [c] });
      return subscriptions(ws.id, c);
    },
  });

  r.post('/api/messages/:id/feedback', {
    schema: {
      tags: ['messaging'],
      summary: "A provider's report about a sent message: a bounce after acceptance, or a spam complaint",
      description: 'Hard bounces and complaints suppress the address; a complaint also unsubscribes the customer from the channel.',
      security,
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.strictObject({ type: z.enum(['hard_bounce', 'soft_bounce', 'complaint']), reason: z.string().max(1_000).default('') }),
      response: { 200: z.object({ ok: z.literal(true) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const now = new Date();
      const ok = req.body.type === 'complaint' ? await recordComplaint(deps.db, ws.id, req.params.id, now) : await recordBounce(deps.db, ws.id, req.params.id, req.body.type === 'hard_bounce', req.body.reason || req.body.type, now);
      if (!ok) throw new HttpError('not_found', `no message ${req.params.id}`);
      return { ok: true as const };
    },
  });

  const TaskQuery = z.object({
    status: z.enum(['open', 'done', 'cancelled']).default('open'),
    role: z.string().max(100).optional().describe('Only tasks for this assignee role'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });
  type TaskRow = Omit<z.infer<typeof TaskView>, 'dueAt' | 'createdAt' | 'doneAt' | 'overdue'> & { dueAt: Date; createdAt: Date; doneAt: Date | null };
  const taskView = (t: TaskRow, now: number) => ({ ...t, dueAt: t.dueAt.toISOString(), createdAt: t.createdAt.toISOString(), doneAt: iso(t.doneAt), overdue: t.status === 'open' && t.dueAt.getTime() < now });
  const TASK_COLS = `t.id, t.customer_id AS "customerId", c.user_id AS "userId", t.journey_id AS "journeyId", t.title, t.note, t.assignee_role AS "assigneeRole", t.assignee, t.status,
    t.due_at AS "dueAt", t.created_at AS "createdAt", t.done_at AS "doneAt"`;

  r.get('/api/tasks', {
    schema: { tags: ['tasks'], summary: 'Hand-offs to people that journeys created, soonest due first', security, querystring: TaskQuery, response: { 200: z.object({ tasks: z.array(TaskView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { rows } = await deps.db.query<TaskRow>(
        `SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.status = $2 AND ($3::text IS NULL OR t.assignee_role = $3) ORDER BY t.due_at, t.id LIMIT $4`,
        [ws.id, req.query.status, req.query.role ?? null, req.query.limit],
      );
      const now = Date.now();
      return { tasks: rows.map((t) => taskView(t, now)) };
    },
  });

  r.patch('/api/tasks/:id', {
    schema: {
      tags: ['tasks'],
      summary: 'Assign, complete or cancel a task',
      security,
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.strictObject({ status: z.enum(['open', 'done', 'cancelled']).optional(), assignee: z.string().max(200).nullable().optional() }),
      response: { 200: TaskView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { status, assignee } = req.body;
      const { rowCount } = await deps.db.query(
        `UPDATE tasks SET status = coalesce($3, status), assignee = CASE WHEN $4 THEN $5 ELSE assignee END,
                done_at = CASE WHEN $3 = 'done' THEN now() WHEN $3 IS NOT NULL THEN NULL ELSE done_at END
          WHERE workspace_id = $1 AND id = $2`,
        [ws.id, req.params.id, status ?? null, assignee !== undefined, assignee ?? null],
      );
      if (rowCount === 0) throw new HttpError('not_found', `no task ${req.params.id}`);
      const { rows } = await deps.db.query<TaskRow>(`SELECT ${TASK_COLS} FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE t.workspace_id = $1 AND t.id = $2`, [ws.id, req.params.id]);
      return taskView(rows[0]!, Date.now());
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { Channel } from '../../../contracts/journey.js';
import {
  ChannelsView,
  type ChannelStatus,
  CustomerSubscriptions,
  MessageDetail,
  MessageList,
  MessageQuery,
  MessagingSettingsInput,
  SubscriptionGroupInput,
  SubscriptionGroupList,
  SubscriptionGroupRename,
  SubscriptionGroupView,
  TaskPatch,
  TaskQuery,
  TaskView,
} from '../../../contracts/messaging.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { allGroupsKey } from '../../channels/policy.js';
import { customerMessages, getMessage, listMessages, type MessageRow } from '../../channels/messages.repo.js';
import { getMessagingSettings, saveMessagingSettings } from '../../channels/settings.repo.js';
import { createSubscriptionGroup, customerSubscriptions, listSubscriptionGroups, renameSubscriptionGroup, subscriptionGroupIds } from '../../channels/subscriptions.repo.js';
import { recordBounce, recordComplaint, setConsent } from '../../channels/tracking.js';
import { actorOf, principalOf } from '../principal.js';
import { changeTask, listTasks, listUserTasks, type Task } from '../../journeys/tasks.repo.js';
import { MyTasksQuery } from '../../../contracts/team.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const IdParams = z.object({ id: z.string().min(1).max(512) });

const iso = (d: Date | null) => d?.toISOString() ?? null;
const messageView = (m: MessageRow) => ({ ...m, createdAt: m.createdAt.toISOString(), sentAt: iso(m.sentAt), openedAt: iso(m.openedAt), clickedAt: iso(m.clickedAt) });

/** Admin API: subscription groups, messaging settings (caps, quiet hours), messages (the outbox), consent, tasks, provider feedback. */
export function messagingRoutes(
  app: FastifyInstance,
  deps: {
    db: Db;
    keys: KeyResolver;
    bus: ChangeBus;
    channels: ChannelStatus[];
    /** The channels of one workspace (its providers saved in Settings first). */ channelsFor?: (workspaceId: number) => Promise<ChannelStatus[]>;
  },
): void {
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
    schema: {
      tags: ['messaging'],
      summary: 'Subscription groups (what customers can opt into or out of, per channel)',
      security,
      response: { 200: SubscriptionGroupList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const groups = await listSubscriptionGroups(deps.db, ws.id);
      return { groups: groups.map((g) => ({ ...g, createdAt: g.createdAt.toISOString() })) };
    },
  });

  r.post('/api/subscription-groups', {
    schema: { tags: ['messaging'], summary: 'Create a subscription group', security, body: SubscriptionGroupInput, response: { 201: SubscriptionGroupView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const id =
        req.body.id ??
        req.body.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 64);
      if (!id) throw new HttpError('validation_failed', 'body.id: give an id (letters, digits, "-" and "_")', { field: 'id' });
      const g = await createSubscriptionGroup(deps.db, ws.id, { id, name: req.body.name, description: req.body.description, channel: req.body.channel, optIn: req.body.optIn });
      if (!g) throw new HttpError('conflict', `subscription group "${id}" exists`);
      return reply.status(201).send({ ...g, createdAt: g.createdAt.toISOString() });
    },
  });

  r.put('/api/subscription-groups/:id', {
    schema: {
      tags: ['messaging'],
      summary: 'Rename or re-describe a subscription group (its channel and opt-in rule are fixed)',
      security,
      params: IdParams,
      body: SubscriptionGroupRename,
      response: { 200: SubscriptionGroupView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const g = await renameSubscriptionGroup(deps.db, ws.id, req.params.id, req.body.name, req.body.description);
      if (!g) throw new HttpError('not_found', `no subscription group "${req.params.id}"`);
      return { ...g, createdAt: g.createdAt.toISOString() };
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

  r.get('/api/messages', {
    schema: {
      tags: ['messaging'],
      summary: 'Messages, newest first: the outbox of everything sent, skipped (with reasons) or waiting',
      security,
      querystring: MessageQuery,
      response: { 200: MessageList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const rows = await listMessages(deps.db, ws.id, req.query);
      return { messages: rows.map(messageView) };
    },
  });

  r.get('/api/messages/:id', {
    schema: {
      tags: ['messaging'],
      summary: 'One message with its rendered content (as sent, or as the outbox kept it)',
      security,
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: MessageDetail, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const m = await getMessage(deps.db, ws.id, req.params.id);
      if (!m) throw new HttpError('not_found', `no message ${req.params.id}`);
      return { ...messageView(m), html: m.html, text: m.text };
    },
  });

  r.get('/api/customers/:id/messages', {
    schema: {
      tags: ['customers', 'messaging'],
      summary: "The customer's messages, newest first, with why any was skipped or failed",
      security,
      params: IdParams,
      response: { 200: MessageList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      return { messages: (await customerMessages(deps.db, ws.id, c)).map(messageView) };
    },
  });

  r.get('/api/customers/:id/subscriptions', {
    schema: {
      tags: ['customers', 'messaging'],
      summary: "The customer's consent per subscription group, and suppressed addresses",
      security,
      params: IdParams,
      response: { 200: CustomerSubscriptions, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return customerSubscriptions(deps.db, ws.id, await customer(ws.id, req.params.id));
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
        all: z.partialRecord(Channel, z.boolean()).optional().describe('channel → false to unsubscribe from everything on it, true to undo; channels left out are not changed'),
      }),
      response: { 200: CustomerSubscriptions, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      const known = new Set(await subscriptionGroupIds(deps.db, ws.id));
      for (const g of Object.keys(req.body.groups)) if (!known.has(g)) throw new HttpError('validation_failed', `body.groups.${g}: no subscription group "${g}"`, { field: `groups.${g}` });
      const changes = [
        ...Object.entries(req.body.groups).map(([groupId, subscribed]) => ({ groupId, subscribed })),
        ...Object.entries(req.body.all ?? {}).map(([ch, subscribed]) => ({ groupId: allGroupsKey(ch as z.infer<typeof Channel>), subscribed })),
      ];
      const changed = await setConsent(deps.db, ws.id, c, changes, 'admin_api', new Date(), undefined, {
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? null,
        actor: actorOf(principalOf(req)).label,
      });
      if (changed.length > 0) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [c] });
      return customerSubscriptions(deps.db, ws.id, c);
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
      const ok =
        req.body.type === 'complaint'
          ? await recordComplaint(deps.db, ws.id, req.params.id, now, { actor: actorOf(principalOf(req)).label, ip: req.ip })
          : await recordBounce(deps.db, ws.id, req.params.id, req.body.type === 'hard_bounce', req.body.reason || req.body.type, now);
      if (!ok) throw new HttpError('not_found', `no message ${req.params.id}`);
      return { ok: true as const };
    },
  });

  const taskView = (t: Task, now: number) => ({
    ...t,
    dueAt: t.dueAt.toISOString(),
    createdAt: t.createdAt.toISOString(),
    doneAt: iso(t.doneAt),
    overdue: t.status === 'open' && t.dueAt.getTime() < now,
  });

  r.get('/api/tasks', {
    schema: {
      tags: ['tasks'],
      summary: 'Hand-offs to people that journeys created, soonest due first',
      security,
      querystring: TaskQuery,
      response: { 200: z.object({ tasks: z.array(TaskView) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const rows = await listTasks(deps.db, ws.id, req.query);
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
      body: TaskPatch,
      response: { 200: TaskView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await changeTask(deps.db, ws.id, req.params.id, req.body);
      if (!res.ok) throw httpErrorOf(res);
      if (!res.value) throw new HttpError('not_found', `no task ${req.params.id}`);
      return taskView(res.value, Date.now());
    },
  });

  r.get('/api/tasks/mine', {
    schema: {
      tags: ['tasks'],
      summary: 'The tasks assigned to you (the signed-in person) in this workspace, soonest due first',
      security,
      querystring: MyTasksQuery,
      response: { 200: z.object({ tasks: z.array(TaskView) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const p = principalOf(req);
      if (p?.kind !== 'user') throw new HttpError('bad_parameter', 'an API key has no task queue of its own: sign in as a person, or list tasks with GET /api/tasks');
      const rows = await listUserTasks(deps.db, ws.id, p.userId, { status: req.query.status ?? 'open', limit: 500 });
      const now = Date.now();
      return { tasks: rows.map((t) => taskView(t, now)) };
    },
  });
}

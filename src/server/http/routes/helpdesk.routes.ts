import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import {
  HelpdeskConnectionCreate,
  HelpdeskConnectionList,
  HelpdeskConnectionUpdate,
  HelpdeskConnectionView,
  HelpdeskDeliveryList,
  HelpdeskDeliveryQuery,
  HelpdeskReceipt,
  HelpdeskRematch,
} from '../../../contracts/support.js';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import type { SecretBox } from '../../channels/secret-box.js';
import { createConnection, deleteConnection, listConnections, updateConnection, type ConnectionSummary } from '../../support/connections.repo.js';
import { listDeliveries } from '../../support/deliveries.repo.js';
import { MAX_WEBHOOK_BYTES, receiveDelivery } from '../../support/receive.js';
import { rematchTickets } from '../../support/tickets.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { serverUrlOf } from '../request.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['helpdesk'];
const IdParams = z.object({ id: z.string().min(1).max(100) });

export interface HelpdeskDeps {
  db: Db;
  keys: KeyResolver;
  /** Told of the support events written on customers' timelines. */
  bus: ChangeBus;
  /** Seals the connections' signing secrets; null refuses saving them with `boxMissing`. */
  box: SecretBox | null;
  boxMissing: string;
  /** TENURE_PUBLIC_URL, for the webhook URL shown (else the request's scheme and host). */
  publicUrl?: string;
}

/**
 * Helpdesk connections: the public webhook receivers (POST /webhooks/helpdesk/:id, signed,
 * no admin key: see docs/helpdesk.md) and the admin API over the connections, their
 * deliveries and the rematch of unmatched tickets.
 */
export async function helpdeskRoutes(app: FastifyInstance, deps: HelpdeskDeps): Promise<void> {
  const touched = (workspaceId: number, customerIds: number[]) => {
    if (customerIds.length > 0) deps.bus.publish({ kind: 'events', workspaceId, customerIds });
  };

  // The receivers need the raw bytes (signatures are over them): their own body parser, 1 MB.
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_req, body, done) => done(null, body));
    const r = hooks.withTypeProvider<ZodTypeProvider>();
    r.post('/webhooks/helpdesk/:id', {
      schema: {
        tags,
        summary: 'A helpdesk webhook delivery (Chatwoot, Zendesk or the generic shape), signed with the connection’s secret',
        description:
          'A bad or missing signature is 401 webhook_signature_invalid, a timestamp more than 5 minutes off 401 webhook_timestamp_stale (both recorded as rejected deliveries); a delivery received before answers 200 with status duplicate and changes nothing.',
        params: IdParams,
        response: { 200: HelpdeskReceipt, 413: ErrorBody, ...errors },
      },
      handler: async (req) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const r = await receiveDelivery(deps, req.params.id, req.headers, raw, new Date());
        if (!r.ok) throw httpErrorOf(r);
        touched(r.value.workspaceId, r.value.customerIds);
        return { status: r.value.status, events: r.value.events, reason: r.value.reason };
      },
    });
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const view = (req: Parameters<typeof serverUrlOf>[0], c: ConnectionSummary, secret?: string | null): HelpdeskConnectionView => ({
    id: c.id,
    name: c.name,
    kind: c.kind,
    enabled: c.enabled,
    webhookUrl: `${serverUrlOf(req, deps.publicUrl)}/webhooks/helpdesk/${c.id}`,
    ...(secret ? { secret } : {}),
    createdAt: new Date(c.createdAt).toISOString(),
    lastDeliveryAt: c.lastDeliveryAt ? new Date(c.lastDeliveryAt).toISOString() : null,
    deliveries: c.deliveries,
    rejected: c.rejected,
    unmatched: c.unmatched,
  });
  const one = async (ws: number, id: string) => {
    const [c] = await listConnections(deps.db, ws, id);
    if (!c) throw new HttpError('not_found', `no helpdesk connection ${id}`);
    return c;
  };

  r.get('/api/helpdesk/connections', {
    schema: { tags, summary: 'The helpdesk connections, with their webhook URLs and delivery counts', security, response: { 200: HelpdeskConnectionList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { connections: (await listConnections(deps.db, ws.id)).map((c) => view(req, c)) };
    },
  });

  r.post('/api/helpdesk/connections', {
    schema: {
      tags,
      summary: 'Connect a helpdesk: paste the answer’s webhookUrl into it, with its signing secret (a generic connection without one gets a secret, shown once)',
      security,
      body: HelpdeskConnectionCreate,
      response: { 200: HelpdeskConnectionView, ...errors },
    },
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.validationError) throw req.validationError;
      const made = await createConnection(deps.db, deps.box, deps.boxMissing, ws.id, req.body);
      if (!made.ok) throw httpErrorOf(made);
      req.log.info({ workspaceId: ws.id, connection: made.value.id, kind: req.body.kind }, 'helpdesk connected');
      return view(req, await one(ws.id, made.value.id), made.value.generatedSecret);
    },
  });

  r.get('/api/helpdesk/connections/:id', {
    schema: { tags, summary: 'One helpdesk connection', security, params: IdParams, response: { 200: HelpdeskConnectionView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return view(req, await one(ws.id, req.params.id));
    },
  });

  r.put('/api/helpdesk/connections/:id', {
    schema: {
      tags,
      summary: 'Rename, disable or enable a connection, or change its secret',
      security,
      params: IdParams,
      body: HelpdeskConnectionUpdate,
      response: { 200: HelpdeskConnectionView, ...errors },
    },
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.validationError) throw req.validationError;
      const done = await updateConnection(deps.db, deps.box, deps.boxMissing, ws.id, req.params.id, req.body);
      if (!done.ok) throw httpErrorOf(done);
      return view(req, await one(ws.id, req.params.id));
    },
  });

  r.delete('/api/helpdesk/connections/:id', {
    schema: { tags, summary: 'Delete a connection with its deliveries and tickets (the events written stay on the timelines)', security, params: IdParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await deleteConnection(deps.db, ws.id, req.params.id))) throw new HttpError('not_found', `no helpdesk connection ${req.params.id}`);
      return reply.status(204).send(null);
    },
  });

  r.get('/api/helpdesk/connections/:id/deliveries', {
    schema: {
      tags,
      summary: 'The deliveries received, newest first: accepted with the events they made, or rejected with the reason',
      security,
      params: IdParams,
      querystring: HelpdeskDeliveryQuery,
      response: { 200: HelpdeskDeliveryList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await one(ws.id, req.params.id);
      return { deliveries: await listDeliveries(deps.db, ws.id, req.params.id, req.query.limit) };
    },
  });

  r.post('/api/helpdesk/connections/:id/rematch', {
    schema: { tags, summary: 'Match the unmatched tickets to customers again, and write the events of those now matched', security, params: IdParams, response: { 200: HelpdeskRematch, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await one(ws.id, req.params.id);
      const r = await deps.db.transaction((tx) => rematchTickets(tx, ws.id, req.params.id));
      touched(ws.id, r.customerIds);
      return { matched: r.matched, events: r.events, stillUnmatched: r.stillUnmatched };
    },
  });
}

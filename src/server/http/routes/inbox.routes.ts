import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { writeMessageEvents } from '../../channels/dispatcher.js';
import { inboxMessages, inboxUnreadCount, markInboxMessage } from '../../channels/inbox.repo.js';
import { inboxSettings } from '../../workspaces/inbox-settings.repo.js';
import { checkInboxIdentity } from '../../workspaces/inbox-verification.js';
import { authenticateWrite, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { EV } from '../../../contracts/events.js';

const Who = z.object({
  userId: z.string().min(1).max(512).optional(),
  anonymousId: z.string().min(1).max(512).optional(),
  userHash: z.string().max(256).optional().describe('HMAC-SHA256(userId, inbox secret) as hex, from your backend (or the X-Tenure-User-Hash header)'),
});
const HashQuery = z.object({ userHash: Who.shape.userHash });
const HASH_HEADER = 'x-tenure-user-hash';
/** Loose: the other headers (the write key's Authorization among them) must pass through untouched. */
const HashHeader = z.looseObject({ [HASH_HEADER]: z.string().max(256).optional().describe('HMAC-SHA256(userId, inbox secret) as hex') });
const InboxItem = z.object({
  id: z.number().int(),
  title: z.string().nullable(),
  body: z.string(),
  html: z.string().nullable(),
  journeyId: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody };

/**
 * The in-app inbox for the customer's SDK, with the write key (like ingestion): the
 * customer's delivered in-app messages, newest first, and read / dismiss. The customer is
 * named by userId or anonymousId, as in every Segment call. The write key is public, so
 * where the workspace verifies identities (new workspaces do) the page must also pass the
 * userId's signature from the customer's backend: `X-Tenure-User-Hash` or `userHash`.
 */
export function inboxRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  /** Write key first, then the request's shape, then the signed identity; the customer's id (null when unknown). */
  const customerOf = async (req: FastifyRequest, who: z.infer<typeof Who>, query: { userHash?: string }) => {
    const ws = await authenticateWrite(deps.keys, req);
    if (req.validationError) throw req.validationError;
    const id = who.userId ?? who.anonymousId;
    if (!id) throw new HttpError('validation_failed', 'give userId or anonymousId', { field: 'userId' });
    const header = req.headers[HASH_HEADER];
    const userHash = (typeof header === 'string' ? header : undefined) ?? query.userHash ?? who.userHash;
    const settings = await inboxSettings(deps.db, ws.id);
    if (!settings) throw new HttpError('unauthorized', 'unknown write key');
    const check = checkInboxIdentity(settings, { userId: who.userId, anonymousId: who.anonymousId, userHash });
    if (check.code !== 'ok') throw new HttpError('unauthorized', check.message, { field: check.code === 'anonymous' ? 'userId' : 'userHash' });
    return { ws, customer: await findCustomerId(deps.db, ws.id, id) };
  };

  r.get('/v1/inbox', {
    schema: {
      tags: ['inbox'],
      summary: "The customer's in-app messages (not dismissed), newest first",
      security: [{ writeKey: [] }],
      headers: HashHeader,
      querystring: Who.extend({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: z.object({ messages: z.array(InboxItem), unread: z.number().int() }), ...errors },
    },
    // The write key is checked before anything else, then the query.
    attachValidation: true,
    handler: async (req) => {
      const { ws, customer: c } = await customerOf(req, req.query, req.query);
      if (c === null) return { messages: [], unread: 0 };
      const rows = await inboxMessages(deps.db, ws.id, c, { unreadOnly: req.query.unread === 'true', limit: req.query.limit });
      const unread = await inboxUnreadCount(deps.db, ws.id, c);
      return { messages: rows.map((m) => ({ ...m, createdAt: m.createdAt.toISOString(), readAt: m.readAt?.toISOString() ?? null })), unread };
    },
  });

  for (const action of ['read', 'dismiss'] as const) {
    r.post(`/v1/inbox/:id/${action}`, {
      schema: {
        tags: ['inbox'],
        summary: action === 'read' ? 'Mark an in-app message read' : 'Dismiss an in-app message (it leaves the inbox)',
        security: [{ writeKey: [] }],
        headers: HashHeader,
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: HashQuery,
        body: Who,
        response: { 200: z.object({ ok: z.literal(true) }), ...errors },
      },
      attachValidation: true,
      handler: async (req) => {
        const { ws, customer: c } = await customerOf(req, req.body ?? {}, req.query ?? {});
        const now = new Date();
        const marked = await markInboxMessage(deps.db, ws.id, req.params.id, c, action, now);
        if (!marked || c === null) throw new HttpError('not_found', `no in-app message ${req.params.id} for this customer`);
        if (marked.first) {
          const name = action === 'read' ? EV.inAppMessageRead : EV.inAppMessageDismissed;
          await writeMessageEvents(
            deps.db,
            [{ workspaceId: ws.id, customerId: c, messageId: req.params.id, name, properties: { messageId: req.params.id, journeyId: marked.journeyId }, type: 'track' }],
            now,
          );
          deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [c] });
        }
        return { ok: true as const };
      },
    });
  }
}

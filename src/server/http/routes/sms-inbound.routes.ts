import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import type { SecretBox } from '../../channels/secret-box.js';
import { isStopWord, recordSmsStop, smsAuthToken, verifyTwilioSignature } from '../../channels/sms-inbound.js';
import { recordSmsReply } from '../../surveys/sms-replies.js';
import { findWorkspaceBySlug } from '../../workspaces/workspaces.repo.js';
import { STATUS_OF } from '../errors.js';

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Inbound SMS (a Twilio-compatible provider's "a message comes in" webhook, set to
 * `<public URL>/webhooks/sms/<workspace slug>`): signed with the workspace's SMS provider
 * auth token; a reply to an SMS survey answers it (surveys/sms-replies.ts), and the answer
 * is texted back as TwiML. A bad signature is refused (401) and changes nothing.
 */
export function smsInboundRoutes(app: FastifyInstance, deps: { db: Db; bus: ChangeBus; box: SecretBox | null; publicUrl: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/webhooks/sms/:workspace', {
    schema: { hide: true, params: z.object({ workspace: z.string().min(1).max(100) }), body: z.record(z.string(), z.union([z.string().max(10_000), z.array(z.string())])) },
    handler: async (req, reply) => {
      const ws = await findWorkspaceBySlug(deps.db, req.params.workspace);
      const token = ws ? await smsAuthToken(deps.db, deps.box, ws.id) : null;
      if (!ws || !token) return reply.status(STATUS_OF.not_found).send({ code: 'not_found', message: 'no workspace with an SMS provider at this address' });
      const params = Object.fromEntries(Object.entries(req.body).map(([k, v]) => [k, Array.isArray(v) ? v.join('') : v]));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      if (!signature || !verifyTwilioSignature(token, `${deps.publicUrl}${req.url}`, params, signature)) {
        return reply.status(STATUS_OF.unauthorized).send({ code: 'unauthorized', message: 'the X-Twilio-Signature does not match this URL and body for the saved auth token' });
      }
      // An opt-out keyword unsubscribes from all SMS (the provider confirms it to the person itself).
      if (isStopWord(params.Body ?? '')) {
        const stopped = await recordSmsStop(deps.db, ws.id, params.From ?? '', params.Body ?? '', new Date());
        if (stopped.length > 0) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: stopped });
        return reply.header('content-type', 'text/xml; charset=utf-8').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      }
      const done = await recordSmsReply(deps.db, ws.id, params.From ?? '', params.Body ?? '', new Date());
      if (done.customerId !== null && (done.outcome === 'answered' || done.outcome === 'commented')) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [done.customerId] });
      const body = done.reply ? `<Message>${xml(done.reply)}</Message>` : '';
      return reply.header('content-type', 'text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { InboxSettingsPatch, InboxSettingsView } from '../../../contracts/inbox.js';
import type { Db } from '../../db/client.js';
import { inboxSettings, rotateInboxSecret, setInboxVerification, type InboxSettings } from '../../workspaces/inbox-settings.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];

const present = (s: InboxSettings | null): InboxSettingsView => {
  if (!s) throw new HttpError('not_found', 'this workspace no longer exists');
  return { verification: s.verification, secret: s.secret };
};

/** Admin API for the in-app inbox's identity verification: read the settings, switch it, rotate the secret. */
export function inboxSettingsRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/workspace/inbox', {
    schema: {
      tags: ['workspace'],
      summary: "The in-app inbox's identity verification and the secret your backend signs userIds with",
      description: 'The userHash for a customer is HMAC-SHA256(userId, secret) as hex. The secret is made on first use.',
      security,
      response: { 200: InboxSettingsView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return present(await inboxSettings(deps.db, ws.id));
    },
  });

  r.patch('/api/workspace/inbox', {
    schema: {
      tags: ['workspace'],
      summary: 'Switch the in-app inbox identity verification on or off',
      description: 'Off is for development: anyone with the (public) write key can then read any customer inbox by userId or anonymousId.',
      security,
      body: InboxSettingsPatch,
      response: { 200: InboxSettingsView, ...errors },
    },
    // Authenticate first, then report a bad body.
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.validationError) throw req.validationError;
      return present(await setInboxVerification(deps.db, ws.id, req.body.verification));
    },
  });

  r.post('/api/workspace/inbox/rotate', {
    schema: {
      tags: ['workspace'],
      summary: 'Replace the inbox secret with a new random one',
      description: 'Hashes signed with the old secret stop working at once: update your backend with the new one.',
      security,
      response: { 200: InboxSettingsView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return present(await rotateInboxSecret(deps.db, ws.id));
    },
  });
}

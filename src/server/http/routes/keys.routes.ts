import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyView } from '../../../contracts/team.js';
import type { Db } from '../../db/client.js';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../../workspaces/api-keys.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { principalOf } from '../principal.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['keys'];

const view = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id,
  name: k.name,
  scope: k.scope,
  prefix: k.prefix,
  createdBy: k.createdBy,
  createdAt: new Date(k.createdAt).toISOString(),
  lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : null,
  revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
});

/** Named API keys with a scope (ingest, read, admin): list, create (the key shown once), revoke. */
export function keysRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/keys', {
    schema: { tags, security, summary: "The workspace's named API keys (never the keys themselves), revoked ones included", response: { 200: ApiKeyList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { keys: (await listApiKeys(deps.db, ws.id)).map(view) };
    },
  });
  r.post('/api/keys', {
    schema: {
      tags,
      security,
      summary: 'Make a named key with a scope: ingest (send events), read (read the admin API) or admin; the key is in this answer only',
      body: ApiKeyCreate,
      response: { 201: ApiKeyCreated, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const p = principalOf(req);
      const made = await createApiKey(deps.db, ws.id, { name: req.body.name, scope: req.body.scope, createdBy: p?.kind === 'user' ? p.userId : null });
      return reply.code(201).send({ key: view(made.key), secret: made.secret });
    },
  });
  r.delete('/api/keys/:id', {
    schema: {
      tags,
      security,
      summary: 'Revoke a key: it stops working at once on this server, within 30 s on others',
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: ApiKeyView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const k = await revokeApiKey(deps.db, ws.id, req.params.id);
      if (!k) throw new HttpError('not_found', `this workspace has no API key ${req.params.id}`);
      deps.keys.clear();
      return view(k);
    },
  });
}

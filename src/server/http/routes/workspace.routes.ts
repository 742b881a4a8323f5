import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { WorkspaceView } from '../../../contracts/workspace.js';
import type { Db } from '../../db/client.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';

const errors = { 401: ErrorBody, 403: ErrorBody };
const security = [{ adminKey: [] }];

/** The admin key's workspace. */
export function workspaceRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/workspace', {
    schema: { tags: ['workspace'], summary: 'The workspace this admin key belongs to', security, response: { 200: WorkspaceView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { id: ws.id, slug: ws.slug, name: ws.name, timezone: ws.timezone };
    },
  });
}

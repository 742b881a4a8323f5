import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { SourcesUpdate, SourcesView } from '../../../contracts/sources.js';
import type { Db } from '../../db/client.js';
import { setAllowedOrigins, workspaceSources } from '../../workspaces/workspaces.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { normalizeOrigin } from '../cors.js';
import { HttpError } from '../errors.js';
import { parseBody, serverUrlOf } from '../request.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];

/**
 * GET/PATCH /api/sources (admin key): the write key and server URL for snippets, and the
 * origins whose pages may send events (CORS). `publicUrl` is TENURE_PUBLIC_URL when set.
 */
export function sourcesRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; publicUrl?: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const view = async (req: FastifyRequest, workspaceId: number): Promise<SourcesView> => {
    const s = await workspaceSources(deps.db, workspaceId);
    if (!s) throw new HttpError('not_found', 'this workspace no longer exists');
    // A key set before Tenure kept write keys is known only by its hash: empty until rotated.
    return { writeKey: s.writeKey ?? '', serverUrl: serverUrlOf(req, deps.publicUrl), allowedOrigins: s.allowedOrigins };
  };

  r.get('/api/sources', {
    schema: {
      tags: ['sources'],
      summary: "The write key, this server's URL and the allowed browser origins",
      description: 'writeKey is empty for a key set before Tenure kept write keys (rotate it to see one).',
      security,
      response: { 200: SourcesView, ...errors },
    },
    handler: async (req) => view(req, (await authenticateAdmin(deps.keys, req)).id),
  });

  r.patch('/api/sources', {
    schema: {
      tags: ['sources'],
      summary: 'Change the origins whose pages may send events from a browser',
      description: '`["*"]` allows any origin (the default: write keys are public). Requests without an Origin header (servers, mobile apps) are never refused.',
      security,
      body: SourcesUpdate,
      response: { 200: SourcesView, ...errors },
    },
    // The handler validates again to name the offending field (unknown fields too).
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const patch = parseBody(SourcesUpdate, req);
      if (patch.allowedOrigins) {
        const origins = [...new Set(patch.allowedOrigins.map((o) => (o === '*' ? o : normalizeOrigin(o))))];
        if (!(await setAllowedOrigins(deps.db, ws.id, origins))) throw new HttpError('not_found', 'this workspace no longer exists');
        // Resolved write keys carry the allowed origins: forget them so the change applies now.
        deps.keys.clear();
      }
      return view(req, ws.id);
    },
  });
}

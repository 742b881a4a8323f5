import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuditPage, AuditQuery } from '../../../contracts/audit.js';
import { ErrorBody } from '../../../contracts/errors.js';
import type { Db } from '../../db/client.js';
import { auditCsv, searchAudit } from '../../audit/audit.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['audit'];

/** The audit log: who changed what, searched and paged (newest first), or exported as CSV. */
export function auditRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/audit', {
    schema: {
      tags,
      summary: 'Search the audit log, newest first',
      description:
        '`q` matches every word (any case) in the action, object, actor and the before/after text; `objectType`, `objectId` and `action` match exactly (an action ending in "." is a prefix: `segment.`); `actor` is a label (email or key name) or `user:ID` / `key:ID`; `from` is inclusive, `to` exclusive. Pass the answer\'s `next` as `before` for the following page.',
      security,
      querystring: AuditQuery,
      response: { 200: AuditPage, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return searchAudit(deps.db, ws.id, req.query);
    },
  });

  r.get('/api/audit.csv', {
    schema: {
      tags,
      summary: 'Every entry matching the filters as CSV (id, at, actor_kind, actor_id, actor, action, object_type, object_id, before, after, ip), streamed',
      security,
      querystring: AuditQuery,
      produces: ['text/csv'],
      response: errors,
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="audit-${ws.slug}.csv"`);
      // A stream (no response schema applies to it): pages of entries as they are read.
      return reply.send(Readable.from(auditCsv(deps.db, ws.id, req.query)) as never);
    },
  });
}

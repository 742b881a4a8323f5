import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { WorkRetried, WorkRetryInput, WorkStatusView } from '../../../contracts/work.js';
import type { Db } from '../../db/client.js';
import { retryParked, workStatus } from '../../jobs/derived-work.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['work'];

/** Admin API over durable derived work: what waits, what is parked with its error, and retrying it. */
export function workRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/work', {
    schema: { tags, security, summary: 'Stage and segment work waiting, and work parked after failing too often (with its error)', response: { 200: WorkStatusView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return workStatus(deps.db, ws.id);
    },
  });
  r.post('/api/work/retry', {
    schema: { tags, security, summary: 'Put parked work back in the queue (all of it, or the rows named by id)', body: WorkRetryInput, response: { 200: WorkRetried, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const retried = await retryParked(deps.db, ws.id, req.body.ids);
      if (retried > 0) deps.bus.publish({ kind: 'work-retried', workspaceId: ws.id });
      return { retried };
    },
  });
}

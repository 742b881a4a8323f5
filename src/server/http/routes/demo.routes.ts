import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DemoStatusView } from '../../../contracts/demo.js';
import { ErrorBody } from '../../../contracts/errors.js';
import type { DemoTracker } from '../../demo/demo-status.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';

/**
 * GET /api/demo/status: how far this server got preparing the demo it loads into an empty
 * database on first start (the dashboard polls it and shows "preparing your demo").
 */
export function demoRoutes(app: FastifyInstance, deps: { keys: KeyResolver; demo: DemoTracker }): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/demo/status', {
    schema: {
      tags: ['demo'],
      security: [{ adminKey: [] }],
      summary: 'Progress of the demo data this server is preparing in the background (state none when it prepares none)',
      response: { 200: DemoStatusView, 401: ErrorBody, 403: ErrorBody },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      reply.header('cache-control', 'no-store');
      return deps.demo.view(ws.id);
    },
  });
}

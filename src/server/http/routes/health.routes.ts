import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Health } from '../../../contracts/admin.js';
import type { Db } from '../../db/client.js';
import { describeDbError } from '../../db/db-errors.js';
import { pingDatabase } from '../../db/ping.js';

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/** This process's memory in MB (for operators watching a server's footprint, and the benchmarks). */
function memoryMb() {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
}

/** Liveness and database reachability; 503 when the database does not answer within 2 s. */
export function healthRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const started = Date.now();
  app.withTypeProvider<ZodTypeProvider>().get('/health', {
    schema: { tags: ['health'], summary: 'Liveness and database reachability', response: { 200: Health, 503: Health } },
    handler: async (_req, reply) => {
      const t0 = performance.now();
      let ok = true;
      let error: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([pingDatabase(deps.db), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the database did not answer within 2 s')), 2000)))]);
      } catch (err) {
        ok = false;
        error = describeDbError(err);
      } finally {
        clearTimeout(timer);
      }
      const body = {
        status: ok ? ('ok' as const) : ('degraded' as const),
        database: { ok, kind: deps.db.kind, latencyMs: Math.round((performance.now() - t0) * 100) / 100, ...(error ? { error } : {}) },
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        memory: memoryMb(),
      };
      return reply.status(ok ? 200 : 503).send(body);
    },
  });
}

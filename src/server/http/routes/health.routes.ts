import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/** How long callbacks waited for the event loop over the last complete 10 s window (ms): what synchronous work adds to every request. */
function eventLoopDelay(): { read: () => { p50Ms: number; p99Ms: number; maxMs: number }; close: () => void } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  let last = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  const timer = setInterval(() => {
    last = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    h.reset();
  }, 10_000);
  timer.unref();
  return {
    read: () => last,
    close: () => {
      clearInterval(timer);
      h.disable();
    },
  };
}

/** Liveness and database reachability; 503 when the database does not answer within 2 s. */
export function healthRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const started = Date.now();
  const loopDelay = eventLoopDelay();
  app.addHook('onClose', async () => loopDelay.close());
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
        database: { ok, kind: deps.db.kind, latencyMs: Math.round((performance.now() - t0) * 100) / 100, ...(error ? { error } : {}), ...(deps.db.poolStats ? { pool: deps.db.poolStats() } : {}) },
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        memory: memoryMb(),
        eventLoop: loopDelay.read(),
      };
      return reply.status(ok ? 200 : 503).send(body);
    },
  });
}

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { IngestQueue } from '../ingest/ingest-queue.js';
import { KeyResolver } from './auth.js';
import { registerJsonBody } from './body.js';
import { errorHandler } from './errors.js';
import { customerRoutes } from './routes/customers.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { ingestRoutes } from './routes/ingest.routes.js';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** Ingestion writer lanes on PostgreSQL (see IngestQueueOptions.lanes). */
  ingestLanes?: number;
}

/** Build the HTTP server (not listening yet). */
export async function buildApp({ db, log, ingestLanes }: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), trustProxy: true, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  registerJsonBody(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Tenure API', version: '0.1.0', description: 'Segment-compatible ingestion (/v1, write key) and the admin API (/api, admin key).' },
      components: {
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'The workspace admin key' },
          writeKey: { type: 'http', scheme: 'basic', description: 'The workspace write key as user name, empty password (as Segment)' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  const keys = new KeyResolver(db);
  healthRoutes(app, { db });
  ingestRoutes(app, { queue: new IngestQueue(db, { log, lanes: ingestLanes }), keys });
  customerRoutes(app, { db, keys });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

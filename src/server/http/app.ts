import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { ChangeBus } from '../lib/change-bus.js';
import type { WriterLoad } from '../ingest/ingest-queue.js';
import type { ModelCache } from '../lifecycle/models.repo.js';
import type { SecretBox } from '../channels/secret-box.js';
import type { ChannelStatus } from '../../contracts/messaging.js';
import { IngestQueue } from '../ingest/ingest-queue.js';
import { LiveFeed, type LiveFeedOptions } from '../ingest/live-feed.js';
import { DemoTracker } from '../demo/demo-status.js';
import { KeyResolver } from './auth.js';
import { routePermission } from './policy.js';
import { registerJsonBody } from './body.js';
import { registerEdgeGuards, type RateLimits } from './edge.js';
import { registerAudit } from './audit.js';
import { auditRoutes } from './routes/audit.routes.js';
import { registerCors } from './cors.js';
import { registerDashboard } from './dashboard.js';
import { errorHandler } from './errors.js';
import { customerRoutes } from './routes/customers.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { ingestRoutes } from './routes/ingest.routes.js';
import { liveRoutes, type LiveStreamOptions } from './routes/live.routes.js';
import { lifecycleRoutes } from './routes/lifecycle.routes.js';
import { segmentRoutes } from './routes/segments.routes.js';
import { sourcesRoutes } from './routes/sources.routes.js';
import { sdkRoutes } from './routes/sdk-settings.routes.js';
import { workspaceRoutes } from './routes/workspace.routes.js';
import { privacyDataRoutes } from './routes/privacy-data.routes.js';
import { journeyRoutes } from './routes/journeys.routes.js';
import { templateRoutes } from './routes/templates.routes.js';
import { messagingRoutes } from './routes/messaging.routes.js';
import { trackingRoutes } from './routes/tracking.routes.js';
import { inboxRoutes } from './routes/inbox.routes.js';
import { inboxSettingsRoutes } from './routes/inbox-settings.routes.js';
import { spendRoutes } from './routes/spend.routes.js';
import { workRoutes } from './routes/work.routes.js';
import { healthScoreRoutes } from './routes/health-scores.routes.js';
import { predictionRoutes } from './routes/predictions.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import { recommendationRoutes } from './routes/recommendations.routes.js';
import { importRoutes, type ImportLimits } from './routes/imports.routes.js';
import { demoRoutes } from './routes/demo.routes.js';
import { providerRoutes, workspaceChannels } from './routes/providers.routes.js';
import { surveyRoutes } from './routes/surveys.routes.js';
import { loyaltyRoutes } from './routes/loyalty.routes.js';
import { surveyAnswerRoutes } from './routes/survey-answer.routes.js';
import { smsInboundRoutes } from './routes/sms-inbound.routes.js';
import { surveyResultsRoutes } from './routes/survey-results.routes.js';
import { helpdeskRoutes } from './routes/helpdesk.routes.js';
import { referralRoutes } from './routes/referrals.routes.js';
import { privacyRoutes } from './routes/privacy.routes.js';
import { loyaltyRewardRoutes } from './routes/loyalty-rewards.routes.js';
import { loyaltyPublicRoutes } from './routes/loyalty-public.routes.js';
import { memberRoutes } from './routes/members.routes.js';
import { accountRoutes } from './routes/account.routes.js';
import type { Mailer } from '../team/mailer.js';
import type { OidcSignIn } from '../team/oidc.js';
import { authRoutes } from './routes/auth.routes.js';
import { keysRoutes } from './routes/keys.routes.js';
import { workspacesRoutes } from './routes/workspaces.routes.js';

export interface HttpDeps {
  db: Db;
  log: Logger;
  /** Where the routes tell what they changed (the process's workers listen; see roles/wiring.ts). */
  bus: ChangeBus;
  /** Where ingestion's writers report their load, for this process's background loops to give way (roles/wiring.ts). */
  gate?: WriterLoad;
  /** Lifecycle models as this process reads them (shared with its stage worker, which the admin API invalidates on edits). */
  models: ModelCache;
  /** Seals provider credentials saved in Settings; null refuses saving them with `boxMissing`. */
  box: SecretBox | null;
  boxMissing: string;
  /** What GET /api/channels reports for the server's own channels (without hosts). */
  channels: ChannelStatus[];
  /** The built dashboard (default dist/dashboard); tests may point elsewhere. */
  dashboardDir?: string;
  /** Ingestion writer lanes on PostgreSQL (see IngestQueueOptions.lanes). */
  ingestLanes?: number;
  /**
   * This server's URL as browsers and SDKs reach it, when configured (TENURE_PUBLIC_URL): shown
   * on the sources page and put in the SDK settings. Unset: the scheme and host of the request.
   */
  sourcesUrl?: string;
  /** Base URL of this server as customers reach it, for the links the admin API hands out (survey links); default http://127.0.0.1:3000. */
  publicUrl?: string;
  /** Rate limits at the edge (default DEFAULT_RATE_LIMITS in edge.ts; 0 turns one off). */
  rateLimits?: Partial<RateLimits>;
  /** Whose X-Forwarded-For to believe, as Fastify's trustProxy (default false: nobody's; req.ip is the peer). */
  trustProxy?: boolean | number | string[];
  /** The live event debugger's limits and timings (see docs/live-debugger.md). */
  live?: LiveFeedOptions & LiveStreamOptions;
  /** CSV uploads (POST /api/imports): spool directory (default $TMPDIR/tenure-imports) and size limit (default 1 GiB). */
  imports?: Partial<ImportLimits>;
  /** The demo this process prepares in the background, for GET /api/demo/status (default: none). */
  demo?: DemoTracker;
  /** Tenure's own emails (invitations, password resets); null or absent: SMTP is not configured, links are handed back to copy. */
  mailer?: Mailer | null;
  /** Single sign-on through OpenID Connect, when configured. */
  oidc?: OidcSignIn | null;
}

/**
 * The HTTP server (not listening yet): ingestion, the admin API, tracking links and the
 * dashboard. Routes validate, authorize, call the domain and present; what they change they
 * publish on the bus. The workers are not here: see roles/wiring.ts.
 */
export async function buildApp(deps: HttpDeps): Promise<FastifyInstance> {
  const { db, log, bus, models } = deps;
  // Signed link tokens (click redirects carry their destination) are longer than the default 100-character parameter limit.
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxy(deps.trustProxy),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 4_000 },
  });
  const routes: RegisteredRoute[] = [];
  // The dashboard's static files are registered one route per file: they are marked, and public (policy.ts).
  let dashboardFiles = false;
  app.addHook('onRoute', (r) => {
    if (dashboardFiles) r.config = { ...(r.config as object | undefined), dashboardFile: true } as typeof r.config;
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push({ method: m, url: r.url, config: r.config });
  });
  routeTables.set(app, routes);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
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
  // Before the edge guards: their refusals (429) carry the CORS headers too.
  registerCors(app);
  registerEdgeGuards(app, { db, keys, limits: deps.rateLimits });
  registerAudit(app, { db });
  healthRoutes(app, { db });
  authRoutes(app, { db });
  keysRoutes(app, { db, keys });
  workspacesRoutes(app, { db, keys });
  const live = new LiveFeed(deps.live);
  liveRoutes(app, { feed: live, keys, ...deps.live });
  ingestRoutes(app, { live, queue: new IngestQueue(db, { log, lanes: deps.ingestLanes, bus, load: deps.gate }), keys });
  customerRoutes(app, { db, keys, models });
  lifecycleRoutes(app, { db, keys, models, bus });
  segmentRoutes(app, { db, keys, models, bus });
  journeyRoutes(app, { db, keys, models, bus });
  templateRoutes(app, { db, keys, bus });
  messagingRoutes(app, { db, keys, bus, channels: deps.channels, channelsFor: (ws) => workspaceChannels(db, ws, deps.channels) });
  providerRoutes(app, { db, keys, box: deps.box, boxMissing: deps.boxMissing, server: deps.channels });
  trackingRoutes(app, { db, bus });
  surveyRoutes(app, { db, keys, bus, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '') });
  surveyAnswerRoutes(app, { db, bus });
  loyaltyRoutes(app, { db, keys, bus });
  privacyRoutes(app, { db, keys, bus });
  referralRoutes(app, { db, keys, bus, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '') });
  smsInboundRoutes(app, { db, bus, box: deps.box, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '') });
  await helpdeskRoutes(app, { db, keys, bus, box: deps.box, boxMissing: deps.boxMissing, publicUrl: deps.sourcesUrl });
  inboxRoutes(app, { db, keys, bus });
  spendRoutes(app, { db, keys });
  workRoutes(app, { db, keys, bus });
  healthScoreRoutes(app, { db, keys, models, bus });
  metricsRoutes(app, { db, keys });
  recommendationRoutes(app, { db, keys, bus });
  predictionRoutes(app, { db, keys, bus });
  workspaceRoutes(app, { db, keys, bus });
  privacyDataRoutes(app, { db, keys });
  sourcesRoutes(app, { db, keys, publicUrl: deps.sourcesUrl });
  sdkRoutes(app, { keys, publicUrl: deps.sourcesUrl });
  inboxSettingsRoutes(app, { db, keys });
  surveyResultsRoutes(app, { db, keys });
  await loyaltyRewardRoutes(app, { db, keys, bus, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '') });
  loyaltyPublicRoutes(app, { db, bus, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, '') });
  await importRoutes(app, {
    db,
    keys,
    limits: { dir: deps.imports?.dir ?? join(tmpdir(), 'tenure-imports'), maxBytes: deps.imports?.maxBytes ?? 1024 * 2 ** 20 },
    bus,
  });
  demoRoutes(app, { keys, demo: deps.demo ?? new DemoTracker() });
  auditRoutes(app, { db, keys });
  memberRoutes(app, { db, keys, mailer: deps.mailer ?? null, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, ''), log });
  accountRoutes(app, { db, mailer: deps.mailer ?? null, publicUrl: (deps.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, ''), oidc: deps.oidc ?? null, log });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The dashboard at `/`, and the JSON 404 for everything else.
  dashboardFiles = true;
  await registerDashboard(app, deps.dashboardDir);
  dashboardFiles = false;
  const unguarded = routes.filter((r) => routePermission(r.method, r.url, r.config) === undefined);
  if (unguarded.length > 0) throw new Error(`routes missing from the policy table (src/server/http/policy.ts): ${unguarded.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  return app;
}

/** One route as registered: its method and URL pattern (`GET /api/segments/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** The route's config (`dashboardFile: true` for the built dashboard's files). */
  config?: unknown;
}
const routeTables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app registered (HEAD left out), in order: what the policy table must cover. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

/** Fastify's trustProxy; a hop count (which its types leave out) as the function it would make of it. */
function trustProxy(tp: HttpDeps['trustProxy']): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof tp === 'number' ? (_addr, hop) => hop < tp : (tp ?? false);
}

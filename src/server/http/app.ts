import { metricsRoutes } from './routes/metrics.routes.js';
import { RECOMMEND_JOB, recommendationRoutes } from './routes/recommendations.routes.js';
import { computeRecommendations } from '../predict/recommend.js';
import { analyticsSyncer } from '../analytics/facts.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { IngestQueue } from '../ingest/ingest-queue.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { JobRunner } from '../jobs/job-runner.js';
import { lifecycleRoutes, RECOMPUTE_JOB } from './routes/lifecycle.routes.js';
import { RFM_JOB, segmentRoutes, SEGMENT_COMPUTE_JOB } from './routes/segments.routes.js';
import { runRfm } from '../segments/rfm.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { computeSegment } from '../segments/segment-sync.js';
import { KeyResolver } from './auth.js';
import { registerJsonBody } from './body.js';
import { registerEdgeGuards, type RateLimits } from './edge.js';
import { registerCors } from './cors.js';
import { sourcesRoutes } from './routes/sources.routes.js';
import { sdkRoutes } from './routes/sdk-settings.routes.js';
import { registerDashboard } from './dashboard.js';
import { workspaceRoutes } from './routes/workspace.routes.js';
import { ACTIVITY_JOB, activityJob } from '../segments/activity-reevaluation.js';
import { errorHandler } from './errors.js';
import { customerRoutes } from './routes/customers.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { ingestRoutes } from './routes/ingest.routes.js';
import { liveRoutes, type LiveStreamOptions } from './routes/live.routes.js';
import { LiveFeed, type LiveFeedOptions } from '../ingest/live-feed.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import type { Senders } from '../channels/dispatcher.js';
import { describeChannels, outboxSenders } from '../channels/senders.js';
import type { ChannelStatus } from '../../contracts/messaging.js';
import { journeyRoutes } from './routes/journeys.routes.js';
import { templateRoutes } from './routes/templates.routes.js';
import { messagingRoutes } from './routes/messaging.routes.js';
import { trackingRoutes } from './routes/tracking.routes.js';
import { inboxRoutes } from './routes/inbox.routes.js';
import { inboxSettingsRoutes } from './routes/inbox-settings.routes.js';
import { spendRoutes } from './routes/spend.routes.js';
import { workRoutes } from './routes/work.routes.js';
import { HEALTH_JOB, healthJob, healthScoreRoutes } from './routes/health-scores.routes.js';
import { CHURN_TRAIN_JOB, CLV_JOB, predictionRoutes } from './routes/predictions.routes.js';
import { scoreClv } from '../predict/clv/clv-scores.js';
import { enqueueDueJobs } from '../jobs/periodic-jobs.js';
import { stopAll, type StopPart } from '../jobs/shutdown.js';
import { Poller } from '../jobs/poller.js';
import { PREDICTION_SCHEDULE } from './prediction-schedule.js';
import { trainChurn } from '../predict/churn/churn-train.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importRoutes, type ImportLimits } from './routes/imports.routes.js';
import { importJob, importJobKind } from '../import/import-job.js';
import { DemoTracker } from '../demo/demo-status.js';
import { demoRoutes } from './routes/demo.routes.js';
import { providerRoutes, workspaceChannels } from './routes/providers.routes.js';
import { SecretBox, type ServerSecret } from '../channels/secret-box.js';
import { ok } from '../lib/result.js';
import { WorkspaceProviders, withWorkspaceProviders } from '../channels/provider-senders.js';
import { randomBytes } from 'node:crypto';

export interface AppDeps {
  db: Db;
  log: Logger;
  /** The built dashboard (default dist/dashboard); tests may point elsewhere. */
  dashboardDir?: string;
  /** Ingestion writer lanes on PostgreSQL (see IngestQueueOptions.lanes). */
  ingestLanes?: number;
  /**
   * The stage engine of this process: ingestion hands it every committed customer. Made
   * (with its sweep running) when not given; `null` for a process that only ingests and
   * serves (another process evaluates stages).
   */
  stages?: StageWorker | null;
  /** Sweep interval of the stage worker made here (ms; 0 turns the sweep off). */
  sweepMs?: number;
  /**
   * The segment engine of this process (ingestion and stage moves hand it customers to
   * re-evaluate). Made when not given; `null` for a process that leaves it to another.
   */
  segments?: SegmentWorker | null;
  /** Sweep interval of the segment worker made here (ms; 0 turns it off). */
  segmentSweepMs?: number;
  /** How stale a time-based segment may get before the sweep works it out again (ms; default 5 minutes). */
  segmentRefreshMs?: number;
  /**
   * The journey engine of this process (trigger scanner, runner, message dispatcher). Made
   * when not given; `null` for a process that leaves journeys to others.
   */
  journeys?: JourneyWorker | null;
  /** Channels for the journey engine made here (default: everything to the outbox). */
  senders?: Senders;
  /** What GET /api/channels reports (default: described from `senders`, without hosts). */
  channels?: ChannelStatus[];
  /** Base URL customers reach this server at, for links in messages (default http://127.0.0.1:3000). */
  publicUrl?: string;
  /**
   * This server's URL as browsers and SDKs reach it, when configured (TENURE_PUBLIC_URL): shown
   * on the sources page and put in the SDK settings. Unset: the scheme and host of the request.
   */
  sourcesUrl?: string;
  /** See JourneyWorkerOptions.leaseMs. */
  deliveryLeaseMs?: number;
  /** How often the KPI facts are brought up to date in the background (default 2 s, 5 s on PGlite; 0: only when metrics are read). */
  analyticsSyncMs?: number;
  /** Refit predictions (CLV, churn, health, recommendations) on their clocks (default true). */
  predictionSchedule?: boolean;
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
  /**
   * The server secret that seals provider credentials saved in Settings (see resolveServerSecret);
   * `{ ok: false }` refuses saving them. Default: a random one for this process only (tests).
   */
  serverSecret?: ServerSecret;
}

/** Build the HTTP server (not listening yet). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { db, log, ingestLanes, sweepMs, stages: given, segments: givenSegments, segmentSweepMs, segmentRefreshMs } = deps;
  // Stage moves and segment entries are events too: journeys triggered by them look at once.
  let journeys: JourneyWorker | null = null;
  const segments =
    givenSegments === null
      ? null
      : (givenSegments ?? new SegmentWorker(db, { log, sweepMs: segmentSweepMs, refreshMs: segmentRefreshMs, onSynced: (_ws, _ids, entered, exited) => {
            if (entered + exited > 0) journeys?.kick();
          },
        }));
  const stages =
    given === null
      ? null
      : (given ??
        new StageWorker(db, {
          log,
          sweepMs,
          // Customers whose stage moved: their segment work was recorded with the moves; look at it now.
          onAdvanced: (_ws, scope, _ids, moves) => {
            if (scope === 'customer' && moves > 0) {
              segments?.kick();
              journeys?.kick();
            }
          },
        }));
  const models = stages?.modelCache ?? new ModelCache();
  // Providers saved in Settings come before the server's own (environment variables), per workspace.
  const secret = deps.serverSecret ?? ok({ secret: randomBytes(32).toString('hex'), source: 'ephemeral' as const });
  const box = secret.ok ? new SecretBox(secret.value.secret) : null;
  const providers = new WorkspaceProviders(box, { log });
  const baseSenders = deps.senders ?? outboxSenders();
  const senders = baseSenders.forWorkspace ? baseSenders : withWorkspaceProviders(baseSenders, providers);
  journeys =
    deps.journeys === null
      ? null
      : (deps.journeys ??
        new JourneyWorker(db, {
          log,
          senders,
          publicUrl: deps.publicUrl ?? 'http://127.0.0.1:3000',
          leaseMs: deps.deliveryLeaseMs,
          // A journey changed traits, or wrote message events: the work was recorded with the change; look at it now.
          onCustomersChanged: (_ws, _ids, what) => {
            if (what === 'traits') stages?.kick();
            segments?.kick();
          },
        }));
  // Opens, clicks, consent changes: the customer's own activity.
  // (writeMessageEvents recorded the stage and segment work with the events; this only wakes the workers.)
  const customerEvents = () => {
    stages?.kick();
    segments?.kick();
    journeys?.kick();
  };
  // Signed link tokens (click redirects carry their destination) are longer than the default 100-character parameter limit.
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), trustProxy: trustProxy(deps.trustProxy), return503OnClosing: true, routerOptions: { maxParamLength: 4_000 } });
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
  registerEdgeGuards(app, { keys, limits: deps.rateLimits });
  healthRoutes(app, { db });
  const jobs = new JobRunner(
    db,
    {
      [RECOMPUTE_JOB]: async (job, progress) => {
        await recomputeStages(db, job.workspaceId, { now: new Date(), models, onProgress: progress });
      },
      [SEGMENT_COMPUTE_JOB]: async (job, progress) => {
        const { segmentId } = job.params as { segmentId: string };
        progress(0, 1);
        await computeSegment(db, job.workspaceId, segmentId, new Date());
        progress(1, 1);
      },
      [RFM_JOB]: async (job, progress) => {
        progress(0, 1);
        await runRfm(db, job.workspaceId, new Date());
        progress(1, 1);
      },
      [HEALTH_JOB]: healthJob(db),
      [ACTIVITY_JOB]: activityJob(db, models),
      [CLV_JOB]: async (job, progress) => {
        progress(0, 1);
        const r = await scoreClv(db, job.workspaceId, { now: new Date() });
        if (!r.ok) throw new Error(r.message);
        progress(1, 1);
      },
      [RECOMMEND_JOB]: async (job, progress) => {
        progress(0, 1);
        await computeRecommendations(db, job.workspaceId, { now: new Date() });
        progress(1, 1);
      },
      [CHURN_TRAIN_JOB]: async (job, progress) => {
        const { horizonDays } = job.params as { horizonDays?: number };
        const trained = await trainChurn(db, job.workspaceId, { now: new Date(), horizonDays, onProgress: progress });
        if (!trained.ok) throw new Error(trained.message);
      },
    },
    { log },
  );
  // Imports get a runner of their own (a long file must not hold up recomputes), claiming only this host's uploads.
  const importJobs = new JobRunner(db, { [importJobKind()]: importJob(db, { log }) }, { log, pollMs: 5_000 });
  importJobs.start();
  // Claiming recorded work always runs; sweepMs / segmentSweepMs 0 only turn the sweeps off.
  stages?.start();
  segments?.start();
  journeys?.start();
  jobs.start();
  const analytics = deps.analyticsSyncMs === 0 ? null : analyticsSyncer(db, { pollMs: deps.analyticsSyncMs ?? (db.kind === 'pglite' ? 5_000 : 2_000), log, paused: () => deps.demo?.preparing === true });
  analytics?.start();
  // Model refits and scores on their clocks: looked at every 5 minutes, first a minute after start.
  const periodic = new Poller(
    'prediction schedule',
    async () => {
      // The demo being prepared makes its own predictions at its end; refits on half-loaded data would be wasted.
      if (deps.demo?.preparing) return false;
      if ((await enqueueDueJobs(db, PREDICTION_SCHEDULE, new Date())) > 0) jobs.kick();
      return false;
    },
    { pollMs: 300_000, log },
  );
  const periodicStart = deps.predictionSchedule === false ? null : setTimeout(() => periodic.start(), 60_000);
  periodicStart?.unref();
  app.addHook('onClose', async () => {
    if (periodicStart) clearTimeout(periodicStart);
    // Every part at once, each given a few seconds to finish the batch in hand (see stopAll).
    const parts: StopPart[] = [['the prediction schedule', () => periodic.stop()], ['the job runner', () => jobs.stop()], ['the import runner', () => importJobs.stop()]];
    if (analytics) parts.push(['the analytics syncer', () => analytics.stop()]);
    if (journeys) parts.push(['the journey worker', () => journeys!.stop()]);
    if (stages) parts.push(['the stage worker', () => stages!.stop()]);
    if (segments) parts.push(['the segment worker', () => segments!.stop()]);
    await stopAll(parts, log);
    providers.close();
  });
  const live = new LiveFeed(deps.live);
  liveRoutes(app, { feed: live, keys, ...deps.live });
  ingestRoutes(app, { live, queue: new IngestQueue(db, { log, lanes: ingestLanes, onCommitted:
        stages || segments || journeys
          ? () => {
              // The work was recorded in the batch's transaction; this only wakes the workers.
              stages?.kick();
              segments?.kick();
              journeys?.kick();
            }
          : undefined, }), keys });
  customerRoutes(app, { db, keys, models });
  lifecycleRoutes(app, { db, keys, models, jobs });
  segmentRoutes(app, { db, keys, models, jobs });
  const notify = {
    journeysChanged: (ws: number) => journeys?.journeysChanged(ws),
    messagesQueued: () => journeys?.messagesQueued(),
    settingsChanged: (ws: number) => journeys?.settingsChanged(ws),
    customerEvents,
  };
  journeyRoutes(app, { db, keys, models, notify });
  templateRoutes(app, { db, keys, notify });
  const serverChannels = deps.channels ?? describeChannels(baseSenders);
  messagingRoutes(app, { db, keys, notify, channels: serverChannels, channelsFor: (ws) => workspaceChannels(db, ws, serverChannels) });
  providerRoutes(app, { db, keys, box, boxMissing: secret.ok ? '' : secret.message, server: serverChannels });
  trackingRoutes(app, { db, onCustomerEvents: customerEvents });
  inboxRoutes(app, { db, keys, onCustomerEvents: customerEvents });
  spendRoutes(app, { db, keys });
  workRoutes(app, { db, keys, onRetried: () => {
    stages?.kick();
    segments?.kick();
  } });
  healthScoreRoutes(app, { db, keys, models, jobs });
  metricsRoutes(app, { db, keys });
  recommendationRoutes(app, { db, keys });
  predictionRoutes(app, { db, keys, jobs });
  workspaceRoutes(app, { db, keys, jobs });
  sourcesRoutes(app, { db, keys, publicUrl: deps.sourcesUrl });
  sdkRoutes(app, { keys, publicUrl: deps.sourcesUrl });
  inboxSettingsRoutes(app, { db, keys });
  await importRoutes(app, {
    db,
    keys,
    limits: { dir: deps.imports?.dir ?? join(tmpdir(), 'tenure-imports'), maxBytes: deps.imports?.maxBytes ?? 1024 * 2 ** 20 },
    onQueued: () => importJobs.kick(),
  });
  demoRoutes(app, { keys, demo: deps.demo ?? new DemoTracker() });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The dashboard at `/`, and the JSON 404 for everything else.
  await registerDashboard(app, deps.dashboardDir);
  return app;
}

/** Fastify's trustProxy; a hop count (which its types leave out) as the function it would make of it. */
function trustProxy(tp: AppDeps['trustProxy']): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof tp === 'number' ? (_addr, hop) => hop < tp : (tp ?? false);
}

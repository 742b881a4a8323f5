/**
 * The composition root of a process's background parts: the change bus, the stage, segment
 * and journey workers, the job runners, the KPI facts syncer and the prediction schedule,
 * built once for the process's roles (roles.ts) and connected through the bus. `tenure start`,
 * `tenure serve --roles …` and `tenure worker` all come through here, so a worker process is
 * wired exactly like the all-in-one server; the HTTP routes (http/app.ts) only publish on the
 * bus and read.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import type { Logger } from '../log.js';
import { ChangeBus } from '../lib/change-bus.js';
import { PriorityGate } from '../lib/priority-gate.js';
import { ok } from '../lib/result.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import type { Senders } from '../channels/dispatcher.js';
import { outboxSenders } from '../channels/senders.js';
import { SecretBox, type ServerSecret } from '../channels/secret-box.js';
import { WorkspaceProviders, withWorkspaceProviders } from '../channels/provider-senders.js';
import { JobRunner } from '../jobs/job-runner.js';
import { LoyaltyWorker } from '../loyalty/loyalty-worker.js';
import { HousekeepingWorker } from '../workspaces/housekeeping-worker.js';
import { Poller } from '../jobs/poller.js';
import { enqueueDueJobs } from '../jobs/periodic-jobs.js';
import { stopAll, type StopPart } from '../jobs/shutdown.js';
import { analyticsSyncer } from '../analytics/facts.js';
import { importJob, importJobKind } from '../import/import-job.js';
import type { DemoTracker } from '../demo/demo-status.js';
import { jobCatalogue } from './job-catalogue.js';
import { PREDICTION_SCHEDULE } from './prediction-schedule.js';
import { partsOf, type Role } from './roles.js';
import { referralPoller } from '../referrals/referral-worker.js';
import { processPendingErasure } from '../privacy/requests.service.js';
import { PRIVACY_JOB } from '../privacy/requests.repo.js';
import type { Mailer } from '../team/mailer.js';
import { taskNotifier } from '../team/task-notify.js';

export interface WiringOptions {
  roles: ReadonlySet<Role>;
  /**
   * A worker made by the caller (tests, benchmarks) instead of the one the roles would make,
   * or `null` for none. It is connected to the bus like a made one.
   */
  stages?: StageWorker | null;
  segments?: SegmentWorker | null;
  journeys?: JourneyWorker | null;
  /** The bus to use (benchmarks listen on it); default a new one. */
  bus?: ChangeBus;
  /** The priority gate to use; default a new one. */
  gate?: PriorityGate;
  /** Background batches at once (TENURE_BACKGROUND_SLOTS; 0: no limit); default see `backgroundSlots`. */
  backgroundSlots?: number;
  /** Ingestion's writer lanes in this process (TENURE_INGEST_LANES; default 2). */
  ingestLanes?: number;
  /** Sweep interval of the stage worker made here (ms; 0 turns the sweep off). */
  sweepMs?: number;
  /** Sweep interval of the segment worker made here (ms; 0 turns it off). */
  segmentSweepMs?: number;
  /** How stale a time-based segment may get before the sweep works it out again (ms; default 5 minutes). */
  segmentRefreshMs?: number;
  /** Channels for the journey engine made here (default: everything to the outbox); providers saved in Settings come first. */
  senders?: Senders;
  /** Connections per SMTP provider saved in Settings. */
  smtpPoolSize?: number;
  /** Base URL customers reach the API at, for links in messages. */
  publicUrl: string;
  /** See JourneyWorkerOptions.leaseMs. */
  deliveryLeaseMs?: number;
  /** How often the KPI facts are brought up to date (default 2 s, 5 s on PGlite; 0: only when metrics are read). */
  analyticsSyncMs?: number;
  /** Months of events kept (TENURE_EVENTS_RETENTION_MONTHS); undefined keeps everything. */
  eventsRetentionMonths?: number;
  /** Refit predictions on their clocks (default true). */
  predictionSchedule?: boolean;
  /** The server secret that seals provider credentials; default a random one for this process only (tests). */
  serverSecret?: ServerSecret;
  /** The demo this process prepares: refits and KPI syncs wait for it. */
  demo?: DemoTracker;
  /** Tenure's own emails (task assignments); none: the task notifier does not run. */
  mailer?: Mailer | null;
}

/** A process's background parts, connected; `start` them after the HTTP routes are registered, `stop` at shutdown. */
export interface Wiring {
  bus: ChangeBus;
  /** Ingestion reports its writers' load here; the background loops give way to it (lib/priority-gate.ts). */
  gate: PriorityGate;
  /** Lifecycle models as this process reads them (shared by the stage worker and the admin API). */
  models: ModelCache;
  /** Seals provider credentials (null: no server secret, saving them is refused with `boxMissing`). */
  box: SecretBox | null;
  boxMissing: string;
  /** The channels configured for the server (environment), before any workspace's own providers. */
  serverSenders: Senders;
  stages: StageWorker | null;
  segments: SegmentWorker | null;
  journeys: JourneyWorker | null;
  jobs: JobRunner | null;
  /** The loyalty processor and sweep (with the job runner: the `worker` role). */
  loyalty: LoyaltyWorker | null;
  /** The referral processor and sweep (worker role): attribution, decisions, refunds, advocates' rewards. */
  referrals: Poller | null;
  /** Emails to people about the tasks assigned to them (worker role, with a mailer). */
  taskNotices: Poller | null;
  /** Purges workspaces past their deletion grace period, forgets expired sessions (worker role). */
  housekeeping: HousekeepingWorker | null;
  /** Erasure regulations (worker role): claims pending privacy requests, one person per transaction. */
  privacy: Poller | null;
  start(): void;
  stop(): Promise<void>;
}

/** The first look at the prediction schedule comes this long after start; then every 5 minutes. */
const SCHEDULE_FIRST_MS = 60_000;
const SCHEDULE_EVERY_MS = 300_000;

/**
 * How many background batches this process runs at once (0: no limit). On PostgreSQL with
 * ingestion in the process, by default the pool's connections less the writer lanes and two
 * for the API's reads: with every loop free to start, the ten or so background loops could
 * hold every pooled connection and ingestion's transactions waited for one (in
 * bench/ingest.ts, a fifth of all transactions, ~14 ms each). PGlite has one connection
 * anyway; a worker-only process has no request path to leave room for.
 */
export function backgroundSlots(db: Db, ingestion: boolean, opts: { backgroundSlots?: number; ingestLanes?: number }): number {
  if (opts.backgroundSlots !== undefined) return opts.backgroundSlots;
  const pool = db.poolStats?.().max;
  if (db.kind !== 'postgres' || !ingestion || pool === undefined) return 0;
  return Math.max(1, pool - (opts.ingestLanes ?? 2) - 2);
}

export function wire(db: Db, log: Logger, opts: WiringOptions): Wiring {
  const parts = partsOf(opts.roles);
  const bus = opts.bus ?? new ChangeBus((err, change) => log.error({ err, change: change.kind }, 'a change handler failed'));
  const demoPreparing = () => opts.demo?.preparing === true;
  // The request path first: every background loop of this process waits while ingestion's writers are near saturation.
  const gate = opts.gate ?? new PriorityGate({ slots: backgroundSlots(db, parts.api, opts) });

  const stages = opts.stages !== undefined ? opts.stages : parts.stages ? new StageWorker(db, { log, sweepMs: opts.sweepMs, gate }) : null;
  const models = stages?.modelCache ?? new ModelCache();
  const segments =
    opts.segments !== undefined
      ? opts.segments
      : parts.segments
        ? new SegmentWorker(db, { log, sweepMs: opts.segmentSweepMs, refreshMs: opts.segmentRefreshMs, gate, afterStages: stages !== null })
        : null;

  // Providers saved in Settings come before the server's own (environment variables), per workspace.
  const secret = opts.serverSecret ?? ok({ secret: randomBytes(32).toString('hex'), source: 'ephemeral' as const });
  const box = secret.ok ? new SecretBox(secret.value.secret) : null;
  const serverSenders = opts.senders ?? outboxSenders();
  let providers: WorkspaceProviders | null = null;
  let journeys = opts.journeys !== undefined ? opts.journeys : null;
  if (opts.journeys === undefined && parts.journeys) {
    providers = new WorkspaceProviders(box, { log, smtpPoolSize: opts.smtpPoolSize });
    const senders = serverSenders.forWorkspace ? serverSenders : withWorkspaceProviders(serverSenders, providers);
    journeys = new JourneyWorker(db, { log, senders, publicUrl: opts.publicUrl, leaseMs: opts.deliveryLeaseMs, gate });
  }
  stages?.connect(bus);
  segments?.connect(bus);
  journeys?.connect(bus);

  const jobs = parts.jobs ? new JobRunner(db, jobCatalogue(db, models), { log }) : null;
  const loyalty = parts.jobs ? new LoyaltyWorker(db, { log, gate }) : null;
  loyalty?.connect(bus);
  const housekeeping = parts.jobs ? new HousekeepingWorker(db, { log, eventsRetentionMonths: opts.eventsRetentionMonths }) : null;
  // Uploaded CSV files are spooled on the API's host: its own runner claims only this host's imports
  // (and a long file must not hold up recomputes).
  const importKind = importJobKind();
  const imports = parts.api ? new JobRunner(db, { [importKind]: importJob(db, { log }) }, { log, pollMs: 5_000 }) : null;
  bus.on('jobs-queued', (c) => (c.job === importKind ? imports : jobs)?.kick());
  const referrals = parts.jobs ? referralPoller(db, { log, pollMs: db.kind === 'pglite' ? 5_000 : 1_000, gate }) : null;
  if (referrals) bus.on('events', () => referrals.kick());
  const privacy = parts.jobs ? new Poller('privacy requests', () => processPendingErasure(db), { pollMs: 5_000, log }) : null;
  if (privacy) bus.on('jobs-queued', (c) => c.job === PRIVACY_JOB && privacy.kick());

  const taskNotices = parts.jobs && opts.mailer ? taskNotifier(db, { mailer: opts.mailer, publicUrl: opts.publicUrl, log, pollMs: db.kind === 'pglite' ? 5_000 : 2_000 }) : null;

  const analytics = parts.jobs && opts.analyticsSyncMs !== 0 ? analyticsSyncer(db, { pollMs: opts.analyticsSyncMs ?? (db.kind === 'pglite' ? 5_000 : 2_000), log, paused: demoPreparing, gate }) : null;

  // Model refits and scores on their clocks. Several worker processes may look; one at a time queues.
  const schedule =
    parts.schedule && opts.predictionSchedule !== false
      ? new Poller(
          'prediction schedule',
          async () => {
            // The demo being prepared makes its own predictions at its end; refits on half-loaded data would be wasted.
            if (demoPreparing()) return false;
            const queued = await db.transaction(async (tx) => {
              const { rows } = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1, 0) AS ok`, [LOCK.predictionSchedule]);
              return rows[0]?.ok ? enqueueDueJobs(tx, PREDICTION_SCHEDULE, new Date()) : 0;
            });
            if (queued > 0) jobs?.kick();
            return false;
          },
          { pollMs: SCHEDULE_EVERY_MS, log },
        )
      : null;
  let scheduleStart: NodeJS.Timeout | null = null;

  return {
    bus,
    gate,
    models,
    box,
    boxMissing: secret.ok ? '' : secret.message,
    serverSenders,
    stages,
    segments,
    journeys,
    jobs,
    loyalty,
    referrals,
    taskNotices,
    housekeeping,
    privacy,
    start() {
      // Claiming recorded work always runs; sweepMs / segmentSweepMs 0 only turn the sweeps off.
      stages?.start();
      segments?.start();
      journeys?.start();
      jobs?.start();
      loyalty?.start();
      imports?.start();
      analytics?.start();
      referrals?.start();
      taskNotices?.start();
      housekeeping?.start();
      privacy?.start();
      if (schedule) {
        scheduleStart = setTimeout(() => schedule.start(), SCHEDULE_FIRST_MS);
        scheduleStart.unref();
      }
    },
    async stop() {
      if (scheduleStart) clearTimeout(scheduleStart);
      // Every part at once, each given a few seconds to finish the batch in hand (see stopAll).
      const list: StopPart[] = [];
      if (schedule) list.push(['the prediction schedule', () => schedule.stop()]);
      if (jobs) list.push(['the job runner', () => jobs.stop()]);
      if (loyalty) list.push(['the loyalty worker', () => loyalty.stop()]);
      if (imports) list.push(['the import runner', () => imports.stop()]);
      if (analytics) list.push(['the analytics syncer', () => analytics.stop()]);
      if (referrals) list.push(['the referral processor', () => referrals.stop()]);
      if (taskNotices) list.push(['the task notifier', () => taskNotices.stop()]);
      if (housekeeping) list.push(['housekeeping', () => housekeeping.stop()]);
      if (privacy) list.push(['the privacy worker', () => privacy.stop()]);
      if (journeys) list.push(['the journey worker', () => journeys.stop()]);
      if (stages) list.push(['the stage worker', () => stages.stop()]);
      if (segments) list.push(['the segment worker', () => segments.stop()]);
      await stopAll(list, log);
      providers?.close();
    },
  };
}

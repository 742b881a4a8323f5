#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openRuntime, printGeneratedKeys } from './runtime.js';
import { buildApp } from './http/app.js';
import { importCsv, type ImportKind } from './import/csv-import.js';
import { importSpend, spendSummaryLine } from './import/spend-import.js';
import { dataDirHolder, importThroughApi } from './import/api-import.js';
import { seedDemo, isEmpty } from './demo/demo.js';
import { DemoTracker, describeDemoStatus } from './demo/demo-status.js';
import { prepareDemoInBackground, type BackgroundDemo } from './demo/demo-background.js';
import { startMaintenance } from './db/maintenance.js';
import { rotateKeys } from './workspaces/rotate.js';
import { describeChannels, sendersFromConfig } from './channels/senders.js';
import { resolveServerSecret, SecretBox, type ServerSecret } from './channels/secret-box.js';
import { WorkspaceProviders, withWorkspaceProviders } from './channels/provider-senders.js';
import { JourneyWorker } from './journeys/journey-worker.js';
import { analyticsSyncer } from './analytics/facts.js';
import { StageWorker } from './lifecycle/stage-worker.js';
import { SegmentWorker } from './segments/segment-worker.js';
import { addPredictClvCommand } from './predict/clv/clv-command.js';
import { addPredictChurnCommand } from './predict/churn/churn-command.js';
import { describeDbError, isDbUnavailable } from './db/db-errors.js';
import { stopAll, type StopPart } from './jobs/shutdown.js';
import { addDataCommands } from './cli/data-commands.js';

/** A stop that has not finished after this long (a stuck database call, a hung connection) exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;

/** After a signal: exit(1) if a clean stop takes longer than SHUTDOWN_GRACE_MS. */
function exitAfterGrace(log: Logger): void {
  setTimeout(() => {
    log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown did not finish in time; exiting anyway (PGlite recovers its files on the next start; nothing acknowledged is lost)');
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
}

/**
 * Close the database at shutdown. A sweep left running (see DerivedWorker.stop) keeps its
 * connection busy; after a few seconds the process exits anyway, and PostgreSQL rolls that
 * transaction back (the next sweep does it again).
 */
async function closeDb(db: { close(): Promise<void> }, log: Logger): Promise<void> {
  const closed = await Promise.race([db.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref())]);
  if (!closed) log.info('a sweep left at shutdown still holds a connection; exiting (its transaction rolls back, the next sweep repeats it)');
}

/**
 * Last resort for a server: a rejection nobody handled. A database outage that slipped
 * past a handler (a bug, but a harmless one: durable work is retried from the database)
 * is logged and the server keeps serving; anything else is logged and the process exits
 * as Node would (the state it leaves is unknown; a supervisor restarts it, durable work resumes).
 */
function onUnhandledRejection(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isDbUnavailable(reason)) {
      log.error({ err: describeDbError(reason) }, 'unhandled rejection from a database outage; still serving');
      return;
    }
    log.fatal({ err: reason }, 'unhandled rejection; exiting');
    process.exit(1);
  });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** The secret that seals provider credentials (TENURE_SECRET, else generated into the PGlite data dir), said in the log. */
function serverSecretOf(config: Config, log: Logger): ServerSecret {
  const s = resolveServerSecret({ envSecret: config.TENURE_SECRET, databaseUrl: config.DATABASE_URL, dataDir: config.TENURE_DATA_DIR });
  if (!s.ok) log.warn(s.message);
  else if (s.source === 'data_dir') log.info({ path: s.path }, 'provider credentials saved in Settings are sealed with the server secret kept in the data directory (set TENURE_SECRET to choose it)');
  return s;
}

async function serve(config: Config, log: Logger, opts: { port?: number; host?: string; seedIfEmpty: boolean }): Promise<void> {
  onUnhandledRejection(log);
  const { db, workspace, generated } = await openRuntime(config, log);
  // An empty database gets the demo, prepared in the background once the server listens.
  const demoWanted = opts.seedIfEmpty && config.TENURE_DEMO !== 'false' && (await isEmpty(db, workspace.id));
  const tracker = new DemoTracker();
  const listenPort = opts.port ?? config.PORT;
  const host = opts.host ?? config.HOST;
  const senders = sendersFromConfig(config);
  if (!senders.email) log.info('SMTP_URL is not set: emails go to the outbox unless a workspace connects a provider in Settings (GET /api/messages shows them; nothing is sent)');
  const serverSecret = serverSecretOf(config, log);
  const app = await buildApp({
    db,
    log,
    ingestLanes: config.TENURE_INGEST_LANES,
    sweepMs: config.TENURE_STAGE_SWEEP_SECONDS * 1000,
    segmentRefreshMs: config.TENURE_SEGMENT_REFRESH_SECONDS * 1000,
    analyticsSyncMs: config.TENURE_ANALYTICS_SYNC_SECONDS === undefined ? undefined : config.TENURE_ANALYTICS_SYNC_SECONDS * 1000,
    senders,
    channels: describeChannels(senders, config),
    deliveryLeaseMs: config.TENURE_DELIVERY_LEASE_SECONDS * 1000,
    publicUrl: (config.TENURE_PUBLIC_URL ?? `http://${host}:${listenPort}`).replace(/\/$/, ''),
    sourcesUrl: config.TENURE_PUBLIC_URL,
    rateLimits: { ingestPerSecond: config.TENURE_RATE_LIMIT_INGEST_PER_SECOND, ingestIpPerSecond: config.TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND, authFailuresPerMinute: config.TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE },
    trustProxy: config.TRUST_PROXY,
    imports: { maxBytes: config.TENURE_IMPORT_MAX_MB * 2 ** 20, dir: config.TENURE_IMPORT_DIR },
    demo: tracker,
    serverSecret,
  });
  const stopMaintenance = await startMaintenance(db, log);
  const address = await app.listen({ port: listenPort, host });
  log.info({ address, database: db.kind }, `Tenure is listening on ${address}: dashboard at ${address}/ (sign in with the admin key), API reference at ${address}/openapi.json`);
  printGeneratedKeys(generated, address);
  let demo: BackgroundDemo | null = null;
  if (demoWanted) {
    log.info(`empty database: preparing a demo business with ${config.TENURE_DEMO_CUSTOMERS.toLocaleString('en-US')} customers in the background (the dashboard shows its progress; set TENURE_DEMO=false to skip)`);
    demo = prepareDemoInBackground(db, workspace.id, log, { customers: config.TENURE_DEMO_CUSTOMERS, tracker });
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    exitAfterGrace(log);
    if (demo) {
      // It stops between two batches; a long statement in hand is left to the database close.
      demo.stop();
      await Promise.race([demo.done, new Promise((r) => setTimeout(r, 5_000).unref())]);
    }
    stopMaintenance();
    await app.close();
    senders.close();
    await closeDb(db, log);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // The server logs to standard output; commands that print results keep it for those.
  const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const log = createLogger(config.LOG_LEVEL, { stderr: command !== 'serve' && command !== 'start', format: config.LOG_FORMAT });
  const program = new Command('tenure').description('Tenure: customer lifecycle management').showHelpAfterError();

  program
    .command('serve')
    .description('run the HTTP server (ingestion + admin API)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind (default: $HOST or 127.0.0.1)')
    .action((o: { port?: number; host?: string }) => serve(config, log, { ...o, seedIfEmpty: false }));

  program
    .command('start')
    .description('migrate, load demo data into an empty database, and serve (what `npm start` runs)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind (default: $HOST or 127.0.0.1)')
    .action((o: { port?: number; host?: string }) => serve(config, log, { ...o, seedIfEmpty: true }));

  program
    .command('worker')
    .description('run background work only, no HTTP: journeys and message delivery, lifecycle stages, segments and the KPI facts (run several against one PostgreSQL)')
    .option('--journeys-only', 'only the journey engine and message delivery')
    .action(async (o: { journeysOnly?: boolean }) => {
      onUnhandledRejection(log);
      const { db } = await openRuntime(config, log);
      const secret = serverSecretOf(config, log);
      const providers = new WorkspaceProviders(secret.ok ? new SecretBox(secret.secret) : null, { log, smtpPoolSize: config.SMTP_POOL_SIZE });
      const senders = withWorkspaceProviders(sendersFromConfig(config), providers);
      const stages = o.journeysOnly ? null : new StageWorker(db, { log, sweepMs: config.TENURE_STAGE_SWEEP_SECONDS * 1000 });
      const segments = o.journeysOnly ? null : new SegmentWorker(db, { log, refreshMs: config.TENURE_SEGMENT_REFRESH_SECONDS * 1000 });
      let steps = 0;
      let sent = 0;
      const journeys = new JourneyWorker(db, {
        log,
        senders,
        publicUrl: (config.TENURE_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, ''),
        leaseMs: config.TENURE_DELIVERY_LEASE_SECONDS * 1000,
        onCustomersChanged: (_ws, _ids, what) => {
          // The work was recorded with the change (durable); look at it now.
          if (what === 'traits') stages?.kick();
          segments?.kick();
        },
        onSteps: (_runs, n) => (steps += n),
        onDispatched: (n) => (sent += n),
      });
      const analytics = o.journeysOnly || config.TENURE_ANALYTICS_SYNC_SECONDS === 0 ? null : analyticsSyncer(db, { pollMs: (config.TENURE_ANALYTICS_SYNC_SECONDS ?? 2) * 1000, log });
      stages?.start();
      segments?.start();
      analytics?.start();
      journeys.start();
      log.info({ database: db.kind, journeysOnly: Boolean(o.journeysOnly) }, 'worker started');
      process.stdout.write('worker ready\n');
      const stop = async (signal: string) => {
        log.info({ signal }, 'worker stopping');
        exitAfterGrace(log);
        const parts: StopPart[] = [['the journey worker', () => journeys.stop()]];
        if (stages) parts.push(['the stage worker', () => stages.stop()]);
        if (segments) parts.push(['the segment worker', () => segments.stop()]);
        if (analytics) parts.push(['the analytics syncer', () => analytics.stop()]);
        await stopAll(parts, log);
        process.stdout.write(`worker stopped: ${steps} journey steps, ${sent} messages sent\n`);
        senders.close();
        providers.close();
        await closeDb(db, log);
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const { db, generated } = await openRuntime(config, log);
      await db.close();
      process.stdout.write('migrations applied\n');
      printGeneratedKeys(generated);
    });

  program
    .command('import')
    .description('import customers, events or marketing spend from a CSV file (columns: src/server/import/README.md); while a server runs on the same PGlite data directory, or with --server, the file goes through its import API')
    .argument('<kind>', 'customers | events | spend', (v: string) => {
      if (v !== 'customers' && v !== 'events' && v !== 'spend') throw new InvalidArgumentError('must be "customers", "events" or "spend"');
      return v as ImportKind | 'spend';
    })
    .argument('<file>', 'path to a CSV file with a header row')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--server <url>', 'upload to this running server (POST /api/imports) instead of writing to the database')
    .option('--admin-key <key>', 'admin key for --server or a running server (default: $TENURE_ADMIN_KEY)')
    .action(async (kind: ImportKind | 'spend', file: string, o: { progress: boolean; server?: string; adminKey?: string }) => {
      const progress = o.progress && process.stderr.isTTY === true;
      // PGlite is one process's database: while a server holds the data directory, go through its API.
      const holder = o.server || config.DATABASE_URL ? null : dataDirHolder(config.TENURE_DATA_DIR);
      if (o.server || holder !== null) {
        const url = o.server ?? `http://${/^(0\.0\.0\.0|::)$/.test(config.HOST) ? '127.0.0.1' : config.HOST}:${config.PORT}`;
        const adminKey = o.adminKey ?? config.TENURE_ADMIN_KEY;
        if (!adminKey) {
          process.stderr.write(
            holder !== null
              ? `${file}: a Tenure server (pid ${holder}) is using the data directory ${config.TENURE_DATA_DIR}, so the import has to go through its API at ${url}: pass --admin-key (or set TENURE_ADMIN_KEY), or stop the server\n`
              : `${file}: --server needs the admin key: pass --admin-key or set TENURE_ADMIN_KEY\n`,
          );
          process.exitCode = 2;
          return;
        }
        if (holder !== null) process.stderr.write(`a Tenure server (pid ${holder}) is using ${config.TENURE_DATA_DIR}: importing through its API at ${url}\n`);
        const r = await importThroughApi({ url, adminKey }, kind, file, { progress });
        process.exitCode = r.exitCode;
        return;
      }
      const { db, workspace, generated } = await openRuntime(config, log);
      printGeneratedKeys(generated);
      try {
        if (kind === 'spend') {
          const r = await importSpend(db, workspace.id, file, { progress });
          if (r.ok) process.stdout.write(`${spendSummaryLine(r.summary)}\n`);
          else {
            process.stderr.write(`${file}: nothing imported: ${r.errorTotal} ${r.errorTotal === 1 ? 'problem' : 'problems'} (fix them and import the file again)\n`);
            for (const e of r.errors.slice(0, 50)) process.stderr.write(`  ${e.message}\n`);
            if (r.errorTotal > 50) process.stderr.write(`  … and ${r.errorTotal - 50} more\n`);
          }
          process.exitCode = r.ok ? 0 : 1;
          return;
        }
        const report = await importCsv(db, workspace.id, kind, file, { progress });
        process.stdout.write(`${file}: ${report.accepted} rows imported, ${report.duplicates} already present, ${report.rejectedTotal} rejected\n`);
        for (const r of report.rejected.slice(0, 50)) process.stdout.write(`  ${file}:${r.line}${r.field ? ` [${r.field}]` : ''}: ${r.message}\n`);
        if (report.rejectedTotal > 50) process.stdout.write(`  … and ${report.rejectedTotal - 50} more\n`);
        process.exitCode = report.rejectedTotal > 0 ? 1 : 0;
      } finally {
        await db.close();
      }
    });

  program
    .command('demo')
    .description('generate a realistic, seeded demo business (default 10,000 customers, ~1M events over 18 months)')
    .option('--customers <n>', 'number of customers', positiveInt, 10_000)
    .option('--seed <n>', 'random seed (same seed, same data)', positiveInt, 42)
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (o: { customers: number; seed: number; progress: boolean }) => {
      const { db, workspace, generated } = await openRuntime(config, log);
      printGeneratedKeys(generated);
      try {
        const t0 = performance.now();
        const bars = o.progress && process.stderr.isTTY === true;
        // Without bars, a line per step and every 2,000 customers.
        const tracker = new DemoTracker();
        tracker.start();
        let last = '';
        const onProgress = bars
          ? undefined
          : (phase: Parameters<DemoTracker['progress']>[0], done: number, total: number) => {
              tracker.progress(phase, done, total);
              const key = `${phase}:${phase === 'data' ? Math.floor(done / 2000) : ''}`;
              if (key !== last) {
                last = key;
                log.info(describeDemoStatus(tracker.view()));
              }
            };
        const r = await seedDemo(db, workspace.id, { customers: o.customers, seed: o.seed, progress: bars, log, onProgress });
        process.stdout.write(`demo data: ${r.customers} customers, ${r.events} events, ${r.stageMoves} lifecycle moves in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      } finally {
        await db.close();
      }
    });

  addDataCommands(program, config, log);

  const predict = program.command('predict').description('predictions from files, no database needed: CLV from purchase histories, churn risk from labelled customer tables');
  addPredictClvCommand(predict);
  addPredictChurnCommand(predict);

  program
    .command('keys')
    .description('manage the default workspace keys')
    .command('rotate')
    .description('generate new write and admin keys (the old ones stop working)')
    .option('--write-only', 'rotate only the write key')
    .option('--admin-only', 'rotate only the admin key')
    .action(async (o: { writeOnly?: boolean; adminOnly?: boolean }) => {
      const { db, workspace } = await openRuntime(config, log);
      try {
        const keys = await rotateKeys(db, workspace.id, { write: !o.adminOnly, admin: !o.writeOnly });
        if (keys.writeKey) process.stdout.write(`write key: ${keys.writeKey}\n`);
        if (keys.adminKey) process.stdout.write(`admin key: ${keys.adminKey}\n`);
      } finally {
        await db.close();
      }
    });

  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  const verbose = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '');
  process.stderr.write(`tenure: ${err instanceof Error ? (verbose ? (err.stack ?? err.message) : err.message) : String(err)}\n`);
  process.exit(1);
});

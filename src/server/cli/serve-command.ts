/** `tenure serve` and `tenure start`: the HTTP server (ingestion, admin API, dashboard) with the workers of its roles; `start` also prepares the demo in an empty database. */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime, printGeneratedKeys } from '../runtime.js';
import { buildServer } from '../roles/server.js';
import { ALL_ROLES, type Role } from '../roles/roles.js';
import { isEmpty } from '../demo/demo.js';
import { DemoTracker } from '../demo/demo-status.js';
import { prepareDemoInBackground, type BackgroundDemo } from '../demo/demo-background.js';
import { startMaintenance } from '../db/maintenance.js';
import { describeChannels, sendersFromConfig } from '../channels/senders.js';
import { closeDb, exitAfterGrace, onUnhandledRejection, port, roles as parseRolesOption, serverSecretOf } from './process.js';
import { runWorker } from './worker-command.js';
import { mailerOver } from '../team/mailer.js';
import { OidcSignIn } from '../team/oidc.js';
import { ensureFirstAdmin, printFirstAdmin } from '../team/first-admin.js';

async function serve(config: Config, log: Logger, opts: { port?: number; host?: string; roles?: ReadonlySet<Role>; seedIfEmpty: boolean }): Promise<void> {
  const roles = opts.roles ?? ALL_ROLES;
  if (!roles.has('api')) return runWorker(config, log, roles);
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
  const firstAdmin = await ensureFirstAdmin(db, workspace.id, { email: config.TENURE_ADMIN_EMAIL, password: config.TENURE_ADMIN_PASSWORD });
  const publicUrl = (config.TENURE_PUBLIC_URL ?? `http://${host}:${listenPort}`).replace(/\/$/, '');
  // Tenure's own emails ride the server's SMTP transport (none without SMTP_URL: links are handed back to copy).
  const mailer = senders.email ? mailerOver(senders.email) : null;
  const oidc =
    config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET
      ? new OidcSignIn(
          { issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET, name: config.OIDC_NAME, redirectUri: `${publicUrl}/api/auth/oidc/callback` },
          log,
        )
      : null;
  const app = await buildServer({
    db,
    log,
    roles,
    ingestLanes: config.TENURE_INGEST_LANES,
    backgroundSlots: config.TENURE_BACKGROUND_SLOTS,
    sweepMs: config.TENURE_STAGE_SWEEP_SECONDS * 1000,
    segmentRefreshMs: config.TENURE_SEGMENT_REFRESH_SECONDS * 1000,
    analyticsSyncMs: config.TENURE_ANALYTICS_SYNC_SECONDS === undefined ? undefined : config.TENURE_ANALYTICS_SYNC_SECONDS * 1000,
    eventsRetentionMonths: config.TENURE_EVENTS_RETENTION_MONTHS,
    senders,
    smtpPoolSize: config.SMTP_POOL_SIZE,
    channels: describeChannels(senders, config),
    deliveryLeaseMs: config.TENURE_DELIVERY_LEASE_SECONDS * 1000,
    publicUrl,
    mailer,
    oidc,
    sourcesUrl: config.TENURE_PUBLIC_URL,
    rateLimits: {
      ingestPerSecond: config.TENURE_RATE_LIMIT_INGEST_PER_SECOND,
      ingestIpPerSecond: config.TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND,
      authFailuresPerMinute: config.TENURE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    },
    trustProxy: config.TRUST_PROXY,
    imports: { maxBytes: config.TENURE_IMPORT_MAX_MB * 2 ** 20, dir: config.TENURE_IMPORT_DIR },
    demo: tracker,
    serverSecret,
  });
  const stopMaintenance = await startMaintenance(db, log);
  const address = await app.listen({ port: listenPort, host });
  log.info({ address, database: db.kind, roles: [...roles] }, `Tenure is listening on ${address}: dashboard at ${address}/ (sign in with the admin key), API reference at ${address}/openapi.json`);
  printGeneratedKeys(generated, address);
  printFirstAdmin(firstAdmin, address);
  let demo: BackgroundDemo | null = null;
  if (demoWanted) {
    log.info(
      `empty database: preparing a demo business with ${config.TENURE_DEMO_CUSTOMERS.toLocaleString('en-US')} customers in the background (the dashboard shows its progress; set TENURE_DEMO=false to skip)`,
    );
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

export function addServeCommands(program: Command, config: Config, log: Logger): void {
  program
    .command('serve')
    .description('run the HTTP server (ingestion + admin API)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind (default: $HOST or 127.0.0.1)')
    .option(
      '--roles <roles>',
      'what this process does, comma-separated: api (HTTP: ingestion, admin API, dashboard), worker (stages, segments, journeys, jobs, KPI facts), journeys (only journeys and delivery), scheduler (only the prediction schedule); default api,worker',
      parseRolesOption,
    )
    .action((o: { port?: number; host?: string; roles?: ReadonlySet<Role> }) => serve(config, log, { ...o, seedIfEmpty: false }));

  program
    .command('start')
    .description('migrate, load demo data into an empty database, and serve (what `npm start` runs)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 3000)', port)
    .option('--host <host>', 'address to bind (default: $HOST or 127.0.0.1)')
    .action((o: { port?: number; host?: string }) => serve(config, log, { ...o, seedIfEmpty: true }));
}

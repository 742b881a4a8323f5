/** `tenure worker`, and `tenure serve --roles` without `api`: a process with background roles only, no HTTP. */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime } from '../runtime.js';
import { sendersFromConfig } from '../channels/senders.js';
import { mailerOver } from '../team/mailer.js';
import { startMaintenance } from '../db/maintenance.js';
import { wire } from '../roles/wiring.js';
import type { Role } from '../roles/roles.js';
import { closeDb, exitAfterGrace, onUnhandledRejection, roles as parseRolesOption, serverSecretOf } from './process.js';

/** Run the background parts of `roles` (wired as in `tenure start`: roles/wiring.ts) until a signal. */
export async function runWorker(config: Config, log: Logger, roles: ReadonlySet<Role>): Promise<void> {
  onUnhandledRejection(log);
  const { db } = await openRuntime(config, log);
  const senders = sendersFromConfig(config);
  const wiring = wire(db, log, {
    roles,
    senders,
    mailer: senders.email ? mailerOver(senders.email) : null,
    smtpPoolSize: config.SMTP_POOL_SIZE,
    publicUrl: (config.TENURE_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, ''),
    deliveryLeaseMs: config.TENURE_DELIVERY_LEASE_SECONDS * 1000,
    sweepMs: config.TENURE_STAGE_SWEEP_SECONDS * 1000,
    segmentRefreshMs: config.TENURE_SEGMENT_REFRESH_SECONDS * 1000,
    analyticsSyncMs: config.TENURE_ANALYTICS_SYNC_SECONDS === undefined ? undefined : config.TENURE_ANALYTICS_SYNC_SECONDS * 1000,
    eventsRetentionMonths: config.TENURE_EVENTS_RETENTION_MONTHS,
    serverSecret: serverSecretOf(config, log),
  });
  const stopMaintenance = await startMaintenance(db, log);
  wiring.start();
  log.info({ database: db.kind, roles: [...roles] }, 'worker started');
  process.stdout.write('worker ready\n');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping');
    exitAfterGrace(log);
    stopMaintenance();
    await wiring.stop();
    const totals = wiring.journeys?.totals ?? { steps: 0, sent: 0 };
    process.stdout.write(`worker stopped: ${totals.steps} journey steps, ${totals.sent} messages sent\n`);
    senders.close();
    await closeDb(db, log);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export function addWorkerCommand(program: Command, config: Config, log: Logger): void {
  program
    .command('worker')
    .description(
      'run background work only, no HTTP: lifecycle stages, segments, journeys and message delivery, queued jobs, the KPI facts and the prediction schedule (run several against one PostgreSQL); the same as `tenure serve --roles worker`',
    )
    .option('--roles <roles>', 'which background roles: worker (everything), journeys (the journey engine and message delivery only), scheduler (only the prediction schedule)', parseRolesOption)
    .option('--journeys-only', 'the same as --roles journeys')
    .action(async (o: { roles?: ReadonlySet<Role>; journeysOnly?: boolean }) => {
      const roles = o.roles ?? new Set<Role>([o.journeysOnly ? 'journeys' : 'worker']);
      if (roles.has('api')) {
        process.stderr.write('tenure worker: the api role serves HTTP; use `tenure serve --roles api,…` for it\n');
        process.exit(2);
      }
      await runWorker(config, log, roles);
    });
}

/** `tenure worker`: background work only, no HTTP (journeys and delivery, stages, segments, KPI facts); run several against one PostgreSQL. */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime } from '../runtime.js';
import { sendersFromConfig } from '../channels/senders.js';
import { SecretBox } from '../channels/secret-box.js';
import { WorkspaceProviders, withWorkspaceProviders } from '../channels/provider-senders.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { analyticsSyncer } from '../analytics/facts.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { stopAll, type StopPart } from '../jobs/shutdown.js';
import { closeDb, exitAfterGrace, onUnhandledRejection, serverSecretOf } from './process.js';

export function addWorkerCommand(program: Command, config: Config, log: Logger): void {
  program
    .command('worker')
    .description('run background work only, no HTTP: journeys and message delivery, lifecycle stages, segments and the KPI facts (run several against one PostgreSQL)')
    .option('--journeys-only', 'only the journey engine and message delivery')
    .action(async (o: { journeysOnly?: boolean }) => {
      onUnhandledRejection(log);
      const { db } = await openRuntime(config, log);
      const secret = serverSecretOf(config, log);
      const providers = new WorkspaceProviders(secret.ok ? new SecretBox(secret.value.secret) : null, { log, smtpPoolSize: config.SMTP_POOL_SIZE });
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
}

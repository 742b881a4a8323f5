/** `tenure demo`: generate the seeded demo business into the database. */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime, printGeneratedKeys } from '../runtime.js';
import { seedDemo } from '../demo/demo.js';
import { DemoTracker, describeDemoStatus } from '../demo/demo-status.js';
import { positiveInt } from './process.js';

export function addDemoCommand(program: Command, config: Config, log: Logger): void {
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
}

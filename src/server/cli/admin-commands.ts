/** `tenure migrate` and `tenure keys rotate`: the database's schema and the default workspace's keys. */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openRuntime, printGeneratedKeys } from '../runtime.js';
import { rotateKeys } from '../workspaces/rotate.js';

export function addMigrateCommand(program: Command, config: Config, log: Logger): void {
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const { db, generated } = await openRuntime(config, log);
      await db.close();
      process.stdout.write('migrations applied\n');
      printGeneratedKeys(generated);
    });
}

export function addKeysCommand(program: Command, config: Config, log: Logger): void {
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
}

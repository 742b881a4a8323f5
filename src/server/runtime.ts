import type { Config } from './config.js';
import { openDb, type Db } from './db/client.js';
import { migrate } from './db/migrate.js';
import type { Logger } from './log.js';
import { ensureDefaultWorkspace, type Workspace } from './workspaces/workspaces.repo.js';

/** An open, migrated database with the default workspace in place. */
export interface Runtime {
  db: Db;
  workspace: Workspace;
}

/**
 * Open the configured database, apply migrations, make sure the default workspace exists
 * and print its keys once if they were just generated.
 */
export async function openRuntime(config: Config, log: Logger): Promise<Runtime> {
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.TENURE_DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  log.info({ database: db.kind, dataDir: db.kind === 'pglite' ? config.TENURE_DATA_DIR : undefined }, 'database opened');
  await migrate(db);
  const { workspace, generated } = await ensureDefaultWorkspace(db, { writeKey: config.TENURE_WRITE_KEY, adminKey: config.TENURE_ADMIN_KEY });
  if (generated.writeKey || generated.adminKey) {
    const lines = ['', 'Tenure generated keys for the default workspace. They are shown only this once; keep them safe.'];
    if (generated.writeKey) lines.push(`  write key (ingestion, Segment SDKs): ${generated.writeKey}`);
    if (generated.adminKey) lines.push(`  admin key (admin API, dashboard):   ${generated.adminKey}`);
    lines.push('  Lost them? `tenure keys rotate` makes new ones. Set TENURE_WRITE_KEY / TENURE_ADMIN_KEY to choose your own.', '');
    process.stdout.write(lines.join('\n') + '\n');
  }
  return { db, workspace };
}

import { MIGRATION_LOCK } from './locks.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type pg from 'pg';
import type { PgliteSession } from './pglite-client.js';
import type { Db } from './client.js';
import type { Logger } from '../log.js';
import { describeDbError, isDbUnavailable } from './db-errors.js';

/** Locate the committed migrations folder from src/ (tsx) or dist/ (built). */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = resolve(dir, 'migrations');
    if (existsSync(resolve(candidate, 'meta/_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('migrations folder not found next to the Tenure package');
}

// Arbitrary constant: serialises concurrent `migrate` runs from several processes.

/** Apply every committed migration not yet applied. Safe to run from many processes at once. */
export async function migrate(db: Db): Promise<void> {
  const migrationsFolderPath = migrationsFolder();
  if (db.kind === 'pglite') {
    await (db.raw as PgliteSession).migrate(migrationsFolderPath);
    return;
  }
  const pool = db.raw as pg.Pool;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
    await run(drizzle(client), { migrationsFolder: migrationsFolderPath });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/**
 * Run `fn` (the start-up's migrations), waiting out an unreachable database: while it
 * fails with an outage error (isDbUnavailable) it is tried again after a pause that doubles
 * from 0.5 s up to 5 s, logging "database not reachable, retrying in Ns", for at most
 * `waitMs` (0: no waiting). Any other error, or the outage outlasting `waitMs`, is thrown.
 */
export async function retryWhileUnavailable<T>(fn: () => Promise<T>, opts: { waitMs: number; log?: Logger }): Promise<T> {
  const deadline = Date.now() + opts.waitMs;
  let pause = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isDbUnavailable(err)) throw err;
      if (Date.now() + pause > deadline) {
        throw new Error(`the database is not reachable (${describeDbError(err)}); gave up after ${Math.round(opts.waitMs / 1000)} s (DATABASE_WAIT_SECONDS)`, { cause: err });
      }
      opts.log?.warn({ err: describeDbError(err), attempt }, `database not reachable, retrying in ${pause / 1000}s`);
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 5_000);
    }
  }
}

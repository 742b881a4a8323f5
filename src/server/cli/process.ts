/** What every long-running command shares: stopping cleanly, the last-resort rejection handler, option parsers, the server secret. */
import { InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { resolveServerSecret, type ServerSecret } from '../channels/secret-box.js';
import { describeDbError, isDbUnavailable } from '../db/db-errors.js';
import { parseRoles, type Role } from '../roles/roles.js';

/** A stop that has not finished after this long (a stuck database call, a hung connection) exits anyway. */
export const SHUTDOWN_GRACE_MS = 15_000;

/** After a signal: exit(1) if a clean stop takes longer than SHUTDOWN_GRACE_MS. */
export function exitAfterGrace(log: Logger): void {
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
export async function closeDb(db: { close(): Promise<void> }, log: Logger): Promise<void> {
  const closed = await Promise.race([db.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref())]);
  if (!closed) log.info('a sweep left at shutdown still holds a connection; exiting (its transaction rolls back, the next sweep repeats it)');
}

/**
 * Last resort for a server: a rejection nobody handled. A database outage that slipped
 * past a handler (a bug, but a harmless one: durable work is retried from the database)
 * is logged and the server keeps serving; anything else is logged and the process exits
 * as Node would (the state it leaves is unknown; a supervisor restarts it, durable work resumes).
 */
export function onUnhandledRejection(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isDbUnavailable(reason)) {
      log.error({ err: describeDbError(reason) }, 'unhandled rejection from a database outage; still serving');
      return;
    }
    log.fatal({ err: reason }, 'unhandled rejection; exiting');
    process.exit(1);
  });
}

export function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** `--roles api,worker` (see roles/roles.ts). */
export function roles(v: string): ReadonlySet<Role> {
  const r = parseRoles(v);
  if (!r.ok) throw new InvalidArgumentError(r.message);
  return r.value;
}

/** The secret that seals provider credentials (TENURE_SECRET, else generated into the PGlite data dir), said in the log. */
export function serverSecretOf(config: Config, log: Logger): ServerSecret {
  const s = resolveServerSecret({ envSecret: config.TENURE_SECRET, databaseUrl: config.DATABASE_URL, dataDir: config.TENURE_DATA_DIR });
  if (!s.ok) log.warn(s.message);
  else if (s.value.source === 'data_dir')
    log.info({ path: s.value.path }, 'provider credentials saved in Settings are sealed with the server secret kept in the data directory (set TENURE_SECRET to choose it)');
  return s;
}

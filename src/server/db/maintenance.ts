import type { Logger } from '../log.js';
import type { Db, Queryable } from './client.js';
import { checkpointIfDue } from './checkpoint.js';
import type { PgliteSession } from './pglite-client.js';

/** What one maintenance pass did to one table. */
export interface MaintenanceAction {
  table: string;
  action: 'vacuum' | 'analyze';
}

/**
 * VACUUM or ANALYZE the tables of the current schema that need it, with autovacuum's
 * default thresholds: ANALYZE once more than 50 + 10% of a table's rows changed since its
 * last statistics, VACUUM (with ANALYZE) once more than 50 + 20% are dead. PGlite runs
 * no autovacuum daemon, so without this its statistics never exist (the planner then
 * picks plans that scan whole tables as they grow) and updated rows are never reclaimed.
 * On PostgreSQL autovacuum (when on) does the same; calling this after a bulk load just does it now.
 * Must not run inside a transaction.
 */
/** A table's activity counters (pg_stat_user_tables) as a maintenance pass reads them. */
export interface TableActivity {
  /** Rows changed since the last statistics. */
  modified: number;
  /** Live rows now (an estimate). */
  live: number;
}

export async function maintainTables(db: Queryable, opts: { skip?: (table: string, activity: TableActivity) => boolean } = {}): Promise<MaintenanceAction[]> {
  const { rows } = await db.query<{ table: string; modified: number; dead: number; live: number; inserted: number }>(
    `SELECT relname AS table, n_mod_since_analyze::float8 AS modified, n_dead_tup::float8 AS dead, n_live_tup::float8 AS live, n_ins_since_vacuum::float8 AS inserted
       FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname`,
  );
  const done: MaintenanceAction[] = [];
  for (const r of rows) {
    if (opts.skip?.(r.table, { modified: r.modified, live: r.live })) continue;
    const table = `"${r.table.replace(/"/g, '""')}"`;
    // As autovacuum: dead rows, or (since PostgreSQL 13) many rows appended, which also sets
    // the visibility map that index-only scans need (funnel steps, activation probes).
    if (r.dead > 50 + 0.2 * r.live || r.inserted > 1000 + 0.2 * r.live) {
      await db.query(`VACUUM (ANALYZE) ${table}`);
      done.push({ table: r.table, action: 'vacuum' });
    } else if (r.modified > 50 + 0.1 * r.live) {
      await db.query(`ANALYZE ${table}`);
      done.push({ table: r.table, action: 'analyze' });
    }
  }
  return done;
}

/**
 * Keep planner statistics fresh while the server runs, where nothing else does: on
 * PGlite (no autovacuum daemon) always, and on a PostgreSQL server whose `autovacuum`
 * setting is off (stale statistics there were seen to turn a 10 ms stage update into
 * seconds). A PostgreSQL server with autovacuum on is left to it.
 *
 * PGlite has one session, so an ANALYZE holds up ingestion for its duration (~0.4 s on
 * 250k events): a pass runs once the database has been idle for a second, checked every
 * few seconds; under traffic that never pauses, it runs anyway once `maxDeferMs` (default
 * 10 minutes) have passed since the last pass. On PostgreSQL (ANALYZE does not block
 * writes) a pass runs at every check. A table is touched at most every `perTableMs`
 * (default 5 minutes), or a table growing under steady traffic would qualify every
 * time — except, on PostgreSQL, a table more than half of whose rows changed since its
 * last statistics (it has at least doubled: a burst into a young database), which is
 * looked at again after `growingTableMs` (default 15 s): statistics taken when a table
 * held a thousand rows mislead the planner once it holds a hundred thousand.
 * Returns the function that stops it.
 */
export async function startMaintenance(db: Db, log: Logger, opts: { checkEveryMs?: number; maxDeferMs?: number; perTableMs?: number; growingTableMs?: number } = {}): Promise<() => void> {
  let idleMs: () => number;
  if (db.kind === 'pglite') {
    const session = db.raw as PgliteSession;
    idleMs = () => session.idleMs();
  } else {
    const { rows } = await db.query<{ autovacuum: string }>(`SHOW autovacuum`);
    if (rows[0]?.autovacuum === 'on') return () => {};
    log.warn('PostgreSQL autovacuum is off: Tenure will ANALYZE and VACUUM its own tables as they change');
    idleMs = () => Number.POSITIVE_INFINITY;
  }
  const { checkEveryMs = 5_000, maxDeferMs = 600_000, perTableMs = 300_000, growingTableMs = 15_000 } = opts;
  // PGlite's ANALYZE holds its one session: there, a table waits its perTableMs whatever it did.
  const growing = db.kind === 'pglite' ? () => false : (a: TableActivity) => a.modified > 0.5 * a.live;
  let running = false;
  let lastPass = Date.now();
  const lastRun = new Map<string, number>();
  const timer = setInterval(() => {
    if (running) return;
    const now = Date.now();
    if (idleMs() < 1_000 && now - lastPass < maxDeferMs) return;
    running = true;
    lastPass = now;
    maintainTables(db, {
      skip: (table, activity) => {
        const since = now - (lastRun.get(table) ?? 0);
        return since < (growing(activity) ? growingTableMs : perTableMs);
      },
    })
      .then(async (done) => {
        for (const d of done) lastRun.set(d.table, now);
        // PGlite never checkpoints by itself: its WAL would grow with every write until it closes.
        if (await checkpointIfDue(db)) log.debug('database checkpoint');
        if (done.length > 0) log.debug({ done }, 'database maintenance');
      })
      .catch((err: unknown) => log.warn({ err }, 'database maintenance failed; will try again'))
      .finally(() => {
        running = false;
      });
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { openPgliteSession, type PgliteSession } from './pglite-client.js';
import type { Logger } from '../log.js';
import { describeDbError } from './db-errors.js';

/** Anything that can run a parameterised SQL statement: the database or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /**
   * Bulk-load rows with COPY … FROM in PostgreSQL's text format (tab-separated columns,
   * `\N` for null, one row per line; build values with `copyValue` and `copyJson`). Resolves to the number of rows loaded.
   * `target` is `table (col, …)`.
   */
  copyFrom(target: string, data: string): Promise<number>;
}

/** A database handle. Repositories take a `Queryable` (db or tx) as their first argument. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` inside BEGIN/COMMIT; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** The underlying driver: the pg.Pool, or the PGlite worker session; for migrations. */
  readonly raw: pg.Pool | PgliteSession;
  /** PostgreSQL: the connection pool's use since the process started (GET /health). */
  poolStats?(): PoolStats;
}

/** A PostgreSQL connection pool's state now, and how long transactions waited for a connection since start. */
export interface PoolStats {
  /** Most connections the pool opens. */
  max: number;
  /** Connections open now, and of them checked out. */
  open: number;
  busy: number;
  /** Checkouts waiting for a connection now. */
  waiting: number;
  /** Transactions begun since start, how many of them waited more than 1 ms for their connection, the waits' sum and the longest (ms). */
  transactions: number;
  waited: number;
  waitedMs: number;
  longestWaitMs: number;
}

export interface OpenDbOptions {
  /** postgres:// URL; when absent PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` for an in-memory database. */
  dataDir?: string;
  poolSize?: number;
  /**
   * Longest run of one statement (ms; default 5 minutes; 0: no limit). PostgreSQL: the
   * sessions' statement_timeout. PGlite: how long the main thread waits for one call to the
   * worker. A job that legitimately runs longer raises it for its transaction
   * (`SET LOCAL statement_timeout = …`).
   */
  statementTimeoutMs?: number;
  /** PostgreSQL: longest wait to connect or to get a pooled connection (ms; default 30 s). */
  connectTimeoutMs?: number;
  /** Where connection errors of pooled clients are reported (at warn). */
  log?: Logger;
}

// int8 and numeric as JS numbers: ids and counts stay well below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** Open PostgreSQL (when databaseUrl is set) or PGlite. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10, statementTimeoutMs, opts.connectTimeoutMs ?? 30_000, opts.log);
  return openPglite(opts.dataDir ?? './.tenure', statementTimeoutMs);
}

/** Default longest run of one statement: 5 minutes. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60_000;

async function openPostgres(url: string, poolSize: number, statementTimeoutMs: number, connectTimeoutMs: number, log?: Logger): Promise<Db> {
  // JIT off for Tenure's sessions: its statements are many and short (a segment over 100k
  // customers takes ~0.5 s), and JIT compilation was seen to add ~0.25 s to each of them.
  // Keepalive notices a peer that vanished without closing the connection.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c jit=off${statementTimeoutMs > 0 ? ` -c statement_timeout=${Math.round(statementTimeoutMs)}` : ''}`,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  pool.on('error', (err) => log?.warn({ err: describeDbError(err) }, 'an idle database connection failed; it is replaced on next use'));
  // A connection checked out of the pool (a transaction, COPY, the migrations) has no error
  // listener of the pool's: without this one, a backend that dies under it (terminated,
  // restarted, failed over) emits an unhandled 'error' and the process exits. The statement
  // in flight rejects on its own; the listener only keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', (err) => log?.warn({ err: describeDbError(err) }, 'a database connection failed; the statement on it fails and the connection is replaced'));
  });
  const waits = { transactions: 0, waited: 0, waitedMs: 0, longestWaitMs: 0 };
  const run = async <T>(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[]) => {
    const r = await client.query(text, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  const copy = async (client: pg.PoolClient, target: string, data: string) => {
    const stream = client.query(copyFromStdin(`COPY ${target} FROM STDIN`));
    await pipeline(Readable.from([Buffer.from(data, 'utf8')]), stream);
    return Number(stream.rowCount ?? 0);
  };
  return {
    kind: 'postgres',
    raw: pool,
    query: (text, params) => run(pool, text, params),
    async copyFrom(target, data) {
      const client = await pool.connect();
      try {
        return await copy(client, target, data);
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const asked = performance.now();
      const client = await pool.connect();
      const waited = performance.now() - asked;
      waits.transactions++;
      if (waited > 1) {
        waits.waited++;
        waits.waitedMs += waited;
        if (waited > waits.longestWaitMs) waits.longestWaitMs = waited;
      }
      // A connection whose ROLLBACK failed is in an unknown state: dropped, not pooled again.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, params) => run(client, text, params), copyFrom: (target, data) => copy(client, target, data) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
    poolStats: () => ({
      max: poolSize,
      open: pool.totalCount,
      busy: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
      transactions: waits.transactions,
      waited: waits.waited,
      waitedMs: Math.round(waits.waitedMs),
      longestWaitMs: Math.round(waits.longestWaitMs * 10) / 10,
    }),
  };
}

async function openPglite(dataDir: string, callTimeoutMs: number): Promise<Db> {
  let dir = dataDir;
  let release = () => {};
  if (!dataDir.startsWith('memory://')) {
    dir = resolve(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    release = lockDataDir(resolve(dataDir, 'tenure.pid'));
  }
  let session: PgliteSession;
  try {
    session = await openPgliteSession(dir, { callTimeoutMs });
  } catch (err) {
    release();
    throw err;
  }
  return {
    kind: 'pglite',
    raw: session,
    query: (text, params) => session.query(text, params),
    copyFrom: (target, data) => session.copyFrom(target, data),
    transaction: (fn) => session.transaction(fn),
    close: async () => {
      await session.close();
      release();
    },
  };
}

/** One value in COPY text format: `\N` for null, backslash, tab, newline and carriage return escaped. */
export function copyValue(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return NEEDS_ESCAPE.test(v) ? v.replace(ESCAPES, (c) => ESCAPE_MAP[c]!) : v;
}
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPE_MAP: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A JSON value in COPY text format: JSON text never holds a raw tab or newline, so only backslashes need doubling. */
export function copyJson(v: unknown): string {
  const json = JSON.stringify(v);
  return json.includes('\\') ? json.replace(BACKSLASHES, '\\\\') : json;
}
const BACKSLASHES = /\\/g;

/**
 * PGlite is one process's database: a second process opening the same files would
 * corrupt them. Claim the data dir with a pid file; a stale file (dead pid) is taken over.
 */
function lockDataDir(pidFile: string): () => void {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `the data directory ${pidFile.replace(/\/tenure\.pid$/, '')} is in use by another Tenure process (pid ${pid}); ` +
          'stop it, or point TENURE_DATA_DIR elsewhere (or use DATABASE_URL for PostgreSQL, which many processes can share)',
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Database access for the benchmarks, outside the server: a fresh PostgreSQL database
 * per run (dropped afterwards), direct connections for the raw-insert phase and the
 * after-run checks, and the CPU its backends used.
 */
import pg from 'pg';
import { openDb, type Db } from '../../src/server/db/client.js';
import { cpuSeconds } from './proc.js';

/** One connection (a pool of one on PostgreSQL, or PGlite): statements autocommit. */
export interface Conn {
  query(text: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  /** COPY … FROM in text format (as the server appends events); resolves to the rows loaded. */
  copyFrom(target: string, data: string): Promise<number>;
  close(): Promise<void>;
}

/** Create `tenure_bench_<timestamp>` on the server of `baseUrl`; returns its URL. */
export async function createBenchDatabase(baseUrl: string): Promise<string> {
  const name = `tenure_bench_${Date.now()}`;
  await withAdmin(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drop a database made by createBenchDatabase (refuses any other name). */
export async function dropBenchDatabase(baseUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^tenure_bench_\d+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await withAdmin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin(baseUrl: string, fn: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

/** `n` separate PostgreSQL connections (each statement autocommits, as a 100-event request would). */
export async function pgConnections(url: string, n: number): Promise<Conn[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const db = await openDb({ databaseUrl: url, poolSize: 1 });
      await db.query('SELECT 1');
      return connOf(db);
    }),
  );
}

/** The PGlite database the server left in `dataDir`, opened in this process (the server must be stopped). */
export async function pgliteConnection(dataDir: string): Promise<Conn> {
  return connOf(await openDb({ dataDir }));
}

function connOf(db: Db): Conn {
  return { query: (text, params) => db.query(text, params), copyFrom: (target, data) => db.copyFrom(target, data), close: () => db.close() };
}

/** CPU seconds used so far by each backend process connected to database `name` (same machine only). */
export async function backendCpu(conn: Conn, name: string): Promise<Map<number, number>> {
  const { rows } = await conn.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  return new Map(rows.map((r) => [Number(r.pid), cpuSeconds(Number(r.pid))]));
}

/** CPU seconds the backends used between two backendCpu snapshots (new backends count from 0). */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

/**
 * A `Db` that keeps every statement of a call (text, parameters, time, rows, whether it ran
 * inside a transaction), so bench/metrics.ts can say how much of a KPI call was `syncFacts`
 * (the only transaction a metric call opens) and EXPLAIN the slowest statement.
 */
import type { Db, Queryable } from '../../src/server/db/client.js';

export interface Statement {
  sql: string;
  params: unknown[];
  ms: number;
  rows: number;
  inTransaction: boolean;
  /** The error it failed with (a statement_timeout), when it did. */
  error?: string;
}

export interface Trace {
  db: Db;
  /** The statements since the last take(), and forget them. */
  take(): Statement[];
}

export function tracedDb(db: Db): Trace {
  let log: Statement[] = [];
  const wrap = (q: Queryable, inTransaction: boolean): Queryable => ({
    async query(text, params) {
      const t0 = performance.now();
      const r = await q.query(text, params).catch((err: unknown) => {
        log.push({ sql: text, params: params ?? [], ms: performance.now() - t0, rows: 0, inTransaction, error: String((err as Error).message ?? err) });
        throw err;
      });
      log.push({ sql: text, params: params ?? [], ms: performance.now() - t0, rows: Math.max(r.rowCount, r.rows.length), inTransaction });
      return r as never;
    },
    async copyFrom(target, data) {
      const t0 = performance.now();
      const n = await q.copyFrom(target, data);
      log.push({ sql: `COPY ${target}`, params: [], ms: performance.now() - t0, rows: n, inTransaction });
      return n;
    },
  });
  const traced: Db = {
    kind: db.kind,
    raw: db.raw,
    ...wrap(db, false),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx, true))),
    close: () => db.close(),
  };
  return {
    db: traced,
    take() {
      const out = log;
      log = [];
      return out;
    },
  };
}

/** The statement that took longest outside a transaction (the KPI query, not the sync). */
export function slowest(statements: Statement[]): Statement | null {
  let best: Statement | null = null;
  for (const s of statements) if (!s.inTransaction && (!best || s.ms > best.ms)) best = s;
  return best;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a statement, with its parameters (plain EXPLAIN when `analyze` is false: a statement too slow to run again). */
export async function explain(db: Queryable, s: Statement, analyze = true): Promise<string[]> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${analyze ? '(ANALYZE, BUFFERS)' : ''} ${s.sql}`, s.params);
  return rows.map((r) => r['QUERY PLAN']);
}

/** A statement's text on one line, parameters written in (for reading, not for running). */
export function inline(s: Statement): string {
  return s.sql
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\$(\d+)/g, (_, i: string) => {
      const v = s.params[Number(i) - 1];
      if (Array.isArray(v)) return `'{${v.length > 3 ? `${v.slice(0, 2).join(',')},…(${v.length})` : v.join(',')}}'`;
      return typeof v === 'string' ? `'${v}'` : String(v);
    });
}

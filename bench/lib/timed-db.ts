/**
 * A `Db` that times every statement by kind, for "where does ingestion time go" reports.
 * On PostgreSQL it runs transactions itself (as src/server/db/client.ts does) so BEGIN
 * and COMMIT are timed too; on PGlite they are inside PGlite's own transaction().
 */
import type pg from 'pg';
import type { Db, Queryable } from '../../src/server/db/client.js';

export interface StatementStats {
  label: string;
  calls: number;
  ms: number;
  rows: number;
}

/** Short names for the statements of the ingest path; anything else by its first words. */
const LABELS: Array<[RegExp, string]> = [
  [/^WITH ids AS/, 'loadIdentities: SELECT identities ⋈ customers FOR UPDATE'],
  [/pg_advisory_xact_lock/, 'lockNewIdentities: pg_advisory_xact_lock per new id'],
  [/customers_id_seq/, 'allocateCustomerIds: nextval/setval'],
  [/^INSERT INTO events/, 'insertEvents: INSERT events … jsonb_to_recordset'],
  [/^INSERT INTO customers/, 'saveProfiles: INSERT customers'],
  [/^UPDATE customers c SET user_id/, 'saveProfiles: UPDATE customers (all profile columns)'],
  [/^UPDATE customers c SET first_seen_at/, 'updateSeenTimes: UPDATE customers seen times (fast path)'],
  [/^INSERT INTO identities/, 'saveIdentities: INSERT identities'],
  [/^UPDATE identities/, 'saveIdentities: UPDATE identities'],
  [/^UPDATE events SET customer_id/, 'applyMerge: UPDATE events'],
  [/^BEGIN$/, 'BEGIN'],
  [/^COMMIT$/, 'COMMIT'],
];

export function labelOf(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  for (const [re, label] of LABELS) if (re.test(s)) return label;
  return s.slice(0, 60);
}

export class Timings {
  readonly statements = new Map<string, StatementStats>();
  transactions = 0;
  transactionMs = 0;

  add(label: string, ms: number, rows: number): void {
    const s = this.statements.get(label) ?? { label, calls: 0, ms: 0, rows: 0 };
    s.calls++;
    s.ms += ms;
    s.rows += rows;
    this.statements.set(label, s);
  }

  /** Time inside transactions not spent waiting for a statement: JavaScript between statements, pool checkout. */
  get betweenStatementsMs(): number {
    let inStatements = 0;
    for (const s of this.statements.values()) inStatements += s.ms;
    return this.transactionMs - inStatements;
  }
}

function timedQueryable(q: Queryable, t: Timings): Queryable {
  return {
    async query(text, params) {
      const t0 = performance.now();
      const r = await q.query(text, params);
      t.add(labelOf(text), performance.now() - t0, Math.max(r.rowCount, r.rows.length));
      return r as never;
    },
  };
}

/** Wrap `db`; statement timings accumulate in the returned `timings`. */
export function timedDb(db: Db): { db: Db; timings: Timings } {
  const t = new Timings();
  const transaction = db.kind === 'postgres' ? pgTransaction(db.raw as pg.Pool, t) : <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(timedQueryable(tx, t)));
  const wrapped: Db = {
    kind: db.kind,
    raw: db.raw,
    query: timedQueryable(db, t).query,
    async transaction(fn) {
      const t0 = performance.now();
      try {
        return await transaction(fn);
      } finally {
        t.transactions++;
        t.transactionMs += performance.now() - t0;
      }
    },
    close: () => db.close(),
  };
  return { db: wrapped, timings: t };
}

function pgTransaction(pool: pg.Pool, t: Timings) {
  return async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    const checkout = performance.now();
    const client = await pool.connect();
    t.add('pool checkout', performance.now() - checkout, 0);
    const tx = timedQueryable({ query: async (text, params) => { const r = await client.query(text, params); return { rows: r.rows, rowCount: r.rowCount ?? 0 }; } }, t);
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

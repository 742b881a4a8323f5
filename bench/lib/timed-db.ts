/**
 * A `Db` that times every statement by kind, for "where does ingestion time go" reports.
 * BEGIN and COMMIT are not statements of the wrapped transaction: their time shows in
 * the transaction total as "between statements".
 */
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
  [/^SELECT pg_advisory_xact_lock/, 'lockNewIdentities: pg_advisory_xact_lock per new id'],
  [/customers_id_seq/, 'allocateCustomerIds: nextval/setval'],
  [/^SELECT message_id FROM events/, 'freshEvents: SELECT stored messageIds'],
  [/^COPY events/, 'appendEvents: COPY events'],
  [/pg_advisory_xact_lock_shared/, 'guardCustomers: bucket locks'],
  [/^SELECT id FROM customers WHERE id = ANY/, 'guardCustomers: customers still exist'],
  [/^INSERT INTO customers/, 'saveProfiles: INSERT customers'],
  [/^UPDATE customers c SET user_id/, 'saveProfiles: UPDATE customers (all profile columns)'],
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
    async copyFrom(target, data) {
      const t0 = performance.now();
      const n = await q.copyFrom(target, data);
      t.add(labelOf(`COPY ${target}`), performance.now() - t0, n);
      return n;
    },
  };
}

/** Wrap `db`; statement timings accumulate in the returned `timings`. */
export function timedDb(db: Db): { db: Db; timings: Timings } {
  const t = new Timings();
  const wrapped: Db = {
    kind: db.kind,
    raw: db.raw,
    ...timedQueryable(db, t),
    async transaction(fn) {
      const t0 = performance.now();
      try {
        return await db.transaction((tx) => fn(timedQueryable(tx, t)));
      } finally {
        t.transactions++;
        t.transactionMs += performance.now() - t0;
      }
    },
    close: () => db.close(),
  };
  return { db: wrapped, timings: t };
}

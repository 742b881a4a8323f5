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
  /** Characters of text returned (a JSON aggregate is one text cell per row). */
  bytes: number;
}

export type Labels = Array<[RegExp, string]>;

/** Short names for the statements of the ingest path; anything else by its first words. */
export const INGEST_LABELS: Labels = [
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

export function labelOf(sql: string, labels: Labels = INGEST_LABELS): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  for (const [re, label] of labels) if (re.test(s)) return label;
  return s.slice(0, 60);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export class Timings {
  readonly statements = new Map<string, StatementStats>();
  transactions = 0;
  transactionMs = 0;

  constructor(readonly labels: Labels = INGEST_LABELS) {}

  add(label: string, ms: number, rows: number, bytes = 0): void {
    const s = this.statements.get(label) ?? { label, calls: 0, ms: 0, rows: 0, bytes: 0 };
    s.calls++;
    s.ms += ms;
    s.rows += rows;
    s.bytes += bytes;
    this.statements.set(label, s);
  }

  /** Time waited in statements, all kinds together. */
  get statementMs(): number {
    let ms = 0;
    for (const s of this.statements.values()) ms += s.ms;
    return ms;
  }

  /** Time inside transactions not spent waiting for a statement: JavaScript between statements, pool checkout. */
  get betweenStatementsMs(): number {
    return this.transactionMs - this.statementMs;
  }

  /** One line per kind, slowest first: total seconds, or (perTransaction) mean ms per transaction. */
  lines(perTransaction = false): string[] {
    const tx = Math.max(1, this.transactions);
    return [...this.statements.values()]
      .filter((k) => k.ms >= 1)
      .sort((a, b) => b.ms - a.ms)
      .map(
        (k) =>
          `    ${k.label.padEnd(48)} ${perTransaction ? `${(k.ms / tx).toFixed(2).padStart(7)} ms/tx` : `${(k.ms / 1000).toFixed(1).padStart(7)} s`}  ${fmt(k.calls).padStart(6)} calls  ${fmt(k.rows).padStart(10)} rows${k.bytes ? `  ${fmt(k.bytes / 2 ** 20)} MB` : ''}`,
      );
  }
}

/** Characters of text in a result's cells. */
function resultBytes(rows: unknown[]): number {
  let n = 0;
  for (const r of rows) for (const v of Object.values(r as Record<string, unknown>)) if (typeof v === 'string') n += v.length;
  return n;
}

/** `q` with every statement's time added to `t` by kind. */
export function timedQueryable(q: Queryable, t: Timings): Queryable {
  return {
    async query(text, params) {
      const t0 = performance.now();
      const r = await q.query(text, params);
      t.add(labelOf(text, t.labels), performance.now() - t0, Math.max(r.rowCount, r.rows.length), resultBytes(r.rows));
      return r as never;
    },
    async copyFrom(target, data) {
      const t0 = performance.now();
      const n = await q.copyFrom(target, data);
      t.add(labelOf(`COPY ${target}`, t.labels), performance.now() - t0, n, 0);
      return n;
    },
  };
}

/** Wrap `db`; statement timings accumulate in `timings` (default: new, with the ingest labels). */
export function timedDb(db: Db, timings: Timings = new Timings()): { db: Db; timings: Timings } {
  const t = timings;
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

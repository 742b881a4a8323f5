/**
 * The database's own ceiling for the rows the server stored: the same events, inserted
 * straight into a copy of the `events` table (partitioned by month, the same indexes, and
 * the same trigger writing each messageId to a dedupe table: see resetRawTable), 100 rows
 * per statement, no identity resolution and no HTTP.
 * Statement shapes: the server's COPY (src/server/ingest/events.repo.ts appendEvents), its
 * former `INSERT … SELECT FROM jsonb_to_recordset($2)`, and a plain multi-row `VALUES`.
 */
import { copyJson, copyValue } from '../../src/server/db/client.js';
import type { Conn } from './bench-db.js';
import type { Call } from './segment-load.js';

export const RAW_TABLE = 'events_raw_bench';

/** One events row, keyed as events.repo.ts keys its jsonb records. */
export interface RawRow {
  c: number;
  m: string;
  y: string;
  e: string | null;
  u: string | null;
  a: string | null;
  g: string | null;
  t: string;
  o: string | null;
  s: string | null;
  r: string;
  p: unknown;
  tr: unknown;
  cx: unknown;
}

/**
 * Turn the calls of one request into the rows the server would have written (customer
 * ids come from `customers`, one number per userId-or-anonymousId, standing in for
 * identity resolution; timestamps as sent, which equals the server's skew correction
 * when client and server clocks agree).
 */
export function rowsOf(calls: Call[], sentAt: string, receivedAt: string, customers: Map<string, number>): RawRow[] {
  return calls.map((call) => {
    const key = String(call.userId ?? call.anonymousId);
    let c = customers.get(key);
    if (c === undefined) customers.set(key, (c = customers.size + 1));
    const type = String(call.type);
    return {
      c,
      m: String(call.messageId),
      y: type,
      e: type === 'track' ? String(call.event) : type === 'page' ? String(call.name ?? '') || null : null,
      u: (call.userId as string | undefined) ?? null,
      a: (call.anonymousId as string | undefined) ?? null,
      g: null,
      t: String(call.timestamp),
      o: String(call.timestamp),
      s: sentAt,
      r: receivedAt,
      p: call.properties ?? {},
      tr: type === 'identify' ? (call.traits ?? {}) : null,
      cx: call.context ?? {},
    };
  });
}

/** The raw table's messageId table: what `event_message_ids` is to `events`. */
const RAW_IDS = `${RAW_TABLE}_ids`;

/**
 * (Re)create the raw table as an empty copy of `events` as migration 0028 makes it:
 * partitioned by month of timestamp (last, this and next month, and a default), its
 * primary key and indexes, and the statement-level trigger that writes each statement's
 * (workspace, messageId) into a table of its own (the exact dedupe, as event_message_ids).
 */
export async function resetRawTable(conn: Conn): Promise<void> {
  await dropRawTable(conn);
  await conn.query(`CREATE TABLE ${RAW_TABLE} (LIKE events INCLUDING DEFAULTS) PARTITION BY RANGE (timestamp)`);
  // Ids from a sequence of its own (the same nextval per row): with the events' default, the
  // raw COPY took its rows' ids from events_id_seq, and the server's event readers then held
  // a gap of every raw row's id (200,000 in bench/segments-ingest.ts) that no product sees.
  await conn.query(`CREATE SEQUENCE ${RAW_TABLE}_id_seq`);
  await conn.query(`ALTER TABLE ${RAW_TABLE} ALTER COLUMN id SET DEFAULT nextval('${RAW_TABLE}_id_seq')`);
  await conn.query(`CREATE TABLE ${RAW_TABLE}_default PARTITION OF ${RAW_TABLE} DEFAULT`);
  const now = new Date();
  for (let k = -1; k <= 1; k++) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k + 1, 1));
    await conn.query(`CREATE TABLE ${RAW_TABLE}_m${k + 1} PARTITION OF ${RAW_TABLE} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
  }
  await conn.query(`ALTER TABLE ${RAW_TABLE} ADD PRIMARY KEY (id, timestamp)`);
  await conn.query(`CREATE INDEX ON ${RAW_TABLE} (customer_id, timestamp)`);
  await conn.query(`CREATE INDEX ON ${RAW_TABLE} (workspace_id, event, timestamp)`);
  await conn.query(`CREATE INDEX ON ${RAW_TABLE} (customer_id, event, timestamp)`);
  await conn.query(`CREATE TABLE ${RAW_IDS} (workspace_id integer NOT NULL, message_id text NOT NULL, PRIMARY KEY (workspace_id, message_id))`);
  await conn.query(
    `CREATE FUNCTION ${RAW_IDS}_add() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO ${RAW_IDS} (workspace_id, message_id) SELECT workspace_id, message_id FROM new_rows; RETURN NULL; END $$`,
  );
  await conn.query(`CREATE TRIGGER ${RAW_IDS}_add AFTER INSERT ON ${RAW_TABLE} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${RAW_IDS}_add()`);
}

const COLUMNS = 'workspace_id, customer_id, message_id, type, event, user_id, anonymous_id, group_id, timestamp, original_timestamp, sent_at, received_at, properties, traits, context';
/** A stored messageId is skipped (the table has no unique index on it: see resetRawTable). */
const NOT_STORED = `NOT EXISTS (SELECT 1 FROM ${RAW_IDS} d WHERE d.workspace_id = 1 AND d.message_id = x.m)`;

/** The server's statement (events.repo.ts insertEvents), aimed at the raw table. */
export function jsonbStatement(rows: RawRow[]): [string, unknown[]] {
  return [
    `INSERT INTO ${RAW_TABLE} (${COLUMNS})
     SELECT $1, x.c, x.m, x.y, x.e, x.u, x.a, x.g, x.t, x.o, x.s, x.r, x.p, x.tr, x.cx
       FROM jsonb_to_recordset($2::jsonb) AS x(c bigint, m text, y text, e text, u text, a text, g text,
            t timestamptz, o timestamptz, s timestamptz, r timestamptz, p jsonb, tr jsonb, cx jsonb)
      WHERE ${NOT_STORED}
     RETURNING message_id`,
    [1, JSON.stringify(rows)],
  ];
}

/** A plain multi-row VALUES insert: 15 parameters per row, jsonb sent as text. */
export function valuesStatement(rows: RawRow[]): [string, unknown[]] {
  const params: unknown[] = [];
  const tuples = rows.map((x) => {
    const base = params.length;
    params.push(1, x.c, x.m, x.y, x.e, x.u, x.a, x.g, x.t, x.o, x.s, x.r, JSON.stringify(x.p), x.tr === null ? null : JSON.stringify(x.tr), JSON.stringify(x.cx));
    return `(${Array.from({ length: 15 }, (_, i) => `$${base + i + 1}`).join(',')})`;
  });
  // (No skipping of stored messageIds: the rows are unique, and a repeat fails on the trigger.)
  return [`INSERT INTO ${RAW_TABLE} (${COLUMNS}) VALUES ${tuples.join(',')} RETURNING message_id`, params];
}

/** The server's append (src/server/ingest/events.repo.ts appendEvents): COPY in text format, aimed at the raw table. */
export function copyText(rows: RawRow[]): string {
  const v = copyValue;
  const j = copyJson;
  let data = '';
  for (const x of rows) {
    data += `1\t${x.c}\t${v(x.m)}\t${x.y}\t${v(x.e)}\t${v(x.u)}\t${v(x.a)}\t${v(x.g)}\t${x.t}\t${v(x.o)}\t${v(x.s)}\t${x.r}\t${j(x.p)}\t${x.tr === null ? '\\N' : j(x.tr)}\t${j(x.cx)}\n`;
  }
  return data;
}

/** `copy`: the server's COPY append; `jsonb`: its former INSERT … jsonb_to_recordset; `values`: plain multi-row VALUES. */
export type StatementShape = 'copy' | 'jsonb' | 'values';

/**
 * Insert every batch (each one statement, autocommitted) using all `conns` in parallel;
 * returns rows/s. Statements are built inside the timed loop, as the server builds its own.
 * The raw table is emptied first so every variant starts from the same state.
 */
export async function timeRawInsert(conns: Conn[], batches: RawRow[][], shape: StatementShape): Promise<{ rowsPerSec: number; rows: number; seconds: number }> {
  await resetRawTable(conns[0]!);
  const build = shape === 'jsonb' ? jsonbStatement : valuesStatement;
  let next = 0;
  let rows = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let inserted: number;
        if (shape === 'copy') inserted = await conn.copyFrom(`${RAW_TABLE} (${COLUMNS})`, copyText(batch));
        else {
          const [text, params] = build(batch);
          inserted = (await conn.query(text, params)).rows.length;
        }
        rows += inserted; // (not `rows += await …`: that reads `rows` before awaiting)
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const expected = batches.reduce((n, b) => n + b.length, 0);
  if (rows !== expected) throw new Error(`raw insert (${shape}) stored ${rows} of ${expected} rows`);
  return { rowsPerSec: Math.round(rows / seconds), rows, seconds };
}

/** Drop the raw table (the database is dropped anyway on PostgreSQL; PGlite's dir is deleted). */
export async function dropRawTable(conn: Conn): Promise<void> {
  await conn.query(`DROP TABLE IF EXISTS ${RAW_TABLE}`);
  await conn.query(`DROP SEQUENCE IF EXISTS ${RAW_TABLE}_id_seq`);
  await conn.query(`DROP TABLE IF EXISTS ${RAW_IDS}`);
  await conn.query(`DROP FUNCTION IF EXISTS ${RAW_IDS}_add()`);
}

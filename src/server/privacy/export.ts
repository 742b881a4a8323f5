import type { Writable } from 'node:stream';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { EXPORT_KINDS, PAGE, type ExportKind, type ExportSection } from './export-kinds.js';
import { ZipWriter } from './zip.js';

type Row = Record<string, unknown>;

/** The files of an archive, in order: person.json then one CSV per kind. */
export const EXPORT_FILES: readonly string[] = ['person.json', ...EXPORT_KINDS.map((k) => `${k.kind}.csv`)];

/** Rows of one section for one person, page by page when the section pages. */
async function* sectionRows(db: Queryable, s: ExportSection, workspaceId: number, customerId: number): AsyncGenerator<Row> {
  if (!s.pageBy) {
    yield* (await db.query<Row>(s.sql, [workspaceId, customerId])).rows;
    return;
  }
  // Keyset paging: by one column, or by (time, id) where the time leads an index on the customer. The
  // section's query is wrapped (PostgreSQL flattens it, so its indexes still serve) and the keys are
  // read back as text, so a timestamp keeps its microseconds (a JS Date would drop them).
  const cols = (Array.isArray(s.pageBy) ? s.pageBy : [s.pageBy]).map((c) => `q.${c.split('.').pop()!}`);
  const keyList = cols.map((c, i) => `${c}::text AS _k${i}`).join(', ');
  const casts = Array.isArray(s.pageBy) ? ['::timestamptz', '::bigint'] : ['::bigint'];
  let after: string[] | null = null;
  for (;;) {
    // (The first key's own bound as well: a plain range the index serves for sure.)
    const cond: string = after ? `WHERE ${cols[0]} >= $3${casts[0]} AND (${cols.join(', ')}) > (${cols.map((_, i) => `$${i + 3}${casts[i]}`).join(', ')})` : '';
    const page: { rows: Row[] } = await db.query<Row>(`SELECT q.*, ${keyList} FROM (${s.sql}) q ${cond} ORDER BY ${cols.join(', ')} LIMIT ${PAGE}`, [workspaceId, customerId, ...(after ?? [])]);
    for (const r of page.rows) {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) if (!/^_k\d$/.test(k)) out[k] = v;
      yield out;
    }
    if (page.rows.length < PAGE) return;
    const last: Row = page.rows[page.rows.length - 1]!;
    after = cols.map((_, i) => String(last[`_k${i}`]));
  }
}

/** One value as JSON (dates as ISO text; pg's bigint strings stay strings). */
const json = (v: unknown) => JSON.stringify(v === undefined ? null : v);

/** One CSV cell (RFC 4180): JSON for objects, ISO for times, quoted when it holds a comma, quote or line break. */
function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns of a kind's CSV: its section's, or `record` and every section's in first-seen order. */
function csvColumns(k: ExportKind): string[] {
  if (k.sections.length === 1) return [...k.sections[0]!.columns];
  const cols = ['record'];
  for (const s of k.sections) for (const c of s.columns) if (!cols.includes(c)) cols.push(c);
  return cols;
}

async function* kindCsv(db: Queryable, k: ExportKind, workspaceId: number, customerId: number): AsyncGenerator<string> {
  const cols = csvColumns(k);
  const tagged = k.sections.length > 1;
  yield `${cols.map(cell).join(',')}\r\n`;
  for (const s of k.sections) {
    let buf = '';
    for await (const r of sectionRows(db, s, workspaceId, customerId)) {
      buf += `${cols.map((c) => (tagged && c === 'record' ? s.record : cell(r[c]))).join(',')}\r\n`;
      if (buf.length > 64 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
}

const MESSAGE_EVENTS = 'message_event';

/** The events of a page of messages, by message id. */
async function messageEvents(db: Queryable, workspaceId: number, customerId: number, ids: string[]): Promise<Map<string, Row[]>> {
  const { rows } = await db.query<Row>(
    `SELECT properties ->> 'messageId' AS message, id, event, timestamp, properties FROM events
      WHERE workspace_id = $1 AND customer_id = $2 AND type IN ('track', 'tenure') AND properties ->> 'messageId' = ANY($3::text[]) ORDER BY id`,
    [workspaceId, customerId, ids],
  );
  const by = new Map<string, Row[]>();
  for (const { message, ...e } of rows) by.set(String(message), [...(by.get(String(message)) ?? []), e]);
  return by;
}

/** A JSON array of a section's rows, streamed; messages carry their events nested. */
async function* jsonArray(db: Queryable, k: ExportKind, s: ExportSection, workspaceId: number, customerId: number): AsyncGenerator<string> {
  const nestEvents = k.kind === 'messages' && s.record === 'message';
  yield '[';
  let first = true;
  let page: Row[] = [];
  const flush = async function* () {
    const events =
      nestEvents && page.length > 0
        ? await messageEvents(
            db,
            workspaceId,
            customerId,
            page.map((m) => String(m.id)),
          )
        : null;
    let buf = '';
    for (const r of page) {
      buf += `${first ? '' : ','}\n${json(events ? { ...r, events: events.get(String(r.id)) ?? [] } : r)}`;
      first = false;
    }
    page = [];
    if (buf) yield buf;
  };
  for await (const r of sectionRows(db, s, workspaceId, customerId)) {
    page.push(r);
    if (page.length >= 200) yield* flush();
  }
  yield* flush();
  yield '\n]';
}

/** person.json: every kind, nested (a kind of one section is an array; of several, an object of arrays; the profile an object). */
async function* personJson(db: Queryable, workspaceId: number, customerId: number, now: Date): AsyncGenerator<string> {
  yield `{"format":"tenure-person-export/1","exportedAt":${json(now.toISOString())},"workspaceId":${workspaceId},"customerId":${customerId}`;
  for (const k of EXPORT_KINDS) {
    yield `,\n${json(k.kind)}:`;
    if (k.kind === 'profile') {
      const [p] = (await db.query<Row>(k.sections[0]!.sql, [workspaceId, customerId])).rows;
      yield json(p ?? null);
      continue;
    }
    const sections = k.sections.filter((s) => !(k.kind === 'messages' && s.record === MESSAGE_EVENTS));
    if (sections.length === 1) {
      yield* jsonArray(db, k, sections[0]!, workspaceId, customerId);
      continue;
    }
    yield '{';
    for (const [i, s] of sections.entries()) {
      yield `${i ? ',' : ''}\n${json(s.record)}:`;
      yield* jsonArray(db, k, s, workspaceId, customerId);
    }
    yield '}';
  }
  yield '}\n';
}

export interface ExportDone {
  files: number;
  bytes: number;
}

/** Whether the workspace holds this customer. */
export async function customerExists(db: Queryable, workspaceId: number, customerId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM customers WHERE workspace_id = $1 AND id = $2`, [workspaceId, customerId]);
  return rows.length > 0;
}

/**
 * Write everything held on one person to `out` as a ZIP archive, streamed page by page:
 * `person.json` (every kind, nested; each message with its events) and one CSV per kind
 * (profile, identities, events, messages, stages, segments, scores, consents, surveys, loyalty,
 * referrals, tasks, journeys, support, accounts; a kind of several sections has a `record`
 * column). Ends `out` when done. Reads outside a transaction: rows written meanwhile may or
 * may not be included. `not_found` (nothing written) when the workspace holds no such customer.
 */
export async function exportArchive(db: Queryable, workspaceId: number, customerId: number, out: Writable, now = new Date()): Promise<Result<ExportDone, Failure<'not_found'>>> {
  if (!(await customerExists(db, workspaceId, customerId))) return fail('not_found', `no customer ${customerId} in this workspace`);
  const zip = new ZipWriter(out, now);
  await addPerson(zip, db, workspaceId, customerId, '', now);
  return ok(await close(zip, out));
}

/**
 * One archive for several people (an EXPORT regulation): each person's files under
 * `customer-<id>/`, as exportArchive writes them. People the workspace no longer holds
 * (erased since) are left out; `people` says how many were written. Ends `out`.
 */
export async function exportPeopleArchive(db: Queryable, workspaceId: number, customerIds: readonly number[], out: Writable, now = new Date()): Promise<ExportDone & { people: number }> {
  const zip = new ZipWriter(out, now);
  let people = 0;
  for (const id of customerIds) {
    if (!(await customerExists(db, workspaceId, id))) continue;
    await addPerson(zip, db, workspaceId, id, `customer-${id}/`, now);
    people++;
  }
  return { ...(await close(zip, out)), people };
}

async function addPerson(zip: ZipWriter, db: Queryable, workspaceId: number, customerId: number, prefix: string, now: Date): Promise<void> {
  await zip.add(`${prefix}person.json`, personJson(db, workspaceId, customerId, now));
  for (const k of EXPORT_KINDS) await zip.add(`${prefix}${k.kind}.csv`, kindCsv(db, k, workspaceId, customerId));
}

async function close(zip: ZipWriter, out: Writable): Promise<ExportDone> {
  const done = await zip.finish();
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
  return { files: done.entries, bytes: done.bytes };
}

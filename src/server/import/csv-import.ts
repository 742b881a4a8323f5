/**
 * `tenure import customers|events FILE.csv` — stream a CSV through the Segment ingestion
 * path (validation, identity resolution, dedupe, trait last-write-wins), 500 rows a
 * transaction, never holding the file in memory. Columns: see ./README.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import cliProgress from 'cli-progress';
import type { CallType } from '../../contracts/segment.js';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { CellError, parseHeader, rowToCall, type Column } from './columns.js';

export type ImportKind = 'customers' | 'events';

/** What an import did. Rejected rows carry their line in the file (the header is line 1). */
export interface ImportReport {
  accepted: number;
  duplicates: number;
  rejected: Array<{ line: number; field?: string; message: string }>;
}

const BATCH_ROWS = 500;
const EVENT_TYPES = new Set<CallType>(['track', 'page', 'screen']);

/**
 * Import a CSV file. A missing file or unusable header throws before anything is written;
 * a bad row is reported and skipped while the others are kept.
 */
export async function importCsv(db: Db, workspaceId: number, kind: ImportKind, file: string, opts: { progress: boolean }): Promise<ImportReport> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new Error(`${file}: no such file`);
  }
  const report: ImportReport = { accepted: 0, duplicates: 0, rejected: [] };
  const parser = createReadStream(file).pipe(parse({ info: true, raw: true, skip_empty_lines: true, relax_column_count: true, bom: true }));
  const bar = opts.progress ? new cliProgress.SingleBar({ format: `${file} |{bar}| {percentage}% | {rows} rows | {eta_formatted} left` }, cliProgress.Presets.shades_classic) : null;
  bar?.start(size, 0, { rows: 0 });

  let columns: Column[] | null = null;
  let batch: NormalizedEvent[] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await ingestEvents(db, workspaceId, batch);
    report.accepted += r.inserted;
    report.duplicates += r.duplicates;
    batch = [];
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number }; raw: string }>) {
      const line = startLine(item.info.lines, item.raw);
      if (!columns) {
        columns = parseHeader(kind, item.record, file);
        continue;
      }
      rows++;
      const rejection = toEvent(kind, columns, item.record, line, batch);
      if (rejection) report.rejected.push(rejection);
      if (batch.length >= BATCH_ROWS) await flush();
      if (bar && rows % 1000 === 0) bar.update(item.info.bytes, { rows });
    }
    if (!columns) throw new Error(`${file}: the file is empty (a header row is required)`);
    await flush();
  } catch (err) {
    const csvErr = err as { code?: string; lines?: number; message: string };
    if (csvErr.code?.startsWith('CSV_')) {
      await flush();
      report.rejected.push({ line: csvErr.lines ?? 0, message: `CSV syntax error, import stopped here: ${csvErr.message}` });
    } else throw err;
  } finally {
    bar?.update(size, { rows });
    bar?.stop();
  }
  return report;
}

/** Convert one row; on success push it to `batch`, else return why it was rejected. */
function toEvent(kind: ImportKind, columns: Column[], record: string[], line: number, batch: NormalizedEvent[]): ImportReport['rejected'][number] | null {
  if (record.length !== columns.length) return { line, message: `has ${record.length} fields; the header has ${columns.length}` };
  let call: Record<string, unknown>;
  try {
    call = rowToCall(kind, columns, record);
  } catch (err) {
    if (err instanceof CellError) return { line, field: err.column, message: err.message };
    throw err;
  }
  const type = call.type as CallType;
  if (kind === 'events' && !EVENT_TYPES.has(type)) return { line, field: 'type', message: `type must be track, page or screen; got "${String(type)}"` };
  if (kind === 'events' && type !== 'track') {
    call.name = call.event;
    delete call.event;
  }
  if (call.messageId === undefined) call.messageId = `csv-${createHash('sha1').update(`${kind}\u0000${JSON.stringify(record)}`).digest('hex')}`;
  const result = normalizeCall(call, type, { receivedAt: new Date(), bodyBytes: Number.MAX_SAFE_INTEGER }, 0, '');
  if (!result.ok) return { line, field: columnOf(columns, result.rejection.field), message: result.rejection.message };
  batch.push(result.event);
  return null;
}

/** The CSV column behind a call field, for error messages. */
function columnOf(columns: Column[], field: string): string | undefined {
  const names: Record<string, string> = { userId: 'user_id', anonymousId: 'anonymous_id', timestamp: 'timestamp', event: 'event', messageId: 'message_id' };
  if (names[field]) return names[field];
  return columns.find((c) => c.path?.join('.') === field)?.header ?? (field || undefined);
}

/** csv-parse reports the line a record ends on; count back over newlines inside quoted fields. */
function startLine(endLine: number, raw: string): number {
  const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
  let inner = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) inner++;
  return endLine - inner;
}

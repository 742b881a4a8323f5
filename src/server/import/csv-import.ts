/**
 * `tenure import customers|events FILE.csv`: stream a CSV file through the Segment
 * ingestion path (validation by `normalizeCall`, then `ingestEvents`: identity
 * resolution and anonymous → known merges, messageId dedupe, trait last-write-wins),
 * so a CSV row and the same call sent to the API have exactly the same effect.
 *
 * The file is read in chunks and stored 500 rows per transaction; the next chunk is read
 * only when the previous rows are stored, so memory stays flat whatever the file size.
 *
 * Columns (the first row is the header; ./README.md has the same in prose):
 *
 * Any column may carry a type suffix: `name:number`, `name:boolean` (true/false, yes/no,
 * y/n, 1/0), `name:date` (ISO-8601, stored as an ISO string), `name:json`; without one a
 * value is a string. Empty cells set nothing. Dots nest: `address.city`.
 *
 * customers — one `identify` call per row:
 *  - `user_id` (required, and required in every row)
 *  - `anonymous_id` (optional: links that anonymous history to the customer)
 *  - `timestamp` (optional: when the traits were true; default now; ISO-8601 or YYYY-MM-DD,
 *    a time without a zone is UTC)
 *  - `message_id` (optional; default `csv-` + sha1 of the row's call, so re-importing the
 *    same rows is deduplicated)
 *  - every other column is a trait, e.g. `email`, `plan`, `seats:number`, `created_at`.
 *
 * events — one `track` call per row (or `page`/`screen`, see `type`):
 *  - `event` (required: the event name; for page/screen rows, the page/screen name)
 *  - `user_id` and/or `anonymous_id` (at least one column, and a value in every row)
 *  - `timestamp` (required in every row: ISO-8601 or YYYY-MM-DD)
 *  - `message_id` (optional, as for customers), `type` (optional: track | page | screen)
 *  - `properties` (optional: a JSON object) and `properties.NAME[:type]` columns
 *  - `context.NAME[:type]` columns, e.g. `context.campaign.source`
 *
 * A bad row (a cell of the wrong type, invalid JSON, no user id, an unparsable timestamp,
 * the wrong number of fields) is reported with its line (the physical line the record
 * starts on; the header is line 1) and column, and the other rows are kept. A missing or
 * unreadable file and an unusable header throw before anything is written.
 */
import { openFile } from '../lib/csv/open-file.js';
import type { Db } from '../db/client.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { rebuildStages } from '../lifecycle/stage-service.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { maintainTables } from '../db/maintenance.js';
import { normalizeCall } from '../ingest/normalize.js';
import { BatchWriter } from './batch-writer.js';
import { parseHeader, type Column, type ImportKind } from './columns.js';
import { CsvSyntaxError, readCsv } from '../lib/csv/csv-reader.js';
import { LineCounter } from '../lib/csv/line-counter.js';
import { importProgress } from './progress.js';
import { rowToCall } from './row-to-call.js';

export type { ImportKind } from './columns.js';

/** One rejected row: the line it starts on (header = line 1), the CSV column at fault if one is, and why. */
export interface RejectedRow {
  line: number;
  field?: string;
  message: string;
}

/** What an import did. */
export interface ImportReport {
  /** Rows stored. */
  accepted: number;
  /** Rows whose message id was already stored (e.g. the same file imported again). */
  duplicates: number;
  /** Rejected rows in file order; only the first `maxRejected` (default 10,000) are listed. */
  rejected: RejectedRow[];
  /** How many rows were rejected in all (more than `rejected.length` when the list was capped). */
  rejectedTotal: number;
  /** Data rows read (accepted, duplicate or rejected). */
  rows: number;
  /** Bytes of the file read. */
  bytes: number;
  /** True when `shouldStop` ended the import early: the rows counted in `accepted` are stored, later ones were not read. */
  stopped: boolean;
}

/** Where a running import is (handed to `onProgress` after every chunk of the file). */
export interface ImportTally {
  bytes: number;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Options of importCsv and importCsvStream. */
export interface ImportOptions {
  /** Draw a progress bar on stderr (importCsv only). */
  progress?: boolean;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /** Rejected rows listed in the report (default 10,000); the rest are only counted, so memory stays bounded. */
  maxRejected?: number;
  /** Every rejected row as it is found (in addition to the capped list of the report). */
  onRejected?: (r: RejectedRow) => void;
  /** After each chunk read (about 256 KB); awaited, so a slow callback holds back the reading. */
  onProgress?: (t: ImportTally) => void | Promise<void>;
  /** Asked after each stored batch; true ends the import there (what is stored stays, stages and segments are brought up to date). */
  shouldStop?: () => boolean | Promise<boolean>;
  /**
   * Record the stage and segment work of each batch in its transaction (derived_work), so a
   * server's workers evaluate it even if this process dies before the end (default true).
   */
  derivedWork?: boolean;
}

/** A CSV byte stream and what to call it in messages. */
export interface CsvSource {
  /** The file's name as the user knows it (messages read `NAME: line 3 …`). */
  name: string;
  stream: AsyncIterable<Buffer>;
}

/**
 * Import a CSV file of `kind` into a workspace. Throws (before writing anything) when the
 * file cannot be read or its header is unusable, naming the file and the column; bad rows
 * are reported in the result and skipped while the others are stored.
 */
export async function importCsv(db: Db, workspaceId: number, kind: ImportKind, file: string, opts: ImportOptions): Promise<ImportReport> {
  const handle = await openFile(file);
  const size = (await handle.stat()).size;
  const source = handle.createReadStream({ highWaterMark: 256 * 1024 });
  const progress = importProgress(file, size, opts.progress === true);
  let rows = 0;
  try {
    return await importCsvStream(
      db,
      workspaceId,
      kind,
      { name: file, stream: source },
      {
        ...opts,
        onProgress: async (t) => {
          rows = t.rows;
          progress.update(t.bytes, t.rows);
          await opts.onProgress?.(t);
        },
      },
    );
  } finally {
    progress.update(size, rows);
    progress.stop();
    source.destroy();
  }
}

/**
 * The importer itself, over any byte stream (a file for the CLI, a spooled upload for the
 * API's import job): parse, build one Segment call per row, store 500 per transaction
 * through the ingestion path, then rebuild the stages of the customers touched and bring
 * their segments up to date. The next chunk is read only once the previous rows are
 * stored, so memory stays flat whatever the size.
 */
export async function importCsvStream(db: Db, workspaceId: number, kind: ImportKind, source: CsvSource, opts: ImportOptions): Promise<ImportReport> {
  const file = source.name;
  const report: ImportReport = { accepted: 0, duplicates: 0, rejected: [], rejectedTotal: 0, rows: 0, bytes: 0, stopped: false };
  const maxRejected = opts.maxRejected ?? 10_000;
  const reject = (r: RejectedRow) => {
    report.rejectedTotal++;
    if (report.rejected.length < maxRejected) report.rejected.push(r);
    opts.onRejected?.(r);
  };
  const writer = new BatchWriter(db, workspaceId, opts.batchSize ?? 500, reject, { derivedWork: opts.derivedWork ?? true });
  const lines = new LineCounter();
  const tally = (): ImportTally => ({ bytes: report.bytes, rows: report.rows, accepted: writer.accepted, duplicates: writer.duplicates, rejected: report.rejectedTotal });
  // What the caller's hooks throw (a shutdown, an outage writing progress) goes out as it is.
  let hookError: unknown;
  const hook = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      hookError = err;
      throw err;
    }
  };
  let columns: Column[] | null = null;
  let headerBytes = 0;
  let nextMaintenance = 50_000;
  let line = 0;
  try {
    reading: for await (const chunk of readCsv(source.stream)) {
      for (const { cells, raw } of chunk) {
        line = lines.next(raw);
        if (!columns) {
          const parsed = parseHeader(kind, cells, file);
          if (!parsed.ok) throw new Error(parsed.message); // the file is unusable: the import stops, storing nothing
          columns = parsed.value;
          headerBytes = Buffer.byteLength(raw);
          continue;
        }
        if (cells.every((c) => c === '')) continue; // a row of empty cells: spreadsheet padding
        report.rows++;
        const built = rowToCall(kind, columns, cells);
        if (!built.ok) {
          reject({ line, ...(built.field === undefined ? {} : { field: built.field }), message: built.message });
          continue;
        }
        const bodyBytes = jsonSizeBound(Buffer.byteLength(raw), headerBytes, columns.length);
        const normalized = normalizeCall(built.value.call, built.value.type, { receivedAt: new Date(), bodyBytes }, 0, '');
        if (!normalized.ok) {
          const field = columnOf(columns, normalized.field);
          reject({ line, ...(field === undefined ? {} : { field }), message: normalized.message });
          continue;
        }
        writer.add(normalized.value, line);
        if (writer.full) {
          await writer.flush();
          // Keep planner statistics current while a large file loads (PGlite has no autovacuum).
          if (writer.accepted >= nextMaintenance) {
            await maintainTables(db);
            nextMaintenance = writer.accepted * 2;
          }
          if (opts.shouldStop && (await hook(opts.shouldStop))) {
            report.stopped = true;
            break reading;
          }
        }
      }
      report.bytes = chunk[chunk.length - 1]!.bytes;
      if (opts.onProgress) await hook(() => opts.onProgress!(tally()));
    }
    if (!columns) throw new Error(`${file}: the file is empty (a header row is required)`);
    await writer.flush();
  } catch (err) {
    if (err === hookError) throw err;
    if (!(err instanceof CsvSyntaxError)) throw stopped(err, file, line, writer.accepted);
    if (!columns) throw new Error(`${file}: line 1: the header is not valid CSV: ${err.message}`);
    await writer.flush();
    reject({ line: lines.following, message: `not valid CSV, so the import stopped here and later lines were not read: ${err.message}` });
  }
  // Imported events are history: rebuild the lifecycle stages of the customers they
  // touched, then bring their segment memberships up to date (as the segment worker does
  // for events that arrive over HTTP). Also after a stop: what was stored is consistent.
  const now = new Date();
  await rebuildStages(db, workspaceId, [...writer.touched], { now, models: new ModelCache() });
  const segments = new SegmentWorker(db, { sweepMs: 0, clock: () => now });
  segments.touch(workspaceId, writer.touched);
  await segments.idle();
  report.accepted = writer.accepted;
  report.duplicates = writer.duplicates;
  await opts.onProgress?.(tally());
  if (report.accepted > 0) await maintainTables(db); // fresh planner statistics (PGlite has no autovacuum)
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

/** Errors that are not about one row (an outage, a bug, a bad header) stop the import; say where. */
function stopped(err: unknown, file: string, line: number, accepted: number): unknown {
  if (!(err instanceof Error) || err.message.startsWith(`${file}:`)) return err;
  return new Error(`${file}: the import stopped at line ${line} after storing ${accepted} rows (running it again resumes: stored rows are skipped as duplicates): ${err.message}`, { cause: err });
}

/**
 * An upper bound of the JSON size of the call built from a row, so `normalizeCall`
 * measures the call against Segment's 32 KB limit only when it could exceed it: escaping
 * and typing grow a cell at most 6× (a control character becomes \uXXXX, `1e20` prints
 * 21 digits), and keys come from the header.
 */
function jsonSizeBound(rowBytes: number, headerBytes: number, columns: number): number {
  return 6 * rowBytes + headerBytes + 8 * columns + 512;
}

const CALL_FIELD_COLUMNS: Record<string, string> = { userId: 'user_id', anonymousId: 'anonymous_id', timestamp: 'timestamp', event: 'event', name: 'event', messageId: 'message_id', type: 'type' };

/** The CSV column behind a field of the call `normalizeCall` rejected. */
function columnOf(columns: Column[], field: string): string | undefined {
  if (!field) return undefined;
  const reserved = CALL_FIELD_COLUMNS[field];
  if (reserved) return columns.find((c) => c.reserved === reserved)?.header ?? reserved;
  return columns.find((c) => !c.reserved && field.startsWith(c.path.join('.')))?.header ?? field;
}

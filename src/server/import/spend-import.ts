/**
 * `tenure import spend FILE.csv`: load marketing spend from a CSV file (./spend-csv.ts has
 * the columns). All or nothing: the file is read once to check every row (and that no two
 * rows share a day, channel and campaign), and only a file without a single bad row is
 * read again and stored, in one transaction, ~1,000 rows per statement. A row whose day,
 * channel and campaign are already stored replaces that amount.
 *
 * Memory stays flat but for the keys seen (one short string per row, to catch repeats).
 */
import { spendKey, type SpendRow } from '../../contracts/spend.js';
import { SPEND_CHUNK, upsertSpend } from '../analytics/spend.repo.js';
import type { Db } from '../db/client.js';
import { maintainTables } from '../db/maintenance.js';
import { openFile } from '../lib/csv/open-file.js';
import { CsvSyntaxError, readCsv } from '../lib/csv/csv-reader.js';
import { LineCounter } from '../lib/csv/line-counter.js';
import { importProgress } from './progress.js';
import { ok, type Result } from '../lib/result.js';
import { linesFailure } from '../lib/csv/line-failures.js';
import { parseSpendHeader, parseSpendRow, spendAt, SPEND_COLUMNS, type SpendFailure, type SpendHeader, type SpendLineError } from './spend-csv.js';

export type { SpendLineError } from './spend-csv.js';

/** What a successful import stored. */
export interface SpendImportSummary {
  rows: number;
  /** Rows that were new. */
  inserted: number;
  /** Rows that replaced a stored amount. */
  updated: number;
  /** The earliest and latest day in the file (null for a file with only a header). */
  firstDay: string | null;
  lastDay: string | null;
  channels: number;
  /** Sum of the amounts per currency, in cents, by currency code. */
  totals: Array<{ currency: string; cents: bigint }>;
}

/** Stored (the summary), or refused with every bad row listed (up to `maxErrors`) and nothing stored. */
export type SpendImportResult = Result<SpendImportSummary, SpendFailure>;

export interface SpendImportOptions {
  /** Draw progress bars on stderr. */
  progress: boolean;
  /** Rows per statement (default 1,000). */
  chunk?: number;
  /** Errors listed in the result (default 1,000; the rest are counted). */
  maxErrors?: number;
  /** The file's name in messages when `file` is not what the user calls it (an uploaded file's spool path). */
  name?: string;
}

/**
 * Import a spend CSV file into a workspace. Throws, storing nothing, when the file
 * cannot be read or its header is unusable (the message names the file and the columns).
 */
export async function importSpend(db: Db, workspaceId: number, file: string, opts: SpendImportOptions): Promise<SpendImportResult> {
  const chunk = opts.chunk ?? SPEND_CHUNK;
  const checked = await scan(file, opts, chunk, null);
  if (checked.errorTotal > 0) return linesFailure(checked.errors, checked.errorTotal);
  const saved = { inserted: 0, updated: 0 };
  const stored = await db.transaction(async (tx) => {
    const scanned = await scan(file, opts, chunk, async (rows) => {
      const r = await upsertSpend(tx, workspaceId, rows, chunk);
      saved.inserted += r.inserted;
      saved.updated += r.updated;
    });
    if (scanned.errorTotal > 0) throw new Error(`${scanned.errors[0]!.message} (the file changed while it was imported; nothing was stored)`);
    return scanned;
  });
  if (stored.rows > 0) await maintainTables(db, { skip: (t) => t !== 'marketing_spend' });
  return ok({ ...stored.summary(), ...saved });
}

/** One read of the file: every row checked, and handed to `write` in chunks while none was bad. */
async function scan(path: string, opts: SpendImportOptions, chunk: number, write: ((rows: SpendRow[]) => Promise<void>) | null) {
  const file = opts.name ?? path;
  const handle = await openFile(path);
  const size = (await handle.stat()).size;
  const source = handle.createReadStream({ highWaterMark: 256 * 1024 });
  const progress = importProgress(file, size, opts.progress);
  const maxErrors = opts.maxErrors ?? 1_000;
  const errors: SpendLineError[] = [];
  let errorTotal = 0;
  const fail = (e: SpendLineError) => {
    errorTotal++;
    if (errors.length < maxErrors) errors.push(e);
  };
  const firstLine = new Map<string, number>();
  const channels = new Set<string>();
  const cents = new Map<string, bigint>();
  let firstDay: string | null = null;
  let lastDay: string | null = null;
  let header: SpendHeader | null = null;
  let pending: SpendRow[] = [];
  let rows = 0;
  const lines = new LineCounter();

  const take = (row: SpendRow, line: number) => {
    const key = spendKey(row);
    const seen = firstLine.get(key);
    if (seen !== undefined) return fail({ line, message: `${spendAt(file, line)}: the same day, channel and campaign as line ${seen} (one row per day, channel and campaign)` });
    firstLine.set(key, line);
    rows++;
    channels.add(row.channel);
    cents.set(row.currency, (cents.get(row.currency) ?? 0n) + BigInt(Math.round(row.amount * 100)));
    if (firstDay === null || row.day < firstDay) firstDay = row.day;
    if (lastDay === null || row.day > lastDay) lastDay = row.day;
    if (write && errorTotal === 0) pending.push(row);
  };
  const flush = async () => {
    if (write && errorTotal === 0 && pending.length > 0) await write(pending);
    pending = [];
  };

  try {
    for await (const records of readCsv(source)) {
      for (const { cells, raw } of records) {
        const line = lines.next(raw);
        if (!header) {
          const parsed = parseSpendHeader(cells, file, line);
          if (!parsed.ok) throw new Error(parsed.message); // the file is unusable: nothing is stored
          header = parsed.value;
          continue;
        }
        if (cells.every((c) => c.trim() === '')) continue; // spreadsheet padding
        const parsed = parseSpendRow(header, cells, file, line);
        if (parsed.ok) take(parsed.value, line);
        else for (const e of parsed.errors) fail(e);
        if (pending.length >= chunk) await flush();
      }
      progress.update(records[records.length - 1]!.bytes, rows);
    }
    if (!header) throw new Error(`${file}: the file is empty (the first row must be the header: ${SPEND_COLUMNS.join(',')})`);
    await flush();
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    if (!header) throw new Error(`${spendAt(file, 1)}: the header is not valid CSV: ${err.message}`);
    fail({ line: lines.following, message: `${spendAt(file, lines.following)}: not valid CSV (${err.message}); later lines were not read` });
  } finally {
    progress.update(size, rows);
    progress.stop();
    source.destroy();
  }
  const summary = (): Omit<SpendImportSummary, 'inserted' | 'updated'> => ({
    rows,
    firstDay,
    lastDay,
    channels: channels.size,
    totals: [...cents].sort(([a], [b]) => a.localeCompare(b)).map(([currency, c]) => ({ currency, cents: c })),
  });
  return { errors, errorTotal, rows, summary };
}

/** `imported 365 spend rows (300 new, 65 replaced), 2026-01-01 … 2026-12-31, 4 channels, total 12,345.67 USD` */
export function spendSummaryLine(s: SpendImportSummary): string {
  const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const head = `imported ${plural(s.rows, 'spend row', 'spend rows')} (${s.inserted.toLocaleString('en-US')} new, ${s.updated.toLocaleString('en-US')} replaced)`;
  if (s.firstDay === null) return `${head}: the file has a header and no rows`;
  const total = s.totals.map((t) => `${money(t.cents)} ${t.currency}`).join(' + ');
  return `${head}, ${s.firstDay} … ${s.lastDay}, ${plural(s.channels, 'channel', 'channels')}, total ${total}`;
}

/** Cents as `12,345.67`. */
function money(cents: bigint): string {
  return `${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
}

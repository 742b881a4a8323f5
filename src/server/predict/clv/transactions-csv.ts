/**
 * A purchase log as CSV: header `customer_id,date,amount` (names in any case and order;
 * other columns are ignored), one row per purchase, the date as `YYYY-MM-DD` or `YYYYMMDD`
 * (a day; purchases on one day are merged later), the amount a non-negative number.
 * The whole file is checked; any bad row makes the read fail with every problem listed.
 */
import { openFile } from '../../lib/csv/open-file.js';
import { CsvSyntaxError, readCsv } from '../../lib/csv/csv-reader.js';
import { clip, convertCell } from '../../lib/csv/cells.js';
import { linesFailure, type LinesFailure } from '../../lib/csv/line-failures.js';
import { ok, type Result } from '../../lib/result.js';
import { LineCounter } from '../../lib/csv/line-counter.js';
import { parseDay, type Transaction } from './calibration.js';

const COLUMNS = ['customer_id', 'date', 'amount'] as const;
type Column = (typeof COLUMNS)[number];

/** One problem, worded for the user: `orders.csv line 7, field amount: "abc" is not a number …`. */
export interface TransactionLineError {
  line: number;
  field?: Column;
  message: string;
}

/** The purchases, or every problem found (the first `maxErrors` listed, all counted). */
export type TransactionsResult = Result<Transaction[], LinesFailure<TransactionLineError>>;

const at = (file: string, line: number, field?: string) => `${file} line ${line}${field ? `, field ${field}` : ''}`;

/** Read a purchase log. Throws (with the file in the message) when it cannot be opened. */
export async function readTransactions(file: string, maxErrors = 1_000): Promise<TransactionsResult> {
  const handle = await openFile(file);
  const source = handle.createReadStream({ highWaterMark: 256 * 1024 });
  const transactions: Transaction[] = [];
  const errors: TransactionLineError[] = [];
  let errorTotal = 0;
  const fail = (line: number, message: string, field?: Column) => {
    errorTotal++;
    if (errors.length < maxErrors) errors.push({ line, field, message: `${at(file, line, field)}: ${message}` });
  };
  const lines = new LineCounter();
  let header: Record<Column, number> | null = null;
  try {
    for await (const records of readCsv(source)) {
      for (const { cells, raw } of records) {
        const line = lines.next(raw);
        if (!header) {
          header = readHeader(cells, (message) => fail(line, message));
          if (!header) return linesFailure(errors, errorTotal);
          continue;
        }
        if (cells.every((c) => c.trim() === '')) continue;
        const t = readRow(header, cells, (field, message) => fail(line, message, field));
        if (t) transactions.push(t);
      }
    }
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    fail(lines.following, `not valid CSV (${err.message}); later lines were not read`);
  } finally {
    source.destroy();
  }
  if (!header && errorTotal === 0) fail(1, `the file is empty (the first row must be the header: ${COLUMNS.join(',')})`);
  return errorTotal > 0 ? linesFailure(errors, errorTotal) : ok(transactions);
}

/** Where each column is, or null after reporting what is wrong with the header. */
function readHeader(cells: string[], fail: (message: string) => void): Record<Column, number> | null {
  const found: Partial<Record<Column, number>> = {};
  let usable = true;
  cells.forEach((cell, i) => {
    const name = cell.trim().toLowerCase() as Column;
    if (!COLUMNS.includes(name)) return;
    if (found[name] !== undefined) {
      usable = false;
      fail(`columns ${found[name] + 1} and ${i + 1} are both "${name}"`);
    }
    found[name] = i;
  });
  const missing = COLUMNS.filter((c) => found[c] === undefined);
  if (missing.length > 0) {
    usable = false;
    fail(`the header has no ${missing.map((c) => `"${c}"`).join(' or ')} column (a purchase log has the columns ${COLUMNS.join(', ')})`);
  }
  return usable ? (found as Record<Column, number>) : null;
}

/** A row as a purchase, or null after reporting each bad field. */
function readRow(header: Record<Column, number>, cells: string[], fail: (field: Column, message: string) => void): Transaction | null {
  const cell = (c: Column) => (cells[header[c]] ?? '').trim();
  let ok = true;
  const bad = (field: Column, message: string) => {
    ok = false;
    fail(field, message);
  };
  const customerId = cell('customer_id');
  if (customerId === '') bad('customer_id', 'is empty (a value is required)');
  const day = parseDay(cell('date'));
  if (day === null) bad('date', cell('date') === '' ? 'is empty (a value is required)' : `"${clip(cell('date'))}" is not a date (use YYYY-MM-DD or YYYYMMDD)`);
  let amount = 0;
  const v = convertCell('number', cell('amount'));
  if (!v.ok) bad('amount', v.message);
  else if (v.value === undefined) bad('amount', 'is empty (a value is required)');
  else if ((v.value as number) < 0) bad('amount', `${v.value} is negative (refunds are not purchases; leave them out or net them into the purchase)`);
  else amount = v.value as number;
  return ok ? { customerId, day: day!, amount } : null;
}

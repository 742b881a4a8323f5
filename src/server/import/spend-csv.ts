/**
 * The rows of a marketing-spend CSV file: header `day,channel,campaign,amount,currency`
 * (names in any case and order; campaign and currency may be left out), one row per day,
 * channel and campaign. Each row is checked by the same `SpendRow` contract as
 * `POST /api/spend`, so a file and a request are held to the same rules.
 */
import { SpendRow } from '../../contracts/spend.js';
import { clip, convertCell } from '../lib/csv/cells.js';
import { linesFailure, type LinesFailure } from '../lib/csv/line-failures.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

export const SPEND_COLUMNS = ['day', 'channel', 'campaign', 'amount', 'currency'] as const;
export type SpendColumn = (typeof SPEND_COLUMNS)[number];
const REQUIRED: readonly SpendColumn[] = ['day', 'channel', 'amount'];
const EXPECTED = `a spend file has the columns ${SPEND_COLUMNS.join(', ')} (campaign and currency may be left out)`;

/** Where each column is in a row (absent optional columns are undefined). */
export type SpendHeader = { width: number } & Partial<Record<SpendColumn, number>>;

/** One problem with one row, worded for the user with the file, the line and the field. */
export interface SpendLineError {
  line: number;
  field?: SpendColumn;
  message: string;
}

/** A spend row's or file's problems. */
export type SpendFailure = LinesFailure<SpendLineError>;

/** Where a problem is, as the start of its message: `spend.csv line 7, field amount`. */
export function spendAt(file: string, line: number, field?: string): string {
  return `${file} line ${line}${field ? `, field ${field}` : ''}`;
}

/** Read the header row; a failure names the file and the columns at fault. */
export function parseSpendHeader(cells: string[], file: string, line: number): Result<SpendHeader, Failure<'validation_failed'>> {
  const refuse = (message: string) => fail('validation_failed', `${spendAt(file, line)}: ${message}`);
  const header: SpendHeader = { width: cells.length };
  const unknown: string[] = [];
  for (const [index, cell] of cells.entries()) {
    const name = cell.trim().toLowerCase();
    if (!(SPEND_COLUMNS as readonly string[]).includes(name)) {
      unknown.push(`"${clip(cell)}"`);
      continue;
    }
    const column = name as SpendColumn;
    const other = header[column];
    if (other !== undefined) return refuse(`columns ${other + 1} and ${index + 1} are both "${column}"`);
    header[column] = index;
  }
  if (unknown.length > 0) return refuse(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: ${EXPECTED}`);
  const missing = REQUIRED.filter((c) => header[c] === undefined);
  if (missing.length > 0) return refuse(`the header has no ${missing.map((c) => `"${c}"`).join(' or ')} column: ${EXPECTED}`);
  return ok(header);
}

/** A row as a stored spend row, or every problem it has. */
export function parseSpendRow(header: SpendHeader, cells: string[], file: string, line: number): Result<SpendRow, SpendFailure> {
  if (cells.length > header.width) {
    return linesFailure([{ line, message: `${spendAt(file, line)}: ${cells.length} fields, but the header has ${header.width} (a value with a comma needs "quotes")` }]);
  }
  const raw = (c: SpendColumn) => {
    const i = header[c];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const errors: SpendLineError[] = [];
  const bad = (field: SpendColumn, what: string) => errors.push({ line, field, message: `${spendAt(file, line, field)}: ${what}` });
  const converted = convertCell('number', raw('amount'));
  if (!converted.ok) bad('amount', converted.message);
  const amount = converted.ok ? converted.value : 0; // 0: reported; keeps the contract from reporting it again
  const given = (c: SpendColumn) => raw(c) || undefined;
  const parsed = SpendRow.safeParse({ day: given('day'), channel: given('channel'), campaign: given('campaign'), amount, currency: given('currency') });
  if (parsed.success && errors.length === 0) return ok(parsed.data);
  for (const issue of parsed.error?.issues ?? []) {
    const field = issue.path[0] as SpendColumn;
    if (errors.some((e) => e.field === field)) continue; // one problem per field is enough
    const value = raw(field);
    bad(field, value === '' ? 'is empty (a value is required)' : `"${clip(value)}" ${issue.message}`);
  }
  return linesFailure(errors);
}

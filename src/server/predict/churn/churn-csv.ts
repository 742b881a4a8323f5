/**
 * A labelled customer table as CSV (a CRM export): a header row, one row per customer,
 * a label column (1/0, true/false, yes/no, churned/retained …), an optional id column, and
 * any other columns as features. Each feature column's kind is inferred from its values:
 * numeric when at least 90% of its non-blank cells read as numbers or booleans (the
 * others count as blank), a date when they read as ISO dates (taken as days before the
 * column's latest date), else categorical. The whole file is checked; a missing column or
 * a bad label makes the read fail with every problem listed by line and column.
 */
import { openFile } from '../../lib/csv/open-file.js';
import { CsvSyntaxError, readCsv } from '../../lib/csv/csv-reader.js';
import { clip, parseIsoDate } from '../../lib/csv/cells.js';
import { LineCounter } from '../../lib/csv/line-counter.js';
import { linesFailure, type LinesFailure } from '../../lib/csv/line-failures.js';
import { ok, type Result } from '../../lib/result.js';
import type { FeatureColumn, FeatureTable } from './features.js';
import { isBlank, LABEL_SPELLINGS, parseLabel, parseLooseBoolean, parseNumeric } from './features-values.js';

export interface LabelledTable {
  table: FeatureTable;
  labels: Uint8Array;
  /** Each row's id (the id column's value, or the line number). */
  ids: string[];
  /** What was inferred or skipped, in words (`plan: categorical, 4 levels`). */
  notes: string[];
}

export type LabelledTableResult = Result<LabelledTable, LinesFailure<string>>;

export interface ReadOptions {
  label: string;
  id?: string;
  maxErrors?: number;
}

/** Column names taken as the id when `id` is not given (never as a feature). */
const ID_NAMES = new Set(['id', 'customer_id', 'customerid', 'customer id', 'user_id', 'userid', 'email']);
const DAY = 86_400_000;

/** Read and check a labelled table. Throws (naming the file) when it cannot be opened. */
export async function readLabelledCsv(file: string, opts: ReadOptions): Promise<LabelledTableResult> {
  const maxErrors = opts.maxErrors ?? 50;
  const handle = await openFile(file);
  const source = handle.createReadStream({ highWaterMark: 256 * 1024 });
  const errors: string[] = [];
  let errorTotal = 0;
  const fail = (message: string) => {
    errorTotal++;
    if (errors.length < maxErrors) errors.push(message);
  };
  const lines = new LineCounter();
  let header: string[] | null = null;
  let labelAt = -1;
  let idAt = -1;
  const cells: string[][] = [];
  const labels: number[] = [];
  const rowLines: number[] = [];
  try {
    for await (const records of readCsv(source)) {
      for (const record of records) {
        const line = lines.next(record.raw);
        if (!header) {
          header = record.cells.map((c) => c.trim());
          const found = findColumns(header, opts);
          for (const problem of found.problems) fail(`${file} line ${line}: ${problem}`);
          if (found.problems.length > 0) return linesFailure(errors, errorTotal);
          [labelAt, idAt] = [found.label, found.id];
          continue;
        }
        if (record.cells.every((c) => c.trim() === '')) continue;
        const raw = record.cells[labelAt] ?? '';
        const label = parseLabel(raw);
        if (label === null) {
          fail(`${file} line ${line}, column ${header[labelAt]}: ${raw.trim() === '' ? 'the label is blank' : `"${clip(raw.trim())}" is not a label`} (use ${LABEL_SPELLINGS})`);
          continue;
        }
        labels.push(label);
        cells.push(record.cells);
        rowLines.push(line);
      }
    }
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    fail(`${file} line ${lines.following}: not valid CSV (${err.message}); later lines were not read`);
  } finally {
    source.destroy();
  }
  if (!header) fail(`${file} line 1: the file is empty (the first row must be the header, with a column "${opts.label}")`);
  if (errorTotal > 0 || !header) return linesFailure(errors, errorTotal);
  if (cells.length === 0) return linesFailure([`${file}: no rows under the header`]);

  const notes: string[] = [];
  if (idAt >= 0 && !opts.id) notes.push(`${header[idAt]}: taken as the id (pass --id to name another column)`);
  const columns: FeatureColumn[] = [];
  header.forEach((name, j) => {
    if (j === labelAt || j === idAt || name === '') return;
    const column = inferColumn(
      name,
      cells.map((r) => r[j] ?? ''),
    );
    if ('skipped' in column) notes.push(`${name}: ${column.skipped}, not used`);
    else {
      notes.push(`${name}: ${column.note}`);
      columns.push(column.column);
    }
  });
  return ok({
    table: { rows: cells.length, columns },
    labels: Uint8Array.from(labels),
    ids: cells.map((r, i) => (idAt >= 0 ? (r[idAt] ?? '').trim() : `line ${rowLines[i]}`)),
    notes,
  });
}

function findColumns(header: string[], opts: ReadOptions): { label: number; id: number; problems: string[] } {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    const prev = seen.get(name);
    if (prev !== undefined && name !== '') problems.push(`columns ${prev + 1} and ${i + 1} are both "${name}"`);
    seen.set(name, i);
  });
  const columnsList = header.filter((h) => h !== '').join(', ');
  const label = header.indexOf(opts.label);
  if (label < 0) problems.push(`no column "${opts.label}" for --label (the columns are: ${columnsList})`);
  let id = -1;
  if (opts.id !== undefined) {
    id = header.indexOf(opts.id);
    if (id < 0) problems.push(`no column "${opts.id}" for --id (the columns are: ${columnsList})`);
  } else id = header.findIndex((h, i) => i !== label && ID_NAMES.has(h.toLowerCase()));
  return { label, id, problems };
}

type Inferred = { column: FeatureColumn; note: string } | { skipped: string };

function inferColumn(name: string, raw: string[]): Inferred {
  const present = raw.filter((v) => !isBlank(v));
  if (present.length === 0) return { skipped: 'every value is blank' };
  const blanks = raw.length - present.length;
  const blankNote = blanks > 0 ? `, ${blanks} blank` : '';
  const numbers = raw.map((v) => (isBlank(v) ? null : parseNumeric(v)));
  const numeric = numbers.filter((v) => v !== null).length;
  if (numeric >= 0.9 * present.length) {
    const bad = present.length - numeric;
    const kind = present.every((v) => parseLooseBoolean(v) !== null) ? 'boolean (as 1/0)' : 'numeric';
    return { column: { name, kind: 'numeric', values: numbers }, note: `${kind}${blankNote}${bad > 0 ? `, ${bad} not numbers (taken as blank)` : ''}` };
  }
  const dates = raw.map((v) => (isBlank(v) ? null : (parseIsoDate(v)?.getTime() ?? null)));
  const dated = dates.filter((v) => v !== null) as number[];
  if (dated.length >= 0.9 * present.length) {
    const latest = dated.reduce((m, t) => (t > m ? t : m), -Infinity);
    return {
      column: { name, kind: 'numeric', values: dates.map((t) => (t === null ? null : (latest - t) / DAY)) },
      note: `date, as days before the latest (${new Date(latest).toISOString().slice(0, 10)})${blankNote}`,
    };
  }
  const values = raw.map((v) => (isBlank(v) ? null : v.trim()));
  const levels = new Set(present.map((v) => v.trim())).size;
  return { column: { name, kind: 'categorical', values }, note: `categorical, ${levels} ${levels === 1 ? 'level' : 'levels'}${blankNote}` };
}

import { parse, type CsvError } from 'csv-parse';

/** One parsed record: its cells, its raw text (for line numbers and size) and the bytes read up to its end. */
export interface CsvRecord {
  cells: string[];
  raw: string;
  bytes: number;
}

/** The file stopped being valid CSV (an unbalanced quote, a record over the size limit, …). */
export class CsvSyntaxError extends Error {
  constructor(readonly csv: CsvError) {
    super(csv.message);
  }
}

/** Largest record accepted (characters); a bigger one is almost surely an unclosed quote swallowing the file. */
export const MAX_RECORD_CHARS = 1024 * 1024;

/**
 * Parse CSV from `source`, yielding the records of each chunk read. Pull-driven: the next
 * chunk is read only when the caller asks for more, so a slow consumer holds back the
 * file (backpressure) and memory stays at about one chunk.
 *
 * Records are taken from csv-parse's `on_record` hook rather than its readable side, so
 * every record parsed before a syntax error is yielded before the CsvSyntaxError is thrown
 * (a destroyed stream would drop whatever it had buffered).
 */
export async function* readCsv(source: AsyncIterable<Buffer>): AsyncGenerator<CsvRecord[], void, undefined> {
  let records: CsvRecord[] = [];
  let failure: CsvError | undefined;
  const parser = parse({
    raw: true,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (record: unknown, info) => {
      records.push({ cells: (record as { record: string[] }).record, raw: info.raw ?? '', bytes: info.bytes });
      return null;
    },
  });
  parser.on('error', (err: CsvError) => {
    failure ??= err;
  });
  parser.resume();
  const take = () => {
    const out = records;
    records = [];
    return out;
  };

  for await (const chunk of source) {
    await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
    const out = take();
    if (out.length > 0) yield out;
    if (failure) throw new CsvSyntaxError(failure);
  }
  await new Promise<void>((resolve) => parser.end(() => resolve()));
  const out = take();
  if (out.length > 0) yield out;
  if (failure) throw new CsvSyntaxError(failure);
}

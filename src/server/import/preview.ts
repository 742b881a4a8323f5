/**
 * The mapping preview of an import: the header's columns and what each becomes, and the
 * first rows as they would be stored (or why they would be rejected), worked out by the
 * same functions the importer runs (parseHeader, rowToCall, normalizeCall; the spend
 * header and row checks), so the preview and the import cannot disagree.
 */
import { Readable } from 'node:stream';
import type { ImportKind, ImportPreview } from '../../contracts/imports.js';
import { normalizeCall } from '../ingest/normalize.js';
import { parseHeader, type Column } from './columns.js';
import { CsvSyntaxError, readCsv } from '../lib/csv/csv-reader.js';
import { LineCounter } from '../lib/csv/line-counter.js';
import { rowToCall } from './row-to-call.js';
import { parseSpendHeader, parseSpendRow, SPEND_COLUMNS, type SpendHeader } from './spend-csv.js';

/** Rows shown by a preview. */
export const PREVIEW_ROWS = 20;

/**
 * Preview `text`, the start of a CSV file (cut after a line break; a cut record at the end
 * is dropped). Never writes anything.
 */
export async function previewCsv(kind: ImportKind, name: string, text: string, rowLimit = PREVIEW_ROWS): Promise<ImportPreview> {
  const out: ImportPreview = { kind, columns: [], rows: [], headerError: null };
  const lines = new LineCounter();
  let columns: Column[] | null = null;
  let spend: SpendHeader | null = null;
  try {
    outer: for await (const chunk of readCsv(Readable.from([Buffer.from(text)]))) {
      for (const { cells, raw } of chunk) {
        const line = lines.next(raw);
        if (!columns && !spend) {
          if (kind === 'spend') {
            const parsed = parseSpendHeader(cells, name, line);
            if (!parsed.ok) return Object.assign(out, { headerError: parsed.message });
            spend = parsed.value;
            out.columns = cells.map((h) => ({ header: h, role: 'spend' as const, target: h.trim().toLowerCase(), type: h.trim().toLowerCase() === 'amount' ? 'number' : 'string' }));
          } else {
            const parsed = parseHeader(kind as 'customers' | 'events', cells, name);
            if (!parsed.ok) return Object.assign(out, { headerError: parsed.message });
            columns = parsed.value;
            out.columns = columns.map(describeColumn);
          }
          continue;
        }
        if (cells.every((c) => c.trim() === '')) continue;
        if (out.rows.length >= rowLimit) break outer;
        if (spend) {
          const r = parseSpendRow(spend, cells, name, line);
          out.rows.push(
            r.ok
              ? { line, stored: { ...r.value }, error: null }
              : { line, stored: null, error: { ...(r.errors[0]!.field ? { field: r.errors[0]!.field } : {}), message: r.errors.map((e) => e.message).join('; ') } },
          );
          continue;
        }
        const built = rowToCall(kind as 'customers' | 'events', columns!, cells);
        if (!built.ok) {
          out.rows.push({ line, stored: null, error: { ...(built.field === undefined ? {} : { field: built.field }), message: built.message } });
          continue;
        }
        const { call, type } = built.value;
        const normalized = normalizeCall(call, type, { receivedAt: new Date(), bodyBytes: Buffer.byteLength(JSON.stringify(call)) }, 0, '');
        out.rows.push(normalized.ok ? { line, stored: call, error: null } : { line, stored: null, error: { field: normalized.field || undefined, message: normalized.message } });
      }
    }
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    if (!columns && !spend) out.headerError = `${name}: line 1: the header is not valid CSV: ${err.message}`;
    else out.rows.push({ line: lines.following, stored: null, error: { message: `not valid CSV, so the import would stop here: ${err.message}` } });
  }
  if (!columns && !spend && out.headerError === null)
    out.headerError = kind === 'spend' ? `${name}: the file is empty (the first row must be the header: ${SPEND_COLUMNS.join(',')})` : `${name}: the file is empty (a header row is required)`;
  return out;
}

const ROLE: Record<string, ImportPreview['columns'][number]['role']> = {
  user_id: 'userId',
  anonymous_id: 'anonymousId',
  timestamp: 'timestamp',
  message_id: 'messageId',
  event: 'event',
  type: 'type',
  properties: 'properties',
};

/** What a column becomes, for people: `plan` → trait `traits.plan`. */
function describeColumn(c: Column): ImportPreview['columns'][number] {
  if (c.reserved) return { header: c.header, role: ROLE[c.reserved]!, target: c.reserved === 'properties' ? 'properties' : ROLE[c.reserved]!, type: c.type };
  const role = c.path[0] === 'traits' ? 'trait' : c.path[0] === 'properties' ? 'property' : 'context';
  return { header: c.header, role, target: c.path.join('.'), type: c.type };
}

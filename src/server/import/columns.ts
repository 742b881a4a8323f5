import { CELL_TYPES, clip, type CellType } from '../lib/csv/cells.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

/** What a CSV file holds: `customers` (one identify per row) or `events` (one track/page/screen per row). */
export type ImportKind = 'customers' | 'events';

/** The column roles that are not free-form data. */
export type Reserved = 'user_id' | 'anonymous_id' | 'timestamp' | 'message_id' | 'event' | 'type' | 'properties';

/** One header column: a reserved column, or a value placed at `path` in the Segment call. */
export type Column = { index: number; header: string; reserved: Reserved; type: CellType } | { index: number; header: string; reserved: null; path: string[]; type: CellType };

/** A header row the importer cannot use. The message names the file and the column. */
export type HeaderFailure = Failure<'validation_failed'>;

const RESERVED: Record<ImportKind, ReadonlySet<string>> = {
  customers: new Set(['user_id', 'anonymous_id', 'timestamp', 'message_id']),
  events: new Set(['user_id', 'anonymous_id', 'timestamp', 'message_id', 'event', 'type', 'properties']),
};
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const EVENTS_COLUMNS = 'event, user_id, anonymous_id, timestamp, message_id, type, properties, properties.NAME, context.NAME';

/**
 * Map a header row to columns: split `name:type` suffixes, place every column, and check
 * that the required columns are there. A failure names `file` and the column.
 */
export function parseHeader(kind: ImportKind, header: string[], file: string): Result<Column[], HeaderFailure> {
  const refuse = (message: string) => fail('validation_failed', `${file}: ${message}`);
  const columns: Column[] = [];
  for (const [index, raw] of header.entries()) {
    const colon = raw.lastIndexOf(':');
    const name = (colon === -1 ? raw : raw.slice(0, colon)).trim();
    const suffix =
      colon === -1
        ? null
        : raw
            .slice(colon + 1)
            .trim()
            .toLowerCase();
    if (!name) return refuse(`column ${index + 1} of the header has no name`);
    if (suffix !== null && !(CELL_TYPES as readonly string[]).includes(suffix)) return refuse(`column "${raw}": unknown type "${suffix}" (use one of ${CELL_TYPES.join(', ')})`);
    if (RESERVED[kind].has(name)) {
      const allowed = name === 'properties' ? 'json' : name === 'timestamp' ? 'date' : null;
      if (suffix !== null && suffix !== allowed) return refuse(`column "${raw}": the ${name} column takes no type suffix`);
      columns.push({ index, header: raw, reserved: name as Reserved, type: name === 'properties' ? 'json' : 'string' });
      continue;
    }
    const segments = name.split('.').map((s) => s.trim());
    if (segments.some((s) => s === '' || FORBIDDEN_KEYS.has(s))) return refuse(`column "${raw}": "${name}" is not a usable name (empty part or reserved word)`);
    const type = (suffix ?? 'string') as CellType;
    if (kind === 'customers') columns.push({ index, header: raw, reserved: null, path: ['traits', ...segments], type });
    else if ((segments[0] === 'properties' || segments[0] === 'context') && segments.length > 1) columns.push({ index, header: raw, reserved: null, path: segments, type });
    else return refuse(`column "${raw}" is not an events column; use ${EVENTS_COLUMNS}`);
  }

  const seen = new Map<string, string>();
  for (const c of columns) {
    const key = c.reserved ?? c.path.join('.');
    const other = seen.get(key);
    if (other !== undefined) return refuse(`columns "${other}" and "${c.header}" both set ${key}`);
    seen.set(key, c.header);
  }
  for (const [key, headerA] of seen) {
    for (const [other, headerB] of seen) if (other.startsWith(`${key}.`)) return refuse(`columns "${headerA}" and "${headerB}" overlap: ${key} cannot be both a value and an object`);
  }
  const shown = clip(header.join(','));
  const has = (name: Reserved) => columns.some((c) => c.reserved === name);
  const required: Reserved[] = kind === 'customers' ? ['user_id'] : ['event', 'timestamp'];
  const missing = required.find((name) => !has(name));
  if (missing) return refuse(`the header has no "${missing}" column (required for ${kind}; the header is: ${shown})`);
  if (kind === 'events' && !has('user_id') && !has('anonymous_id')) return refuse(`the header needs a "user_id" or an "anonymous_id" column (the header is: ${shown})`);
  return ok(columns);
}

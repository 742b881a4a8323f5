import type { ImportKind } from './csv-import.js';

/** A CSV column: where its value goes in the Segment call and how it is typed. */
export interface Column {
  header: string;
  /** Path in the call, e.g. ['properties', 'revenue'] or ['traits', 'plan']; null = ignored. */
  path: string[] | null;
  type: 'string' | 'number' | 'boolean' | 'date' | 'json';
}

const TYPES = new Set(['string', 'number', 'boolean', 'date', 'json']);
const RESERVED: Record<ImportKind, Record<string, string[]>> = {
  customers: { user_id: ['userId'], anonymous_id: ['anonymousId'], timestamp: ['timestamp'], message_id: ['messageId'] },
  events: { user_id: ['userId'], anonymous_id: ['anonymousId'], timestamp: ['timestamp'], message_id: ['messageId'], event: ['event'], type: ['type'], properties: ['properties'] },
};

/** Thrown for a header the importer cannot use; names the file and column. */
export class HeaderError extends Error {}

/** Map a header row to columns, checking required columns and type suffixes. */
export function parseHeader(kind: ImportKind, header: string[], file: string): Column[] {
  const columns = header.map((raw, i): Column => {
    const [nameRaw, typeRaw] = raw.trim().split(':');
    const name = (nameRaw ?? '').trim();
    const type = (typeRaw ?? (name === 'properties' ? 'json' : 'string')).trim().toLowerCase();
    if (!name) throw new HeaderError(`${file}: column ${i + 1} of the header has no name`);
    if (!TYPES.has(type)) throw new HeaderError(`${file}: column "${raw}": unknown type "${type}" (use one of ${[...TYPES].join(', ')})`);
    const reserved = RESERVED[kind][name];
    if (reserved) return { header: raw, path: reserved, type: type as Column['type'] };
    if (kind === 'events') {
      if (name.startsWith('properties.') || name.startsWith('context.')) return { header: raw, path: name.split('.'), type: type as Column['type'] };
      throw new HeaderError(`${file}: column "${raw}" is not an events column; use event, user_id, anonymous_id, timestamp, message_id, type, properties, properties.NAME or context.NAME`);
    }
    return { header: raw, path: ['traits', ...name.split('.')], type: type as Column['type'] };
  });
  const names = new Set(columns.map((c) => c.path?.join('.')));
  const need = (col: string, path: string) => {
    if (!names.has(path)) throw new HeaderError(`${file}: the header has no "${col}" column (required for ${kind})`);
  };
  if (kind === 'customers') need('user_id', 'userId');
  if (kind === 'events') {
    need('event', 'event');
    need('timestamp', 'timestamp');
    if (!names.has('userId') && !names.has('anonymousId')) throw new HeaderError(`${file}: the header needs a "user_id" or an "anonymous_id" column`);
  }
  const seen = new Set<string>();
  for (const c of columns) {
    const key = c.path!.join('.');
    if (seen.has(key)) throw new HeaderError(`${file}: column "${c.header}" appears twice`);
    seen.add(key);
  }
  return columns;
}

/** A cell that could not be converted; names the column. */
export class CellError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
  }
}

/** Convert one cell; empty cells are `undefined` (skipped, not set to ""). */
export function convertCell(c: Column, raw: string): unknown {
  const v = raw.trim();
  if (v === '') return undefined;
  switch (c.type) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new CellError(c.header, `"${v}" is not a number`);
      return n;
    }
    case 'boolean': {
      const b = v.toLowerCase();
      if (['true', 'yes', '1', 'y'].includes(b)) return true;
      if (['false', 'no', '0', 'n'].includes(b)) return false;
      throw new CellError(c.header, `"${v}" is not a boolean (true/false, yes/no, 1/0)`);
    }
    case 'date': {
      const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
      if (Number.isNaN(d.getTime())) throw new CellError(c.header, `"${v}" is not a date (use ISO-8601, e.g. 2025-03-01 or 2025-03-01T12:00:00Z)`);
      return d.toISOString();
    }
    case 'json':
      try {
        return JSON.parse(v) as unknown;
      } catch (err) {
        throw new CellError(c.header, `invalid JSON: ${(err as Error).message}`);
      }
  }
}

/** Build the Segment call of one row. */
export function rowToCall(kind: ImportKind, columns: Column[], record: string[]): Record<string, unknown> {
  const call: Record<string, unknown> = kind === 'customers' ? { type: 'identify', traits: {} } : { type: 'track', properties: {} };
  columns.forEach((c, i) => {
    if (!c.path) return;
    let value = convertCell(c, record[i] ?? '');
    if (value === undefined) return;
    if (c.path[0] === 'timestamp' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) value = `${value.trim()}T00:00:00Z`;
    if (c.path.length === 1 && c.path[0] === 'properties') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CellError(c.header, 'must be a JSON object');
      call.properties = { ...(value as object), ...(call.properties as object) };
      return;
    }
    setPath(call, c.path, value);
  });
  return call;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

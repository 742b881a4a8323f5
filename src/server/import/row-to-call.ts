import { createHash } from 'node:crypto';
import type { CallType } from '../../contracts/segment.js';
import { CellError, clip, convertCell, parseIsoDate } from '../lib/csv/cells.js';
import type { Column, ImportKind } from './columns.js';
import { describePath, MAX_EVENT_DEPTH, tooDeep } from '../ingest/json-shape.js';

/** A row as a Segment call, or why the row cannot be one (`field` is the CSV column). */
export type RowResult = { ok: true; type: CallType; call: Record<string, unknown> } | { ok: false; field?: string; message: string };

const EVENT_TYPES = new Set(['track', 'page', 'screen']);

/**
 * Build the Segment call of one CSV row: an `identify` for customers, a `track` (or the
 * row's `page`/`screen` type) for events. Cells are typed by their column; empty cells
 * set nothing. A row without `message_id` gets `csv-<sha1 of the call>`, so importing the
 * same content again is deduplicated like any repeated Segment call.
 */
export function rowToCall(kind: ImportKind, columns: Column[], record: string[]): RowResult {
  if (record.length !== columns.length) return { ok: false, message: `has ${record.length} fields; the header has ${columns.length}` };
  const nul = columns.find((c) => record[c.index]!.includes('\u0000'));
  if (nul) return { ok: false, field: nul.header, message: 'contains a NUL character (is this a binary file?)' };

  const cell = (c: Column) => record[c.index]!;
  const reserved: Partial<Record<string, Column>> = {};
  for (const c of columns) if (c.reserved) reserved[c.reserved] = c;
  const text = (name: string): string | undefined => {
    const c = reserved[name];
    const v = c ? cell(c) : '';
    return v.trim() === '' ? undefined : v;
  };

  let type: CallType = kind === 'customers' ? 'identify' : 'track';
  const call: Record<string, unknown> = { type };
  if (kind === 'events') {
    const t = text('type')?.trim().toLowerCase() ?? 'track';
    if (!EVENT_TYPES.has(t)) return { ok: false, field: reserved.type!.header, message: `type must be track, page or screen, not "${clip(t)}"` };
    type = t as CallType;
    call.type = type;
  }

  const userId = text('user_id');
  const anonymousId = text('anonymous_id');
  if (kind === 'customers' && userId === undefined) return { ok: false, field: reserved.user_id!.header, message: 'user_id is empty' };
  if (userId === undefined && anonymousId === undefined) return { ok: false, field: (reserved.user_id ?? reserved.anonymous_id)!.header, message: 'needs a user_id or an anonymous_id' };
  if (userId !== undefined) call.userId = userId;
  if (anonymousId !== undefined) call.anonymousId = anonymousId;

  const ts = text('timestamp');
  if (ts !== undefined) {
    const d = parseIsoDate(ts);
    if (!d) return { ok: false, field: reserved.timestamp!.header, message: `"${clip(ts)}" is not an ISO-8601 date (e.g. 2025-03-01 or 2025-03-01T12:00:00Z)` };
    call.timestamp = d.toISOString();
  } else if (kind === 'events') {
    return { ok: false, field: reserved.timestamp!.header, message: 'timestamp is empty (events need the time they happened)' };
  }

  if (kind === 'events') {
    const name = text('event');
    if (type === 'track') {
      if (name === undefined) return { ok: false, field: reserved.event!.header, message: 'event is empty (track rows need an event name)' };
      call.event = name;
    } else if (name !== undefined) call.name = name;
  }

  if (kind === 'customers') call.traits = {};
  else {
    try {
      call.properties = objectCell(reserved.properties, record);
    } catch (err) {
      if (err instanceof CellError) return { ok: false, field: reserved.properties!.header, message: err.message };
      throw err;
    }
    call.context = {};
  }
  // After the `properties` JSON, so properties.NAME columns add to it whatever the column order.
  for (const c of columns) {
    if (c.reserved) continue;
    let value: unknown;
    try {
      value = convertCell(c.type, cell(c));
    } catch (err) {
      if (err instanceof CellError) return { ok: false, field: c.header, message: err.message };
      throw err;
    }
    if (value !== undefined) setPath(call, c.path, value);
  }

  // JSON cells come from outside: refuse absurd nesting before anything walks the call.
  const deep = tooDeep(call, MAX_EVENT_DEPTH);
  if (deep) {
    const where = deep.path.join('.');
    const col = columns.find((c) => (c.reserved === 'properties' ? where.startsWith('properties') : !c.reserved && where.startsWith(c.path.join('.'))));
    return { ok: false, field: col?.header, message: `\`${describePath(deep.path)}\` is nested more than ${MAX_EVENT_DEPTH} levels deep (counted from the event); at most ${MAX_EVENT_DEPTH} levels are accepted` };
  }

  const messageId = text('message_id');
  call.messageId = messageId ?? `csv-${createHash('sha1').update(`${kind}\n${stableJson(call)}`).digest('hex')}`;
  return { ok: true, type, call };
}

/** The `properties` JSON column: an object (or nothing). Throws CellError. */
function objectCell(c: Column | undefined, record: string[]): Record<string, unknown> {
  if (!c) return {};
  const value = convertCell('json', record[c.index]!);
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CellError('properties must be a JSON object, e.g. {"plan":"pro"}');
  return value as Record<string, unknown>;
}

/** Set `value` at `path`, creating objects on the way (a non-object on the way is replaced). */
function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(cur, key) ? cur[key] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** JSON with object keys sorted, so the derived message id does not depend on column order. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const obj = v as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
    .join(',')}}`;
}

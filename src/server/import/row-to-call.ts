import { createHash } from 'node:crypto';
import type { CallType } from '../../contracts/segment.js';
import { clip, convertCell, parseIsoDate, type CellFailure } from '../lib/csv/cells.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import type { Column, ImportKind } from './columns.js';
import { describePath, MAX_EVENT_DEPTH, tooDeep } from '../ingest/json-shape.js';

/** A row as a Segment call, or why the row cannot be one (`field` is the CSV column). */
export type RowResult = Result<{ type: CallType; call: Record<string, unknown> }, Failure<'invalid_event'> & { field?: string }>;

/** The row's failure, at CSV column `field` when there is one. */
const badRow = (message: string, field?: string) => fail('invalid_event', message, field === undefined ? {} : { field });

const EVENT_TYPES = new Set(['track', 'page', 'screen']);

/**
 * Build the Segment call of one CSV row: an `identify` for customers, a `track` (or the
 * row's `page`/`screen` type) for events. Cells are typed by their column; empty cells
 * set nothing. A row without `message_id` gets `csv-<sha1 of the call>`, so importing the
 * same content again is deduplicated like any repeated Segment call.
 */
export function rowToCall(kind: ImportKind, columns: Column[], record: string[]): RowResult {
  if (record.length !== columns.length) return badRow(`has ${record.length} fields; the header has ${columns.length}`);
  const nul = columns.find((c) => record[c.index]!.includes('\u0000'));
  if (nul) return badRow('contains a NUL character (is this a binary file?)', nul.header);

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
    if (!EVENT_TYPES.has(t)) return badRow(`type must be track, page or screen, not "${clip(t)}"`, reserved.type!.header);
    type = t as CallType;
    call.type = type;
  }

  const userId = text('user_id');
  const anonymousId = text('anonymous_id');
  if (kind === 'customers' && userId === undefined) return badRow('user_id is empty', reserved.user_id!.header);
  if (userId === undefined && anonymousId === undefined) return badRow('needs a user_id or an anonymous_id', (reserved.user_id ?? reserved.anonymous_id)!.header);
  if (userId !== undefined) call.userId = userId;
  if (anonymousId !== undefined) call.anonymousId = anonymousId;

  const ts = text('timestamp');
  if (ts !== undefined) {
    const d = parseIsoDate(ts);
    if (!d) return badRow(`"${clip(ts)}" is not an ISO-8601 date (e.g. 2025-03-01 or 2025-03-01T12:00:00Z)`, reserved.timestamp!.header);
    call.timestamp = d.toISOString();
  } else if (kind === 'events') {
    return badRow('timestamp is empty (events need the time they happened)', reserved.timestamp!.header);
  }

  if (kind === 'events') {
    const name = text('event');
    if (type === 'track') {
      if (name === undefined) return badRow('event is empty (track rows need an event name)', reserved.event!.header);
      call.event = name;
    } else if (name !== undefined) call.name = name;
  }

  if (kind === 'customers') call.traits = {};
  else {
    const properties = objectCell(reserved.properties, record);
    if (!properties.ok) return badRow(properties.message, reserved.properties!.header);
    call.properties = properties.value;
    call.context = {};
  }
  // After the `properties` JSON, so properties.NAME columns add to it whatever the column order.
  for (const c of columns) {
    if (c.reserved) continue;
    const value = convertCell(c.type, cell(c));
    if (!value.ok) return badRow(value.message, c.header);
    if (value.value !== undefined) setPath(call, c.path, value.value);
  }

  // JSON cells come from outside: refuse absurd nesting before anything walks the call.
  const deep = tooDeep(call, MAX_EVENT_DEPTH);
  if (deep) {
    const where = deep.path.join('.');
    const col = columns.find((c) => (c.reserved === 'properties' ? where.startsWith('properties') : !c.reserved && where.startsWith(c.path.join('.'))));
    return badRow(`\`${describePath(deep.path)}\` is nested more than ${MAX_EVENT_DEPTH} levels deep (counted from the event); at most ${MAX_EVENT_DEPTH} levels are accepted`, col?.header);
  }

  const messageId = text('message_id');
  call.messageId =
    messageId ??
    `csv-${createHash('sha1')
      .update(`${kind}\n${stableJson(call)}`)
      .digest('hex')}`;
  return ok({ type, call });
}

/** The `properties` JSON column: an object (or nothing). */
function objectCell(c: Column | undefined, record: string[]): Result<Record<string, unknown>, CellFailure> {
  if (!c) return ok({});
  const cell = convertCell('json', record[c.index]!);
  if (!cell.ok || cell.value === undefined) return cell.ok ? ok({}) : cell;
  const value = cell.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('validation_failed', 'properties must be a JSON object, e.g. {"plan":"pro"}');
  return ok(value as Record<string, unknown>);
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

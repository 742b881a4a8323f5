/**
 * Typed CSV cells. A column's type comes from its header suffix (`seats:number`);
 * without one a cell is a string. Empty cells convert to `undefined` (they set nothing).
 */
import { fail, ok, type Failure, type Result } from '../result.js';

/** The types a header suffix can name. */
export const CELL_TYPES = ['string', 'number', 'boolean', 'date', 'json'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** A cell that could not be converted; the message says why, in words for the user. */
export type CellFailure = Failure<'validation_failed'>;
const badCell = (message: string) => fail('validation_failed', message);

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** Convert one cell to its column's type; `undefined` for an empty cell. */
export function convertCell(type: CellType, raw: string): Result<unknown, CellFailure> {
  const v = raw.trim();
  if (v === '') return ok(undefined);
  switch (type) {
    case 'string':
      return ok(raw);
    case 'number': {
      if (!NUMBER.test(v)) return badCell(`"${clip(v)}" is not a number (use digits, a "." for decimals, no thousands separators)`);
      const n = Number(v);
      if (!Number.isFinite(n)) return badCell(`"${clip(v)}" is too large a number`);
      return ok(n);
    }
    case 'boolean': {
      const b = v.toLowerCase();
      if (TRUE.has(b)) return ok(true);
      if (FALSE.has(b)) return ok(false);
      return badCell(`"${clip(v)}" is not a boolean (use true/false, yes/no or 1/0)`);
    }
    case 'date': {
      const d = parseIsoDate(v);
      if (!d) return badCell(`"${clip(v)}" is not a date (use ISO-8601: 2025-03-01 or 2025-03-01T12:00:00Z)`);
      return ok(d.toISOString());
    }
    case 'json':
      try {
        return ok(JSON.parse(v) as unknown);
      } catch (err) {
        return badCell(`invalid JSON: ${(err as Error).message}`);
      }
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Parse an ISO-8601 date or date-time: `2025-03-01` (midnight UTC), `2025-03-01T12:00`,
 * `2025-03-01 12:00:00.123+02:00`, … A time without a zone is UTC, whatever the machine's
 * zone. Impossible dates (2025-02-30) and anything else give null.
 */
export function parseIsoDate(v: string): Date | null {
  const m = ISO.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zoneRaw] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  let zone = (zoneRaw ?? 'Z').toUpperCase();
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2) || '0');
    if (zh > 14 || zm > 59) return null;
    zone = `${zone[0]}${digits.slice(0, 2)}:${String(zm).padStart(2, '0')}`;
  }
  const ms = frac ? `.${frac.padEnd(3, '0').slice(0, 3)}` : '';
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${zone}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Long cells are quoted in messages by their first 60 characters. */
export function clip(v: string): string {
  return v.length > 60 ? `${v.slice(0, 57)}…` : v;
}

/**
 * Date ranges of the analytics page. Dates are calendar days (YYYY-MM-DD) in the
 * workspace's timezone and ranges are half-open, [from, to): `to` is the first day not counted.
 */

import type { Interval } from '../../../contracts/metrics.js';

/** The period lengths a series or a cohort table is cut in. */
export const INTERVALS: Interval[] = ['day', 'week', 'month', 'quarter'];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Today's calendar day in an IANA timezone (the browser's own when the zone is unknown). */
export function todayIn(timezone: string | undefined, now = new Date()): string {
  try {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  }
}

/** A day plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** True for a real calendar day written YYYY-MM-DD. */
export function isDay(s: string | null | undefined): s is string {
  if (!s || !DAY.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** The range presets, in days ending today (inclusive, so `to` is tomorrow). */
export const PRESETS = [30, 90, 365] as const;

/** A resolved range: `preset` is the number of days or 'custom'. */
export interface DayRange {
  preset: string;
  from: string;
  to: string;
}

/**
 * The range the URL asks for: `range=30|90|365` (days up to and including today) or
 * `range=custom&from=…&to=…`. Anything unreadable falls back to `fallback` days.
 */
export function resolveRange(search: URLSearchParams, timezone: string | undefined, fallback: number): DayRange {
  const preset = search.get('range') ?? String(fallback);
  const to = addDays(todayIn(timezone), 1);
  if (preset === 'custom') {
    const f = search.get('from');
    const t = search.get('to');
    // Unchecked on purpose: a bad custom range goes to the API, which names the field at fault.
    return { preset, from: f ?? addDays(to, -fallback), to: t ?? to };
  }
  const days = Number(preset);
  const n = Number.isInteger(days) && days > 0 && days <= 3660 ? days : fallback;
  return { preset: String(n), from: addDays(to, -n), to };
}

/** "Sep 3, 2026" for a calendar day, read as that day (not shifted by the browser's timezone). */
export function fmtDay(day: string): string {
  if (!isDay(day)) return day;
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
}

/** A period's start written for its interval: "Sep 2026" for months, "Q3 2026" for quarters, else the day. */
export function fmtPeriod(day: string, interval: string): string {
  if (!isDay(day)) return day;
  const d = new Date(`${day}T00:00:00Z`);
  if (interval === 'month') return d.toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short' });
  if (interval === 'quarter') return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
  return d.toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: '2-digit' });
}

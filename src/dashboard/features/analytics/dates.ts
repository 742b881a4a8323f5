/**
 * Date ranges of the analytics page. Dates are calendar days (YYYY-MM-DD) in the
 * workspace's timezone and ranges are half-open, [from, to): `to` is the first day not counted.
 */

import type { Interval } from '../../../contracts/metrics.js';
import { addDays, isDay, todayIn } from '../../components/dates.js';

/** The period lengths a series or a cohort table is cut in. */
export const INTERVALS: Interval[] = ['day', 'week', 'month', 'quarter'];

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

/** A period's start written for its interval: "Sep 2026" for months, "Q3 2026" for quarters, else the day. */
export function fmtPeriod(day: string, interval: string): string {
  if (!isDay(day)) return day;
  const d = new Date(`${day}T00:00:00Z`);
  if (interval === 'month') return d.toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short' });
  if (interval === 'quarter') return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
  return d.toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: '2-digit' });
}

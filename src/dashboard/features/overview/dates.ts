/**
 * Calendar days of the overview. Days are YYYY-MM-DD in the workspace timezone and ranges
 * are half-open, [from, to): `to` is the first day not counted.
 */

/** Today's calendar day in an IANA timezone (the browser's own when the zone is unknown). */
export function todayIn(timezone: string | undefined, now = new Date()): string {
  const opts: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' };
  try {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { ...opts, timeZone: timezone }).format(now);
  } catch {
    return new Intl.DateTimeFormat('en-CA', opts).format(now);
  }
}

/** A day plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Milliseconds the zone is ahead of UTC at instant `t`. */
function offsetMs(timezone: string, t: number): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(t));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(t / 1000) * 1000;
  } catch {
    return 0;
  }
}

/** The instant (ISO, UTC) a calendar day starts in the workspace timezone. */
export function dayStartISO(day: string, timezone: string): string {
  const guess = Date.parse(`${day}T00:00:00Z`);
  let t = guess - offsetMs(timezone, guess);
  // Once more, for days whose offset differs from the guess's (DST changes).
  t = guess - offsetMs(timezone, t);
  return new Date(t).toISOString();
}

/** "Nov 3, 2026" for a calendar day, without the browser's timezone shifting it. */
export function fmtDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
}

/** "Nov 3 – Dec 2, 2026": a half-open range [from, to) shown with its last day included. */
export function fmtRange(from: string, to: string): string {
  return `${fmtDay(from)} – ${fmtDay(addDays(to, -1))}`;
}

/** The period lengths the overview offers, in days. */
export const PERIODS = [30, 90, 365] as const;
export type PeriodDays = (typeof PERIODS)[number];

/** The current period (ending today, inclusive) and the one of equal length before it. */
export interface Periods {
  days: PeriodDays;
  from: string;
  to: string;
  prevFrom: string;
  prevTo: string;
}

/** `to` is tomorrow in the workspace timezone, `from` is N days before; the previous period is the N days before `from`. */
export function periodsFor(days: PeriodDays, timezone: string, now = new Date()): Periods {
  const to = addDays(todayIn(timezone, now), 1);
  const from = addDays(to, -days);
  return { days, from, to, prevFrom: addDays(from, -days), prevTo: from };
}

/** The period the URL asks for (`period=30|90|365`), else 30 days. */
export function periodFromSearch(search: URLSearchParams): PeriodDays {
  const n = Number(search.get('period'));
  return (PERIODS as readonly number[]).includes(n) ? (n as PeriodDays) : 30;
}

/**
 * Calendar days as the dashboard uses them: YYYY-MM-DD in the workspace's timezone, and
 * half-open ranges [from, to) where `to` is the first day not counted.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

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

/** True for a real calendar day written YYYY-MM-DD. */
export function isDay(s: string | null | undefined): s is string {
  if (!s || !DAY.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** Milliseconds the zone is ahead of UTC at instant `t`. */
function offsetMs(timezone: string, t: number): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(t));
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

/** "Nov 3, 2026" for a calendar day, read as that day (not shifted by the browser's timezone). */
export function fmtDay(day: string): string {
  if (!isDay(day)) return day;
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
}

/** "Nov 3 – Dec 2, 2026": a half-open range [from, to) shown with its last day included. */
export function fmtRange(from: string, to: string): string {
  return `${fmtDay(from)} – ${fmtDay(addDays(to, -1))}`;
}

/**
 * Wall-clock time in a customer's timezone, with no library: Intl knows every IANA zone.
 * Pure functions of their arguments (no clock inside).
 */

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** A formatter for an IANA zone, or null when the name is not a zone this runtime knows. */
function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
  } catch {
    f = null;
  }
  if (formatters.size > 1_000) formatters.clear();
  formatters.set(zone, f);
  return f;
}

/** The zone to use for a trait value: the IANA name when valid, else UTC. */
export function zoneOf(value: unknown): string {
  return typeof value === 'string' && value.length <= 64 && formatter(value) ? value : 'UTC';
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock reading of `at` in `zone`. */
export function localParts(at: Date, zone: string): LocalParts {
  const f = formatter(zone) ?? formatter('UTC')!;
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour) % 24, minute: Number(p.minute), second: Number(p.second), weekday: WEEKDAYS[p.weekday!] ?? 1 };
}

/** Minutes since local midnight. */
export function minuteOfDay(at: Date, zone: string): number {
  const p = localParts(at, zone);
  return p.hour * 60 + p.minute;
}

/**
 * The instant the wall clock in `zone` reads y-m-d h:mi. On a spring-forward gap the
 * reading does not exist and the instant just after the gap is returned; on a fall-back
 * overlap, the earlier one.
 */
export function instantOf(zone: string, y: number, m: number, d: number, h: number, mi: number): Date {
  const wanted = Date.UTC(y, m - 1, d, h, mi);
  // Guess with the offset at the wanted moment, correct once with the offset at the guess.
  let t = wanted;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(t), zone);
    const seen = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    if (seen === wanted) return new Date(t - (t % 60_000));
    t += wanted - seen;
  }
  return new Date(t);
}

/**
 * The first moment at or after `from` when the clock in `zone` shows `time` (HH:MM) on one
 * of `weekdays` (ISO, default every day).
 */
export function nextLocalTime(from: Date, zone: string, time: string, weekdays?: readonly number[]): Date {
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const start = localParts(from, zone);
  for (let i = 0; i < 15; i++) {
    // Walk calendar days in the zone: noon UTC of the local date keeps day arithmetic safe.
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day + i, 12));
    const weekday = ((day.getUTCDay() + 6) % 7) + 1;
    if (weekdays && !weekdays.includes(weekday)) continue;
    const at = instantOf(zone, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), h, mi);
    if (at.getTime() >= from.getTime()) return at;
  }
  throw new Error(`no ${time} on weekdays ${weekdays?.join(',')} in ${zone} within two weeks of ${from.toISOString()}`);
}

/**
 * Whether `at` falls in the daily window [start, end) of the clock in `zone`; a window
 * whose end is before its start runs over midnight (21:00–08:00).
 */
export function inDailyWindow(at: Date, zone: string, start: string, end: string): boolean {
  const m = minuteOfDay(at, zone);
  const s = toMinutes(start);
  const e = toMinutes(end);
  return s <= e ? m >= s && m < e : m >= s || m < e;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Loyalty tiers, the pure core (docs/loyalty.md): which tier a measure qualifies for, when a
 * member moves up or down, and the terms the measure is taken over, in the workspace's
 * timezone. No clock and no database here: `now`/`at` and the zone are parameters.
 *
 * Decisions:
 * - Tiers are listed lowest first; a tier's rank is its index (0 = lowest). Nobody goes below
 *   the lowest tier, whatever its `entry`.
 * - Up: as soon as the measure of the current term reaches a higher tier's `entry`, to the
 *   highest such tier (several steps at once when the value jumps).
 * - Review at the end of a term, with the measure of the term that ended:
 *   kept when the value is ≥ the tier's `retain`; else `one_step` → the tier below;
 *   `recalculate` → the highest tier BELOW the current one whose `retain` ≤ the value (the
 *   lowest when none). A value reaching a higher tier's `entry` moves the member up instead.
 * - A tier key no longer in the settings counts as no tier: the member gets the tier their
 *   value reaches by `entry`.
 *
 * Terms (`termBounds`): `calendar_year` from Jan 1 00:00 local; `anniversary` from 00:00 local
 * on the month/day of joining each year (a Feb 29 joiner's anniversary is Feb 28 in other
 * years); `rolling_12m` the 12 months up to now, reviewed once a day (from local midnight);
 * `lifetime` one term without end, never reviewed.
 */
import type { Tier, TierSettings } from '../../contracts/loyalty.js';
import { instantOf, localParts } from '../lib/local-time.js';

export type TierDirection = 'up' | 'down' | 'kept';

/** A tier decision: where the member goes (`to`), and why. `kept`: no change. */
export interface TierDecision {
  from: string | null;
  to: string;
  direction: TierDirection;
  /** `entry` (reached a tier's entry), `retained`, `one_step`, `recalculate`. */
  reason: 'entry' | 'retained' | 'one_step' | 'recalculate';
}

/** The rank (index) of a tier key, or -1 when it is not one of the tiers. */
export function rankOf(key: string | null, tiers: readonly Tier[]): number {
  return key === null ? -1 : tiers.findIndex((t) => t.key === key);
}

/** The highest tier whose `entry` ≤ value; the lowest tier when none is. */
export function tierFor(value: number, tiers: readonly Tier[]): Tier {
  let best = 0;
  for (let i = 0; i < tiers.length; i++) if (tiers[i]!.entry <= value) best = i;
  return tiers[best]!;
}

/**
 * Up at once: the tier the value reaches by `entry` when it is above the current one (or the
 * member has none yet); null when the member stays where they are.
 */
export function upgradeDecision(current: string | null, value: number, tiers: readonly Tier[]): TierDecision | null {
  const rank = rankOf(current, tiers);
  const reached = tierFor(value, tiers);
  if (rankOf(reached.key, tiers) <= rank) return null;
  return { from: current, to: reached.key, direction: 'up', reason: 'entry' };
}

/**
 * The review at a term's end, with the measure over the term that ended (`termValue`): up when
 * it reaches a higher tier's entry, kept when it is ≥ the tier's retain, else down by
 * `downgrade` (see the module comment). Never below the lowest tier.
 */
export function reviewDecision(current: string | null, termValue: number, tiers: readonly Tier[], downgrade: TierSettings['downgrade']): TierDecision {
  const up = upgradeDecision(current, termValue, tiers);
  if (up) return up;
  const rank = rankOf(current, tiers);
  // rank ≥ 0 here: an unknown or missing tier always gets an upgrade decision above.
  const tier = tiers[rank]!;
  if (termValue >= tier.retain || rank === 0) return { from: current, to: tier.key, direction: 'kept', reason: 'retained' };
  if (downgrade === 'one_step') return { from: current, to: tiers[rank - 1]!.key, direction: 'down', reason: 'one_step' };
  let to = 0;
  for (let i = 0; i < rank; i++) if (tiers[i]!.retain <= termValue) to = i;
  return { from: current, to: tiers[to]!.key, direction: 'down', reason: 'recalculate' };
}

/** The higher of two decisions about the same member (a review and an upgrade by the new term's value). */
export function higherDecision(a: TierDecision, b: TierDecision | null, tiers: readonly Tier[]): TierDecision {
  return b && rankOf(b.to, tiers) > rankOf(a.to, tiers) ? b : a;
}

/** The tier's multiplier for earn rules with `tierMultiplier` (1 without tiers or tier). */
export function multiplierOf(settings: TierSettings | undefined, key: string | null): number {
  const tier = settings?.tiers.find((t) => t.key === key);
  return tier?.multiplier ?? 1;
}

// ---- terms ----

const MS_DAY = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The member's anniversary in `year` (00:00 local on the joining month/day; Feb 29 → Feb 28 in a common year). */
export function anniversaryIn(year: number, month: number, day: number, zone: string): Date {
  return instantOf(zone, year, month, Math.min(day, daysInMonth(year, month)), 0, 0);
}

/** Where a yearly term starts in `year`: Jan 1, or the anniversary of `joined` (local month/day). */
function yearStart(term: 'calendar_year' | 'anniversary', year: number, zone: string, joined: { month: number; day: number }): Date {
  return term === 'calendar_year' ? instantOf(zone, year, 1, 1, 0, 0) : anniversaryIn(year, joined.month, joined.day, zone);
}

/** The same wall-clock moment 12 months earlier (Feb 29 → Feb 28), in `zone`. */
export function twelveMonthsBefore(at: Date, zone: string): Date {
  const p = localParts(at, zone);
  const back = instantOf(zone, p.year - 1, p.month, Math.min(p.day, daysInMonth(p.year - 1, p.month)), p.hour, p.minute);
  return new Date(back.getTime() + p.second * 1000 + (at.getTime() % 1000));
}

/** Local midnight of the day `at` falls on in `zone`. */
export function dayStart(at: Date, zone: string): Date {
  const p = localParts(at, zone);
  return instantOf(zone, p.year, p.month, p.day, 0, 0);
}

/** A term: [start, end) (end null: never ends). */
export interface TermBounds {
  start: Date;
  end: Date | null;
}

/**
 * The term `at` falls in. `calendar_year` and `anniversary`: the year from Jan 1 / the
 * anniversary of `joinedAt` before or at `at` to the next. `rolling_12m`: the review period,
 * the local day of `at` (the measure itself is taken over `rollingWindow`). `lifetime`: from
 * the epoch, without end.
 */
export function termBounds(term: TierSettings['term'], at: Date, zone: string, joinedAt: Date): TermBounds {
  if (term === 'lifetime') return { start: new Date(0), end: null };
  if (term === 'rolling_12m') {
    const start = dayStart(at, zone);
    const p = localParts(new Date(start.getTime() + MS_DAY + 3 * 3_600_000), zone);
    return { start, end: instantOf(zone, p.year, p.month, p.day, 0, 0) };
  }
  const j = localParts(joinedAt, zone);
  const y = localParts(at, zone).year;
  let start = yearStart(term, y, zone, j);
  let year = y;
  if (start.getTime() > at.getTime()) {
    year = y - 1;
    start = yearStart(term, year, zone, j);
  }
  return { start, end: yearStart(term, year + 1, zone, j) };
}

/** The term before the one starting at `start` (a yearly term; rolling and lifetime have none). */
export function previousTerm(term: 'calendar_year' | 'anniversary', start: Date, zone: string, joinedAt: Date): TermBounds {
  return termBounds(term, new Date(start.getTime() - 1), zone, joinedAt);
}

/** A half-open window [from, to) of instants (epoch ms inside Dates). */
export interface Window {
  from: Date;
  to: Date;
}

/** The rolling 12 months up to and including `at`: (at − 12 months, at]. */
export function rollingWindow(at: Date, zone: string): Window {
  return { from: new Date(twelveMonthsBefore(at, zone).getTime() + 1), to: new Date(at.getTime() + 1) };
}

/** The window the measure is taken over for an upgrade at `at`: the current term up to and including `at`. */
export function upgradeWindow(term: TierSettings['term'], at: Date, zone: string, joinedAt: Date): Window {
  if (term === 'rolling_12m') return rollingWindow(at, zone);
  return { from: termBounds(term, at, zone, joinedAt).start, to: new Date(at.getTime() + 1) };
}

/**
 * What a review at `now` looks at, for a member whose term boundary `boundary` has passed
 * (the start of the term `now` is in): `ended`, the window whose value decides keep or down
 * (the term that ended at the boundary; rolling: the 12 months up to now), and `current`,
 * the new term so far (an upgrade by it also applies; rolling: the same window).
 */
export function reviewWindows(term: 'calendar_year' | 'anniversary' | 'rolling_12m', boundary: Date, now: Date, zone: string, joinedAt: Date): { ended: Window; current: Window } {
  if (term === 'rolling_12m') {
    const w = rollingWindow(now, zone);
    return { ended: w, current: w };
  }
  const prev = previousTerm(term, boundary, zone, joinedAt);
  return { ended: { from: prev.start, to: boundary }, current: { from: boundary, to: new Date(now.getTime() + 1) } };
}

/**
 * Every anniversary boundary at `now`: for each month/day of joining (Feb 29 included), the
 * start of the anniversary term `now` is in. The review selects members by their joining
 * month/day against this table.
 */
export function anniversaryBoundaries(now: Date, zone: string): { month: number; day: number; boundary: Date }[] {
  const out: { month: number; day: number; boundary: Date }[] = [];
  const y = localParts(now, zone).year;
  for (let month = 1; month <= 12; month++) {
    for (let day = 1; day <= daysInMonth(2024, month); day++) {
      let b = anniversaryIn(y, month, day, zone);
      if (b.getTime() > now.getTime()) b = anniversaryIn(y - 1, month, day, zone);
      out.push({ month, day, boundary: b });
    }
  }
  return out;
}

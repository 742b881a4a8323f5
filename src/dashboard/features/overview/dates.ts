/** The overview's periods: the last N days up to today, and the N days before them. */

import { addDays, todayIn } from '../../components/dates.js';

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

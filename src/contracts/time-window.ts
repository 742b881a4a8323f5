import { z } from 'zod';

/**
 * The moments Tenure accepts from outside: event times (`timestamp`, `originalTimestamp`,
 * `sentAt`, and the timestamp after clock-skew correction) and the dates of admin
 * queries. 1970-01-01T00:00:00Z ≤ t < 2100-01-01T00:00:00Z: inside PostgreSQL's range,
 * wide enough for historical imports (e.g. 1997 order data), and it refuses the usual
 * mistakes — epoch seconds or microseconds read as milliseconds (1.7e15 is the year
 * 55,827), year 0, years past 9999.
 */
export const EARLIEST_MOMENT = Date.UTC(1970, 0, 1);
/** First moment NOT accepted (see EARLIEST_MOMENT). */
export const END_OF_MOMENTS = Date.UTC(2100, 0, 1);
/** The window as people read it, for messages. */
export const MOMENT_WINDOW_TEXT = '1970-01-01T00:00:00Z … 2100-01-01T00:00:00Z (end excluded)';

/** Whether a time (epoch milliseconds) is inside the accepted window. */
export function inMomentWindow(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_MOMENT && ms < END_OF_MOMENTS;
}

/** An ISO-8601 date-time with offset inside the accepted window (admin query parameters). */
export const Moment = z.iso.datetime({ offset: true }).refine((s) => inMomentWindow(Date.parse(s)), `must be inside ${MOMENT_WINDOW_TEXT}`);

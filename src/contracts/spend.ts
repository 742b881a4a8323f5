import { z } from 'zod';
import { inMomentWindow } from './time-window.js';

/**
 * Marketing spend: what was paid per day, acquisition channel and campaign — the
 * denominator of CAC. One row per (day, channel, campaign); sending a row again replaces
 * its amount. Ranges are half-open calendar days, [from, to): `to` is the first day not
 * included.
 */

/**
 * The acquisition channels Tenure attributes customers to (src/server/identity/attribution.ts).
 * Spend may name any other lower-case channel too, but only these meet customers acquired
 * through them.
 */
export const SPEND_CHANNELS = ['paid_search', 'paid_social', 'display', 'affiliate', 'email', 'sms', 'organic_social', 'organic_search', 'referral', 'other_campaign', 'direct'] as const;

/** Most rows in one `POST /api/spend` (the CLI import takes files of any length). */
export const MAX_SPEND_ROWS = 10_000;

/** Largest amount numeric(14,2) holds. */
const MAX_AMOUNT = 999_999_999_999.99;

/** A calendar day written YYYY-MM-DD (2026-02-30 is refused). */
export const SpendDay = z.iso.date({ error: 'must be a calendar date written YYYY-MM-DD' }).refine((s) => inMomentWindow(Date.parse(`${s}T00:00:00Z`)), 'must be a day from 1970-01-01 to 2099-12-31');

export const SpendChannel = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9_]+$/, 'must be a lower-case channel name (a-z, 0-9, _), e.g. paid_search')
  .describe(`An acquisition channel: ${SPEND_CHANNELS.join(', ')} (any other lower-case name is kept as given)`);

/** True when `n` has no more than two decimals (the shortest decimal that reads back as `n`). */
function hasCents(n: number): boolean {
  return /^-?\d+(\.\d{1,2})?$/.test(String(n));
}

export const SpendRow = z.strictObject({
  day: SpendDay,
  channel: SpendChannel,
  campaign: z.string().trim().max(200, 'must be at most 200 characters').default('').describe("The campaign ('' for the channel as a whole)"),
  amount: z
    .number({ error: 'must be a number' })
    .min(0, 'must not be negative')
    .max(MAX_AMOUNT, 'must be below 1,000,000,000,000')
    .refine(hasCents, 'must have at most 2 decimals')
    .describe('What was spent that day, in `currency`'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a 3-letter upper-case currency code, e.g. USD')
    .default('USD'),
});
export type SpendRow = z.infer<typeof SpendRow>;

/** The key a spend row is stored under. */
export function spendKey(r: Pick<SpendRow, 'day' | 'channel' | 'campaign'>): string {
  return `${r.day}\u0000${r.channel}\u0000${r.campaign}`;
}

export const SpendInput = z
  .strictObject({
    rows: z.array(SpendRow).min(1, 'send at least one row').max(MAX_SPEND_ROWS, `send at most ${MAX_SPEND_ROWS} rows per request`),
    mode: z.literal('upsert').default('upsert').describe('`upsert`: a row with the day, channel and campaign of a stored one replaces its amount and currency'),
  })
  .superRefine((input, ctx) => {
    const first = new Map<string, number>();
    input.rows.forEach((r, i) => {
      const key = spendKey(r);
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else ctx.addIssue({ code: 'custom', path: ['rows', i], message: `the same day, channel and campaign as rows.${seen} (send one row per day, channel and campaign)` });
    });
  });
export type SpendInput = z.infer<typeof SpendInput>;

/** `from`, `to` (exclusive) and optionally one channel: what GET and DELETE /api/spend act on. */
export const SpendQuery = z
  .object({
    from: SpendDay.describe('First day included (YYYY-MM-DD)'),
    to: SpendDay.describe('First day not included (YYYY-MM-DD)'),
    channel: SpendChannel.optional().describe('Only this channel'),
  })
  .refine((q) => q.to > q.from, { path: ['to'], message: 'must be a later day than `from` (the range is [from, to))' });
export type SpendQuery = z.infer<typeof SpendQuery>;

export const SpendView = z.object({ day: z.string(), channel: z.string(), campaign: z.string(), amount: z.number(), currency: z.string() });
export type SpendView = z.infer<typeof SpendView>;

export const SpendTotal = z.object({ channel: z.string(), currency: z.string(), amount: z.number().describe('Sum over the range'), days: z.number().int().describe('Days with spend') });
export type SpendTotal = z.infer<typeof SpendTotal>;

export const SpendList = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(SpendView).describe('By day, channel, campaign'),
  totals: z.array(SpendTotal).describe('Per channel and currency over the range'),
});

export const SpendSaved = z.object({ inserted: z.number().int().describe('Rows that were new'), updated: z.number().int().describe('Rows that replaced a stored amount') });
export type SpendSaved = z.infer<typeof SpendSaved>;

export const SpendDeleted = z.object({ deleted: z.number().int() });

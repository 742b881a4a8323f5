import { z } from 'zod';
import { JobView } from './lifecycle.js';

/** True when `tz` is an IANA timezone this runtime knows (Intl throws a RangeError on unknown zones). */
export function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** True when `code` is an ISO 4217 currency code Intl knows (three uppercase letters). */
export function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  const known = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('currency');
  if (known) return known.includes(code);
  try {
    new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    return true;
  } catch {
    return false;
  }
}

/** The workspace an admin key belongs to (what the dashboard's sign-in checks and its switcher lists). */
export const WorkspaceView = z.object({
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  timezone: z.string().describe('IANA timezone: days, periods and local dates are cut in it'),
  currency: z.string().describe('ISO 4217 code money is shown in, e.g. USD'),
  grossMargin: z.number().nullable().describe('Gross margin as a fraction (0.3 = 30%) that CLV and CLV:CAC use; null: not set, so they are revenue'),
  activity: z
    .object({ opens: z.boolean(), clicks: z.boolean() })
    .describe("Whether a message's opens and its link clicks count as the customer's activity (last seen, inactivity, active customers, churn); docs/activity.md"),
});
export type WorkspaceView = z.infer<typeof WorkspaceView>;

/** Change the workspace's name, timezone or currency; fields left out keep their value. */
export const WorkspacePatch = z.strictObject({
  name: z.string().trim().min(1, 'a workspace needs a name').max(200, 'use at most 200 characters').optional(),
  timezone: z
    .string()
    .min(1, 'choose a timezone')
    .max(100)
    .refine(isTimezone, 'must be an IANA timezone such as Europe/Paris or America/New_York')
    .optional()
    .describe('IANA timezone; changing it makes the analytics cut customer-days again in the new zone'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals, e.g. USD or EUR')
    .refine(isCurrency, 'is not an ISO 4217 currency code known here')
    .optional()
    .describe('ISO 4217 code, e.g. USD, EUR, GBP'),
  grossMargin: z
    .number()
    .gt(0, 'a gross margin is a fraction above 0 (0.3 = 30%)')
    .max(1, 'a gross margin is a fraction of at most 1 (0.3 = 30%)')
    .nullable()
    .optional()
    .describe('Gross margin as a fraction (0.3 = 30%): CLV and CLV:CAC use it unless a request sets `margin`; null clears it'),
  activity: z
    .strictObject({ opens: z.boolean().optional(), clicks: z.boolean().optional() })
    .optional()
    .describe('Whether opens and clicks count as activity (left out: unchanged). A change starts a job that evaluates stages and segments again under it.'),
});
export type WorkspacePatch = z.infer<typeof WorkspacePatch>;

/** PATCH /api/workspace: the workspace after, and the re-evaluation job when the activity setting changed. */
export const WorkspacePatched = WorkspaceView.extend({
  job: JobView.optional().describe('The activity.reevaluate job, when `activity` changed: follow it at GET /api/jobs/{id}'),
});

/** Which keys to replace with new random ones. */
export const RotateKeysInput = z
  .strictObject({ write: z.boolean().default(false), admin: z.boolean().default(false) })
  .refine((v) => v.write || v.admin, { message: 'say which key to rotate: { "write": true } and/or { "admin": true }', path: ['write'] });
export type RotateKeysInput = z.input<typeof RotateKeysInput>;

/** The new plain keys, shown this once (only their hashes are stored). The old ones stop working at once. */
export const RotatedKeys = z.object({
  writeKey: z.string().optional().describe('The new write key (when rotated)'),
  adminKey: z.string().optional().describe('The new admin key (when rotated)'),
});
export type RotatedKeys = z.infer<typeof RotatedKeys>;

/** How the keys are used. Keys are stored hashed, so they cannot be shown again. */
export const KeysView = z.object({
  write: z.object({
    eventsLast24h: z.number().int().describe("Events received in the last 24 hours (the workspace's own, not those Tenure writes)"),
    eventsLast30d: z.number().int(),
    lastReceivedAt: z.string().nullable().describe('When the last event of the last 30 days was received'),
  }),
});
export type KeysView = z.infer<typeof KeysView>;

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import type { SecretBox } from './secret-box.js';
import { listProviders, openProvider } from './providers.repo.js';
import { allGroupsKey } from './policy.js';
import { setConsent } from './tracking.js';

/**
 * Inbound SMS from a Twilio-compatible provider: the request is signed with the account's
 * auth token (`X-Twilio-Signature`: base64 HMAC-SHA1 of the full URL the provider called
 * followed by every POST parameter's name and value, sorted by name).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/** Whether `signature` is the provider's for this URL and these parameters. */
export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, signature: string): boolean {
  const want = Buffer.from(twilioSignature(authToken, url, params));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The auth token of the workspace's saved SMS provider (null: none saved, or it cannot be opened). */
export async function smsAuthToken(db: Queryable, box: SecretBox | null, workspaceId: number): Promise<string | null> {
  const row = (await listProviders(db, workspaceId)).find((p) => p.channel === 'sms');
  if (!row) return null;
  const opened = openProvider(box, workspaceId, row);
  return opened.ok && opened.value.channel === 'sms' && opened.value.authToken ? opened.value.authToken : null;
}

/** The carriers' opt-out keywords (CTIA; what Twilio also honours): the whole text, any case. */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);

/** Whether an inbound text is an opt-out keyword. */
export function isStopWord(body: string): boolean {
  return STOP_WORDS.has(body.trim().toUpperCase());
}

/**
 * An opt-out keyword texted from `from`: every customer whose phone trait has the same digits
 * is unsubscribed from all SMS (`$all:sms`, source `sms_stop`, the text they sent as the words
 * of the choice). Returns the customers whose consent changed.
 */
export async function recordSmsStop(db: Queryable, workspaceId: number, from: string, body: string, now: Date): Promise<number[]> {
  const digits = from.replace(/\D/g, '');
  if (digits.length < 6) return [];
  const { rows } = await db.query<{ id: string | number }>(
    `SELECT id FROM customers WHERE workspace_id = $1
        AND (regexp_replace(coalesce(traits->>'phone', ''), '\\D', '', 'g') = $2 OR regexp_replace(coalesce(traits->>'phone_number', ''), '\\D', '', 'g') = $2)`,
    [workspaceId, digits],
  );
  const changed: number[] = [];
  for (const r of rows) {
    const c = Number(r.id);
    const done = await setConsent(db, workspaceId, c, [{ groupId: allGroupsKey('sms'), subscribed: false }], 'sms_stop', now, undefined, {
      textShown: body.trim().slice(0, 200),
      context: { from },
    });
    if (done.length > 0) changed.push(c);
  }
  return changed;
}

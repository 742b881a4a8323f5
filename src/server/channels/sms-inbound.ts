import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import type { SecretBox } from './secret-box.js';
import { listProviders, openProvider } from './providers.repo.js';

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

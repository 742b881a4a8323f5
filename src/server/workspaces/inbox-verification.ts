import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Identity verification for the in-app inbox (as Intercom's identity verification or
 * Braze's SDK authentication): the customer's own backend signs the userId with the
 * workspace's inbox secret, the page passes that signature along, and the inbox only
 * answers for the userId it was signed for. The write key alone is public (it is in the
 * page), so without this anyone who knows a userId could read that customer's inbox.
 */

/**
 * The signature the customer's backend computes for a userId: HMAC-SHA256 of the userId
 * (UTF-8) keyed with the workspace's inbox secret (the hex string as given, UTF-8), as
 * lowercase hex. Same as `crypto.createHmac('sha256', secret).update(userId).digest('hex')`.
 */
export function inboxUserHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/** A new inbox secret: 32 random bytes as hex. */
export function newInboxSecret(): string {
  return randomBytes(32).toString('hex');
}

/** What the inbox needs to decide whether to answer for a customer. */
export interface InboxIdentity {
  userId?: string;
  anonymousId?: string;
  /** The signature the page sent (header, query or body), if any. */
  userHash?: string;
}

/** The outcome of checking an inbox request's identity; only `ok` may be served. */
export type InboxIdentityCheck = { code: 'ok' } | { code: 'anonymous'; message: string } | { code: 'missing_hash'; message: string } | { code: 'wrong_hash'; message: string };

const HOW = "HMAC-SHA256 of the userId keyed with the workspace's inbox secret (GET /api/workspace/inbox), as hex, computed by your own backend";

/**
 * Check an inbox request's identity against the workspace's settings. With verification
 * off everything passes. With it on, the request must name a userId (an anonymous visitor
 * has no identity a backend could vouch for) and carry its signature; the comparison is
 * constant-time.
 */
export function checkInboxIdentity(settings: { verification: boolean; secret: string | null }, who: InboxIdentity): InboxIdentityCheck {
  if (!settings.verification) return { code: 'ok' };
  if (!who.userId) {
    return {
      code: 'anonymous',
      message: `this workspace verifies in-app inbox identities: anonymous visitors cannot read an inbox; send the signed-in customer's userId with its userHash (${HOW})`,
    };
  }
  if (!who.userHash) {
    return { code: 'missing_hash', message: `missing user hash: send the X-Tenure-User-Hash header (or userHash) with the ${HOW}` };
  }
  const given = who.userHash.trim().toLowerCase();
  const expected = Buffer.from(inboxUserHash(settings.secret ?? '', who.userId), 'hex');
  const ok = settings.secret !== null && /^[0-9a-f]{64}$/.test(given) && timingSafeEqual(Buffer.from(given, 'hex'), expected);
  return ok ? { code: 'ok' } : { code: 'wrong_hash', message: `the user hash does not match this userId: it must be the ${HOW}` };
}

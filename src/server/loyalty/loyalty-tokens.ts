import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed token in a customer's loyalty link (`/l/<token>`): which customer of which
 * workspace, until when — readable by anyone, changeable by no one without the workspace's
 * link secret (the one survey and message links use, channels/settings.repo.ts). Signed
 * under its own prefix `l:`, so a survey token (`s:`) or a message link token signed with the
 * same secret never passes as a loyalty token, nor the other way round.
 */
export interface LoyaltyClaims {
  /** Workspace id. */
  w: number;
  /** Customer id. */
  c: number;
  /** Expiry, unix seconds. */
  e: number;
}

/** How long a loyalty link works: 180 days. */
export const LOYALTY_LINK_LIFETIME_SEC = 180 * 86_400;
const MAX_INT32 = 2_147_483_647;

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`l:${payload}`).digest('base64url').slice(0, 32);
}

/** A token for one customer, working LOYALTY_LINK_LIFETIME_SEC after `nowSec`. */
export function makeLoyaltyToken(secret: string, claims: { w: number; c: number }, nowSec: number): string {
  const payload = Buffer.from(JSON.stringify({ w: claims.w, c: claims.c, e: Math.floor(nowSec) + LOYALTY_LINK_LIFETIME_SEC })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The claims without checking the signature (to find the workspace whose secret checks it); null unless every id is in range. */
export function peekLoyaltyToken(token: string): LoyaltyClaims | null {
  const [payload] = token.split('.');
  if (!payload || payload.length > 300) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LoyaltyClaims;
    if (typeof c !== 'object' || c === null) return null;
    const id = (v: unknown, max: number) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= max;
    if (!id(c.w, MAX_INT32) || !id(c.c, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(c.e)) return null;
    return { w: c.w, c: c.c, e: c.e };
  } catch {
    return null;
  }
}

/** The claims of a token signed with `secret` and not expired at `nowSec`, or null (tampered, truncated, expired, another kind of token). */
export function verifyLoyaltyToken(secret: string, token: string, nowSec: number): LoyaltyClaims | null {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  const want = Buffer.from(sign(secret, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  const c = peekLoyaltyToken(token);
  if (!c || nowSec >= c.e) return null;
  return c;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens in the links of a message (unsubscribe, preferences, open pixel, click
 * redirect): what the link is about, readable by anyone, changeable by no one without the
 * workspace secret. Each token is bound to one purpose (a token minted for the open pixel
 * is refused by the click, unsubscribe and preference routes, and so on) and carries an
 * expiry, both inside the signed payload.
 *
 * Lifetimes: open and click links work for a year; unsubscribe and preference links for
 * five years, because a recipient must be able to unsubscribe from an old message
 * (CAN-SPAM, RFC 8058).
 *
 * Tokens minted before purposes existed (no `p` claim) are accepted only where they
 * cannot be confused: one carrying a destination (`u`) only as a click, one without only
 * for unsubscribe and preferences (so links in messages already delivered keep working;
 * such a token never expires). A legacy token is refused by the open pixel (the open of an
 * old message is simply not recorded).
 */
export interface LinkClaims {
  /** Workspace id (a positive 32-bit integer). */
  w: number;
  /** Message id. */
  m: number;
  /** Customer id. */
  c: number;
  /** The destination of a click link. */
  u?: string;
  /** Purpose code (o, c, u, p); absent in legacy tokens. */
  p?: string;
  /** Expiry, unix seconds; absent in legacy tokens. */
  e?: number;
}

/** What a link is for; a token works for its own purpose only. */
export type LinkPurpose = 'open' | 'click' | 'unsubscribe' | 'preferences';

const CODE: Record<LinkPurpose, string> = { open: 'o', click: 'c', unsubscribe: 'u', preferences: 'p' };
const DAY = 86_400;

/** How long a link of each purpose keeps working, in seconds (see the module comment). */
export const LINK_LIFETIME_SEC: Readonly<Record<LinkPurpose, number>> = { open: 365 * DAY, click: 365 * DAY, unsubscribe: 5 * 365 * DAY, preferences: 5 * 365 * DAY };

const MAX_INT32 = 2_147_483_647;

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}

/** A token for `purpose`, expiring LINK_LIFETIME_SEC[purpose] after `nowSec`. */
export function makeToken(secret: string, purpose: LinkPurpose, claims: { w: number; m: number; c: number; u?: string }, nowSec: number): string {
  const full: LinkClaims = { p: CODE[purpose], w: claims.w, m: claims.m, c: claims.c, e: Math.floor(nowSec) + LINK_LIFETIME_SEC[purpose], ...(claims.u !== undefined ? { u: claims.u } : {}) };
  const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/**
 * The claims a token carries, without checking its signature (to find the workspace whose
 * secret checks it): null unless every id is a positive integer in range (the workspace a
 * 32-bit one), so nothing out of range ever reaches a query.
 */
export function peekToken(token: string): LinkClaims | null {
  const [payload] = token.split('.');
  if (!payload) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims;
    if (typeof c !== 'object' || c === null) return null;
    const id = (v: unknown, max: number) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= max;
    if (!id(c.w, MAX_INT32) || !id(c.m, Number.MAX_SAFE_INTEGER) || !id(c.c, Number.MAX_SAFE_INTEGER)) return null;
    if (c.u !== undefined && typeof c.u !== 'string') return null;
    if (c.p !== undefined && !Object.values(CODE).includes(c.p)) return null;
    if (c.e !== undefined && !Number.isSafeInteger(c.e)) return null;
    if ((c.p === undefined) !== (c.e === undefined)) return null;
    return c;
  } catch {
    return null;
  }
}

/**
 * The claims of a token signed with `secret` for `purpose` and not expired at `nowSec`,
 * or null (tampered, truncated, another purpose's, expired).
 */
export function verifyToken(secret: string, token: string, purpose: LinkPurpose, nowSec: number): LinkClaims | null {
  const [payload, sig] = token.split('.');
  if (!payload || !sig) return null;
  const want = Buffer.from(sign(secret, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  const c = peekToken(token);
  if (!c) return null;
  if (c.p === undefined) return legacyAllowed(c, purpose) ? c : null;
  if (c.p !== CODE[purpose] || c.e === undefined || nowSec >= c.e) return null;
  return c;
}

/** A legacy token (no purpose): with a destination it can only have been a click link; without, it is honoured for unsubscribe and preferences. */
function legacyAllowed(c: LinkClaims, purpose: LinkPurpose): boolean {
  if (purpose === 'click') return c.u !== undefined;
  if (purpose === 'unsubscribe' || purpose === 'preferences') return c.u === undefined;
  return false;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens in the links of a message (unsubscribe, preferences, open pixel, click
 * redirect): what the link is about, readable by anyone, changeable by no one without the
 * workspace secret. No database lookup is needed to verify one.
 */
export interface LinkClaims {
  /** Workspace id. */
  w: number;
  /** Message id. */
  m: number;
  /** Customer id. */
  c: number;
  /** The destination of a click link. */
  u?: string;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}

export function makeToken(secret: string, claims: LinkClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The claims a token carries, without checking it (to find the workspace whose secret checks it). */
export function peekToken(token: string): LinkClaims | null {
  const [payload] = token.split('.');
  if (!payload) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims;
    return Number.isInteger(c.w) && Number.isInteger(c.m) && Number.isInteger(c.c) ? c : null;
  } catch {
    return null;
  }
}

/** The claims of a token signed with `secret`, or null when it was not (tampered, truncated). */
export function verifyToken(secret: string, token: string): LinkClaims | null {
  const [payload, sig] = token.split('.');
  if (!payload || !sig) return null;
  const want = Buffer.from(sign(secret, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  return peekToken(token);
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed token in a survey link (the email's score buttons, the hosted answer page, the
 * in-app inbox): which invitation, of which customer, in which workspace, until when —
 * readable by anyone, changeable by no one without the workspace's link secret. The token
 * itself is not spent by use: what makes an answer single-use is the invitation, which takes
 * one response (see answers.ts), so a second click or a mail scanner's prefetch never counts
 * twice.
 */
export interface SurveyClaims {
  /** Workspace id. */
  w: number;
  /** Invitation id. */
  i: number;
  /** Customer id. */
  c: number;
  /** Expiry, unix seconds. */
  e: number;
}

/** How long a survey link works: 180 days. */
export const SURVEY_LINK_LIFETIME_SEC = 180 * 86_400;
const MAX_INT32 = 2_147_483_647;

function sign(secret: string, payload: string): string {
  // `s:` keeps these apart from message link tokens signed with the same secret.
  return createHmac('sha256', secret).update(`s:${payload}`).digest('base64url').slice(0, 32);
}

/** A token for one invitation, working SURVEY_LINK_LIFETIME_SEC after `nowSec`. */
export function makeSurveyToken(secret: string, claims: { w: number; i: number; c: number }, nowSec: number): string {
  const payload = Buffer.from(JSON.stringify({ w: claims.w, i: claims.i, c: claims.c, e: Math.floor(nowSec) + SURVEY_LINK_LIFETIME_SEC })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The claims without checking the signature (to find the workspace whose secret checks it); null unless every id is in range. */
export function peekSurveyToken(token: string): SurveyClaims | null {
  const [payload] = token.split('.');
  if (!payload || payload.length > 400) return null;
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SurveyClaims;
    if (typeof c !== 'object' || c === null) return null;
    const id = (v: unknown, max: number) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= max;
    if (!id(c.w, MAX_INT32) || !id(c.i, Number.MAX_SAFE_INTEGER) || !id(c.c, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(c.e)) return null;
    return { w: c.w, i: c.i, c: c.c, e: c.e };
  } catch {
    return null;
  }
}

/** The claims of a token signed with `secret` and not expired at `nowSec`, or null (tampered, truncated, expired). */
export function verifySurveyToken(secret: string, token: string, nowSec: number): SurveyClaims | null {
  const [payload, sig] = token.split('.');
  if (!payload || !sig) return null;
  const want = Buffer.from(sign(secret, payload));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  const c = peekSurveyToken(token);
  if (!c || nowSec >= c.e) return null;
  return c;
}

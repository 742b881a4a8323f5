import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.js';

/** A session lasts 14 days from its last use (renewed at most once an hour), and 30 days at most. */
export const SESSION_IDLE_MS = 14 * 86_400_000;
export const SESSION_MAX_MS = 30 * 86_400_000;
const RENEW_AFTER_MS = 3_600_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A signed-in browser as the edge guard sees it. */
export interface SessionRow {
  userId: number;
  email: string;
  name: string;
  csrf: string;
  expiresAt: Date;
  lastSeenAt: Date;
  createdAt: Date;
}

/** Start a session for a user: the token goes in the cookie (only its hash is kept), the CSRF token in the page. */
export async function createSession(db: Queryable, userId: number, meta: { ip?: string; userAgent?: string } = {}, now = new Date()): Promise<{ token: string; csrf: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  await db.query(`INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`, [
    hashToken(token),
    userId,
    csrf,
    now,
    expiresAt,
    meta.ip ?? null,
    meta.userAgent?.slice(0, 500) ?? null,
  ]);
  return { token, csrf, expiresAt };
}

/**
 * The live session for a cookie token (not expired, user not disabled), or null. Renews its
 * expiry when it was last renewed over an hour ago, never past 30 days from sign-in.
 */
export async function findSession(db: Queryable, token: string, now = new Date()): Promise<SessionRow | null> {
  if (token.length < 20 || token.length > 100) return null;
  const { rows } = await db.query<SessionRow>(
    `SELECT s.user_id AS "userId", u.email, u.name, s.csrf, s.expires_at AS "expiresAt", s.last_seen_at AS "lastSeenAt", s.created_at AS "createdAt"
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [hashToken(token), now],
  );
  const s = rows[0];
  if (!s) return null;
  if (now.getTime() - new Date(s.lastSeenAt).getTime() > RENEW_AFTER_MS) {
    const until = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, new Date(s.createdAt).getTime() + SESSION_MAX_MS));
    await db.query(`UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1`, [hashToken(token), now, until]);
    s.expiresAt = until;
  }
  return s;
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE token_hash = $1`, [hashToken(token)]);
}

/** End every session of a user (after a password change or reset), except the one named. */
export async function deleteUserSessions(db: Queryable, userId: number, exceptToken?: string): Promise<number> {
  const { rows } = await db.query(`DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING 1`, [userId, exceptToken ? hashToken(exceptToken) : '']);
  return rows.length;
}

/** Forget expired sessions (housekeeping). */
export async function deleteExpiredSessions(db: Queryable, now = new Date()): Promise<number> {
  const { rows } = await db.query(`DELETE FROM sessions WHERE expires_at <= $1 RETURNING 1`, [now]);
  return rows.length;
}

/**
 * Passwords: change (knowing the current one) and reset by email (a link valid one hour,
 * usable once). A reset request answers the same whatever the email, and at most
 * RESETS_PER_HOUR links go out per account per hour; using one ends every session of the user.
 */
import type { Db, Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { findUser, findUserByEmail, setPassword } from './users.repo.js';
import { deleteUserSessions } from './sessions.repo.js';
import { verifyPassword } from './passwords.js';
import { hashLinkToken, newLinkToken } from './invitations.repo.js';
import type { Mailer } from './mailer.js';

export const RESET_TTL_MS = 60 * 60_000;
export const RESETS_PER_HOUR = 3;

/** The dashboard page that sets a new password (path routes, see src/dashboard/routes.ts). */
export function resetLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/reset-password/${token}`;
}

/**
 * A reset link for the account with this email, or null (no such account, a disabled one, or
 * RESETS_PER_HOUR links made in the last hour already). The caller answers the same either way.
 */
export async function requestPasswordReset(db: Db, email: string, now: Date): Promise<{ token: string; email: string } | null> {
  return db.transaction(async (tx) => {
    const user = await findUserByEmail(tx, email);
    if (!user || user.disabledAt) return null;
    // Serialise requests for one account so the count below is exact.
    await tx.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [user.id]);
    const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM password_resets WHERE user_id = $1 AND created_at > $2`, [user.id, new Date(now.getTime() - 3_600_000)]);
    if ((rows[0]?.n ?? 0) >= RESETS_PER_HOUR) return null;
    const token = newLinkToken();
    await tx.query(`INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, [hashLinkToken(token), user.id, now, new Date(now.getTime() + RESET_TTL_MS)]);
    return { token, email: user.email };
  });
}

/** Set the password from a reset link: the link (and every other open one of the user) is used up, and all the user's sessions end. */
export async function resetPassword(db: Db, token: string, password: string, now: Date): Promise<Result<{ userId: number }, { code: 'not_found'; message: string }>> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ userId: number; usedAt: Date | null; expiresAt: Date }>(
      `SELECT user_id AS "userId", used_at AS "usedAt", expires_at AS "expiresAt" FROM password_resets WHERE token_hash = $1 FOR UPDATE`,
      [hashLinkToken(token)],
    );
    const r = rows[0];
    if (!r) return fail('not_found', 'this password reset link is not valid (check it was copied whole)');
    if (r.usedAt) return fail('not_found', 'this password reset link was already used; ask for a new one');
    if (r.expiresAt.getTime() <= now.getTime()) return fail('not_found', 'this password reset link has expired (they are valid for 1 hour); ask for a new one');
    await tx.query(`UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, [r.userId, now]);
    await setPassword(tx, r.userId, password);
    await deleteUserSessions(tx, r.userId);
    return ok({ userId: r.userId });
  });
}

/** Change one's own password: the current one must match; every other session of the user ends (`keepToken`: this browser's). */
export async function changePassword(
  db: Db,
  userId: number,
  current: string,
  password: string,
  keepToken?: string,
): Promise<Result<void, { code: 'unauthorized' | 'validation_failed'; message: string; field?: string }>> {
  return db.transaction(async (tx: Queryable) => {
    const user = await findUser(tx, userId);
    if (!user || !(await verifyPassword(current, user.passwordHash))) return fail('validation_failed', 'body.current: the current password is wrong', { field: 'current' });
    if (current === password) return fail('validation_failed', 'the new password is the same as the current one', { field: 'password' });
    await setPassword(tx, userId, password);
    await deleteUserSessions(tx, userId, keepToken);
    return ok();
  });
}

export async function sendResetEmail(mailer: Mailer, to: string, link: string): Promise<boolean> {
  const r = await mailer.send({
    to,
    subject: 'Reset your Tenure password',
    text: [
      'Someone (hopefully you) asked to reset the password of your Tenure account.',
      '',
      'Choose a new password here (the link works once, for 1 hour):',
      link,
      '',
      'If you did not ask, ignore this email: your password stays as it is.',
    ].join('\n'),
  });
  return r.ok;
}

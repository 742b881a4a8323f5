import type { Queryable } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import { verifyPassword } from './passwords.js';
import { createSession } from './sessions.repo.js';
import { findUserByEmail, markSignedIn, membershipsOf, type Membership, type User } from './users.repo.js';

/** A hash of nothing anyone knows, checked when the email is unknown so both answers take as long. */
const DECOY = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export interface SignedInSession {
  user: User;
  workspaces: Membership[];
  token: string;
  csrf: string;
  expiresAt: Date;
}

/** Check an email and password and start a session; one answer for an unknown email and a wrong password. */
export async function signInWithPassword(db: Queryable, email: string, password: string, meta: { ip?: string; userAgent?: string }): Promise<Result<SignedInSession>> {
  const user = await findUserByEmail(db, email);
  const matches = await verifyPassword(password, user?.passwordHash ?? DECOY);
  if (!user || !matches || !user.passwordHash) return fail('unauthorized', 'wrong email or password');
  if (user.disabledAt) return fail('forbidden', 'this account is disabled: ask an admin of your workspace');
  return ok(await startSession(db, user, meta));
}

/** Start a session for a user who proved who they are (password, invitation, OIDC). */
export async function startSession(db: Queryable, user: User, meta: { ip?: string; userAgent?: string }): Promise<SignedInSession> {
  const session = await createSession(db, user.id, meta);
  await markSignedIn(db, user.id);
  return { user, workspaces: await membershipsOf(db, user.id), ...session };
}

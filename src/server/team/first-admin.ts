/**
 * The first admin: when a start finds no user at all, it creates an owner of the default
 * workspace (TENURE_ADMIN_EMAIL, default admin@localhost) with TENURE_ADMIN_PASSWORD or a
 * random password, and prints them once, as the generated keys are. Once any user exists
 * this does nothing, ever again.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { LOCK } from '../db/locks.js';
import { addMembership, createUser } from './users.repo.js';

export interface FirstAdmin {
  email: string;
  /** Null when it came from TENURE_ADMIN_PASSWORD (not printed: whoever set it knows it). */
  password: string | null;
}

/** Create the first admin when the users table is empty; null when there are users already. */
export async function ensureFirstAdmin(db: Db, workspaceId: number, env: { email?: string; password?: string }): Promise<FirstAdmin | null> {
  return db.transaction(async (tx) => {
    // Two processes starting at once on one database: one creates, the other finds a user.
    await tx.query(`SELECT pg_advisory_xact_lock($1, 0)`, [LOCK.firstAdmin]);
    const { rows } = await tx.query(`SELECT 1 FROM users LIMIT 1`);
    if (rows.length > 0) return null;
    const email = (env.email ?? 'admin@localhost').trim().toLowerCase();
    const password = env.password ?? randomBytes(12).toString('base64url');
    const user = await createUser(tx, { email, name: 'Admin', password });
    await addMembership(tx, workspaceId, user.id, 'owner');
    return { email, password: env.password ? null : password };
  });
}

/** Print the first admin's sign-in once (standard output, like the generated keys). */
export function printFirstAdmin(admin: FirstAdmin | null, address?: string, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  if (!admin) return;
  const lines = ['', 'Tenure created the first user, an owner of the default workspace. The password is shown only this once; change it after signing in.'];
  lines.push(`  email:    ${admin.email}`);
  lines.push(`  password: ${admin.password ?? '(the one in TENURE_ADMIN_PASSWORD)'}`);
  if (address) lines.push(`  Sign in at ${address}/`);
  out(`${lines.join('\n')}\n\n`);
}

import type { Queryable } from '../db/client.js';
import type { Role } from '../../contracts/team.js';
import { hashPassword } from './passwords.js';

/** A Tenure user (a person on the team, not a customer). */
export interface User {
  id: number;
  email: string;
  name: string;
  passwordHash: string | null;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
}

/** A workspace a user belongs to, with their role there. */
export interface Membership {
  id: number;
  slug: string;
  name: string;
  role: Role;
  deleting: boolean;
}

const COLS = `id, email, name, password_hash AS "passwordHash", disabled_at AS "disabledAt", last_sign_in_at AS "lastSignInAt"`;

/** Emails are compared lower-cased and trimmed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Create a user; with a password, it is hashed here. Fails (unique violation) when the email is taken. */
export async function createUser(db: Queryable, input: { email: string; name?: string; password?: string }): Promise<User> {
  const hash = input.password === undefined ? null : await hashPassword(input.password);
  const { rows } = await db.query<User>(`INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ${COLS}`, [normaliseEmail(input.email), input.name?.trim() ?? '', hash]);
  return rows[0]!;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<User | null> {
  const { rows } = await db.query<User>(`SELECT ${COLS} FROM users WHERE email = $1`, [normaliseEmail(email)]);
  return rows[0] ?? null;
}

export async function findUser(db: Queryable, id: number): Promise<User | null> {
  const { rows } = await db.query<User>(`SELECT ${COLS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** How many users exist (the first start creates an owner when there are none). */
export async function countUsers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`);
  return rows[0]!.n;
}

export async function setPassword(db: Queryable, userId: number, password: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, await hashPassword(password)]);
}

export async function setUserName(db: Queryable, userId: number, name: string): Promise<void> {
  await db.query(`UPDATE users SET name = $2 WHERE id = $1`, [userId, name.trim()]);
}

export async function markSignedIn(db: Queryable, userId: number): Promise<void> {
  await db.query(`UPDATE users SET last_sign_in_at = now() WHERE id = $1`, [userId]);
}

/** Give a user a role in a workspace (or change it). */
export async function addMembership(db: Queryable, workspaceId: number, userId: number, role: Role): Promise<void> {
  await db.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`, [workspaceId, userId, role]);
}

/** The workspaces a user belongs to, oldest membership first. */
export async function membershipsOf(db: Queryable, userId: number): Promise<Membership[]> {
  const { rows } = await db.query<Membership>(
    `SELECT w.id, w.slug, w.name, m.role, (d.workspace_id IS NOT NULL) AS deleting
       FROM memberships m JOIN workspaces w ON w.id = m.workspace_id LEFT JOIN workspace_deletions d ON d.workspace_id = w.id
      WHERE m.user_id = $1 ORDER BY m.created_at, w.id`,
    [userId],
  );
  return rows;
}

/** A user's role in one workspace, or null when they are not a member. */
export async function membershipOf(db: Queryable, workspaceId: number, userId: number): Promise<Role | null> {
  const { rows } = await db.query<{ role: Role }>(`SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
  return rows[0]?.role ?? null;
}

/** A workspace's members with their roles, owners first. */
export async function listMembers(db: Queryable, workspaceId: number): Promise<Array<{ userId: number; email: string; name: string; role: Role; joinedAt: Date; lastSignInAt: Date | null }>> {
  const { rows } = await db.query<{ userId: number; email: string; name: string; role: Role; joinedAt: Date; lastSignInAt: Date | null }>(
    `SELECT u.id AS "userId", u.email, u.name, m.role, m.created_at AS "joinedAt", u.last_sign_in_at AS "lastSignInAt"
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.workspace_id = $1
      ORDER BY array_position(ARRAY['owner','admin','marketer','support','analyst'], m.role), u.email`,
    [workspaceId],
  );
  return rows;
}

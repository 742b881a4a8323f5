/**
 * TEMPORARY stand-ins for the integrator's "Auth core" (team/passwords.ts, team/users.repo.ts,
 * team/sessions.repo.ts, http/session-cookie.ts), with the signatures common.md promises, so the
 * team domain compiles and its DB tests run before that lands. Replaced by re-exports of the
 * real modules once it is on main; nothing outside team/ imports this file.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.js';
import type { Role } from '../../contracts/team.js';

const scrypt = promisify(scryptCb) as (p: string, s: Buffer, len: number, o: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(16);
  const N = 16384,
    r = 8,
    p = 1;
  const hash = await scrypt(plain, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(plain: string, stored: string | null): Promise<boolean> {
  if (!stored) return false;
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scrypt(plain, Buffer.from(salt, 'base64url'), want.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(want, got);
}

export interface UserRow {
  id: number;
  email: string;
  name: string;
  passwordHash: string | null;
  createdAt: Date;
  lastSignInAt: Date | null;
  disabledAt: Date | null;
}
const USER_COLS = `id, email, name, password_hash AS "passwordHash", created_at AS "createdAt", last_sign_in_at AS "lastSignInAt", disabled_at AS "disabledAt"`;

export async function createUser(db: Queryable, u: { email: string; name: string; password?: string }): Promise<UserRow> {
  const hash = u.password ? await hashPassword(u.password) : null;
  const { rows } = await db.query<UserRow>(`INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ${USER_COLS}`, [u.email.trim().toLowerCase(), u.name, hash]);
  return rows[0]!;
}
export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE email = $1`, [email.trim().toLowerCase()]);
  return rows[0] ?? null;
}
export async function findUser(db: Queryable, id: number): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}
export async function setPassword(db: Queryable, userId: number, plain: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, await hashPassword(plain)]);
}
export async function addMembership(db: Queryable, workspaceId: number, userId: number, role: Role): Promise<void> {
  await db.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`, [workspaceId, userId, role]);
}
export async function membershipsOf(db: Queryable, userId: number): Promise<Array<{ id: number; slug: string; name: string; role: Role; deleting: boolean }>> {
  const { rows } = await db.query<{ id: number; slug: string; name: string; role: Role; deleting: boolean }>(
    `SELECT w.id, w.slug, w.name, m.role, EXISTS (SELECT 1 FROM workspace_deletions d WHERE d.workspace_id = w.id) AS deleting
       FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY w.id`,
    [userId],
  );
  return rows;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export async function createSession(db: Queryable, userId: number, meta: { ip?: string | null; userAgent?: string | null }): Promise<{ token: string; csrf: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  await db.query(`INSERT INTO sessions (token_hash, user_id, csrf, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)`, [
    sha256(token),
    userId,
    csrf,
    expiresAt,
    meta.ip ?? null,
    meta.userAgent ?? null,
  ]);
  await db.query(`UPDATE users SET last_sign_in_at = now() WHERE id = $1`, [userId]);
  return { token, csrf, expiresAt };
}
export async function deleteUserSessions(db: Queryable, userId: number): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
}

export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, token: string, expiresAt: Date): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  void reply.header('set-cookie', `tenure_session=${token}; HttpOnly; SameSite=Lax; Path=/; Expires=${expiresAt.toUTCString()}${secure}`);
}

export async function findSession(db: Queryable, token: string): Promise<{ userId: number; csrf: string; expiresAt: Date } | null> {
  const { rows } = await db.query<{ userId: number; csrf: string; expiresAt: Date }>(
    `SELECT user_id AS "userId", csrf, expires_at AS "expiresAt" FROM sessions WHERE token_hash = $1 AND expires_at > now()`,
    [sha256(token)],
  );
  return rows[0] ?? null;
}

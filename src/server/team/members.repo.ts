import type { Queryable } from '../db/client.js';
import type { Role } from '../../contracts/team.js';

export interface MemberRow {
  userId: number;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
  lastSignInAt: Date | null;
}

/** The workspace's members, owners first, then by email. */
export async function memberRows(db: Queryable, workspaceId: number): Promise<MemberRow[]> {
  const { rows } = await db.query<MemberRow>(
    `SELECT m.user_id AS "userId", u.email, u.name, m.role, m.created_at AS "joinedAt", u.last_sign_in_at AS "lastSignInAt"
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.workspace_id = $1
      ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.email`,
    [workspaceId],
  );
  return rows;
}

export async function memberRow(db: Queryable, workspaceId: number, userId: number): Promise<MemberRow | null> {
  const { rows } = await db.query<MemberRow>(
    `SELECT m.user_id AS "userId", u.email, u.name, m.role, m.created_at AS "joinedAt", u.last_sign_in_at AS "lastSignInAt"
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND m.user_id = $2`,
    [workspaceId, userId],
  );
  return rows[0] ?? null;
}

/**
 * Lock the workspace's owner rows and the target's (in user id order, so two changes never wait
 * on each other in a cycle) and answer how many owners there are and the target's role: the
 * last-owner rule reads both under the lock, so two owners demoting each other at once cannot
 * leave the workspace with none.
 */
export async function lockForRoleChange(db: Queryable, workspaceId: number, userId: number): Promise<{ owners: number; role: Role | null }> {
  const { rows } = await db.query<{ userId: number; role: Role }>(
    `SELECT user_id AS "userId", role FROM memberships WHERE workspace_id = $1 AND (role = 'owner' OR user_id = $2) ORDER BY user_id FOR UPDATE`,
    [workspaceId, userId],
  );
  return { owners: rows.filter((r) => r.role === 'owner').length, role: rows.find((r) => r.userId === userId)?.role ?? null };
}

export async function setMemberRole(db: Queryable, workspaceId: number, userId: number, role: Role): Promise<void> {
  await db.query(`UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId, role]);
}

export async function deleteMembership(db: Queryable, workspaceId: number, userId: number): Promise<void> {
  await db.query(`DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
}

/** Whether the user is a member of the workspace. */
export async function isMember(db: Queryable, workspaceId: number, userId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
  return rows.length > 0;
}

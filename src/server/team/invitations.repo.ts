import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/client.js';
import type { Role } from '../../contracts/team.js';

/** A link token: 32 random bytes, base64url (43 characters). Only its hash is stored. */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a link token: its SHA-256, hex. The token is long and random, so a fast hash is enough. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface InvitationRow {
  id: number;
  workspaceId: number;
  email: string;
  role: Role;
  invitedBy: number | null;
  /** The inviter's email, when they are still a user. */
  invitedByEmail: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const COLS = `i.id, i.workspace_id AS "workspaceId", i.email, i.role, i.invited_by AS "invitedBy", u.email AS "invitedByEmail",
  i.created_at AS "createdAt", i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt", i.revoked_at AS "revokedAt"`;
const FROM = `invitations i LEFT JOIN users u ON u.id = i.invited_by`;

/** Revoke the open invitations of an email to a workspace (a new one replaces them). */
export async function revokeOpenInvitations(db: Queryable, workspaceId: number, email: string, now: Date): Promise<number> {
  const { rowCount } = await db.query(`UPDATE invitations SET revoked_at = $3 WHERE workspace_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, [workspaceId, email, now]);
  return rowCount;
}

export async function insertInvitation(
  db: Queryable,
  i: { workspaceId: number; email: string; role: Role; tokenHash: string; invitedBy: number | null; now: Date; expiresAt: Date },
): Promise<InvitationRow> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [i.workspaceId, i.email, i.role, i.tokenHash, i.invitedBy, i.now, i.expiresAt],
  );
  return (await findInvitation(db, i.workspaceId, rows[0]!.id))!;
}

export async function findInvitation(db: Queryable, workspaceId: number, id: number): Promise<InvitationRow | null> {
  const { rows } = await db.query<InvitationRow>(`SELECT ${COLS} FROM ${FROM} WHERE i.workspace_id = $1 AND i.id = $2`, [workspaceId, id]);
  return rows[0] ?? null;
}

/** The invitation a token is for (whatever its state), locked when `lock` (accepting it). */
export async function invitationByToken(db: Queryable, tokenHash: string, lock = false): Promise<(InvitationRow & { workspaceName: string }) | null> {
  const { rows } = await db.query<InvitationRow & { workspaceName: string }>(
    `SELECT ${COLS}, w.name AS "workspaceName" FROM ${FROM} JOIN workspaces w ON w.id = i.workspace_id WHERE i.token_hash = $1${lock ? ' FOR UPDATE OF i' : ''}`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

/** Invitations not accepted and not revoked (expired ones included: they show as such), newest first. */
export async function listOpenInvitations(db: Queryable, workspaceId: number): Promise<InvitationRow[]> {
  const { rows } = await db.query<InvitationRow>(`SELECT ${COLS} FROM ${FROM} WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL ORDER BY i.created_at DESC, i.id DESC`, [
    workspaceId,
  ]);
  return rows;
}

/** Revoke one open invitation; false when there is none open with that id. */
export async function revokeInvitation(db: Queryable, workspaceId: number, id: number, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE invitations SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, [workspaceId, id, now]);
  return rowCount > 0;
}

export async function markAccepted(db: Queryable, id: number, now: Date): Promise<void> {
  await db.query(`UPDATE invitations SET accepted_at = $2 WHERE id = $1`, [id, now]);
}

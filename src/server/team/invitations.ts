/**
 * Invitations to a workspace: an email and a role, a link holding a random token (only its
 * hash is kept), valid seven days, usable once. Inviting the same email again replaces the
 * open invitation. Accepting creates the user (a new email: password required) or, for an
 * email that already has an account, needs that user signed in or their current password;
 * it adds the membership and marks the invitation accepted, in one transaction.
 */
import type { Db } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { Role } from '../../contracts/team.js';
import { addMembership, createUser, findUserByEmail } from './users.repo.js';
import { verifyPassword } from './passwords.js';
import {
  findInvitation,
  hashLinkToken,
  insertInvitation,
  invitationByToken,
  listOpenInvitations,
  markAccepted,
  newLinkToken,
  revokeInvitation,
  revokeOpenInvitations,
  type InvitationRow,
} from './invitations.repo.js';
import { isMember } from './members.repo.js';
import type { Mailer } from './mailer.js';

export const INVITATION_TTL_MS = 7 * 86_400_000;

export { listOpenInvitations, findInvitation, revokeInvitation, type InvitationRow };

/** The dashboard page that accepts an invitation (path routes, see src/dashboard/routes.ts). */
export function invitationLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/invite/${token}`;
}

export async function createInvitation(
  db: Db,
  i: { workspaceId: number; email: string; role: Role; invitedBy: number | null; inviterRole: Role | null; now: Date },
): Promise<Result<{ invitation: InvitationRow; token: string }, { code: 'forbidden' | 'conflict'; message: string }>> {
  if (i.role === 'owner' && i.inviterRole !== 'owner') return fail('forbidden', 'only an owner may invite an owner');
  const email = i.email.trim().toLowerCase();
  return db.transaction(async (tx) => {
    const existing = await findUserByEmail(tx, email);
    if (existing && (await isMember(tx, i.workspaceId, existing.id))) return fail('conflict', `${email} is already a member of this workspace (change their role in the members list instead)`);
    await revokeOpenInvitations(tx, i.workspaceId, email, i.now);
    const token = newLinkToken();
    const invitation = await insertInvitation(tx, {
      workspaceId: i.workspaceId,
      email,
      role: i.role,
      tokenHash: hashLinkToken(token),
      invitedBy: i.invitedBy,
      now: i.now,
      expiresAt: new Date(i.now.getTime() + INVITATION_TTL_MS),
    });
    return ok({ invitation, token });
  });
}

type Unusable = { code: 'not_found'; message: string };

/** Why a token cannot be used, or null when it can. */
function unusable(inv: InvitationRow | null, now: Date): Unusable | null {
  if (!inv) return { code: 'not_found', message: 'this invitation link is not valid (check it was copied whole)' };
  if (inv.acceptedAt) return { code: 'not_found', message: 'this invitation was already used; sign in instead' };
  if (inv.revokedAt) return { code: 'not_found', message: 'this invitation was withdrawn (or replaced by a newer one); ask for a new invitation' };
  if (inv.expiresAt.getTime() <= now.getTime()) return { code: 'not_found', message: 'this invitation has expired (they are valid for 7 days); ask for a new one' };
  return null;
}

/** What the invitation page shows before accepting. */
export async function previewInvitation(db: Db, token: string, now: Date): Promise<Result<{ email: string; role: Role; workspace: string; hasAccount: boolean }, Unusable>> {
  const inv = await invitationByToken(db, hashLinkToken(token));
  const bad = unusable(inv, now);
  if (bad || !inv) return fail('not_found', bad!.message);
  const user = await findUserByEmail(db, inv.email);
  return ok({ email: inv.email, role: inv.role, workspace: inv.workspaceName, hasAccount: user !== null });
}

type AcceptFailure = { code: 'not_found' | 'unauthorized' | 'validation_failed' | 'forbidden'; message: string; field?: string };

/**
 * Accept an invitation: `sessionUserId` is the user the request is signed in as (if any).
 * Answers the user now holding the membership.
 */
export async function acceptInvitation(
  db: Db,
  a: { token: string; name?: string; password?: string; sessionUserId: number | null; now: Date },
): Promise<Result<{ userId: number; workspaceId: number; created: boolean }, AcceptFailure>> {
  return db.transaction(async (tx): Promise<Result<{ userId: number; workspaceId: number; created: boolean }, AcceptFailure>> => {
    const inv = await invitationByToken(tx, hashLinkToken(a.token), true);
    const bad = unusable(inv, a.now);
    if (bad || !inv) return fail('not_found', bad!.message);
    let user = await findUserByEmail(tx, inv.email);
    let created = false;
    if (user) {
      if (user.disabledAt) return fail('forbidden', 'this account is disabled');
      const signedIn = a.sessionUserId === user.id;
      if (!signedIn && !(a.password !== undefined && (await verifyPassword(a.password, user.passwordHash)))) {
        return fail(
          'unauthorized',
          a.password === undefined
            ? `${inv.email} already has an account: sign in as ${inv.email} first, or enter that account’s password`
            : `wrong password for ${inv.email} (enter the password of your existing account)`,
        );
      }
    } else {
      if (a.password === undefined) return fail('validation_failed', 'choose a password (at least 10 characters) to create your account', { field: 'password' });
      user = await createUser(tx, { email: inv.email, name: a.name?.trim() || inv.email.split('@')[0]!, password: a.password });
      created = true;
    }
    // A member already (joined meanwhile another way): the invitation's role applies.
    await addMembership(tx, inv.workspaceId, user.id, inv.role);
    await markAccepted(tx, inv.id, a.now);
    return ok({ userId: user.id, workspaceId: inv.workspaceId, created });
  });
}

/** The invitation email; the link is on a line of its own. */
export async function sendInvitationEmail(
  mailer: Mailer,
  m: { to: string; link: string; workspace: string; role: Role; inviter: string | null },
): Promise<{ status: 'sent' } | { status: 'failed'; error: string }> {
  const r = await mailer.send({
    to: m.to,
    subject: `You are invited to ${m.workspace} on Tenure`,
    text: [
      `${m.inviter ?? 'An administrator'} invited you to join the workspace “${m.workspace}” on Tenure as ${m.role}.`,
      '',
      'Accept the invitation here (the link works once, for 7 days):',
      m.link,
      '',
      'If you did not expect this, you can ignore this email.',
    ].join('\n'),
  });
  return r.ok ? { status: 'sent' } : { status: 'failed', error: r.message };
}

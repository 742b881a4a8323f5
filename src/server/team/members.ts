/**
 * Changing and removing a workspace's members. Only an owner may name an owner, take the role
 * away or remove one; the last owner can be neither demoted nor removed. Removing a member
 * deletes the membership only: sessions belong to the user, and theirs no longer reach this
 * workspace (the edge reads the membership on every request).
 */
import type { Db } from '../db/client.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { Role } from '../../contracts/team.js';
import { deleteMembership, lockForRoleChange, memberRow, setMemberRole, type MemberRow } from './members.repo.js';

type MemberFailure = { code: 'not_found' | 'forbidden' | 'conflict'; message: string };

/** Who is changing the team: their role in the workspace (a key counts as an admin). */
export interface TeamActor {
  role: Role | null;
}

const isOwner = (a: TeamActor) => a.role === 'owner';

export async function changeMemberRole(db: Db, workspaceId: number, actor: TeamActor, userId: number, role: Role): Promise<Result<MemberRow, MemberFailure>> {
  return db.transaction(async (tx) => {
    const { owners, role: current } = await lockForRoleChange(tx, workspaceId, userId);
    if (current === null) return fail('not_found', `user ${userId} is not a member of this workspace`);
    if ((current === 'owner' || role === 'owner') && current !== role && !isOwner(actor)) {
      return fail('forbidden', current === 'owner' ? 'only an owner may take the owner role away' : 'only an owner may make someone an owner');
    }
    if (current === 'owner' && role !== 'owner' && owners <= 1) {
      return fail('conflict', 'this is the workspace’s last owner: make someone else an owner first, then change this role');
    }
    if (current !== role) await setMemberRole(tx, workspaceId, userId, role);
    return ok((await memberRow(tx, workspaceId, userId))!);
  });
}

export async function removeMember(db: Db, workspaceId: number, actor: TeamActor, userId: number): Promise<Result<MemberRow, MemberFailure>> {
  return db.transaction(async (tx) => {
    const { owners, role: current } = await lockForRoleChange(tx, workspaceId, userId);
    if (current === null) return fail('not_found', `user ${userId} is not a member of this workspace`);
    if (current === 'owner' && !isOwner(actor)) return fail('forbidden', 'only an owner may remove an owner');
    if (current === 'owner' && owners <= 1) return fail('conflict', 'this is the workspace’s last owner: make someone else an owner first, then remove this one');
    const before = (await memberRow(tx, workspaceId, userId))!;
    await deleteMembership(tx, workspaceId, userId);
    return ok(before);
  });
}

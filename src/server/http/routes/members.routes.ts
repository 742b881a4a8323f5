import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { InvitationView, InviteInput, MemberList, MemberPatch, MemberView, roleMay, scopeMay } from '../../../contracts/team.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../log.js';
import { createInvitation, findInvitation, invitationLink, listOpenInvitations, revokeInvitation, sendInvitationEmail, type InvitationRow } from '../../team/invitations.js';
import type { Mailer } from '../../team/mailer.js';
import { changeMemberRole, removeMember, type TeamActor } from '../../team/members.js';
import { memberRows, type MemberRow } from '../../team/members.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { principalOf, type Principal } from '../principal.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const UserParams = z.object({ userId: z.coerce.number().int().positive() });
const IdParams = z.object({ id: z.coerce.number().int().positive() });

const iso = (d: Date | null) => d?.toISOString() ?? null;
export const memberView = (m: MemberRow): MemberView => ({ ...m, joinedAt: m.joinedAt.toISOString(), lastSignInAt: iso(m.lastSignInAt) });
export const invitationView = (i: InvitationRow): InvitationView => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invitedBy: i.invitedByEmail,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
  acceptedAt: iso(i.acceptedAt),
});

/** Whether the caller may manage members (sees open invitations). */
const mayManage = (p: Principal | undefined) => (p ? (p.kind === 'user' ? roleMay(p.role, 'members.manage') : scopeMay(p.scope, 'members.manage')) : false);
const actorOf = (p: Principal | undefined): TeamActor => ({ role: p?.kind === 'user' ? p.role : null });

/** The workspace's team: members and their roles, invitations (team/members.ts, team/invitations.ts). */
export function memberRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; mailer: Mailer | null; publicUrl: string; log?: Logger }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/members', {
    schema: {
      tags: ['team'],
      summary: 'The workspace’s members with their roles; open invitations too for those who may manage members',
      security,
      response: { 200: MemberList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const members = (await memberRows(deps.db, ws.id)).map(memberView);
      const invitations = mayManage(principalOf(req)) ? (await listOpenInvitations(deps.db, ws.id)).map(invitationView) : [];
      return { members, invitations };
    },
  });

  r.patch('/api/members/:userId', {
    schema: {
      tags: ['team'],
      summary: 'Change a member’s role (only an owner names or demotes an owner; the last owner stays one)',
      security,
      params: UserParams,
      body: MemberPatch,
      response: { 200: MemberView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await changeMemberRole(deps.db, ws.id, actorOf(principalOf(req)), req.params.userId, req.body.role);
      if (!res.ok) throw httpErrorOf(res);
      return memberView(res.value);
    },
  });

  r.delete('/api/members/:userId', {
    schema: {
      tags: ['team'],
      summary: 'Remove a member from the workspace (their account stays; only an owner removes an owner; never the last one)',
      security,
      params: UserParams,
      response: { 204: z.null(), ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await removeMember(deps.db, ws.id, actorOf(principalOf(req)), req.params.userId);
      if (!res.ok) throw httpErrorOf(res);
      return reply.status(204).send(null);
    },
  });

  r.get('/api/invitations', {
    schema: { tags: ['team'], summary: 'Open invitations (not accepted, not withdrawn), newest first', security, response: { 200: z.object({ invitations: z.array(InvitationView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { invitations: (await listOpenInvitations(deps.db, ws.id)).map(invitationView) };
    },
  });

  r.post('/api/invitations', {
    schema: {
      tags: ['team'],
      summary: 'Invite someone by email with a role: the answer holds the link (valid 7 days, once); it is emailed too unless `send` is false or SMTP is not configured',
      security,
      body: InviteInput,
      response: { 201: InvitationView, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const p = principalOf(req);
      const res = await createInvitation(deps.db, {
        workspaceId: ws.id,
        email: req.body.email,
        role: req.body.role,
        invitedBy: p?.kind === 'user' ? p.userId : null,
        inviterRole: p?.kind === 'user' ? p.role : null,
        now: new Date(),
      });
      if (!res.ok) throw httpErrorOf(res);
      const { invitation, token } = res.value;
      const link = invitationLink(deps.publicUrl, token);
      const out: InvitationView = { ...invitationView(invitation), link, emailStatus: 'not_requested' };
      if (req.body.send !== false) {
        if (!deps.mailer) {
          out.emailStatus = 'failed';
          out.emailError = 'SMTP is not configured (SMTP_URL): copy the link and send it yourself';
        } else {
          const sent = await sendInvitationEmail(deps.mailer, { to: invitation.email, link, workspace: ws.name, role: invitation.role, inviter: p?.kind === 'user' ? p.name || p.email : null });
          out.emailStatus = sent.status;
          if (sent.status === 'failed') {
            out.emailError = sent.error;
            deps.log?.warn({ invitation: invitation.id, error: sent.error }, 'invitation email failed');
          }
        }
      }
      return reply.status(201).send(out);
    },
  });

  r.delete('/api/invitations/:id', {
    schema: { tags: ['team'], summary: 'Withdraw an open invitation (its link stops working)', security, params: IdParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await revokeInvitation(deps.db, ws.id, req.params.id, new Date()))) {
        const inv = await findInvitation(deps.db, ws.id, req.params.id);
        throw new HttpError('not_found', inv ? `invitation ${req.params.id} was already ${inv.acceptedAt ? 'accepted' : 'withdrawn'}` : `no invitation ${req.params.id}`);
      }
      return reply.status(204).send(null);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { WorkspaceCreate, WorkspaceCreated, WorkspaceDeleteInput, WorkspaceDeletion, WorkspaceList } from '../../../contracts/team.js';
import type { Db } from '../../db/client.js';
import { membershipsOf } from '../../team/users.repo.js';
import { cancelDeletion, createWorkspaceFor, DELETION_GRACE_DAYS, scheduleDeletion } from '../../workspaces/workspace-admin.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { sessionUserOf } from '../authorize.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { principalOf } from '../principal.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['workspaces'];

/** A user's workspaces, making one, and deleting the current one (with a grace period) or restoring it. */
export function workspacesRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/workspaces', {
    schema: { tags, security, summary: 'The workspaces the signed-in user belongs to, with their role (an API key: none — it opens one workspace)', response: { 200: WorkspaceList, ...errors } },
    handler: async (req) => {
      const user = sessionUserOf(req);
      return { workspaces: user ? await membershipsOf(deps.db, user.userId) : [] };
    },
  });
  r.post('/api/workspaces', {
    schema: {
      tags,
      security,
      summary: 'Make a workspace; the signed-in user becomes its owner. Its write key is in the answer',
      body: WorkspaceCreate,
      response: { 201: WorkspaceCreated, ...errors },
    },
    handler: async (req, reply) => {
      const user = sessionUserOf(req);
      if (!user) throw new HttpError('bad_parameter', 'workspaces are made by a signed-in user (who becomes their owner), not by an API key');
      const res = await createWorkspaceFor(deps.db, user.userId, req.body);
      if (!res.ok) throw httpErrorOf(res);
      return reply.code(201).send(res.value);
    },
  });
  r.delete('/api/workspace', {
    schema: {
      tags,
      security,
      summary: `Delete this workspace: type its slug in \`confirm\`. It stops taking events at once and is purged after ${DELETION_GRACE_DAYS} days unless restored`,
      body: WorkspaceDeleteInput,
      response: { 200: WorkspaceDeletion, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.body.confirm !== ws.slug) throw new HttpError('validation_failed', `to delete this workspace, type its slug "${ws.slug}" in confirm`, { field: 'confirm' });
      const p = principalOf(req);
      const purgeAfter = await scheduleDeletion(deps.db, ws.id, p?.kind === 'user' ? p.userId : null);
      deps.keys.clear();
      return { slug: ws.slug, purgeAfter: purgeAfter.toISOString(), deleting: true };
    },
  });
  r.post('/api/workspace/restore', {
    schema: { tags, security, summary: 'Cancel the deletion of this workspace during its grace period', response: { 200: WorkspaceDeletion, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await cancelDeletion(deps.db, ws.id))) throw new HttpError('conflict', `the workspace "${ws.slug}" is not being deleted`);
      deps.keys.clear();
      return { slug: ws.slug, purgeAfter: null, deleting: false };
    },
  });
}

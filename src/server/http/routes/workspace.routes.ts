import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { KeysView, RotateKeysInput, RotatedKeys, WorkspacePatch, WorkspacePatched, WorkspaceView } from '../../../contracts/workspace.js';
import { loadActivitySettings, type ActivitySettings } from '../../rules/activity.js';
import { changeActivitySettings } from '../../segments/activity-reevaluation.js';
import type { Db } from '../../db/client.js';
import { rotateKeys } from '../../workspaces/rotate.js';
import { deleteSubscriptionGroup } from '../../workspaces/subscription-groups.js';
import { writeKeyUsage } from '../../workspaces/usage.js';
import { updateWorkspace, type Workspace } from '../../workspaces/workspaces.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { jobView } from '../present.js';
import { parseBody } from '../request.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];

const view = (ws: Workspace, activity: ActivitySettings): WorkspaceView => ({
  id: ws.id,
  slug: ws.slug,
  name: ws.name,
  timezone: ws.timezone,
  currency: ws.currency,
  grossMargin: ws.grossMargin,
  activity,
});

/** The admin key's workspace: read and change it, rotate its keys; plus deleting subscription groups. */
export function workspaceRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/workspace', {
    schema: { tags: ['workspace'], summary: 'The workspace this admin key belongs to', security, response: { 200: WorkspaceView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return view(ws, await loadActivitySettings(deps.db, ws.id));
    },
  });

  r.patch('/api/workspace', {
    schema: {
      tags: ['workspace'],
      summary: "Change the workspace's name, timezone, currency, gross margin or activity setting",
      description:
        'A new timezone makes the analytics cut customer-days again in it on their next sync (metrics requests sync first). A change of `activity` (whether opens and clicks count) starts a job, in the answer, that evaluates every stage and segment again under it.',
      security,
      body: WorkspacePatch,
      response: { 200: WorkspacePatched, ...errors },
    },
    // The handler validates again to name the offending field (unknown fields too).
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { activity: activityPatch, ...patch } = parseBody(WorkspacePatch, req);
      const updated = await updateWorkspace(deps.db, ws.id, patch);
      if (!updated) throw new HttpError('not_found', 'this workspace no longer exists');
      // Resolved keys carry the workspace's name, timezone and currency: forget them.
      deps.keys.clear();
      if (!activityPatch) return view(updated, await loadActivitySettings(deps.db, ws.id));
      const changed = await changeActivitySettings(deps.db, ws.id, activityPatch);
      if (changed.job) deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: changed.job.kind });
      return { ...view(updated, changed.activity), ...(changed.job ? { job: jobView(changed.job) } : {}) };
    },
  });

  r.get('/api/workspace/keys', {
    schema: { tags: ['workspace'], summary: "The keys' usage (the keys are stored hashed and cannot be shown)", security, response: { 200: KeysView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { write: await writeKeyUsage(deps.db, ws.id) };
    },
  });

  r.post('/api/workspace/keys/rotate', {
    schema: {
      tags: ['workspace'],
      summary: 'Replace the write and/or admin key with new random ones',
      description: 'The new plain keys are in this response only. The old keys stop working at once.',
      security,
      body: RotateKeysInput,
      response: { 200: RotatedKeys, ...errors },
    },
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const which = parseBody(RotateKeysInput, req);
      const keys = await rotateKeys(deps.db, ws.id, which);
      // The resolver remembers keys for 30 s: the old ones must stop now.
      deps.keys.clear();
      return keys;
    },
  });

  r.delete('/api/subscription-groups/:id', {
    schema: {
      tags: ['messaging'],
      summary: 'Delete a subscription group and the consents recorded for it',
      description: 'Refused (409) while a journey that is not archived sends in the group.',
      security,
      params: z.object({ id: z.string().min(1).max(64) }),
      response: { 204: z.null(), ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const r = await deleteSubscriptionGroup(deps.db, ws.id, req.params.id);
      if (r.kind === 'not_found') throw new HttpError('not_found', `no subscription group "${req.params.id}"`);
      if (r.kind === 'in_use')
        throw new HttpError(
          'conflict',
          `subscription group "${req.params.id}" is used by journey ${r.journeys.map((j) => `"${j}"`).join(', ')}: remove it from their send steps (or archive them) first`,
        );
      return reply.status(204).send(null);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { Distribution, DistributionQuery, Flows, FlowsQuery, JobView, LifecycleModelSchema, ModelSaved, ModelView, PresetsView, StageStats } from '../../../contracts/lifecycle.js';
import type { Db } from '../../db/client.js';
import { enqueueJob, getJob } from '../../jobs/jobs.repo.js';
import { saveModel, type ModelCache } from '../../lifecycle/models.repo.js';
import { PRESETS } from '../../lifecycle/presets.js';
import { stageDistribution, stageFlows, stageStats } from '../../lifecycle/stages.read.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { RECOMPUTE_JOB } from '../../jobs/job-kinds.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { jobView } from '../present.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];

/** Admin API over the lifecycle model, stage distribution, flows and per-stage numbers. */
export function lifecycleRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; models: ModelCache; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['lifecycle'];

  r.get('/api/lifecycle/model', {
    schema: { tags, summary: "The workspace's lifecycle model", security, response: { 200: ModelView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { model, version } = await deps.models.get(deps.db, ws.id);
      return { version, model };
    },
  });

  r.put('/api/lifecycle/model', {
    schema: {
      tags,
      summary: 'Replace the lifecycle model; every stage is then recomputed as a job',
      description:
        'The body is a lifecycle model: ordered `stages` (key, name, description, entry `rule` in the condition language, `expectedDays`, `touchpoints`), `atRisk`, `churned`, and `evaluateAccounts`. An invalid model is refused with 400 and the path of the bad field. The answer is 202 with the recompute job; follow it at GET /api/jobs/{id}.',
      security,
      body: LifecycleModelSchema,
      response: { 202: ModelSaved, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { version, job } = await deps.db.transaction(async (tx) => {
        const version = await saveModel(tx, ws.id, req.body);
        return { version, job: await enqueueJob(tx, ws.id, RECOMPUTE_JOB, { modelVersion: version }) };
      });
      deps.models.invalidate(ws.id);
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: RECOMPUTE_JOB });
      return reply.status(202).send({ version, job: jobView(job) });
    },
  });

  r.get('/api/lifecycle/presets', {
    schema: { tags, summary: 'The built-in models, ready to edit and PUT', security, response: { 200: PresetsView, ...errors } },
    handler: async (req) => {
      await authenticateAdmin(deps.keys, req);
      return { presets: (Object.keys(PRESETS) as Array<keyof typeof PRESETS>).map((name) => ({ name, model: PRESETS[name]() })) };
    },
  });

  r.get('/api/jobs/:id', {
    schema: { tags: ['jobs'], summary: 'A background job with its progress', security, params: z.object({ id: z.coerce.number().int().positive() }), response: { 200: JobView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await getJob(deps.db, ws.id, req.params.id);
      if (!job) throw new HttpError('not_found', `no job ${req.params.id}`);
      return jobView(job);
    },
  });

  r.get('/api/lifecycle/distribution', {
    schema: { tags, summary: 'Customers per stage, now or as of a past moment', security, querystring: DistributionQuery, response: { 200: Distribution, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { model } = await deps.models.get(deps.db, ws.id);
      return stageDistribution(deps.db, ws.id, model, req.query.scope, req.query.at ? new Date(req.query.at) : undefined);
    },
  });

  r.get('/api/lifecycle/flows', {
    schema: { tags, summary: 'Moves between stages, with movement-pattern counts (for a Sankey)', security, querystring: FlowsQuery, response: { 200: Flows, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const from = req.query.from ? new Date(req.query.from) : undefined;
      const to = req.query.to ? new Date(req.query.to) : undefined;
      if (from && to && from >= to) throw new HttpError('validation_failed', '`from` must be before `to`', { field: 'from' });
      return stageFlows(deps.db, ws.id, req.query.scope, from, to);
    },
  });

  r.get('/api/lifecycle/stages/:key', {
    schema: {
      tags,
      summary: 'One stage: count, time in stage (median, p90), conversion to the next stage, drop-off',
      security,
      params: z.object({ key: z.string().min(1).max(40) }),
      querystring: z.object({ scope: z.enum(['customer', 'account']).default('customer') }),
      response: { 200: StageStats, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { model } = await deps.models.get(deps.db, ws.id);
      const stats = await stageStats(deps.db, ws.id, model, req.query.scope, req.params.key, new Date());
      if (!stats) throw new HttpError('not_found', `the lifecycle model has no stage "${req.params.key}"`);
      return stats;
    },
  });
}

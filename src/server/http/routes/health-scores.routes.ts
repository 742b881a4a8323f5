import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { HealthView, RecomputeStarted, Scorecard, ScorecardView } from '../../../contracts/health.js';
import type { Db } from '../../db/client.js';
import { findAccountId, findCustomerId } from '../../identity/customers.read.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import type { ModelCache } from '../../lifecycle/models.repo.js';
import { healthOf } from '../../predict/health/health-read.js';
import { loadScorecard, saveScorecard, type StoredScorecard } from '../../predict/health/health-scorecard.js';
import { checkReferences } from '../../segments/segments.service.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { HEALTH_JOB } from '../../jobs/job-kinds.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { jobView } from '../present.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['health'];
const IdParams = z.object({ id: z.string().min(1).max(512) });

const present = (s: StoredScorecard) => ({ scorecard: s.scorecard, isDefault: s.isDefault, updatedAt: s.updatedAt?.toISOString() ?? null, computedAt: s.computedAt?.toISOString() ?? null });

/** Admin API over health scores: the scorecard, recomputing, and a customer's or account's health with its history. */
export function healthScoreRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; models: ModelCache; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/health/scorecard', {
    schema: { tags, summary: 'The health scorecard in use: measures, weights, bands (the default until one is saved)', security, response: { 200: ScorecardView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return present(await loadScorecard(deps.db, ws.id));
    },
  });

  r.put('/api/health/scorecard', {
    schema: {
      tags,
      summary: 'Replace the health scorecard',
      description:
        'Each measure has a `key`, `name`, `weight` (> 0) and `kind`: a `rule` (a condition in the rule language scoring `ifTrue`, default 100, else `ifFalse`, default 0) or an input mapped to 0–100 through `points` — `score` (a customer score such as `churn_risk`), `events` (count, or active days, in the last `withinDays`), `survey` (the latest answer of a `surveyType`, e.g. nps) or `trait` (a numeric trait). Measures without data for a customer are left out and the other weights renormalised. Bands: red below `yellowFrom` (40), green from `greenFrom` (70). An invalid scorecard is refused with 400 naming the field (e.g. `body.measures.1.weight`). Scores change at the next recompute (POST /api/health/recompute).',
      security,
      body: Scorecard,
      response: { 200: ScorecardView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { model } = await deps.models.get(deps.db, ws.id);
      for (const [i, m] of req.body.measures.entries()) {
        if (m.kind.type !== 'rule') continue;
        const problem = await checkReferences(deps.db, ws.id, null, m.kind.condition, model);
        if (problem) throw new HttpError('validation_failed', `body.measures.${i}.kind.${problem.message}`, { field: `measures.${i}.kind.${problem.field}` });
      }
      await saveScorecard(deps.db, ws.id, req.body, new Date());
      return present(await loadScorecard(deps.db, ws.id));
    },
  });

  r.post('/api/health/recompute', {
    schema: { tags, summary: "Score every customer's and account's health now, as a job (progress at GET /api/jobs/{id})", security, response: { 202: RecomputeStarted, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await enqueueJob(deps.db, ws.id, HEALTH_JOB, {});
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: HEALTH_JOB });
      return reply.status(202).send({ job: jobView(job) });
    },
  });

  r.get('/api/customers/:id/health', {
    schema: {
      tags: ['customers', ...tags],
      summary: "The customer's health: score, band, measures, and every change with the measures that moved it",
      security,
      params: IdParams,
      response: { 200: HealthView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      return healthOf(deps.db, ws.id, 'customer', Number(customerId));
    },
  });

  r.get('/api/accounts/:id/health', {
    schema: {
      tags: ['accounts', ...tags],
      summary: "The account's health (each measure the mean over its members), with every change and what moved it",
      security,
      params: IdParams,
      response: { 200: HealthView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const accountId = await findAccountId(deps.db, ws.id, req.params.id);
      if (accountId === null) throw new HttpError('not_found', `no account with groupId "${req.params.id}"`);
      return healthOf(deps.db, ws.id, 'account', accountId);
    },
  });
}

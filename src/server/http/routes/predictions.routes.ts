import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { ChurnTrainInput, ChurnTrainStarted, ClvModelView, CustomerPredictions, PredictionModelList, PredictionModelView } from '../../../contracts/predictions.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import { strongestFactors } from '../../predict/churn/churn-classifier.js';
import { clvNote, customerPredictions, listModels, type PredictionModel } from '../../predict/predictions.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { CLV_JOB, CHURN_TRAIN_JOB } from '../../jobs/job-kinds.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { jobView } from '../present.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['predictions'];
const IdParams = z.object({ id: z.string().min(1).max(512) });

function modelView(m: PredictionModel): z.infer<typeof PredictionModelView> {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  if (m.kind === 'clv') {
    const fit = m as unknown as Omit<z.infer<typeof ClvModelView>, 'trainedAt' | 'asOf' | 'parameters'> & { trainedAt: Date; asOf: Date; params: z.infer<typeof ClvModelView>['parameters'] };
    return {
      id: fit.id,
      kind: 'clv',
      trainedAt: fit.trainedAt.toISOString(),
      asOf: fit.asOf.toISOString(),
      horizonDays: fit.horizonDays,
      parameters: fit.params,
      features: fit.features,
      metrics: fit.metrics,
    };
  }
  return {
    id: m.id,
    kind: 'churn',
    trainedAt: m.trainedAt.toISOString(),
    asOf: m.asOf.toISOString(),
    horizonDays: m.horizonDays,
    parameters: {
      method: 'L2-regularised logistic regression (Newton) on standardised features',
      lambda: m.params.lambda,
      intercept: m.params.intercept,
      converged: m.params.converged,
      coefficients: strongestFactors(m.params, m.params.coefficients.length),
    },
    features: m.features,
    metrics: {
      ...m.metrics,
      auc: finite(m.metrics.auc),
      precisionAtDecile: finite(m.metrics.precisionAtDecile),
      brier: finite(m.metrics.brier),
      brierBaseline: finite(m.metrics.brierBaseline),
      calibration: m.metrics.calibration ?? [],
    },
  };
}

/** Admin API over predictions: the trained models, training churn as a job, a customer's scores and reasons. */
export function predictionRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/predictions/models', {
    schema: { tags, summary: 'The trained models, newest first: parameters, training date, validation metrics', security, response: { 200: PredictionModelList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { models: (await listModels(deps.db, ws.id)).map(modelView) };
    },
  });

  r.post('/api/predictions/churn/train', {
    schema: {
      tags,
      summary: 'Train the churn model on this workspace’s history and score every customer, as a job',
      description:
        'Trains on the snapshot 2 × horizon days ago (label: moved to the lifecycle model’s churned stage within the horizon), validates on the snapshot one horizon ago, refits on both and scores every known customer who has not churned: `churn_risk` (0–100) in the customer scores, usable in `score` conditions, with the reasons at GET /api/customers/{id}/predictions. The answer is 202 with the job; follow it at GET /api/jobs/{id} (a workspace with too little history fails the job with the reason).',
      security,
      body: ChurnTrainInput,
      response: { 202: ChurnTrainStarted, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await enqueueJob(deps.db, ws.id, CHURN_TRAIN_JOB, { horizonDays: req.body.horizonDays });
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: CHURN_TRAIN_JOB });
      return reply.status(202).send({ job: jobView(job) });
    },
  });

  r.post('/api/predictions/clv/train', {
    schema: {
      tags,
      summary: 'Fit the CLV models (BG/NBD, Gamma-Gamma) on this workspace’s orders and score every buyer, as a job',
      description:
        'One transaction per customer and day, weeks as the time unit, orders up to now. Stores `p_alive` (0–1) and `predicted_clv` (12 months, 1 % a month discount) as customer scores, usable in `score` conditions, and the fit as a `clv` model. Refitted daily by itself; a workspace with fewer than 20 repeat buyers fails the job with the reason.',
      security,
      response: { 202: ChurnTrainStarted, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await enqueueJob(deps.db, ws.id, CLV_JOB, {});
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: CLV_JOB });
      return reply.status(202).send({ job: jobView(job) });
    },
  });

  r.get('/api/customers/:id/predictions', {
    schema: { tags: ['customers', ...tags], summary: "The customer's prediction scores with their reasons", security, params: IdParams, response: { 200: CustomerPredictions, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      const rows = await customerPredictions(deps.db, ws.id, customerId);
      const clv = rows.find((p) => p.kind === 'clv');
      const inputs = clv?.factors as unknown as { expectedPurchases: number; expectedAvgValue: number; repeatPurchases: number; weeksFirstToLast: number; weeksSinceFirst: number } | undefined;
      return {
        customerId,
        predictions: rows
          .filter((p) => p.kind !== 'clv')
          .map((p) => ({ kind: p.kind, score: p.score, probability: p.probability, factors: p.factors, modelId: p.modelId, computedAt: p.computedAt.toISOString() })),
        clv: clv && inputs ? { pAlive: clv.probability, predictedClv: clv.score, ...inputs, modelId: clv.modelId, computedAt: clv.computedAt.toISOString() } : null,
        clvNote: await clvNote(deps.db, ws.id, customerId, Boolean(clv && inputs)),
      };
    },
  });
}

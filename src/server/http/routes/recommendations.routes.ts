import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { JobView } from '../../../contracts/lifecycle.js';
import { CustomerRecommendations, ProductScore } from '../../../contracts/predictions.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import { boughtTogether, listProducts, recommendationsFor } from '../../predict/recommend.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { RECOMMEND_JOB } from '../../jobs/job-kinds.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { jobView } from '../present.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['recommendations'];

/** Products from the order history, what is bought together, and each customer's next best products. */
export function recommendationRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/products', {
    schema: {
      tags,
      summary: 'Products as the order history knows them (the `products` of `Order Completed`), best sellers first',
      security,
      response: {
        200: z.object({
          products: z.array(
            z.object({ productId: z.string(), name: z.string().nullable(), category: z.string().nullable(), price: z.number().nullable(), orders: z.number().int(), buyers: z.number().int() }),
          ),
          computedAt: z.string().nullable(),
        }),
        ...errors,
      },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const rows = await listProducts(deps.db, ws.id);
      return {
        products: rows.map((p) => ({ productId: p.product_id, name: p.name, category: p.category, price: p.price === null ? null : Number(p.price), orders: p.orders, buyers: p.buyers })),
        computedAt: rows[0] ? new Date(rows[0].computed_at).toISOString() : null,
      };
    },
  });

  r.get('/api/products/:id/bought-together', {
    schema: {
      tags,
      summary: 'Products most often in the same order as this one (cosine of order counts)',
      security,
      params: z.object({ id: z.string().min(1).max(200) }),
      response: { 200: z.object({ productId: z.string(), products: z.array(ProductScore.extend({ together: z.number().int() })) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const list = await boughtTogether(deps.db, ws.id, req.params.id);
      if (!list) throw new HttpError('not_found', `no product "${req.params.id}" in the order history (recommendations are rebuilt hourly, or with POST /api/recommendations/recompute)`);
      return { productId: req.params.id, products: list };
    },
  });

  r.get('/api/customers/:id/recommendations', {
    schema: {
      tags,
      summary: "A customer's next best products, with why (similar: from what they bought; popular: best sellers)",
      security,
      params: z.object({ id: z.string().min(1).max(200) }),
      response: { 200: CustomerRecommendations, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const id = await findCustomerId(deps.db, ws.id, req.params.id);
      if (id === null) throw new HttpError('not_found', `no customer "${req.params.id}"`);
      return { products: (await recommendationsFor(deps.db, ws.id, [id])).get(id) ?? [] };
    },
  });

  r.post('/api/recommendations/recompute', {
    schema: { tags, summary: 'Rebuild products, bought-together pairs and recommendations now (a job)', security, response: { 202: JobView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const job = await enqueueJob(deps.db, ws.id, RECOMMEND_JOB, {});
      deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: RECOMMEND_JOB });
      return reply.status(202).send(jobView(job));
    },
  });
}

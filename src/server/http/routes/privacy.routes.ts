import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { EraseInput, ErasureReceipt, PrivacyRequestList, PrivacyRequestQuery, PrivacyRequestView, RegulationInput, SuppressionList, SuppressionQuery } from '../../../contracts/privacy.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { eraseCustomerNow, submitRegulation } from '../../privacy/requests.service.js';
import { getRequest, listRequests, PRIVACY_JOB, type RequestRow } from '../../privacy/requests.repo.js';
import { customersNamed } from '../../privacy/erase.js';
import { listSuppressions } from '../../privacy/suppress.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { actorOf, principalOf } from '../principal.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['privacy'];
const IdParams = z.object({ id: z.string().min(1).max(512) });
const RequestIdParams = z.object({ id: z.coerce.number().int().min(1) });

export interface PrivacyRouteDeps {
  db: Db;
  keys: KeyResolver;
  bus: ChangeBus;
}

function present(r: RequestRow): PrivacyRequestView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    subjects: r.subject.hashes?.length ?? 0,
    requestedBy: r.requestedBy,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    receipt: r.receipt ?? null,
    error: r.error,
  };
}

/** Regulations (Segment's names), the requests' receipts, suppressions, and the dashboard's erase of one customer. */
export function privacyRoutes(app: FastifyInstance, deps: PrivacyRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/privacy/regulations', {
    schema: {
      tags,
      summary:
        "A regulation over up to 1,000 people: SUPPRESS_WITH_DELETE and DELETE_ONLY are done by a worker (status pending → running → done); SUPPRESS_ONLY, UNSUPPRESS and EXPORT at once (an export's archive downloads from GET /api/privacy/requests/:id/archive)",
      security,
      body: RegulationInput,
      response: { 200: PrivacyRequestView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const res = await submitRegulation(deps.db, ws.id, req.body, actorOf(principalOf(req)));
      if (!res.ok) throw httpErrorOf(res);
      if (res.value.status === 'pending') deps.bus.publish({ kind: 'jobs-queued', workspaceId: ws.id, job: PRIVACY_JOB });
      return present(res.value);
    },
  });

  r.get('/api/privacy/requests', {
    schema: { tags, summary: 'Privacy requests, newest first (subjects counted, never shown)', security, querystring: PrivacyRequestQuery, response: { 200: PrivacyRequestList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { requests: (await listRequests(deps.db, ws.id, req.query.limit)).map(present) };
    },
  });

  r.get('/api/privacy/requests/:id', {
    schema: { tags, summary: 'One privacy request and its receipt', security, params: RequestIdParams, response: { 200: PrivacyRequestView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const found = await getRequest(deps.db, ws.id, req.params.id);
      if (!found) throw new HttpError('not_found', `no privacy request ${req.params.id}`);
      return present(found);
    },
  });

  r.get('/api/privacy/suppressions', {
    schema: {
      tags,
      summary: 'Suppressed identifiers (their kind only: values are kept as hashes) and the events each dropped',
      security,
      querystring: SuppressionQuery,
      response: { 200: SuppressionList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return listSuppressions(deps.db, ws.id, req.query);
    },
  });

  r.post('/api/customers/:id/erase', {
    schema: {
      tags,
      summary: 'Erase one customer (by userId, anonymousId or customer id) now, from every table; `suppress` (default true) drops their later events',
      security,
      params: IdParams,
      body: EraseInput.optional(),
      response: { 200: ErasureReceipt, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const id = (await findCustomerId(deps.db, ws.id, req.params.id)) ?? (await customersNamed(deps.db, ws.id, 'CUSTOMER_ID', req.params.id))[0] ?? null;
      if (id === null) throw new HttpError('not_found', `no customer with userId, anonymousId or id "${req.params.id}"`);
      return eraseCustomerNow(deps.db, ws.id, id, { suppress: req.body?.suppress ?? true }, actorOf(principalOf(req)));
    },
  });
}

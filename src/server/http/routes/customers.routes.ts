import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountDetail, CustomerDetail, CustomerList, CustomerListQuery, EventList, EventListQuery } from '../../../contracts/admin.js';
import { ErrorBody } from '../../../contracts/errors.js';
import { StageHistory } from '../../../contracts/lifecycle.js';
import type { Db } from '../../db/client.js';
import { findAccountId, findCustomerId, getAccount, getCustomer, listCustomers } from '../../identity/customers.read.js';
import { decodeCursor, encodeCursor, timeline } from '../../ingest/events.repo.js';
import { stageHistory } from '../../lifecycle/stages.read.js';
import type { ModelCache } from '../../lifecycle/models.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { getSegment } from '../../segments/segments.repo.js';
import { HttpError } from '../errors.js';

const IdParams = z.object({ id: z.string().min(1).max(512) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];

/** Admin API over profiles, timelines and accounts. */
export function customerRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; models: ModelCache }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/customers', {
    schema: {
      tags: ['customers'],
      summary: 'Page through customers, newest first; filter by search, stage, segment and churn risk',
      security,
      querystring: CustomerListQuery,
      response: { 200: CustomerList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { limit, cursor, q, stage, segment, riskAtLeast, riskBelow } = req.query;
      if (riskAtLeast !== undefined && riskBelow !== undefined && riskBelow <= riskAtLeast) {
        throw new HttpError('validation_failed', `riskBelow (${riskBelow}) must be above riskAtLeast (${riskAtLeast}): no customer could match`, { field: 'riskBelow' });
      }
      if (segment) {
        const seg = await getSegment(deps.db, ws.id, segment);
        if (!seg) throw new HttpError('validation_failed', `no segment "${segment}"`, { field: 'segment' });
        if (seg.scope !== 'customer') throw new HttpError('validation_failed', `segment "${segment}" holds accounts, not customers`, { field: 'segment' });
      }
      return listCustomers(deps.db, ws.id, { limit, cursor: cursor ? Number(cursor) : undefined, q, stage, segment, riskAtLeast, riskBelow });
    },
  });

  r.get('/api/customers/:id', {
    schema: { tags: ['customers'], summary: 'One customer by userId or anonymousId', security, params: IdParams, response: { 200: CustomerDetail, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      const customer = customerId === null ? null : await getCustomer(deps.db, ws.id, customerId);
      if (!customer) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      return customer;
    },
  });

  r.get('/api/customers/:id/events', {
    schema: {
      tags: ['customers'],
      summary: "The customer's unified timeline, newest first; `event` keeps only the events with those names",
      security,
      params: IdParams,
      querystring: EventListQuery,
      response: { 200: EventList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      const cursor = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
      if (cursor === null) throw new HttpError('validation_failed', 'cursor is not one returned as nextCursor', { field: 'cursor' });
      const events = await timeline(deps.db, ws.id, customerId, req.query.limit + 1, cursor, req.query.event);
      const page = events.slice(0, req.query.limit);
      const last = page[page.length - 1];
      return { events: page, nextCursor: events.length > req.query.limit && last ? encodeCursor({ timestamp: last.timestamp, id: last.id }) : null };
    },
  });

  r.get('/api/customers/:id/stages', {
    schema: { tags: ['customers', 'lifecycle'], summary: "The customer's lifecycle stage and every move, oldest first", security, params: IdParams, response: { 200: StageHistory, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.params.id);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      const { model } = await deps.models.get(deps.db, ws.id);
      return stageHistory(deps.db, ws.id, model, 'customer', customerId, new Date());
    },
  });

  r.get('/api/accounts/:id/stages', {
    schema: {
      tags: ['accounts', 'lifecycle'],
      summary: "The account's lifecycle stage and every move (models with evaluateAccounts)",
      security,
      params: IdParams,
      response: { 200: StageHistory, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const accountId = await findAccountId(deps.db, ws.id, req.params.id);
      if (accountId === null) throw new HttpError('not_found', `no account with groupId "${req.params.id}"`);
      const { model } = await deps.models.get(deps.db, ws.id);
      return stageHistory(deps.db, ws.id, model, 'account', accountId, new Date());
    },
  });

  r.get('/api/accounts/:id', {
    schema: { tags: ['accounts'], summary: 'An account (Segment group) with traits and members', security, params: IdParams, response: { 200: AccountDetail, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const account = await getAccount(deps.db, ws.id, req.params.id);
      if (!account) throw new HttpError('not_found', `no account with groupId "${req.params.id}"`);
      return account;
    },
  });
}

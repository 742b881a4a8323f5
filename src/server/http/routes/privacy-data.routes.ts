import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { ConsentRecordList, PropertyPurged, PropertyPurgeInput } from '../../../contracts/privacy.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { listConsentRecords } from '../../privacy/consent-records.js';
import { customerExists, exportArchive, exportPeopleArchive } from '../../privacy/export.js';
import { getRequest } from '../../privacy/requests.repo.js';
import { exportedCustomers } from '../../privacy/requests.service.js';
import { purgeProperty } from '../../privacy/purge.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import { actorOf, principalOf } from '../principal.js';

const IdParams = z.object({ id: z.string().min(1).max(512) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['privacy'];

/**
 * A person's data: the export archive (GET /api/customers/:id/export, a ZIP streamed as it is
 * built), the proof of their consent choices, and the time-range purge of one event property.
 */
export function privacyDataRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const customer = async (ws: number, id: string) => {
    const c = await findCustomerId(deps.db, ws, id);
    if (c === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${id}"`);
    return c;
  };

  r.get('/api/customers/:id/export', {
    schema: {
      tags: ['customers', ...tags],
      summary: 'Everything held on the customer as a ZIP archive: person.json and one CSV per kind (profile, events, messages, consents, …), streamed',
      security,
      params: IdParams,
      produces: ['application/zip'],
      response: errors,
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await customer(ws.id, req.params.id);
      if (!(await customerExists(deps.db, ws.id, c))) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      const body = new PassThrough();
      const file = `tenure-export-${ws.slug}-${c}-${new Date().toISOString().slice(0, 10)}.zip`.replace(/[^\w.-]+/g, '_');
      // Headers are sent before the archive is complete: a failure midway cuts the download (an incomplete ZIP, never a valid-looking one).
      exportArchive(deps.db, ws.id, c, body).catch((err: unknown) => {
        req.log.error({ err }, 'the export archive failed midway');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      void reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="${file}"`).header('cache-control', 'no-store');
      return reply.send(body as never);
    },
  });

  r.get('/api/privacy/requests/:id/archive', {
    schema: {
      tags,
      summary: "An EXPORT regulation's archive: each person's files under customer-<id>/ (as GET /api/customers/:id/export writes them), built as it downloads",
      security,
      params: z.object({ id: z.coerce.number().int().positive() }),
      produces: ['application/zip'],
      response: errors,
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const request = await getRequest(deps.db, ws.id, req.params.id);
      if (!request) throw new HttpError('not_found', `this workspace has no privacy request ${req.params.id}`);
      const ids = exportedCustomers(request);
      if (ids === null) throw new HttpError('not_found', `privacy request ${req.params.id} is not an export (it is ${request.kind}), so it has no archive`);
      const body = new PassThrough();
      const file = `tenure-export-${ws.slug}-request-${request.id}-${new Date().toISOString().slice(0, 10)}.zip`.replace(/[^\w.-]+/g, '_');
      exportPeopleArchive(deps.db, ws.id, ids, body).catch((err: unknown) => {
        req.log.error({ err }, 'the export archive failed midway');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      void reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="${file}"`).header('cache-control', 'no-store');
      return reply.send(body as never);
    },
  });

  r.get('/api/customers/:id/consents', {
    schema: {
      tags: ['customers', ...tags],
      summary: "The customer's consent changes with their proof (source, time, IP, user agent, the words shown, who recorded it), newest first",
      security,
      params: IdParams,
      response: { 200: ConsentRecordList, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const records = await listConsentRecords(deps.db, ws.id, await customer(ws.id, req.params.id));
      return { records: records.map((x) => ({ ...x, at: x.at.toISOString() })) };
    },
  });

  r.post('/api/privacy/purge-property', {
    schema: {
      tags,
      summary: 'Remove one property (properties.x, context.x or traits.x; dotted path) from every event in a time range, optionally of one event name',
      description: 'Runs in batches; progress and the receipt are in the privacy request it creates. Copies in journey runs, messages and signals are cleaned too.',
      security,
      body: PropertyPurgeInput,
      response: { 200: PropertyPurged, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const actor = actorOf(principalOf(req));
      const done = await purgeProperty(deps.db, ws.id, req.body, { kind: actor.kind, label: actor.label });
      if (!done.ok) throw new HttpError(done.code, done.message, { field: done.field });
      return { requestId: done.value.requestId, events: done.value.events };
    },
  });
}

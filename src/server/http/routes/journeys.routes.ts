import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { CustomerJourneyRuns, JourneyAudience, JourneyInput, JourneyList, JourneyStatsView, JourneyView, PublishInput } from '../../../contracts/journey.js';
import type { Db } from '../../db/client.js';
import type { ModelCache } from '../../lifecycle/models.repo.js';
import { journeyStats } from '../../journeys/journey-stats.js';
import { checkDefinition } from '../../journeys/journeys.service.js';
import {
  getJourney,
  insertJourney,
  listJourneys,
  liveJourney,
  lockTriggerScanner,
  newJourneyId,
  publishJourney,
  setJourneyStatus,
  updateJourney,
  type StoredJourney,
} from '../../journeys/journeys.repo.js';
import { customerJourneyRuns } from '../../journeys/runs.read.js';
import { audienceNow, enterOnPublish } from '../../journeys/time-triggers.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['journeys'];
const IdParams = z.object({ id: z.string().min(1).max(100) });

export function journeyView(j: StoredJourney) {
  return {
    id: j.id,
    name: j.name,
    description: j.description,
    status: j.status,
    version: j.version,
    liveVersion: j.liveVersion,
    definition: j.definition,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
    publishedAt: j.publishedAt?.toISOString() ?? null,
  };
}

/** Admin API over journeys: definitions (versioned), publish / pause, stats. */
export function journeyRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; models: ModelCache; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const load = async (ws: number, id: string) => {
    const j = await getJourney(deps.db, ws, id);
    if (!j || j.status === 'archived') throw new HttpError('not_found', `no journey "${id}"`);
    return j;
  };
  const check = async (ws: number, input: JourneyInput) => {
    const { model } = await deps.models.get(deps.db, ws);
    const problem = await checkDefinition(deps.db, ws, input.definition, model, 'body.definition');
    if (problem) throw new HttpError('validation_failed', problem.message.startsWith('body.') ? problem.message : `${problem.field}: ${problem.message}`, { field: problem.field });
  };

  r.get('/api/journeys', {
    schema: { tags, summary: 'Every journey (newest definition)', security, response: { 200: JourneyList, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { journeys: (await listJourneys(deps.db, ws.id)).map(journeyView) };
    },
  });

  r.post('/api/journeys', {
    schema: {
      tags,
      summary: 'Create a journey (a draft: publish it to start taking customers)',
      description: 'Invalid definitions are answered 400 naming the bad step and field (e.g. `body.definition.steps.2.next`).',
      security,
      body: JourneyInput,
      response: { 201: JourneyView, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await check(ws.id, req.body);
      const id = newJourneyId();
      await deps.db.transaction((tx) => insertJourney(tx, ws.id, id, req.body));
      return reply.status(201).send(journeyView((await getJourney(deps.db, ws.id, id))!));
    },
  });

  r.get('/api/journeys/:id', {
    schema: { tags, summary: 'One journey', security, params: IdParams, response: { 200: JourneyView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return journeyView(await load(ws.id, req.params.id));
    },
  });

  r.put('/api/journeys/:id', {
    schema: {
      tags,
      summary: 'Edit a journey',
      description: 'Editing a published journey makes a new version; customers already in it stay on theirs. Publish again to let new customers enter the new version.',
      security,
      params: IdParams,
      body: JourneyInput,
      response: { 200: JourneyView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await check(ws.id, req.body);
      await deps.db.transaction(async (tx) => {
        const j = await getJourney(tx, ws.id, req.params.id, { forUpdate: true });
        if (!j || j.status === 'archived') throw new HttpError('not_found', `no journey "${req.params.id}"`);
        await updateJourney(tx, j, req.body);
      });
      return journeyView(await load(ws.id, req.params.id));
    },
  });

  r.delete('/api/journeys/:id', {
    schema: { tags, summary: 'Archive a journey: no new entries, runs stop where they are', security, params: IdParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await load(ws.id, req.params.id);
      await setJourneyStatus(deps.db, ws.id, req.params.id, 'archived');
      deps.bus.publish({ kind: 'journeys', workspaceId: ws.id });
      return reply.status(204).send(null);
    },
  });

  r.post('/api/journeys/:id/publish', {
    schema: {
      tags,
      summary: 'Publish the newest version: customers enter it on triggers from now on; paused runs resume',
      description:
        'With `enterCurrent: true`, a segment- or stage-triggered journey also takes the customers already in its segment or stage (in the same transaction). A broadcast with no time enters its segment now. `enteredNow` says how many entered.',
      security,
      params: IdParams,
      body: PublishInput.nullable().optional(),
      response: { 200: JourneyView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const j = await load(ws.id, req.params.id);
      const { model } = await deps.models.get(deps.db, ws.id);
      // Templates or segments it names may have been deleted since it was saved.
      const problem = await checkDefinition(deps.db, ws.id, j.definition, model);
      if (problem) throw new HttpError('validation_failed', `cannot publish: ${problem.message}`, { field: problem.field });
      const enterCurrent = req.body?.enterCurrent ?? false;
      const enteredNow = await deps.db.transaction(async (tx) => {
        await lockTriggerScanner(tx);
        const now = new Date();
        await publishJourney(tx, j, now);
        const live = await liveJourney(tx, ws.id, j.id);
        return live ? enterOnPublish(tx, live, { enterCurrent }, now) : 0;
      });
      deps.bus.publish({ kind: 'journeys', workspaceId: ws.id });
      return { ...journeyView(await load(ws.id, req.params.id)), enteredNow };
    },
  });

  r.get('/api/journeys/:id/audience', {
    schema: {
      tags,
      summary: 'Who the journey would reach now: the current members of its trigger segment or stage (for "also enter the current members")',
      security,
      params: IdParams,
      response: { 200: JourneyAudience, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const j = await load(ws.id, req.params.id);
      return audienceNow(deps.db, ws.id, j.definition.trigger);
    },
  });

  r.post('/api/journeys/:id/pause', {
    schema: { tags, summary: 'Pause: no new entries, runs wait where they are until published again', security, params: IdParams, response: { 200: JourneyView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const j = await load(ws.id, req.params.id);
      if (j.status !== 'live') throw new HttpError('conflict', `journey "${j.id}" is ${j.status}, not live`);
      await setJourneyStatus(deps.db, ws.id, j.id, 'paused');
      deps.bus.publish({ kind: 'journeys', workspaceId: ws.id });
      return journeyView(await load(ws.id, req.params.id));
    },
  });

  r.get('/api/customers/:id/journeys', {
    schema: {
      tags: ['customers', 'journeys'],
      summary: "The customer's journey runs, newest first: where each stands, or how it ended",
      security,
      params: IdParams.extend({ id: z.string().min(1).max(512) }),
      response: { 200: CustomerJourneyRuns, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = await findCustomerId(deps.db, ws.id, req.params.id);
      if (c === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.params.id}"`);
      const rows = await customerJourneyRuns(deps.db, ws.id, c);
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      return { runs: rows.map((x) => ({ ...x, wakeAt: iso(x.wakeAt), enteredAt: x.enteredAt.toISOString(), endedAt: iso(x.endedAt) })) };
    },
  });

  r.get('/api/journeys/:id/stats', {
    schema: { tags, summary: 'Entered, active per step, converted, exited, messages by status, A/B results', security, params: IdParams, response: { 200: JourneyStatsView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await load(ws.id, req.params.id);
      return journeyStats(deps.db, ws.id, req.params.id);
    },
  });
}

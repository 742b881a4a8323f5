import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { InvitationStatus, InvitationView, SurveyBroadcast, SurveyCreate, SurveyDefinitionSchema, SurveySettingsSchema, SurveyUpdate, SurveyView } from '../../../contracts/surveys.js';
import type { Db } from '../../db/client.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { createSurvey, getSurvey, getSurveySettings, listSurveys, saveSurveySettings, updateSurvey } from '../../surveys/surveys.repo.js';
import { listInvitations } from '../../surveys/invitations.repo.js';
import { broadcastSurvey, checkDefinition, customerSurveyLink, previewDefinition } from '../../surveys/surveys.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['surveys'];
const IdParams = z.object({ id: z.string().min(1).max(64) });

export const SurveyPreview = z.object({
  email: z.object({ subject: z.string(), html: z.string(), text: z.string() }),
  sms: z.string(),
  inapp: z.object({ subject: z.string(), text: z.string(), html: z.string() }),
  page: z.string(),
});

export interface SurveyRouteDeps {
  db: Db;
  keys: KeyResolver;
  bus: ChangeBus;
  /** Base URL of this server as customers reach it (answer links). */
  publicUrl: string;
}

/** Admin API over surveys: define and version them, preview, broadcast to a segment, per-customer links, the held and skipped invitations, the fatigue rules. */
export function surveyRoutes(app: FastifyInstance, deps: SurveyRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/surveys', {
    schema: { tags, summary: 'Every survey', security, response: { 200: z.object({ surveys: z.array(SurveyView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { surveys: await listSurveys(deps.db, ws.id) };
    },
  });

  r.post('/api/surveys', {
    schema: { tags, summary: 'Create a survey (a draft)', security, body: SurveyCreate, response: { 201: SurveyView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const texts = checkDefinition(req.body.definition);
      if (!texts.ok) throw httpErrorOf({ ...texts, field: `definition.${texts.field}` }, `body.definition.${texts.field}: ${texts.message}`);
      const made = await createSurvey(deps.db, ws.id, req.body);
      if (!made.ok) throw httpErrorOf(made);
      return reply.status(201).send(made.value);
    },
  });

  r.post('/api/surveys/preview', {
    schema: {
      tags,
      summary: 'The email, SMS, in-app text and answer page of a definition (saved or not), with sample data',
      security,
      body: z.strictObject({ definition: SurveyDefinitionSchema }),
      response: { 200: SurveyPreview, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return previewDefinition(req.body.definition, ws.name);
    },
  });

  r.get('/api/surveys/:id', {
    schema: { tags, summary: 'One survey', security, params: IdParams, response: { 200: SurveyView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const s = await getSurvey(deps.db, ws.id, req.params.id);
      if (!s) throw new HttpError('not_found', `no survey "${req.params.id}"`);
      return s;
    },
  });

  r.put('/api/surveys/:id', {
    schema: { tags, summary: 'Rename, activate or archive a survey, or edit it (a new version)', security, params: IdParams, body: SurveyUpdate, response: { 200: SurveyView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const texts = req.body.definition ? checkDefinition(req.body.definition) : null;
      if (texts && !texts.ok) throw httpErrorOf({ ...texts, field: `definition.${texts.field}` }, `body.definition.${texts.field}: ${texts.message}`);
      const u = await updateSurvey(deps.db, ws.id, req.params.id, req.body);
      if (!u.ok) throw httpErrorOf(u);
      return u.value;
    },
  });

  r.post('/api/surveys/:id/broadcast', {
    schema: {
      tags,
      summary: 'Invite every member of a segment (one round)',
      security,
      params: IdParams,
      body: SurveyBroadcast,
      response: { 200: z.object({ round: z.string(), invited: z.number() }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const b = await broadcastSurvey(deps.db, ws.id, req.params.id, req.body, new Date());
      if (!b.ok) throw httpErrorOf(b);
      if (b.value.invited > 0) deps.bus.publish({ kind: 'surveys-queued', workspaceId: ws.id });
      return b.value;
    },
  });

  r.post('/api/surveys/:id/links', {
    schema: {
      tags,
      summary: "A customer's own link to the hosted answer page (to send yourself); the same link for the same customer in the same round",
      security,
      params: IdParams,
      body: z
        .strictObject({ customerId: z.number().int().positive().optional(), userId: z.string().min(1).max(512).optional() })
        .refine((b) => (b.customerId === undefined) !== (b.userId === undefined), 'give customerId or userId'),
      response: { 200: z.object({ url: z.string(), invitationId: z.number() }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const l = await customerSurveyLink(deps.db, ws.id, req.params.id, req.body, deps.publicUrl, new Date());
      if (!l.ok) throw httpErrorOf(l);
      return l.value;
    },
  });

  r.get('/api/surveys/:id/invitations', {
    schema: {
      tags,
      summary: 'Invitations, newest first: held ones say why and until when',
      security,
      params: IdParams,
      querystring: z.object({ status: InvitationStatus.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ invitations: z.array(InvitationView) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await getSurvey(deps.db, ws.id, req.params.id))) throw new HttpError('not_found', `no survey "${req.params.id}"`);
      return { invitations: await listInvitations(deps.db, ws.id, req.params.id, req.query) };
    },
  });

  r.get('/api/survey-settings', {
    schema: { tags, summary: 'The fatigue rules', security, response: { 200: SurveySettingsSchema, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return getSurveySettings(deps.db, ws.id);
    },
  });

  r.put('/api/survey-settings', {
    schema: { tags, summary: 'Change the fatigue rules', security, body: SurveySettingsSchema, response: { 200: SurveySettingsSchema, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await saveSurveySettings(deps.db, ws.id, req.body);
      deps.bus.publish({ kind: 'surveys-queued', workspaceId: ws.id });
      return getSurveySettings(deps.db, ws.id);
    },
  });
}

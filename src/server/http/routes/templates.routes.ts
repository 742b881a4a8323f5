import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { TemplateInput, TemplatePreview, TemplatePreviewInput, TemplateView } from '../../../contracts/messaging.js';
import type { Db } from '../../db/client.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { queueTestMessage } from '../../channels/messages.repo.js';
import { loadRenderFacts } from '../../channels/render-context.js';
import { compileTemplate, renderTemplate } from '../../channels/templates.js';
import { deleteTemplate, getTemplate, listTemplates, newTemplateId, saveTemplate, type StoredTemplate } from '../../channels/templates.repo.js';
import { journeysUsingTemplate } from '../../journeys/journeys.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import type { ChangeBus } from '../../lib/change-bus.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['templates'];
const IdParams = z.object({ id: z.string().min(1).max(64) });
const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" and "_"');

function view(t: StoredTemplate) {
  return {
    id: t.id,
    name: t.name,
    channel: t.channel,
    format: t.format,
    subject: t.subject,
    body: t.body,
    text: t.text,
    version: t.version,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** Admin API over message templates: Liquid checked at save time (errors give line and column), preview with a real customer, test send. */
export function templateRoutes(app: FastifyInstance, deps: { db: Db; keys: KeyResolver; bus: ChangeBus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const compile = async (input: TemplateInput) => {
    const format = input.format ?? (input.channel === 'email' ? 'mjml' : 'text');
    if (input.channel !== 'email' && format !== 'text') throw new HttpError('validation_failed', `body.format: ${input.channel} templates are text; "${format}" is for email`, { field: 'format' });
    const c = await compileTemplate({ channel: input.channel, subject: input.subject, body: input.body, text: input.text, format });
    if (!c.ok) throw httpErrorOf(c, `body.${c.field}: line ${c.line}, column ${c.column}: ${c.message}`);
    return { format, compiled: c.value };
  };

  r.get('/api/templates', {
    schema: { tags, summary: 'Every template', security, response: { 200: z.object({ templates: z.array(TemplateView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { templates: (await listTemplates(deps.db, ws.id)).map(view) };
    },
  });

  r.post('/api/templates', {
    schema: { tags, summary: 'Create a template (give `id` to choose it)', security, body: TemplateInput.extend({ id: Id.optional() }), response: { 201: TemplateView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { id = newTemplateId(), ...input } = req.body;
      if (await getTemplate(deps.db, ws.id, id)) throw new HttpError('conflict', `template "${id}" exists; PUT /api/templates/${id} changes it`);
      const { format, compiled } = await compile(input);
      return reply.status(201).send(view(await saveTemplate(deps.db, ws.id, id, { ...input, format }, compiled)));
    },
  });

  r.get('/api/templates/:id', {
    schema: { tags, summary: 'One template', security, params: IdParams, response: { 200: TemplateView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const t = await getTemplate(deps.db, ws.id, req.params.id);
      if (!t) throw new HttpError('not_found', `no template "${req.params.id}"`);
      return view(t);
    },
  });

  r.put('/api/templates/:id', {
    schema: { tags, summary: 'Replace a template (messages not yet sent use the new version)', security, params: IdParams, body: TemplateInput, response: { 200: TemplateView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const old = await getTemplate(deps.db, ws.id, req.params.id);
      if (!old) throw new HttpError('not_found', `no template "${req.params.id}"`);
      if (old.channel !== req.body.channel)
        throw new HttpError('validation_failed', `body.channel: template "${old.id}" is for ${old.channel}; journeys send it on that channel, so make a new template for ${req.body.channel}`, {
          field: 'channel',
        });
      const { format, compiled } = await compile(req.body);
      return view(await saveTemplate(deps.db, ws.id, req.params.id, { ...req.body, format }, compiled));
    },
  });

  r.delete('/api/templates/:id', {
    schema: { tags, summary: 'Delete a template not used by any live journey', security, params: IdParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const users = await journeysUsingTemplate(deps.db, ws.id, req.params.id);
      if (users.length > 0) throw new HttpError('conflict', `template "${req.params.id}" is used by journeys ${users.join(', ')}; change or archive them first`);
      if (!(await deleteTemplate(deps.db, ws.id, req.params.id))) throw new HttpError('not_found', `no template "${req.params.id}"`);
      return reply.status(204).send(null);
    },
  });

  const customerOf = async (ws: number, id: string) => {
    const c = await findCustomerId(deps.db, ws, id);
    if (c === null) throw new HttpError('validation_failed', `body.customerId: no customer with userId or anonymousId "${id}"`, { field: 'customerId' });
    return c;
  };

  /** A compiled template rendered with a customer's data, as a send would render it (links untracked). */
  const preview = async (ws: number, compiled: Awaited<ReturnType<typeof compile>>['compiled'], input: z.infer<typeof TemplatePreviewInput>) => {
    const c = await customerOf(ws, input.customerId);
    const vars = (await loadRenderFacts(deps.db, ws, [c])).get(c) ?? {};
    const out = renderTemplate(compiled, {
      ...vars,
      event: input.event ?? null,
      journey: { id: 'preview', name: 'Preview', variant: null },
      message: { id: 0 },
      unsubscribe_url: '#unsubscribe',
      preferences_url: '#preferences',
    });
    if (!out.ok) throw httpErrorOf({ code: out.code, message: `rendering failed for this customer: ${out.message}` });
    const { subject, html, text } = out.value;
    return { subject: subject || null, html: html ?? null, text };
  };

  r.post('/api/templates/:id/preview', {
    schema: {
      tags,
      summary: "Render a template with a real customer's data (links are not tracked in a preview)",
      security,
      params: IdParams,
      body: TemplatePreviewInput,
      response: { 200: TemplatePreview, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const t = await getTemplate(deps.db, ws.id, req.params.id);
      if (!t) throw new HttpError('not_found', `no template "${req.params.id}"`);
      return preview(ws.id, t.compiled, req.body);
    },
  });

  r.post('/api/templates/preview', {
    schema: {
      tags,
      summary: "Render an unsaved template (as you edit it) with a real customer's data; Liquid or MJML errors come back as 400 with line and column, nothing is stored",
      security,
      body: TemplatePreviewInput.extend({ template: TemplateInput }),
      response: { 200: TemplatePreview, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const { template, ...input } = req.body;
      const { compiled } = await compile(template);
      return preview(ws.id, compiled, input);
    },
  });

  r.post('/api/templates/:id/test-send', {
    schema: {
      tags,
      summary: 'Send a template to one customer now (through the real channel, as a transactional message)',
      security,
      params: IdParams,
      body: z.strictObject({ customerId: z.string().min(1) }),
      response: { 202: z.object({ messageId: z.number().int() }), ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const t = await getTemplate(deps.db, ws.id, req.params.id);
      if (!t) throw new HttpError('not_found', `no template "${req.params.id}"`);
      const c = await customerOf(ws.id, req.body.customerId);
      const messageId = await queueTestMessage(deps.db, ws.id, c, t, new Date());
      deps.bus.publish({ kind: 'messages-queued', workspaceId: ws.id });
      return reply.status(202).send({ messageId });
    },
  });
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import type { ChannelStatus } from '../../../contracts/messaging.js';
import { EmailAddress, ProviderChannel, ProviderInput, ProvidersView, ProviderTestInput, ProviderTestResult, type ProviderView } from '../../../contracts/providers.js';
import type { Db } from '../../db/client.js';
import { sendTest } from '../../channels/provider-senders.js';
import { deleteProvider, listProviders, openProvider, saveProvider, type ProviderRow } from '../../channels/providers.repo.js';
import type { SecretBox } from '../../channels/secret-box.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const ChannelParams = z.object({ channel: ProviderChannel });
const E164 = /^\+[1-9]\d{6,14}$/;

export interface ProvidersDeps {
  db: Db;
  keys: KeyResolver;
  /** Seals and opens credentials; null when the server has no secret (then `boxMissing` says why). */
  box: SecretBox | null;
  boxMissing: string;
  /** The channels as the server's environment sets them (GET /api/channels without saved providers). */
  server: ChannelStatus[];
  /** Overall limit of a test send (default 20 s). */
  testTimeoutMs?: number;
}

/** Channel statuses with the workspace's saved providers in place of the server's (GET /api/channels). */
export async function workspaceChannels(db: Db, workspaceId: number, server: ChannelStatus[]): Promise<ChannelStatus[]> {
  const rows = await listProviders(db, workspaceId);
  return server.map((c) => {
    const row = rows.find((r) => r.channel === c.channel);
    if (!row) return c;
    if (row.channel === 'email') return { channel: 'email', transport: 'smtp', sends: true, target: `${row.settings.host}:${row.settings.port}`, from: row.settings.from };
    return { channel: 'sms', transport: 'sms_api', sends: true, target: new URL(row.settings.apiUrl).host, from: row.settings.from };
  });
}

function view(channel: 'email' | 'sms', row: ProviderRow | undefined, server: ChannelStatus | undefined): ProviderView {
  const serverProvider = server?.sends ? `${server.transport === 'smtp' ? 'SMTP' : 'SMS API'}${server.target ? ` ${server.target}` : ''}` : null;
  return {
    channel,
    connected: row !== undefined,
    kind: row?.kind ?? null,
    settings: row?.settings ?? null,
    secretSet: row?.secret != null,
    updatedAt: row ? new Date(row.updatedAt).toISOString() : null,
    sends: row !== undefined || server?.sends === true,
    serverProvider,
  };
}

/** Admin API: the email and SMS providers of a workspace, connected in Settings (credentials sealed, never returned), and a test send. */
export function providerRoutes(app: FastifyInstance, deps: ProvidersDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const present = async (ws: number) => {
    const rows = await listProviders(deps.db, ws);
    return {
      providers: (['email', 'sms'] as const).map((ch) =>
        view(
          ch,
          rows.find((x) => x.channel === ch),
          deps.server.find((s) => s.channel === ch),
        ),
      ),
      secretStorage: { available: deps.box !== null, message: deps.box ? null : deps.boxMissing },
    };
  };

  r.get('/api/providers', {
    schema: {
      tags: ['messaging'],
      summary: 'The email and SMS providers of this workspace: connected or not, their settings (never the password or token), and whether each channel sends',
      security,
      response: { 200: ProvidersView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return present(ws.id);
    },
  });

  r.put('/api/providers/:channel', {
    schema: {
      tags: ['messaging'],
      summary: 'Connect (or change) the provider of a channel: SMTP for email, a Twilio-compatible API for SMS',
      description:
        'The password (email) or authToken (SMS) is sealed with the server secret (TENURE_SECRET) and never returned; leave it out to keep the saved one. Used from the next delivery batch on, no restart.',
      security,
      params: ChannelParams,
      body: ProviderInput,
      response: { 200: ProvidersView, ...errors },
    },
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.validationError) throw req.validationError;
      const saved = await saveProvider(deps.db, deps.box, deps.boxMissing, ws.id, req.params.channel, req.body);
      if (!saved.ok) throw httpErrorOf(saved, saved.code === 'validation_failed' ? `body.${saved.field}: ${saved.message}` : saved.message);
      req.log.info({ workspaceId: ws.id, channel: req.params.channel, kind: saved.value.kind }, 'messaging provider saved');
      return present(ws.id);
    },
  });

  r.delete('/api/providers/:channel', {
    schema: {
      tags: ['messaging'],
      summary: 'Disconnect the provider of a channel (its messages then go through the server’s provider, else stay in the outbox)',
      security,
      params: ChannelParams,
      response: { 200: ProvidersView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (!(await deleteProvider(deps.db, ws.id, req.params.channel))) throw new HttpError('not_found', `no ${req.params.channel} provider is connected in this workspace`);
      req.log.info({ workspaceId: ws.id, channel: req.params.channel }, 'messaging provider removed');
      return present(ws.id);
    },
  });

  r.post('/api/providers/:channel/test', {
    schema: {
      tags: ['messaging'],
      summary: 'Send a real test message through the saved provider; the answer says what the provider did',
      description: 'Failures are 502 with a code: provider_auth_failed, provider_unreachable, provider_timeout, provider_rejected, provider_error; the message gives the provider’s own words.',
      security,
      params: ChannelParams,
      body: ProviderTestInput,
      response: { 200: ProviderTestResult, 502: ErrorBody, ...errors },
    },
    attachValidation: true,
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.validationError) throw req.validationError;
      const channel = req.params.channel;
      const to = req.body.to;
      if (channel === 'email' && !EmailAddress.safeParse(to).success) throw new HttpError('validation_failed', 'body.to: an email address, e.g. you@example.com', { field: 'to' });
      if (channel === 'sms' && !E164.test(to)) throw new HttpError('validation_failed', 'body.to: a phone number in E.164 form, e.g. +15551234567', { field: 'to' });
      const row = (await listProviders(deps.db, ws.id)).find((x) => x.channel === channel);
      if (!row) throw new HttpError('provider_not_connected', `no ${channel} provider is connected: save one first, then send a test`);
      const opened = openProvider(deps.box, ws.id, row);
      if (!opened.ok) throw httpErrorOf(opened, `${opened.message}; enter it again and save`);
      const outcome = await sendTest(opened.value, to, { timeoutMs: deps.testTimeoutMs });
      req.log.info({ workspaceId: ws.id, channel, ok: outcome.ok, code: outcome.ok ? null : outcome.code }, 'messaging provider test send');
      if (!outcome.ok) throw httpErrorOf(outcome);
      return { ok: true as const, ...outcome.value };
    },
  });
}

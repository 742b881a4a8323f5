import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { CodeInput, CodeView, DecisionInput, LeaderboardRow, ReferralListQuery, ReferralSettingsSchema, ReferralView } from '../../../contracts/referrals.js';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { createVanityCode, findActiveCode, generatedCodeFor, listCodes, type CodeRow } from '../../referrals/codes.repo.js';
import { overrideReferral } from '../../referrals/referral-flow.js';
import { ledgerRewarder, type ReferralRewarder } from '../../referrals/referral-rewards.js';
import { getReferral, landingWithCode, leaderboard, listReferrals, recordClick } from '../../referrals/referrals.repo.js';
import { getReferralSettings, saveReferralSettings } from '../../referrals/settings.repo.js';
import { findWorkspaceBySlug } from '../../workspaces/workspaces.repo.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['referrals'];

export interface ReferralRouteDeps {
  db: Db;
  keys: KeyResolver;
  bus: ChangeBus;
  /** Base URL of this server as customers reach it (referral links). */
  publicUrl: string;
  /** Pays and claws back rewards on an override (default: the ledger and the rewards catalogue). */
  rewarder?: ReferralRewarder;
}

/**
 * The referral programme's admin API (settings, codes, the referrals and the review queue, an
 * admin's decision, the leaderboard) and the public link `GET /r/:workspaceSlug/:code`, which
 * records the click and redirects to the programme's landing URL only (never elsewhere).
 */
export function referralRoutes(app: FastifyInstance, deps: ReferralRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rewarder = deps.rewarder ?? ledgerRewarder;
  const codeView = (slug: string, c: CodeRow) => ({
    code: c.code,
    link: `${deps.publicUrl}/r/${encodeURIComponent(slug)}/${encodeURIComponent(c.code)}`,
    customerId: c.customerId,
    vanity: c.vanity,
    createdAt: c.createdAt.toISOString(),
  });
  const settingsOf = async (ws: number) => {
    const s = await getReferralSettings(deps.db, ws);
    if (!s) throw new HttpError('not_found', 'no referral programme yet: PUT /api/referrals/settings first');
    return s;
  };

  r.get('/api/referrals/settings', {
    schema: { tags, summary: 'The referral programme', security, response: { 200: ReferralSettingsSchema, ...errors } },
    handler: async (req) => settingsOf((await authenticateAdmin(deps.keys, req)).id),
  });

  r.put('/api/referrals/settings', {
    schema: { tags, summary: 'Set up or change the referral programme', security, body: ReferralSettingsSchema, response: { 200: ReferralSettingsSchema, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      await saveReferralSettings(deps.db, ws.id, req.body);
      return settingsOf(ws.id);
    },
  });

  r.post('/api/referrals/codes', {
    schema: {
      tags,
      summary: "An advocate's code: without `code` their generated one (made on first ask); with it a vanity code (409 when taken or too like another)",
      security,
      body: CodeInput,
      response: { 200: CodeView, 201: CodeView, ...errors },
    },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const customerId = await findCustomerId(deps.db, ws.id, req.body.customer);
      if (customerId === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.body.customer}"`);
      if (req.body.code === undefined) return codeView(ws.slug, await generatedCodeFor(deps.db, ws.id, customerId));
      const made = await createVanityCode(deps.db, ws.id, customerId, req.body.code);
      if (!made.ok) throw httpErrorOf(made.code === 'validation_failed' ? { ...made, field: 'code' } : made);
      return reply.status(201).send(codeView(ws.slug, made.value));
    },
  });

  r.get('/api/referrals/codes', {
    schema: {
      tags,
      summary: 'Codes, of one advocate with `customer`',
      security,
      querystring: z.object({ customer: z.string().min(1).max(200).optional() }),
      response: { 200: z.object({ codes: z.array(CodeView) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      let customerId: number | undefined;
      if (req.query.customer !== undefined) {
        const id = await findCustomerId(deps.db, ws.id, req.query.customer);
        if (id === null) throw new HttpError('not_found', `no customer with userId or anonymousId "${req.query.customer}"`);
        customerId = id;
      }
      return { codes: (await listCodes(deps.db, ws.id, customerId)).map((c) => codeView(ws.slug, c)) };
    },
  });

  r.get('/api/referrals/leaderboard', {
    schema: {
      tags,
      summary: 'Advocates by rewarded referrals: clicks, referrals by status, revenue of their friends’ qualifying orders',
      security,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ advocates: z.array(LeaderboardRow) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { advocates: await leaderboard(deps.db, ws.id, req.query.limit) };
    },
  });

  r.get('/api/referrals', {
    schema: {
      tags,
      summary: 'Referrals, newest first; `status=held` is the review queue',
      security,
      querystring: ReferralListQuery,
      response: { 200: z.object({ referrals: z.array(ReferralView), nextCursor: z.string().nullable() }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return listReferrals(deps.db, ws.id, { status: req.query.status, limit: req.query.limit, cursor: req.query.cursor ? Number(req.query.cursor) : undefined });
    },
  });

  const IdParams = z.object({ id: z.coerce.number().int().positive() });
  r.get('/api/referrals/:id', {
    schema: { tags, summary: 'One referral with the reasons of its decision and any override', security, params: IdParams, response: { 200: ReferralView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const v = await getReferral(deps.db, ws.id, req.params.id);
      if (!v) throw new HttpError('not_found', `no referral ${req.params.id}`);
      return v;
    },
  });

  r.post('/api/referrals/:id/decision', {
    schema: {
      tags,
      summary: 'Override the fraud guard: allow (rewards proceed) or block a held referral',
      security,
      params: IdParams,
      body: DecisionInput,
      response: { 200: ReferralView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const settings = await settingsOf(ws.id);
      const by = typeof req.headers['x-tenure-user'] === 'string' && req.headers['x-tenure-user'] !== '' ? req.headers['x-tenure-user'].slice(0, 200) : 'admin';
      const done = await deps.db.transaction((tx) => overrideReferral(tx, settings, rewarder, ws.id, req.params.id, { by, decision: req.body.decision, note: req.body.note, at: new Date() }));
      if (!done.ok) throw new HttpError(done.code, done.message);
      return (await getReferral(deps.db, ws.id, req.params.id))!;
    },
  });

  // The public link: no key. Redirects only to the programme's landing URL.
  r.get('/r/:workspaceSlug/:code', {
    schema: { hide: true, params: z.object({ workspaceSlug: z.string().min(1).max(100), code: z.string().min(1).max(64) }) },
    handler: async (req, reply) => {
      const ws = await findWorkspaceBySlug(deps.db, req.params.workspaceSlug);
      const settings = ws ? await getReferralSettings(deps.db, ws.id) : null;
      if (!ws || !settings || !settings.enabled) throw new HttpError('not_found', 'no referral programme here');
      const code = await findActiveCode(deps.db, ws.id, req.params.code);
      if (code) await recordClick(deps.db, ws.id, code.code, new Date(), req.ip ?? null, typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null);
      // An unknown or disabled code still lands the visitor on the shop, without a code.
      return reply.header('cache-control', 'no-store').redirect(landingWithCode(settings.landingUrl, settings.param, code ? code.code : null), 302);
    },
  });
}

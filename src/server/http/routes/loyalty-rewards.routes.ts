import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors.js';
import { LiabilityReport, LiftReport, RedeemInput, RedemptionView, RewardInput, RewardView } from '../../../contracts/loyalty.js';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { authenticateAdmin, type KeyResolver } from '../auth.js';
import { HttpError, httpErrorOf } from '../errors.js';
import { addPoolCodes, checkReward, createReward, getReward, listRedemptionViews, listRewards, parseCodePool, updateReward } from '../../loyalty/rewards.repo.js';
import { cancelRedemption, markUsed, redeemReward } from '../../loyalty/rewards.service.js';
import { redeemHttpError } from '../loyalty-present.js';
import { loyaltyLinkUrl, memberStatus } from '../../loyalty/customer-view.js';
import { liabilityReport, liftReport } from '../../loyalty/loyalty-reports.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ adminKey: [] }];
const tags = ['loyalty'];
const RewardParams = z.object({ id: z.string().min(1).max(64) });
const MemberParams = z.object({ id: z.string().min(1).max(512) });
const RedemptionParams = z.object({ id: z.coerce.number().int().positive() });
const Redeemed = RedemptionView.extend({ replayed: z.boolean() });
const CodesAdded = z.object({ added: z.number().int(), duplicates: z.number().int(), blanks: z.number().int(), codesLeft: z.number().int() });

/** Room above the pool's 2 MB for the parser, so an oversized list is answered by the domain's clear 413. */
const CODES_BODY_LIMIT = 4 * 1024 * 1024;

export interface LoyaltyRewardRouteDeps {
  db: Db;
  keys: KeyResolver;
  bus: ChangeBus;
  /** Base URL of this server as customers reach it (their signed links). */
  publicUrl: string;
}

/**
 * Admin API of the rewards catalogue, redemptions, the customer's signed link and the
 * liability and lift reports (docs/loyalty.md). Member path parameters take a userId or an
 * anonymousId, as /api/customers/:id does.
 */
export async function loyaltyRewardRoutes(app: FastifyInstance, deps: LoyaltyRewardRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const member = async (req: FastifyRequest, id: string) => {
    const ws = await authenticateAdmin(deps.keys, req);
    const customerId = await findCustomerId(deps.db, ws.id, id);
    if (customerId === null) throw new HttpError('not_found', `no customer "${id}"`);
    return { ws, customerId };
  };

  r.get('/api/loyalty/rewards', {
    schema: { tags, summary: 'The rewards catalogue, with codes left and times redeemed', security, response: { 200: z.object({ rewards: z.array(RewardView) }), ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return { rewards: await listRewards(deps.db, ws.id) };
    },
  });

  r.post('/api/loyalty/rewards', {
    schema: { tags, summary: 'Add a reward', security, body: RewardInput, response: { 201: RewardView, ...errors } },
    handler: async (req, reply) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const c = checkReward(req.body);
      if (!c.ok) throw httpErrorOf(c, `body.${c.field}: ${c.message}`);
      const made = await createReward(deps.db, ws.id, req.body, new Date());
      if (!made.ok) throw httpErrorOf(made);
      return reply.status(201).send(made.value);
    },
  });

  r.put('/api/loyalty/rewards/:id', {
    schema: {
      tags,
      summary: 'Change a reward (deactivate it with `active: false`)',
      security,
      params: RewardParams,
      body: RewardInput.partial({ id: true }),
      response: { 200: RewardView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      if (req.body.id !== undefined && req.body.id !== req.params.id)
        throw new HttpError('validation_failed', `body.id "${req.body.id}" is not the reward in the path ("${req.params.id}")`, { field: 'id' });
      const def = { ...req.body, id: req.params.id };
      const c = checkReward(def);
      if (!c.ok) throw httpErrorOf(c, `body.${c.field}: ${c.message}`);
      const u = await updateReward(deps.db, ws.id, req.params.id, def, new Date());
      if (!u.ok) throw httpErrorOf(u);
      return u.value;
    },
  });

  // The code pool takes a text body (one code per line, up to 2 MB): its own plugin, with a text parser.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: CODES_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post('/api/loyalty/rewards/:id/codes', {
      schema: {
        tags,
        summary: 'Upload discount codes to a pool reward: a text body, one code per line',
        description:
          'Lines are trimmed; blank lines and codes already in the upload or the pool are skipped and counted. At most 100,000 lines and 2 MB (else 413); a line over 64 characters is refused (400) naming its line number.',
        security,
        params: RewardParams,
        response: { 200: CodesAdded, ...errors, 413: ErrorBody },
      },
      handler: async (req) => {
        const ws = await authenticateAdmin(deps.keys, req);
        const reward = await getReward(deps.db, ws.id, req.params.id);
        if (!reward) throw new HttpError('not_found', `no reward "${req.params.id}"`);
        if (reward.codes?.source !== 'pool') throw new HttpError('conflict', `the reward "${reward.id}" does not take codes from a pool (set codes.source to "pool")`);
        const text = typeof req.body === 'string' ? req.body : '';
        const parsed = parseCodePool(text);
        if (!parsed.ok) throw httpErrorOf(parsed);
        if (parsed.value.codes.length === 0) throw new HttpError('validation_failed', 'the body holds no codes: send one code per line');
        const added = await addPoolCodes(deps.db, ws.id, reward.id, parsed.value.codes, new Date());
        return { added: added.added, duplicates: parsed.value.duplicates + added.alreadyInPool, blanks: parsed.value.blanks, codesLeft: added.codesLeft };
      },
    });
  });

  r.post('/api/loyalty/members/:id/redemptions', {
    schema: {
      tags,
      summary: "Redeem a reward with the member's points (idempotent by key: a replay answers the same redemption and code)",
      security,
      params: MemberParams,
      body: RedeemInput,
      response: { 200: Redeemed, 201: Redeemed, ...errors },
    },
    handler: async (req, reply) => {
      const { ws, customerId } = await member(req, req.params.id);
      const done = await deps.db.transaction((tx) => redeemReward(tx, { workspaceId: ws.id, customerId, rewardId: req.body.rewardId, key: req.body.key, at: new Date(), channel: 'api' }));
      if (!done.ok) throw redeemHttpError(done);
      if (!done.value.replayed) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [customerId] });
      const [view] = await listRedemptionViews(deps.db, ws.id, { ids: [done.value.redemption.id] });
      return reply.status(done.value.replayed ? 200 : 201).send({ ...view!, replayed: done.value.replayed });
    },
  });

  r.get('/api/loyalty/redemptions', {
    schema: {
      tags,
      summary: "Redemptions, newest first (a customer's with `customer`)",
      security,
      querystring: z.object({ customer: z.string().min(1).max(512).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ redemptions: z.array(RedemptionView) }), ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      let customerId: number | undefined;
      if (req.query.customer !== undefined) {
        const c = await findCustomerId(deps.db, ws.id, req.query.customer);
        if (c === null) throw new HttpError('not_found', `no customer "${req.query.customer}"`);
        customerId = c;
      }
      return { redemptions: await listRedemptionViews(deps.db, ws.id, { customerId, limit: req.query.limit }) };
    },
  });

  r.post('/api/loyalty/redemptions/:id/cancel', {
    schema: {
      tags,
      summary: 'Cancel an unused redemption: its points come back',
      security,
      params: RedemptionParams,
      body: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional(),
      response: { 200: RedemptionView, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const done = await deps.db.transaction((tx) => cancelRedemption(tx, { workspaceId: ws.id, redemptionId: req.params.id, at: new Date(), reason: req.body?.reason ?? 'cancelled by an admin' }));
      if (!done.ok) throw httpErrorOf(done);
      if (done.value.pointsReturned !== 0) deps.bus.publish({ kind: 'events', workspaceId: ws.id, customerIds: [done.value.redemption.customer_id] });
      return (await listRedemptionViews(deps.db, ws.id, { ids: [req.params.id] }))[0]!;
    },
  });

  r.post('/api/loyalty/redemptions/:id/used', {
    schema: { tags, summary: "Record that a redemption's code was used", security, params: RedemptionParams, response: { 200: RedemptionView, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      const done = await deps.db.transaction((tx) => markUsed(tx, { workspaceId: ws.id, redemptionId: req.params.id, at: new Date() }));
      if (!done.ok) throw httpErrorOf(done);
      return (await listRedemptionViews(deps.db, ws.id, { ids: [req.params.id] }))[0]!;
    },
  });

  r.get('/api/loyalty/members/:id/link', {
    schema: {
      tags,
      summary: "The customer's signed link to their own balance and rewards (works 180 days; send it yourself)",
      security,
      params: MemberParams,
      response: { 200: z.object({ url: z.string(), expiresAt: z.string() }), ...errors },
    },
    handler: async (req) => {
      const { ws, customerId } = await member(req, req.params.id);
      if ((await memberStatus(deps.db, ws.id, customerId)) === 'holdout') throw new HttpError('conflict', `customer "${req.params.id}" is in the programme's holdout group: they have no loyalty page`);
      return loyaltyLinkUrl(deps.db, ws.id, customerId, deps.publicUrl, new Date());
    },
  });

  r.get('/api/loyalty/reports/liability', {
    schema: { tags, summary: 'Outstanding points valued at the point value, by expiry month', security, response: { 200: LiabilityReport, ...errors } },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return liabilityReport(deps.db, ws.id);
    },
  });

  r.get('/api/loyalty/reports/lift', {
    schema: {
      tags,
      summary: 'Members against the holdout (or matched non-members) on retention and CLV over a window after joining',
      security,
      querystring: z.object({ windowDays: z.coerce.number().int().min(1).max(3650).default(180) }),
      response: { 200: LiftReport, ...errors },
    },
    handler: async (req) => {
      const ws = await authenticateAdmin(deps.keys, req);
      return liftReport(deps.db, ws.id, req.query.windowDays, new Date());
    },
  });
}

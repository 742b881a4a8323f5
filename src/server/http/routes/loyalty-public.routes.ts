import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RedeemInput, type CustomerLoyaltyView } from '../../../contracts/loyalty.js';
import type { Db } from '../../db/client.js';
import type { ChangeBus } from '../../lib/change-bus.js';
import { customerLoyaltyView, resolveLoyaltyLink, workspaceName, type LinkedCustomer } from '../../loyalty/customer-view.js';
import { loyaltyPageCsp, renderInvalidLoyaltyPage, renderLoyaltyPage, type LoyaltyPageState } from '../../loyalty/customer-page.js';
import { getReward } from '../../loyalty/rewards.repo.js';
import { redeemReward } from '../../loyalty/rewards.service.js';
import { STATUS_OF } from '../errors.js';
import { redeemHttpError } from '../loyalty-present.js';

const Token = z.object({ token: z.string().min(10).max(1_000) });

/**
 * The customer's own loyalty page, without any key, behind their signed link
 * (customer-view.ts): `GET /l/:token` shows their balance, tier, points expiring soon, the
 * rewards with a Redeem button, their past rewards with codes and their referral link — as
 * HTML, or as JSON (CustomerLoyaltyView) with `Accept: application/json`. A GET never
 * redeems. `POST /l/:token/redeem` {rewardId, key} (the page's form or JSON) redeems through
 * the same service as the admin API (channel `link`), once per key. A forged or expired link
 * shows nothing (404).
 */
export function loyaltyPublicRoutes(app: FastifyInstance, deps: { db: Db; bus: ChangeBus; publicUrl: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hide = { hide: true };
  const wantsJson = (req: FastifyRequest) => /application\/json/.test(String(req.headers.accept ?? '')) && !/text\/html/.test(String(req.headers.accept ?? ''));

  const html = (reply: FastifyReply, status: number, render: (nonce: string) => string) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('content-security-policy', loyaltyPageCsp(nonce))
      .send(render(nonce));
  };
  const invalid = (req: FastifyRequest, reply: FastifyReply) =>
    wantsJson(req)
      ? reply
          .status(STATUS_OF.not_found)
          .header('cache-control', 'no-store')
          .send({ error: { code: 'not_found', message: 'this loyalty link is not valid or has expired' } })
      : html(reply, STATUS_OF.not_found, renderInvalidLoyaltyPage);
  const page = async (reply: FastifyReply, status: number, who: LinkedCustomer, token: string, view: CustomerLoyaltyView, notice?: LoyaltyPageState['notice']) => {
    const brand = await workspaceName(deps.db, who.workspaceId);
    const keys = Object.fromEntries(view.rewards.map((x) => [x.id, `link-${randomUUID()}`]));
    return html(reply, status, (nonce) => renderLoyaltyPage({ view, brand, redeemUrl: `/l/${token}/redeem`, keys, notice, nonce }));
  };

  r.get('/l/:token', {
    schema: { ...hide, params: Token },
    handler: async (req, reply) => {
      const who = await resolveLoyaltyLink(deps.db, req.params.token, new Date());
      if (!who) return invalid(req, reply);
      const view = await customerLoyaltyView(deps.db, who, deps.publicUrl, new Date());
      if (wantsJson(req)) return reply.header('cache-control', 'no-store').send(view);
      return page(reply, 200, who, req.params.token, view);
    },
  });

  r.post('/l/:token/redeem', {
    schema: { ...hide, params: Token, body: z.unknown() },
    handler: async (req, reply) => {
      const now = new Date();
      const who = await resolveLoyaltyLink(deps.db, req.params.token, now);
      if (!who) return invalid(req, reply);
      const body = RedeemInput.safeParse(req.body ?? {});
      if (!body.success) {
        const message = 'send the `rewardId` and a `key` (any text of up to 200 characters naming this redemption, so a retry redeems once)';
        if (wantsJson(req)) return reply.status(STATUS_OF.validation_failed).send({ error: { code: 'validation_failed', message } });
        return page(reply, STATUS_OF.validation_failed, who, req.params.token, await customerLoyaltyView(deps.db, who, deps.publicUrl, now), {
          kind: 'error',
          text: 'Something was missing from the form: please try again.',
        });
      }
      const done = await deps.db.transaction((tx) =>
        redeemReward(tx, { workspaceId: who.workspaceId, customerId: who.customerId, rewardId: body.data.rewardId, key: `${who.customerId}:${body.data.key}`, at: now, channel: 'link' }),
      );
      if (done.ok && !done.value.replayed) deps.bus.publish({ kind: 'events', workspaceId: who.workspaceId, customerIds: [who.customerId] });
      const view = await customerLoyaltyView(deps.db, who, deps.publicUrl, new Date());
      if (!done.ok) {
        const err = redeemHttpError(done);
        if (wantsJson(req)) return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
        return page(reply, err.status, who, req.params.token, view, { kind: 'error', text: err.message });
      }
      const red = done.value.redemption;
      const name = (await getReward(deps.db, who.workspaceId, red.reward_id))?.name ?? red.reward_id;
      if (wantsJson(req))
        return reply
          .status(done.value.replayed ? 200 : 201)
          .header('cache-control', 'no-store')
          .send({ redemption: { rewardName: name, code: red.code, at: red.created_at.toISOString(), status: red.status }, replayed: done.value.replayed, view });
      const text = red.code ? `You redeemed ${name}. Your code: ${red.code}` : `You redeemed ${name}.`;
      return page(reply, 200, who, req.params.token, view, { kind: 'ok', text });
    },
  });
}

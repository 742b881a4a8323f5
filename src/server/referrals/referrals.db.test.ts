import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ReferralSettingsSchema } from '../../contracts/referrals.js';
import { saveReferralSettings } from './settings.repo.js';
import { createVanityCode, disableCode } from './codes.repo.js';
import { processReferralEvents } from './referral-processor.js';
import { createReward } from '../loyalty/rewards.repo.js';
import { RewardInput } from '../../contracts/loyalty.js';

const DAY = 86_400_000;
const MIN = 60_000;
let seq = 0;
function call(type: 'identify' | 'page' | 'track', raw: Record<string, unknown>): NormalizedEvent {
  const r = normalizeCall({ messageId: `rdb-${seq++}`, ...raw }, type, { receivedAt: new Date(), bodyBytes: 300 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const iso = (ms: number) => new Date(ms).toISOString();
const page = (anon: string, code: string, at: number, userId?: string) =>
  call('page', { anonymousId: anon, userId, properties: { url: `https://shop.example/?ref=${code}` }, context: { ip: `10.9.${seq % 250}.1`, userAgent: `UA-${anon}` }, timestamp: iso(at) });
const order = (userId: string, id: string, revenue: number, at: number) =>
  call('track', { userId, event: 'Order Completed', properties: { order_id: id, revenue }, context: { ip: `10.8.${seq % 250}.1`, userAgent: `UA-${userId}` }, timestamp: iso(at) });

for (const target of dbTargets()) {
  describe(`referrals: attribution rules (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const t0 = Date.now() - 100 * DAY;
    const idOf = async (userId: string) => Number((await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = $2`, [ws, userId])).rows[0]!.id);
    const refOf = async (userId: string) =>
      (
        await db.query<{ code: string; status: string; order_id: string | null }>(
          `SELECT r.code, r.status, r.order_id FROM referrals r JOIN customers c ON c.id = r.friend_id WHERE r.workspace_id = $1 AND c.user_id = $2`,
          [ws, userId],
        )
      ).rows;
    const run = async () => {
      await processReferralEvents(db, { now: new Date() });
    };

    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'ref-rules')).workspace.id;
      await saveReferralSettings(
        db,
        ws,
        ReferralSettingsSchema.parse({ enabled: true, landingUrl: 'https://shop.example/', minOrderValue: 25, attributionDays: 10, friendReward: { points: 10 }, advocateReward: { points: 20 } }),
      );
      await ingestEvents(db, ws, [
        call('identify', { userId: 'ann', traits: { email: 'ann@example.com' }, timestamp: iso(t0) }),
        call('identify', { userId: 'bob', traits: { email: 'bob@example.com' }, timestamp: iso(t0) }),
      ]);
      assert.ok((await createVanityCode(db, ws, await idOf('ann'), 'ANNA')).ok);
      assert.ok((await createVanityCode(db, ws, await idOf('bob'), 'BOBBY')).ok);
      assert.ok((await createVanityCode(db, ws, await idOf('bob'), 'OLDBOB')).ok);
    });
    after(() => db?.close());

    it('a merge keeps the earlier attribution (first touch), over anonymous → known', async () => {
      // kim is known and follows bob's link at t0+2h; earlier (t0+1h), in another browser, anonymous, she followed ann's.
      await ingestEvents(db, ws, [
        page('kim-phone', 'ANNA', t0 + 60 * MIN),
        call('identify', { userId: 'kim', anonymousId: 'kim-laptop', traits: {}, timestamp: iso(t0 + 90 * MIN) }),
        page('kim-laptop', 'BOBBY', t0 + 120 * MIN, 'kim'),
      ]);
      await run();
      assert.equal((await db.query(`SELECT 1 FROM referrals WHERE workspace_id = $1`, [ws])).rows.length, 2);
      // She signs in on the phone: the anonymous profile merges into kim; ann's referral (earlier) is kept.
      await ingestEvents(db, ws, [call('identify', { userId: 'kim', anonymousId: 'kim-phone', traits: {}, timestamp: iso(t0 + 180 * MIN) })]);
      await run();
      assert.deepEqual(
        (await refOf('kim')).map((r) => r.code),
        ['ANNA'],
      );
      assert.equal((await db.query(`SELECT 1 FROM referrals WHERE workspace_id = $1`, [ws])).rows.length, 1);
    });

    it('a first touch stays: a later link or checkout code does not re-attribute', async () => {
      await ingestEvents(db, ws, [
        page('kim-laptop', 'BOBBY', t0 + 200 * MIN, 'kim'),
        call('track', { userId: 'kim', event: 'Order Completed', properties: { order_id: 'k0', revenue: 10, coupon: 'bobby' }, timestamp: iso(t0 + 210 * MIN) }),
      ]);
      await run();
      assert.deepEqual(
        (await refOf('kim')).map((r) => [r.code, r.status]),
        [['ANNA', 'attributed']],
      );
    });

    it('an order below minOrderValue does not qualify; the next one of at least 25 does', async () => {
      await ingestEvents(db, ws, [order('kim', 'k1', 24.99, t0 + DAY), order('kim', 'k2', 25, t0 + 2 * DAY)]);
      await run();
      const [r] = await refOf('kim');
      assert.equal(r!.order_id, 'k2');
      assert.equal(r!.status, 'pending');
    });

    it('a disabled code attributes nobody; an order after attributionDays expires the referral', async () => {
      assert.equal(await disableCode(db, ws, 'oldbob', new Date()), true);
      await ingestEvents(db, ws, [page('lee-anon', 'OLDBOB', t0 + 3 * DAY, 'lee'), page('max-anon', 'BOBBY', t0 + 3 * DAY, 'max'), order('max', 'm1', 90, t0 + 14 * DAY)]);
      await run();
      assert.deepEqual(await refOf('lee'), []);
      // Attributed at t0+3d, ordered at t0+14d: 11 days > attributionDays 10.
      assert.deepEqual(
        (await refOf('max')).map((r) => r.status),
        ['expired'],
      );
    });

    it('a catalogue reward for the friend: granted at the qualifying order (channel referral), clawed back by a refund inside the window', async () => {
      const made = await createReward(
        db,
        ws,
        RewardInput.parse({ id: 'welcome10', name: '10 off', kind: 'discount_code', cost: 1, value: 10, codes: { source: 'generate', prefix: 'WELCOME' } }),
        new Date(),
      );
      assert.ok(made.ok, JSON.stringify(made));
      await saveReferralSettings(
        db,
        ws,
        ReferralSettingsSchema.parse({
          enabled: true,
          landingUrl: 'https://shop.example/',
          minOrderValue: 25,
          attributionDays: 10,
          friendReward: { rewardId: 'welcome10' },
          advocateReward: { points: 20 },
        }),
      );
      const tn = Date.now() - 3 * DAY;
      await ingestEvents(db, ws, [page('zoe-anon', 'ANNA', tn, 'zoe'), order('zoe', 'z1', 40, tn + MIN)]);
      await run();
      const red = async () =>
        (
          await db.query<{ channel: string; status: string; key: string }>(
            `SELECT channel, status, idempotency_key AS key FROM loyalty_redemptions WHERE workspace_id = $1 AND referral_id IS NOT NULL`,
            [ws],
          )
        ).rows;
      assert.deepEqual(
        (await red()).map((r) => [r.channel, r.status, r.key.endsWith(':friend')]),
        [['referral', 'issued', true]],
      );
      await ingestEvents(db, ws, [call('track', { userId: 'zoe', event: 'Order Refunded', properties: { order_id: 'z1' }, timestamp: iso(tn + DAY) })]);
      await run();
      assert.deepEqual(
        (await red()).map((r) => r.status),
        ['clawed_back'],
      );
      assert.deepEqual(
        (await refOf('zoe')).map((r) => r.status),
        ['void'],
      );
    });
  });
}

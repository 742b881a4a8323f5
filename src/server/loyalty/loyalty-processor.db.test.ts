import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ProgrammeSettingsSchema, type ProgrammeSettings } from '../../contracts/loyalty.js';
import { saveProgramme } from './programme.repo.js';
import { inHoldout } from './enrolment.js';
import { processLoyaltyEvents } from './loyalty-processor.js';
import { LoyaltyWorker } from './loyalty-worker.js';
import { balances } from './ledger.js';

let seq = 0;
function call(type: 'track' | 'identify', fields: Record<string, unknown>): NormalizedEvent {
  const r = normalizeCall({ messageId: `lp-${seq++}`, ...fields }, type, { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const track = (userId: string, event: string, properties: Record<string, unknown>, timestamp: string) => call('track', { userId, event, properties, timestamp });

const NOW = new Date('2026-03-10T00:00:00Z');
const settingsOf = (pointsPerUnit: number, holdoutPercent: number): ProgrammeSettings =>
  ProgrammeSettingsSchema.parse({
    holdoutPercent,
    expiresAfterDays: 365,
    pending: { untilEvent: 'Order Delivered' },
    earnRules: [
      { id: 'per-euro', name: 'Per euro', kind: 'order', pointsPerUnit },
      { id: 'signup', name: 'Sign-up bonus', kind: 'event', points: 50, event: { name: 'Signed Up' }, oncePerMember: true },
    ],
  });

for (const target of dbTargets()) {
  describe(`loyalty processor: events → enrolment, earns, releases, pro-rata refunds (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id: Record<string, number> = {};
    let member = '';
    let holdout = '';
    let other = '';
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'loyalty-proc')).workspace.id;
      const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
      await ingestEvents(
        db,
        ws,
        users.map((u) => call('identify', { userId: u, traits: { email: `${u}@example.com` }, timestamp: '2026-01-01T00:00:00Z' })),
      );
      for (const r of (await db.query<{ id: number; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1`, [ws])).rows) id[r.user_id] = Number(r.id);
      // Half in the holdout, by the hash: pick two members and one held-out customer.
      const ins = users.filter((u) => !inHoldout(ws, id[u]!, 50));
      const outs = users.filter((u) => inHoldout(ws, id[u]!, 50));
      assert.ok(ins.length >= 2 && outs.length >= 1, 'the hash splits 12 customers both ways');
      [member, other] = ins as [string, string];
      holdout = outs[0]!;
      // The cursor starts at the end of the events: the identifies above are history.
      assert.ok(await processLoyaltyEvents(db, { now: NOW }));
      const saved = await saveProgramme(db, ws, { status: 'live', settings: settingsOf(1, 50) }, new Date(Date.now() - 1_000));
      assert.ok(saved.ok);
    });
    after(() => db.close());

    const entries = async () =>
      (
        await db.query<{ kind: string; points: number; key: string; rule: { id: string; pointsPerUnit?: number } | null }>(
          `SELECT kind, points, idempotency_key AS key, rule FROM loyalty_entries WHERE workspace_id = $1 ORDER BY id`,
          [ws],
        )
      ).rows.map((r) => [
        r.kind,
        Number(r.points),
        r.key
          .replace(/lp-\d+/, 'M')
          .replace(/^release:.*/, 'release')
          .replace(/^(refund:M):\d+$/, '$1:<earn entry>'),
      ]);
    const bal = (u: string) => db.transaction((tx) => balances(tx, ws, id[u]!));
    const timeline = async (u: string) =>
      (await db.query<{ event: string }>(`SELECT event FROM events WHERE workspace_id = $1 AND customer_id = $2 AND type = 'tenure' ORDER BY id`, [ws, id[u]])).rows.map((r) => r.event);

    it('an order earns pending points (the programme default: until Order Delivered), the delivery releases them; both on the timeline', async () => {
      await ingestEvents(db, ws, [track(member, 'Order Completed', { order_id: 'o1', revenue: 200 }, '2026-03-01T10:00:00Z')]);
      const r = await processLoyaltyEvents(db, { now: NOW });
      assert.deepEqual({ enrolled: r!.enrolled, earned: r!.earned }, { enrolled: 1, earned: 1 });
      // €200 × 1 pt/€ = 200 points, pending
      assert.deepEqual(await bal(member), { available: 0, pending: 200 });
      assert.deepEqual((await db.query(`SELECT status FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [ws, id[member]])).rows, [{ status: 'member' }]);
      await ingestEvents(db, ws, [track(member, 'Order Delivered', { order_id: 'o1' }, '2026-03-03T10:00:00Z')]);
      const d = await processLoyaltyEvents(db, { now: NOW });
      assert.equal(d!.released, 1);
      assert.deepEqual(await bal(member), { available: 200, pending: 0 });
      assert.deepEqual(await timeline(member), ['Loyalty Enrolled', 'Points Earned', 'Points Released']);
    });

    it('a partial refund reverses pro rata with the rule the order earned under, even after the rule changed', async () => {
      // Today's rule: 3 points per euro (a new programme version).
      const v2 = await saveProgramme(db, ws, { settings: settingsOf(3, 50) });
      assert.ok(v2.ok);
      assert.equal(v2.value.version, 2);
      // €50 of the €200 order refunded: floor(200 × 50/200) = 50 points back (not 3 × 50 = 150).
      await ingestEvents(db, ws, [track(member, 'Order Refunded', { order_id: 'o1', revenue: 50 }, '2026-03-05T10:00:00Z')]);
      const r = await processLoyaltyEvents(db, { now: NOW });
      assert.equal(r!.reversed, 1);
      assert.deepEqual(await bal(member), { available: 150, pending: 0 });
      // A refund naming only the order refunds the rest: 200 − 50 = 150 more.
      await ingestEvents(db, ws, [track(member, 'Order Refunded', { order_id: 'o1' }, '2026-03-06T10:00:00Z')]);
      await processLoyaltyEvents(db, { now: NOW });
      assert.deepEqual(await bal(member), { available: 0, pending: 0 });
      assert.deepEqual(await entries(), [
        ['earn', 200, 'earn:M:per-euro'],
        ['release', 200, 'release'],
        ['reverse', 50, 'refund:M:<earn entry>'],
        ['reverse', 150, 'refund:M:<earn entry>'],
      ]);
      const stored = await db.query<{ rule: { pointsPerUnit: number; orderValue: number; programmeVersion: number } }>(`SELECT rule FROM loyalty_entries WHERE workspace_id = $1 AND kind = 'earn'`, [
        ws,
      ]);
      assert.deepEqual(
        stored.rows.map((r) => [r.rule.pointsPerUnit, r.rule.orderValue, r.rule.programmeVersion]),
        [[1, 200, 1]],
      );
    });

    it('a held-out customer is recorded in the holdout and earns nothing; the sign-up bonus is given once; replaying the processor earns nothing twice', async () => {
      const cursorBefore = Number((await db.query<{ h: number }>(`SELECT high_water AS h FROM loyalty_cursor WHERE id = 1`)).rows[0]!.h);
      await ingestEvents(db, ws, [
        track(holdout, 'Order Completed', { order_id: 'h1', revenue: 80 }, '2026-03-07T10:00:00Z'),
        track(other, 'Signed Up', {}, '2026-03-07T10:00:00Z'),
        track(other, 'Signed Up', {}, '2026-03-07T11:00:00Z'),
        track(other, 'Order Completed', { order_id: 'b1', total: '19.99' }, '2026-03-07T12:00:00Z'),
      ]);
      const worker = new LoyaltyWorker(db, { clock: () => NOW, sweepMs: 0 });
      await worker.drainNow();
      // other: 50 (sign-up, once) + floor(19.99 × 3) = 59 pending
      assert.deepEqual(await bal(other), { available: 50, pending: 59 });
      assert.deepEqual(await bal(holdout), { available: 0, pending: 0 });
      assert.deepEqual((await db.query(`SELECT status FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`, [ws, id[holdout]])).rows, [{ status: 'holdout' }]);
      assert.deepEqual(await timeline(holdout), ['Loyalty Enrolled']);
      const enrolled = await db.query<{ properties: { holdout: boolean } }>(`SELECT properties FROM events WHERE workspace_id = $1 AND customer_id = $2 AND event = 'Loyalty Enrolled'`, [
        ws,
        id[holdout],
      ]);
      assert.equal(enrolled.rows[0]!.properties.holdout, true);

      const before = await entries();
      await db.query(`UPDATE loyalty_cursor SET high_water = $1, gaps = '[]' WHERE id = 1`, [cursorBefore]);
      const again = await processLoyaltyEvents(db, { now: NOW });
      assert.equal(again!.earned, 0);
      assert.equal(again!.enrolled, 0);
      assert.deepEqual(await entries(), before);
      assert.deepEqual(await bal(other), { available: 50, pending: 59 });
    });

    it('an event received before the programme went live never earns', async () => {
      const ws2 = (await makeWorkspace(db, 'loyalty-late')).workspace.id;
      await ingestEvents(db, ws2, [call('identify', { userId: 'zed', traits: {}, timestamp: '2026-01-01T00:00:00Z' })]);
      assert.ok((await saveProgramme(db, ws2, { status: 'draft', settings: settingsOf(1, 0) })).ok);
      await ingestEvents(db, ws2, [track('zed', 'Order Completed', { order_id: 'z1', revenue: 10 }, '2026-03-01T00:00:00Z')]);
      await processLoyaltyEvents(db, { now: NOW });
      await new Promise((r) => setTimeout(r, 5));
      const live = await saveProgramme(db, ws2, { status: 'live', settings: settingsOf(1, 0) }, new Date());
      assert.ok(live.ok && live.value.liveSince !== null);
      // Its cursor had passed z1 already, and a replay of it is still before liveSince.
      await db.query(`UPDATE loyalty_cursor SET high_water = 0, gaps = '[]' WHERE id = 1`);
      await processLoyaltyEvents(db, { now: NOW, batch: 100_000 });
      await ingestEvents(db, ws2, [track('zed', 'Order Completed', { order_id: 'z2', revenue: 7 }, '2026-03-02T00:00:00Z')]);
      await processLoyaltyEvents(db, { now: NOW });
      const zed = Number((await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'zed'`, [ws2])).rows[0]!.id);
      // only z2: 7 points, pending until delivered
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws2, zed)), { available: 0, pending: 7 });
    });

    it('tiers: an order that reaches gold upgrades the member and the next order earns with its multiplier; a rule condition is the rule language on the member', async () => {
      const ws3 = (await makeWorkspace(db, 'loyalty-tiers')).workspace.id;
      await ingestEvents(db, ws3, [
        call('identify', { userId: 'vic', traits: { vip: true }, timestamp: '2026-01-01T00:00:00Z' }),
        call('identify', { userId: 'nat', traits: { vip: false }, timestamp: '2026-01-01T00:00:00Z' }),
      ]);
      await processLoyaltyEvents(db, { now: NOW, batch: 100_000 });
      const settings = ProgrammeSettingsSchema.parse({
        expiresAfterDays: null,
        earnRules: [
          { id: 'per-euro', name: 'Per euro', kind: 'order', pointsPerUnit: 1 },
          { id: 'vip-review', name: 'VIP review', kind: 'event', points: 10, tierMultiplier: false, event: { name: 'Review Submitted' }, condition: { trait: { path: 'vip', op: 'eq', value: true } } },
        ],
        tiers: {
          measure: 'points',
          term: 'lifetime',
          tiers: [
            { key: 'base', name: 'Base', entry: 0, retain: 0 },
            { key: 'gold', name: 'Gold', entry: 100, retain: 100, multiplier: 2 },
          ],
        },
      });
      assert.ok((await saveProgramme(db, ws3, { status: 'live', settings }, new Date(Date.now() - 1_000))).ok);
      await ingestEvents(db, ws3, [
        track('vic', 'Order Completed', { order_id: 'v1', revenue: 150 }, '2026-03-01T00:00:00Z'),
        track('vic', 'Review Submitted', {}, '2026-03-01T01:00:00Z'),
        track('nat', 'Review Submitted', {}, '2026-03-01T01:00:00Z'),
      ]);
      await processLoyaltyEvents(db, { now: NOW });
      const who = async (u: string) => Number((await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = $2`, [ws3, u])).rows[0]!.id);
      const vic = await who('vic');
      const nat = await who('nat');
      // 150 (order, base ×1) + 10 (VIP review) = 160; Nat is not VIP: nothing.
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws3, vic)), { available: 160, pending: 0 });
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws3, nat)), { available: 0, pending: 0 });
      const tiers = await db.query<{ customer_id: number; tier: string }>(`SELECT customer_id, tier FROM loyalty_members WHERE workspace_id = $1 ORDER BY customer_id`, [ws3]);
      assert.deepEqual(
        tiers.rows.map((r) => [Number(r.customer_id), r.tier]),
        [
          [vic, 'gold'],
          [nat, 'base'],
        ].sort((a, b) => Number(a[0]) - Number(b[0])),
      );
      // Gold ×2: €10.60 earns floor(10.60 × 1 × 2) = 21.
      await ingestEvents(db, ws3, [track('vic', 'Order Completed', { order_id: 'v2', revenue: 10.6 }, '2026-03-02T00:00:00Z')]);
      await processLoyaltyEvents(db, { now: NOW });
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws3, vic)), { available: 181, pending: 0 });
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { loadRenderFacts } from '../channels/render-context.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { boughtTogether, computeRecommendations, recommendationsFor } from './recommend.js';

let seq = 0;
function track(userId: string, event: string, day: number, properties: Record<string, unknown> = {}): NormalizedEvent {
  const r = normalizeCall(
    { messageId: `rc-${seq++}`, userId, event, timestamp: new Date(Date.UTC(2026, 0, day)).toISOString(), properties },
    'track',
    { receivedAt: new Date(), bodyBytes: 100 },
    0,
    '',
  );
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
function order(userId: string, products: Array<string | Record<string, unknown>>, day: number): NormalizedEvent {
  const items = products.map((p) => (typeof p === 'string' ? { product_id: p, name: p.toUpperCase(), category: p.startsWith('g') ? 'gear' : 'beans', price: 10 } : p));
  return track(userId, 'Order Completed', day, { order_id: `o${seq}`, revenue: 10, products: items });
}

/**
 * Orders (worked out by hand below):
 *   ann: {b1, g1}, {b2}        ben: {b1, g1}        cy: {b1, b2}        dee: {b1}        eve: {g2} and an item with no id
 * Orders per product: b1 4 (ann, ben, cy, dee), g1 2, b2 2, g2 1.
 * Same order: b1+g1 in 2 orders (ann, ben), b1+b2 in 1 (cy).
 */
for (const target of dbTargets()) {
  describe(`recommendations (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id = async (userId: string) => Number((await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = $2`, [ws, userId])).rows[0]!.id);
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'recs')).workspace.id;
      await ingestEvents(db, ws, [
        order('ann', ['b1', 'g1'], 1),
        order('ann', ['b2'], 2),
        order('ben', ['b1', 'g1'], 3),
        order('cy', ['b1', 'b2'], 4),
        order('dee', ['b1'], 5),
        order('eve', ['g2', { quantity: 1 }], 6),
        track('fay', 'Signed Up', 7),
      ]);
    });
    after(() => db.close());

    it('finds what is bought together: same-order pairs at least twice, scored by cosine', async () => {
      const r = await computeRecommendations(db, ws, { now: new Date('2026-02-01T00:00:00Z') });
      assert.equal(r.products, 4); // b1, g1, b2, g2 (the item with no id is left out)
      // b1+g1: 2 orders together (≥ 2); b1+b2 only 1: left out. Both directions: 2 rows.
      assert.equal(r.pairs, 2);
      const b1 = await boughtTogether(db, ws, 'b1');
      // cosine = 2 / √(4 orders with b1 × 2 with g1) = 2 / √8 = 0.707107
      assert.deepEqual(
        b1?.map((p) => [p.productId, p.name, p.together, Math.round(p.score * 1e6) / 1e6]),
        [['g1', 'G1', 2, 0.707107]],
      );
      assert.equal(await boughtTogether(db, ws, 'nope'), null);
    });

    it("recommends each customer's next best products from what others bought, and best sellers otherwise", async () => {
      const recs = await recommendationsFor(db, ws, [await id('dee'), await id('cy'), await id('eve'), await id('fay')]);
      // Customer similarity (buyers of both ÷ √(buyers × buyers)); buyers: b1 4, g1 2, b2 2, g2 1.
      //   b1~g1 = 2 (ann, ben) / √(4·2) = 0.707107; b1~b2 = 2 (ann, cy) / √(4·2) = 0.707107; g1~b2 = 1 (ann) / √(2·2) = 0.5; g2: no one else.
      // dee bought b1: g1 0.707107, b2 0.707107 (ties by product id: b2 first).
      assert.deepEqual(
        recs.get(await id('dee'))!.map((p) => [p.productId, Math.round(p.score * 1e6) / 1e6, p.reason]),
        [
          ['b2', 0.707107, 'similar'],
          ['g1', 0.707107, 'similar'],
        ],
      );
      // cy bought b1 and b2: g1 = b1~g1 + b2~g1 = 0.707107 + 0.5 = 1.207107.
      assert.deepEqual(
        recs.get(await id('cy'))!.map((p) => [p.productId, Math.round(p.score * 1e6) / 1e6]),
        [['g1', 1.207107]],
      );
      // eve bought only g2, which nobody else bought: best sellers she has not bought, by buyers ÷ the top's (b1 4/4, then b2 and g1 2/4).
      assert.deepEqual(
        recs.get(await id('eve'))!.map((p) => [p.productId, p.score, p.reason]),
        [
          ['b1', 1, 'popular'],
          ['b2', 0.5, 'popular'],
          ['g1', 0.5, 'popular'],
        ],
      );
      // fay never ordered: the best sellers.
      assert.deepEqual(
        recs.get(await id('fay'))!.map((p) => p.productId),
        ['b1', 'b2', 'g1'],
      );
    });

    it('gives templates customer.recommendations', async () => {
      const facts = await loadRenderFacts(db, ws, [await id('cy')]);
      const customer = facts.get(await id('cy'))!.customer as { recommendations: Array<{ id: string; name: string; category: string; price: number }> };
      assert.deepEqual(customer.recommendations, [{ id: 'g1', name: 'G1', category: 'gear', price: 10 }]);
    });

    it('rebuilds from scratch: a later run replaces the earlier one', async () => {
      await ingestEvents(db, ws, [order('dee', ['g1'], 8)]);
      await computeRecommendations(db, ws, { now: new Date('2026-02-02T00:00:00Z') });
      // dee now has b1 and g1: b2 = b1~b2 + g1~b2. Buyers: b1 4, g1 3 (ann, ben, dee), b2 2.
      //   b1~b2 = 2 / √(4·2) = 0.707107; g1~b2 = 1 (ann) / √(3·2) = 0.408248 → 1.115355
      assert.deepEqual(
        (await recommendationsFor(db, ws, [await id('dee')])).get(await id('dee'))!.map((p) => [p.productId, Math.round(p.score * 1e6) / 1e6]),
        [['b2', 1.115355]],
      );
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { computeRfm } from '../segments/rfm.js';
import { syncFacts } from './facts.js';
import { numericValue, orderValueOf } from './order-value.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
let seq = 0;
function order(userId: string, properties: Record<string, unknown>, daysAgo: number, event = 'Order Completed'): NormalizedEvent {
  const at = new Date(NOW.getTime() - daysAgo * 86_400_000);
  const r = normalizeCall({ messageId: `ov-${seq++}`, userId, event, properties, timestamp: at.toISOString() }, 'track', { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

describe('the one order value', () => {
  it('reads revenue, else total, as a number or a numeric string; anything else is no value', () => {
    assert.equal(orderValueOf({ revenue: '5000.00' }), 5000);
    assert.equal(orderValueOf({ total: 5000 }), 5000);
    assert.equal(orderValueOf({ revenue: 12.5, total: 99 }), 12.5);
    assert.equal(orderValueOf({ revenue: 'abc', total: ' 7 ' }), 7);
    assert.equal(orderValueOf({ revenue: '1e3' }), null);
    assert.equal(orderValueOf({ revenue: true }), null);
    assert.equal(numericValue(Number.NaN), null);
    assert.equal(numericValue('-3.25'), -3.25);
  });
});

for (const target of dbTargets()) {
  describe(`one order value in RFM and the KPI facts (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'order-value')).workspace.id;
      // Four buyers, one order each, the same day: worth 5000 ("5000.00"), 5000 (total), 10, and nothing ("n/a").
      await ingestEvents(db, ws, [
        order('str', { revenue: '5000.00', order_id: 'o1' }, 3),
        order('tot', { total: 5000, order_id: 'o2' }, 3),
        order('ten', { revenue: 10, order_id: 'o3' }, 3),
        order('none', { revenue: 'n/a', order_id: 'o4' }, 3),
        order('ten', { order_id: 'o3', amount: '4' }, 1, 'Order Refunded'),
      ]);
    });
    after(() => db.close());

    it('RFM monetary scores a numeric string and a total like a number', async () => {
      await computeRfm(db, ws, NOW);
      const { rows } = await db.query<{ user_id: string; m: number }>(
        `SELECT c.user_id, (s.value)::int AS m FROM customer_scores s JOIN customers c ON c.id = s.customer_id WHERE s.workspace_id = $1 AND s.name = 'rfm_m' ORDER BY 1`,
        [ws],
      );
      // By hand: spent 0, 10, 5000, 5000 → percent_rank 0, 1/3, 2/3, 2/3 → M = 1 + floor(5 · rank) = 1, 2, 4, 4.
      assert.deepEqual(
        rows,
        [
          { user_id: 'none', m: 1 },
          { user_id: 'ten', m: 2 },
          { user_id: 'tot', m: 4 },
          { user_id: 'str', m: 4 },
        ].sort((a, b) => a.user_id.localeCompare(b.user_id)),
      );
    });

    it('the KPI facts store the same values (a refund its amount)', async () => {
      await syncFacts(db);
      const { rows } = await db.query<{ user_id: string; kind: string; amount: string | null }>(
        `SELECT c.user_id, o.kind, o.amount::text AS amount FROM analytics_orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1 ORDER BY 1, 2`,
        [ws],
      );
      assert.deepEqual(
        rows.map((r) => [r.user_id, r.kind, Number(r.amount)]),
        [
          ['none', 'order', 0],
          ['str', 'order', 5000],
          ['ten', 'order', 10],
          ['ten', 'refund', 4],
          ['tot', 'order', 5000],
        ],
      );
    });
  });
}

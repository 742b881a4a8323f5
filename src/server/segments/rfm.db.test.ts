import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { lastRfmRun, RFM_GROUPS, rfmDistribution, rfmGroup, runRfm } from './rfm.js';
import { segmentMembers } from './segments.repo.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;

let seq = 0;
function track(userId: string, event: string, at: Date, properties: Record<string, unknown> = {}): NormalizedEvent {
  const r = normalizeCall({ messageId: `rfm-${seq++}`, userId, event, properties, timestamp: at.toISOString() }, 'track', { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

/**
 * Twelve buyers c1…c12: ci's last order was 5·i days ago; order counts and the revenue
 * per order below. Worked out by hand (12 buyers: score = 1 + floor(5 · (rank − 1) / 11),
 * so ranks 1–3 score 1, 4–5 → 2, 6–7 → 3, 8–9 → 4, 10–12 → 5; ties take the lowest rank):
 *   R (oldest last order first): c12 c11 c10 → 1, c9 c8 → 2, c7 c6 → 3, c5 c4 → 4, c3 c2 c1 → 5.
 *   F (orders 1,1,1 | 2,2,2 | 3,3 | 5 | 6 | 7 | 9): c2 c4 c11 → 1; c7 c9 c12 → 2 (rank 4);
 *     c3 c6 → 3 (rank 7); c8 → 4 (rank 9); c1 → 5 (rank 10); c5 → 5; c10 → 5.
 *   M (spent 10,10 | 20,20,20 | 30,30 | 50 | 60 | 70 | 90 | 500): c4 c11 → 1; c7 c9 c12 → 1
 *     (rank 3); c3 c6 → 3; c8 → 4; c1 → 4; c5 → 5; c10 → 5; c2 (one order of 500) → 5.
 */
const ORDERS: Record<string, { n: number; each: number }> = {
  c1: { n: 6, each: 10 },
  c2: { n: 1, each: 500 },
  c3: { n: 3, each: 10 },
  c4: { n: 1, each: 10 },
  c5: { n: 7, each: 10 },
  c6: { n: 3, each: 10 },
  c7: { n: 2, each: 10 },
  c8: { n: 5, each: 10 },
  c9: { n: 2, each: 10 },
  c10: { n: 9, each: 10 },
  c11: { n: 1, each: 10 },
  c12: { n: 2, each: 10 },
};
const EXPECTED: Record<string, [r: number, f: number, m: number, group: string]> = {
  c1: [5, 5, 4, 'champions'],
  c2: [5, 1, 5, 'new'],
  c3: [5, 3, 3, 'potential_loyalists'],
  c4: [4, 1, 1, 'promising'],
  c5: [4, 5, 5, 'loyal'],
  c6: [3, 3, 3, 'need_attention'],
  c7: [3, 2, 1, 'about_to_sleep'],
  c8: [2, 4, 4, 'at_risk'],
  c9: [2, 2, 1, 'hibernating'],
  c10: [1, 5, 5, 'cant_lose'],
  c11: [1, 1, 1, 'lost'],
  c12: [1, 2, 1, 'hibernating'],
};

describe('the RFM grid', () => {
  it('puts every (R, F) pair in exactly one group', () => {
    for (let r = 1; r <= 5; r++)
      for (let f = 1; f <= 5; f++) {
        const owners = RFM_GROUPS.filter((g) => g.cells.some(([rs, fs]) => rs.includes(r) && fs.includes(f)));
        assert.equal(owners.length, 1, `R${r} F${f}: ${owners.map((g) => g.key).join(', ')}`);
      }
    assert.equal(rfmGroup(5, 5), 'champions');
    assert.equal(rfmGroup(1, 1), 'lost');
  });
});

for (const target of dbTargets()) {
  describe(`RFM (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('scores buyers in fifths as computed by hand, and fills the named groups', async () => {
      const ws = (await makeWorkspace(db, 'rfm')).workspace.id;
      const events: NormalizedEvent[] = [];
      for (const [user, o] of Object.entries(ORDERS)) {
        const last = NOW.getTime() - 5 * Number(user.slice(1)) * DAY;
        for (let k = 0; k < o.n; k++) events.push(track(user, 'Order Completed', new Date(last - k * DAY), { revenue: o.each }));
      }
      events.push(track('browser', 'Page Viewed', new Date(NOW.getTime() - DAY)));
      events.push(track('c1', 'Order Completed', new Date(NOW.getTime() + DAY), { revenue: 1000 })); // after "now": not counted
      await ingestEvents(db, ws, events);

      const run = await runRfm(db, ws, NOW);
      assert.equal(run.buyers, 12);
      const { rows } = await db.query<{ user_id: string; name: string; v: number }>(
        `SELECT c.user_id, s.name, (s.value)::int AS v FROM customer_scores s JOIN customers c ON c.id = s.customer_id WHERE s.workspace_id = $1`,
        [ws],
      );
      const got: Record<string, number[]> = {};
      for (const r of rows) (got[r.user_id] ??= [0, 0, 0])[['rfm_r', 'rfm_f', 'rfm_m'].indexOf(r.name)] = r.v;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(EXPECTED).sort(), 'buyers only');
      for (const [user, [r, f, m]] of Object.entries(EXPECTED)) assert.deepEqual(got[user], [r, f, m], user);

      // Boundaries: F reaches 2 at 2 orders, 3 at 3, 4 at 5, 5 at 6.
      assert.deepEqual(run.boundaries.frequency, [2, 3, 5, 6]);
      assert.deepEqual(run.boundaries.monetary.map(Number), [30, 30, 50, 70]);
      assert.deepEqual((await lastRfmRun(db, ws))?.buyers, 12);

      for (const g of RFM_GROUPS) {
        const members = (await segmentMembers(db, ws, `rfm_${g.key}`, { limit: 100 })).map((m) => m.userId).sort();
        const expected = Object.entries(EXPECTED)
          .filter(([, e]) => e[3] === g.key)
          .map(([u]) => u)
          .sort();
        assert.deepEqual(members, expected, g.key);
      }
      const dist = await rfmDistribution(db, ws, NOW);
      assert.equal(dist.length, 11);
      assert.equal(
        dist.reduce((n, d) => n + d.count, 0),
        12,
      );
      const hib = dist.find((d) => d.key === 'hibernating')!;
      assert.equal(hib.count, 2);
      assert.equal(hib.frequency, 2);
      assert.equal(hib.recencyDays, (45 + 60) / 2);
      assert.equal(dist.find((d) => d.key === 'new')!.monetary, 500);

      // A new order from c11 (lost) moves everyone's ranks at the next run. By hand: R
      // oldest first is now c12 c10 c9 | c8 c7 | c6 c5 | c4 c3 | c2 c1 c11, so c9 drops to
      // R1; orders are 1,1 | 2,2,2,2 (c7 c9 c11 c12, rank 3: F1) | …, so c9 and c12 are
      // R1 F1 (lost) and c11 is R5 F1 (new); c11's 20 spent ranks 2nd: M1.
      await ingestEvents(db, ws, [track('c11', 'Order Completed', new Date(NOW.getTime() - 1000), { revenue: 10 })]);
      await runRfm(db, ws, NOW);
      const users = async (key: string) => (await segmentMembers(db, ws, `rfm_${key}`, { limit: 10 })).map((m) => m.userId).sort();
      assert.deepEqual(await users('lost'), ['c12', 'c9']);
      assert.deepEqual(await users('new'), ['c11', 'c2']);
      const c11 = (await db.query<{ name: string; v: number }>(`SELECT s.name, (s.value)::int AS v FROM customer_scores s JOIN customers c ON c.id = s.customer_id WHERE c.user_id = 'c11' ORDER BY 1`))
        .rows;
      assert.deepEqual(c11, [
        { name: 'rfm_f', v: 1 },
        { name: 'rfm_m', v: 1 },
        { name: 'rfm_r', v: 5 },
      ]);
      // Entering and leaving groups is on the timeline like any segment.
      const { rows: moves } = await db.query<{ event: string; segment: string }>(
        `SELECT e.event, e.properties->>'segmentId' AS segment FROM events e JOIN customers c ON c.id = e.customer_id
          WHERE c.user_id = 'c11' AND e.type = 'tenure' ORDER BY e.timestamp, e.event`,
        [],
      );
      assert.deepEqual(moves.map((m) => `${m.event}:${m.segment}`).sort(), ['Segment Entered:rfm_lost', 'Segment Entered:rfm_new', 'Segment Exited:rfm_lost']);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { syncFacts } from '../analytics/facts.js';
import { earn, redeem, reverseOrder } from './ledger.js';
import { liabilityReport, liftReport } from './loyalty-reports.js';

const d = (s: string) => new Date(s.length === 10 ? `${s}T12:00:00Z` : s);
let seq = 0;
function track(userId: string, event: string, properties: Record<string, unknown>, timestamp: string): NormalizedEvent {
  const r = normalizeCall({ messageId: `lr-${seq++}`, userId, event, properties, timestamp: `${timestamp}T12:00:00Z` }, 'track', { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const near = (a: number | null, b: number, eps = 1e-4) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≠ ${b}`);

for (const target of dbTargets()) {
  describe(`loyalty reports (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    const customers = async (ws: number, names: string[]) => {
      const id: Record<string, number> = {};
      for (const u of names) id[u] = Number((await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, u])).rows[0]!.id);
      return id;
    };

    it('liability: outstanding points valued at the point value, by expiry month; pending and owed apart', async () => {
      const ws = (await makeWorkspace(db, 'liability')).workspace.id;
      await db.query(`UPDATE workspaces SET currency = 'EUR' WHERE id = $1`, [ws]);
      await db.query(`INSERT INTO loyalty_programmes (workspace_id, status, settings) VALUES ($1, 'live', $2)`, [ws, JSON.stringify({ pointValue: 0.01 })]);
      const id = await customers(ws, ['ann', 'bob', 'cid']);
      for (const u of ['ann', 'bob', 'cid']) await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) VALUES ($1, $2, 'member', $3)`, [ws, id[u], d('2026-01-01')]);
      const at = d('2026-06-01');
      const ok = async (p: Promise<{ ok: boolean }>) => assert.ok((await p).ok);
      // Ann: lots of 100 (expires 2027-01-15), 50 (2027-03-10), 30 (never).
      await ok(db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at, key: 'a1', points: 100, expiresAt: d('2027-01-15') })));
      await ok(db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at, key: 'a2', points: 50, expiresAt: d('2027-03-10') })));
      await ok(db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at, key: 'a3', points: 30, expiresAt: null })));
      // Bob: 40 pending until delivery (expires 2027-05-01).
      await ok(db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.bob!, at, key: 'b1', points: 40, expiresAt: d('2027-05-01'), pending: { until: null, event: 'Order Delivered' } })));
      // Cid: 20 for order o1 (€100), spent, then the order refunded in full: −20 (owed), no lot left.
      await ok(
        db.transaction((tx) =>
          earn(tx, {
            workspaceId: ws,
            customerId: id.cid!,
            at,
            key: 'c1',
            points: 20,
            expiresAt: d('2027-02-01'),
            orderId: 'o1',
            rule: { id: 'r', name: 'r', programmeVersion: 1, kind: 'order', pointsPerUnit: 0.2, multiplier: 1, tierMultiplier: 1, orderValue: 100 },
          }),
        ),
      );
      await ok(db.transaction((tx) => redeem(tx, { workspaceId: ws, customerId: id.cid!, at, key: 'c2', points: 20 })));
      await ok(db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.cid!, at, key: 'c3', orderId: 'o1', refunded: null, policy: 'negative' })));

      const r = await liabilityReport(db, ws);
      // Available: ann 100 + 50 + 30 = 180 → €1.80 (cid's −20 is owed apart, not netted). Pending: bob's 40 → €0.40.
      // By expiry month (remaining of each lot, pending ones too): 2027-01 100 → €1.00; 2027-03 50 → €0.50; 2027-05 40 → €0.40; never 30 → €0.30.
      assert.deepEqual(r, {
        currency: 'EUR',
        pointValue: 0.01,
        available: { points: 180, value: 1.8 },
        pending: { points: 40, value: 0.4 },
        owed: { points: 20, members: 1 },
        byExpiryMonth: [
          { month: '2027-01', points: 100, value: 1 },
          { month: '2027-03', points: 50, value: 0.5 },
          { month: '2027-05', points: 40, value: 0.4 },
          { month: null, points: 30, value: 0.3 },
        ],
        members: 3,
      });
    });

    it('lift against the holdout: retention and CLV with 95% intervals (hand-computed)', async () => {
      const ws = (await makeWorkspace(db, 'lift')).workspace.id;
      const names = [...Array.from({ length: 40 }, (_, i) => `m${i}`), ...Array.from({ length: 40 }, (_, i) => `h${i}`)];
      const events: NormalizedEvent[] = [];
      // Members m0–m23 order €50 within 90 days of joining (2026-01-01); m0's is €80 with €30 refunded (net €50).
      for (let i = 0; i < 24; i++) events.push(track(`m${i}`, 'Order Completed', { order_id: `mo${i}`, revenue: i === 0 ? 80 : 50 }, '2026-02-01'));
      events.push(track('m0', 'Order Refunded', { order_id: 'mo0', revenue: 30 }, '2026-02-10'));
      // Holdout h0–h15 order €50 in the window.
      for (let i = 0; i < 16; i++) events.push(track(`h${i}`, 'Order Completed', { order_id: `ho${i}`, revenue: 50 }, '2026-02-01'));
      // Outside the window: h16 after it (June), m30 before joining (December 2025). Neither counts.
      events.push(track('h16', 'Order Completed', { order_id: 'late', revenue: 500 }, '2026-06-01'));
      events.push(track('m30', 'Order Completed', { order_id: 'early', revenue: 500 }, '2025-12-15'));
      // Everyone else: a page view so they exist.
      for (const n of names) events.push(track(n, 'Product Viewed', {}, '2025-12-01'));
      await ingestEvents(db, ws, events);
      await syncFacts(db);
      for (const n of names)
        await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) SELECT $1, id, $3, $4 FROM customers WHERE workspace_id = $1 AND user_id = $2`, [
          ws,
          n,
          n.startsWith('m') ? 'member' : 'holdout',
          d('2026-01-01'),
        ]);
      // One member who joined too recently for a whole window: left out.
      const late = await customers(ws, ['newbie']);
      await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) VALUES ($1, $2, 'member', $3)`, [ws, late.newbie, d('2026-11-20')]);

      const r = await liftReport(db, ws, 90, d('2026-12-01'));
      assert.equal(r.comparison, 'holdout');
      assert.equal(r.windowDays, 90);
      // Members: 40, 24 retained → 0.6; CLV: (23 × 50 + (80 − 30)) / 40 = 1200 / 40 = 30.
      assert.deepEqual(r.members, { n: 40, retention: 0.6, clv: 30 });
      // Holdout: 40, 16 retained → 0.4; CLV 16 × 50 / 40 = 20.
      assert.deepEqual(r.others, { n: 40, retention: 0.4, clv: 20 });
      // Retention: +0.2, SE = √(.6×.4/40 + .4×.6/40) = 0.109545, ± 1.959964 × SE = ± 0.214704 → [−0.014704, 0.414704].
      near(r.retentionLift.diff, 0.2);
      near(r.retentionLift.low, -0.014704);
      near(r.retentionLift.high, 0.414704);
      // CLV: +10; s² = 24,000/39 = 615.3846 in both groups; SE = √(2 × 615.3846/40) = 5.547002; ± 10.871924.
      near(r.clvLift.diff, 10);
      near(r.clvLift.low, -0.871924);
      near(r.clvLift.high, 20.871924);
      assert.equal(r.tooFew, false);
      assert.match(r.note, /holdout/);
      assert.match(r.note, /within what chance would give/);
    });

    it('lift without a holdout: non-members matched 1:1 on stage and spend band at the start; too few to say', async () => {
      const ws = (await makeWorkspace(db, 'lift-matched')).workspace.id;
      const live = '2026-01-01';
      await db.query(`INSERT INTO loyalty_programmes (workspace_id, status, settings, live_since) VALUES ($1, 'live', '{}', $2)`, [ws, d(live)]);
      const events: NormalizedEvent[] = [];
      for (const n of ['ma', 'mb', 'mc', 'na', 'nb', 'nc', 'nd']) events.push(track(n, 'Product Viewed', {}, '2025-11-01'));
      // Spend before the start: mc and nd €150 (band 100–500); the rest none.
      events.push(track('mc', 'Order Completed', { order_id: 'p1', revenue: 150 }, '2025-11-10'));
      events.push(track('nd', 'Order Completed', { order_id: 'p2', revenue: 150 }, '2025-11-10'));
      // In the 60-day window: ma orders €40 (Feb 10, 40 days after joining Jan 1); na orders €100 (Feb 1, 31 days after launch).
      events.push(track('ma', 'Order Completed', { order_id: 'w1', revenue: 40 }, '2026-02-10'));
      events.push(track('na', 'Order Completed', { order_id: 'w2', revenue: 100 }, '2026-02-01'));
      await ingestEvents(db, ws, events);
      await syncFacts(db);
      const ids = Object.fromEntries((await db.query<{ id: number; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1`, [ws])).rows.map((r) => [r.user_id, Number(r.id)]));
      for (const m of ['ma', 'mb', 'mc']) await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) VALUES ($1, $2, 'member', $3)`, [ws, ids[m], d('2026-01-01')]);
      // Stages at the start: ma, mb, na, nb active; nc lapsed; mc and nd active too.
      for (const [n, stage] of Object.entries({ ma: 'active', mb: 'active', mc: 'active', na: 'active', nb: 'active', nc: 'lapsed', nd: 'active' }))
        await db.query(`INSERT INTO stage_transitions (workspace_id, scope, subject_id, from_stage, to_stage, at, pattern, reason) VALUES ($1, 'customer', $2, NULL, $3, $4, 'entered', 'test')`, [
          ws,
          ids[n],
          stage,
          d('2025-11-01'),
        ]);
      const r = await liftReport(db, ws, 60, d('2026-12-01'));
      // Cells: active|none: members ma, mb — others na, nb → 2 pairs; active|100-500: mc — nd → 1 pair; lapsed|none: nc alone.
      assert.equal(r.comparison, 'matched');
      // Members 3: ma retained (€40) → 1/3, CLV 40/3 = 13.333333. Others na, nb, nd: na retained (€100) → 1/3, CLV 100/3 = 33.333333.
      assert.equal(r.members.n, 3);
      assert.equal(r.others.n, 3);
      near(r.members.retention, 1 / 3);
      near(r.others.retention, 1 / 3);
      near(r.members.clv, 13.333333);
      near(r.others.clv, 33.333333);
      near(r.retentionLift.diff, 0);
      near(r.clvLift.diff, -20);
      assert.equal(r.tooFew, true);
      assert.match(r.note, /3 of 3 members found a match/);
      assert.match(r.note, /Too few customers/);
    });
  });
}

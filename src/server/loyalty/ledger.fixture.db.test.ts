import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { applyMerge } from '../identity/customers.repo.js';
import { MERGE_FOLLOWERS } from '../ingest/merge-followers.js';
import { adjust, balances, cancelRedemption, earn, expireDue, ledgerPage, memberLots, redeem, releaseOnEvent, reverseOrder, transfer, type EarnRuleSnapshot } from './ledger.js';

const rule = (orderValue?: number): EarnRuleSnapshot => ({
  id: 'orders',
  name: 'Points per euro',
  programmeVersion: 1,
  kind: 'order',
  pointsPerUnit: 0.5,
  multiplier: 1,
  tierMultiplier: 1,
  ...(orderValue !== undefined ? { orderValue } : {}),
});
const d = (s: string) => new Date(`${s}T00:00:00Z`);

for (const target of dbTargets()) {
  describe(`loyalty ledger: a hand-computed history (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id: Record<string, number> = {};
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'ledger-fixture')).workspace.id;
      for (const u of ['ann', 'bob', 'cid']) {
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, u]);
        id[u] = Number(rows[0]!.id);
      }
    });
    after(() => db.close());

    const bal = (u: string) => db.transaction((tx) => balances(tx, ws, id[u]!));
    const score = async (u: string) => (await db.query<{ v: number }>(`SELECT (value)::text::bigint AS v FROM customer_scores WHERE customer_id = $1 AND name = 'loyalty_points'`, [id[u]])).rows[0]?.v;
    const counts = async () =>
      (
        await db.query<{ e: number; p: number; l: number; ev: number; s: number }>(
          `SELECT (SELECT count(*) FROM loyalty_entries)::int AS e, (SELECT count(*) FROM loyalty_postings)::int AS p, (SELECT count(*) FROM loyalty_lots)::int AS l,
                  (SELECT count(*) FROM events WHERE workspace_id = $1)::int AS ev, (SELECT coalesce(sum(amount), 0) FROM loyalty_postings WHERE account = 'available')::int AS s`,
          [ws],
        )
      ).rows[0]!;
    const lotsLeft = async (u: string) => (await db.transaction((tx) => memberLots(tx, ws, id[u]!))).map((l) => [l.expiresAt?.slice(0, 10) ?? null, l.remaining, l.pending]);

    it('earns into lots, redeems from the lot expiring first, expires nothing of a used-up lot', async () => {
      // Ann: 100 expiring Mar 1 (order o1, €200), 50 expiring Feb 1 (order o2, €100), 80 pending until o3 is delivered.
      const e1 = await db.transaction((tx) =>
        earn(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-01-10'), key: 'e1', points: 100, expiresAt: d('2027-03-01'), orderId: 'o1', rule: rule(200) }),
      );
      assert.ok(e1.ok);
      assert.deepEqual({ ...e1.value, entryId: 0 }, { entryId: 0, replayed: false, available: 100, pending: 0, balance: 100, pendingBalance: 0 });
      assert.ok(
        (await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-01-11'), key: 'e2', points: 50, expiresAt: d('2027-02-01'), orderId: 'o2', rule: rule(100) }))).ok,
      );
      const e3 = await db.transaction((tx) =>
        earn(tx, {
          workspaceId: ws,
          customerId: id.ann!,
          at: d('2027-01-12'),
          key: 'e3',
          points: 80,
          expiresAt: d('2027-06-01'),
          orderId: 'o3',
          rule: rule(80),
          pending: { until: null, event: 'Order Delivered' },
        }),
      );
      assert.ok(e3.ok);
      // 100 + 50 spendable; 80 pending.
      assert.deepEqual(
        { available: e3.value.available, pending: e3.value.pending, balance: e3.value.balance, pendingBalance: e3.value.pendingBalance },
        { available: 0, pending: 80, balance: 150, pendingBalance: 80 },
      );
      // Redeem 70: the Feb lot (50) goes first, then 20 from the Mar lot: 150 − 70 = 80 left, all in the Mar lot.
      const r = await db.transaction((tx) => redeem(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-01-15'), key: 'r1', points: 70, rewardId: 'coffee' }));
      assert.ok(r.ok);
      assert.equal(r.value.balance, 80);
      assert.deepEqual(await lotsLeft('ann'), [
        ['2027-03-01', 80, false],
        ['2027-06-01', 80, true],
      ]);
      const taken = await db.query<{ exp: Date; amount: number }>(
        `SELECT l.expires_at AS exp, p.amount::int AS amount FROM loyalty_postings p JOIN loyalty_lots l ON l.id = p.lot_id JOIN loyalty_entries e ON e.id = p.entry_id WHERE e.idempotency_key = 'r1' ORDER BY l.expires_at`,
      );
      assert.deepEqual(
        taken.rows.map((x) => [new Date(x.exp).toISOString().slice(0, 10), x.amount]),
        [
          ['2027-02-01', -50],
          ['2027-03-01', -20],
        ],
      );
      // Feb 2: the Feb lot is past its expiry but has 0 left: nothing expires.
      assert.equal(await db.transaction((tx) => expireDue(tx, ws, d('2027-02-02'))), 0);
      assert.deepEqual(await bal('ann'), { available: 80, pending: 80 });
      assert.equal(await score('ann'), 80);
    });

    it('reverses pro rata over two partial refunds, never more than earned; spent points leave a negative balance that the next points settle', async () => {
      // €60 of the €200 order o1 (earned 100): floor(100 × 60/200) = 30, from o1's own lot (80 → 50). Balance 80 − 30 = 50.
      const r1 = await db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-10'), key: 'refund-1', orderId: 'o1', refunded: 60, policy: 'negative' }));
      assert.ok(r1.ok);
      assert.deepEqual(
        r1.value.map((x) => [x.available, x.balance]),
        [[-30, 50]],
      );
      // €140 more: refunded 200 of 200 → floor(100 × 1) − 30 = 70; the lot has 50, the other 20 were spent (the
      // Feb lot is used up, the pending lot is not spendable): balance 50 − 70 = −20.
      const r2 = await db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-11'), key: 'refund-2', orderId: 'o1', refunded: 140, policy: 'negative' }));
      assert.ok(r2.ok);
      assert.deepEqual(
        r2.value.map((x) => [x.available, x.balance, x.pendingBalance]),
        [[-70, -20, 80]],
      );
      // A third refund (€10, 210 of 200 refunded) reverses min(1, 210/200) → 100 − 100 = 0.
      const r3 = await db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-12'), key: 'refund-3', orderId: 'o1', refunded: 10, policy: 'negative' }));
      assert.ok(r3.ok);
      assert.deepEqual(
        r3.value.map((x) => x.available),
        [0],
      );
      const total = await db.query<{ n: number }>(`SELECT sum(points)::int AS n FROM loyalty_entries WHERE kind = 'reverse' AND order_id = 'o1'`);
      assert.equal(total.rows[0]!.n, 100);
      assert.equal(await score('ann'), -20);
      // o3 is delivered: 80 pending become spendable; the −20 is paid from them first (a settle entry): 60 left in that lot.
      assert.equal(await db.transaction((tx) => releaseOnEvent(tx, { workspaceId: ws, customerId: id.ann!, event: 'Order Delivered', orderId: 'o3', at: d('2027-02-15'), sourceEvent: 'm-deliv' })), 1);
      assert.deepEqual(await bal('ann'), { available: 60, pending: 0 });
      assert.deepEqual(await lotsLeft('ann'), [['2027-06-01', 60, false]]);
      const unlotted = await db.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::int AS n FROM loyalty_postings WHERE customer_id = $1 AND account = 'available' AND lot_id IS NULL`, [id.ann]);
      assert.equal(unlotted.rows[0]!.n, 0);
      const settle = await db.query<{ points: number }>(`SELECT points::int FROM loyalty_entries WHERE kind = 'settle' AND customer_id = $1`, [id.ann]);
      assert.deepEqual(
        settle.rows.map((x) => x.points),
        [20],
      );
    });

    it('a clawback cancels an issued reward bought with points before going negative', async () => {
      // Ann spends 40 on a reward (issued): 60 − 40 = 20 left in the o3 lot.
      const spent = await db.transaction((tx) => redeem(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-20'), key: 'r2', points: 40, rewardId: 'voucher' }));
      assert.ok(spent.ok);
      const red = await db.query<{ id: number }>(
        `INSERT INTO loyalty_redemptions (workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, status, channel, created_at, updated_at)
         VALUES ($1, $2, 'voucher', 'r2', $3, 40, 'issued', 'api', $4, $4) RETURNING id`,
        [ws, id.ann, spent.value.entryId, d('2027-02-20')],
      );
      // o3 (earned 80) fully refunded with clawback: 20 from its own lot, the voucher cancelled (40 back as a lot expiring
      // as the o3 lot it was paid from, Jun 1, then taken), and 80 − 20 − 40 = 20 below zero: balance −20.
      const r = await db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-21'), key: 'refund-o3', orderId: 'o3', refunded: null, policy: 'clawback' }));
      assert.ok(r.ok);
      assert.deepEqual(
        r.value.map((x) => [x.available, x.balance]),
        [[-80, -20]],
      );
      const status = await db.query<{ status: string }>(`SELECT status FROM loyalty_redemptions WHERE id = $1`, [red.rows[0]!.id]);
      assert.equal(status.rows[0]!.status, 'clawed_back');
      const cancel = await db.query<{ points: number; exp: Date }>(
        `SELECT e.points::int, l.expires_at AS exp FROM loyalty_entries e JOIN loyalty_lots l ON l.entry_id = e.id WHERE e.kind = 'cancel' AND e.redemption_id = $1`,
        [red.rows[0]!.id],
      );
      assert.deepEqual(
        cancel.rows.map((x) => [x.points, new Date(x.exp).toISOString().slice(0, 10)]),
        [[40, '2027-06-01']],
      );
      // Cancelling it again is refused: its points came back already.
      const again = await db.transaction((tx) =>
        cancelRedemption(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-22'), key: 'cancel-again', redemptionId: red.rows[0]!.id, reason: 'test' }),
      );
      assert.equal(again.ok ? 'ok' : again.code, 'conflict');
      assert.equal(await score('ann'), -20);
    });

    it('a transfer keeps the expiry of the lots it came from, and pays off the receiver’s negative balance', async () => {
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.bob!, at: d('2027-03-01'), key: 'b1', points: 100, expiresAt: d('2027-04-01') }))).ok);
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.bob!, at: d('2027-03-01'), key: 'b2', points: 30, expiresAt: d('2027-05-01') }))).ok);
      // Bob gives Cid 120: all 100 of the Apr lot, 20 of the May lot. Bob 130 − 120 = 10, Cid 120.
      const t = await db.transaction((tx) => transfer(tx, { workspaceId: ws, fromCustomerId: id.bob!, toCustomerId: id.cid!, at: d('2027-03-02'), key: 't1', points: 120 }));
      assert.ok(t.ok);
      assert.deepEqual([t.value.available, t.value.balance], [-120, 10]);
      assert.deepEqual(await lotsLeft('cid'), [
        ['2027-04-01', 100, false],
        ['2027-05-01', 20, false],
      ]);
      // Bob gives Ann his last 10 (May lot): Ann's −20 takes them at once → −10, no lot of Ann's has anything.
      assert.ok((await db.transaction((tx) => transfer(tx, { workspaceId: ws, fromCustomerId: id.bob!, toCustomerId: id.ann!, at: d('2027-03-03'), key: 't2', points: 10 }))).ok);
      assert.deepEqual(await bal('ann'), { available: -10, pending: 0 });
      assert.deepEqual(await bal('bob'), { available: 0, pending: 0 });
      assert.deepEqual(await lotsLeft('ann'), []);
      // Bob has nothing left to give.
      const short = await db.transaction((tx) => transfer(tx, { workspaceId: ws, fromCustomerId: id.bob!, toCustomerId: id.cid!, at: d('2027-03-04'), key: 't3', points: 1 }));
      assert.deepEqual(short.ok ? null : [short.code, 'balance' in short ? short.balance : null], ['insufficient_points', 0]);
    });

    it('adjusts up (default expiry 365 days, no programme) and never below zero', async () => {
      const up = await db.transaction((tx) => adjust(tx, { workspaceId: ws, customerId: id.cid!, at: d('2027-03-05'), key: 'a1', points: 30, actor: 'admin@x', reason: 'goodwill' }));
      assert.ok(up.ok);
      // 120 + 30 = 150; the lot expires 2027-03-05 + 365 days = 2028-03-04 (2028 is a leap year).
      assert.equal(up.value.balance, 150);
      assert.deepEqual((await lotsLeft('cid')).at(-1), ['2028-03-04', 30, false]);
      const down = await db.transaction((tx) => adjust(tx, { workspaceId: ws, customerId: id.cid!, at: d('2027-03-05'), key: 'a2', points: -151, actor: 'admin@x', reason: 'too much' }));
      assert.deepEqual(down.ok ? null : [down.code, 'balance' in down ? down.balance : null], ['insufficient_points', 150]);
      // −110: the Apr lot (100) then 10 of the May lot: 40 left.
      const ok2 = await db.transaction((tx) => adjust(tx, { workspaceId: ws, customerId: id.cid!, at: d('2027-03-05'), key: 'a3', points: -110, actor: 'admin@x', reason: 'correction' }));
      assert.ok(ok2.ok);
      assert.deepEqual(await lotsLeft('cid'), [
        ['2027-05-01', 10, false],
        ['2028-03-04', 30, false],
      ]);
    });

    it('a replayed key writes nothing and says so; the same key for another move is a conflict', async () => {
      const before = await counts();
      const again = await db.transaction((tx) =>
        earn(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-01-10'), key: 'e1', points: 100, expiresAt: d('2027-03-01'), orderId: 'o1', rule: rule(200) }),
      );
      assert.ok(again.ok);
      assert.deepEqual([again.value.replayed, again.value.available, again.value.balance], [true, 100, -10]);
      const refundAgain = await db.transaction((tx) =>
        reverseOrder(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-02-10'), key: 'refund-1', orderId: 'o1', refunded: 60, policy: 'negative' }),
      );
      assert.ok(refundAgain.ok);
      assert.deepEqual(
        refundAgain.value.map((x) => [x.replayed, x.available]),
        [[true, -30]],
      );
      const t = await db.transaction((tx) => transfer(tx, { workspaceId: ws, fromCustomerId: id.bob!, toCustomerId: id.cid!, at: d('2027-03-02'), key: 't1', points: 120 }));
      assert.ok(t.ok && t.value.replayed);
      assert.deepEqual(await counts(), before);
      const other = await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at: d('2027-01-10'), key: 'e1', points: 99, expiresAt: null }));
      assert.equal(other.ok ? 'ok' : other.code, 'conflict');
      const otherMember = await db.transaction((tx) => redeem(tx, { workspaceId: ws, customerId: id.bob!, at: d('2027-01-10'), key: 'r1', points: 70 }));
      assert.equal(otherMember.ok ? 'ok' : otherMember.code, 'conflict');
      assert.deepEqual(await counts(), before);
    });

    it('put every move on the timeline with the balances after it, kept the score, and pages the ledger', async () => {
      const { rows } = await db.query<{ event: string; p: { points: number; pending_points: number; balance: number; pending_balance: number } }>(
        `SELECT event, properties AS p FROM events WHERE workspace_id = $1 AND customer_id = $2 ORDER BY timestamp, id`,
        [ws, id.ann],
      );
      // Ann's history by hand: +100 → 100; +50 → 150; +80 pending; −70 → 80; −30 → 50; −70 → −20; (0-point refund: no event);
      // release 80 → 60; −40 → 20; voucher back +40 → 60; o3 reversed −80 → −20; +10 from Bob → −10.
      assert.deepEqual(
        rows.map((r) => [r.event, r.p.points, r.p.pending_points, r.p.balance, r.p.pending_balance]),
        [
          ['Points Earned', 100, 0, 100, 0],
          ['Points Earned', 50, 0, 150, 0],
          ['Points Earned', 0, 80, 150, 80],
          ['Points Redeemed', -70, 0, 80, 80],
          ['Points Reversed', -30, 0, 50, 80],
          ['Points Reversed', -70, 0, -20, 80],
          ['Points Released', 80, -80, 60, 0],
          ['Points Redeemed', -40, 0, 20, 0],
          ['Redemption Cancelled', 40, 0, 60, 0],
          ['Points Reversed', -80, 0, -20, 0],
          ['Points Transferred', 10, 0, -10, 0],
        ],
      );
      for (const u of ['ann', 'bob', 'cid']) assert.equal(await score(u), (await bal(u)).available);
      const work = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE workspace_id = $1`, [ws]);
      assert.ok(work.rows[0]!.n > 0);
      // Ann's 14 entries (11 with events, the 0-point refund, a settle, and the transfer she received), 5 a page.
      const p1 = await db.transaction((tx) => ledgerPage(tx, ws, id.ann!, { limit: 5 }));
      const p2 = await db.transaction((tx) => ledgerPage(tx, ws, id.ann!, { limit: 5, before: p1.nextBefore! }));
      const p3 = await db.transaction((tx) => ledgerPage(tx, ws, id.ann!, { limit: 5, before: p2.nextBefore! }));
      assert.deepEqual([p1.entries.length, p2.entries.length, p3.entries.length, p3.nextBefore], [5, 5, 4, null]);
      const all = [...p1.entries, ...p2.entries, ...p3.entries];
      // Newest first: the settle of the transfer's 10 (0 change of the balance), then the transfer from Bob.
      assert.deepEqual(
        all.slice(0, 2).map((e) => [e.kind, e.available, e.counterparty]),
        [
          ['settle', 0, null],
          ['transfer', 10, 'bob'],
        ],
      );
      assert.equal(
        all.reduce((s, e) => s + e.available, 0),
        -10,
      );
    });
  });
}

for (const target of dbTargets()) {
  describe(`loyalty ledger: a profile merge, the programme's default expiry, moves racing for one member (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id: Record<string, number> = {};
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'ledger-merge')).workspace.id;
      for (const u of ['dan', 'eve', 'fay', 'gus']) {
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, u]);
        id[u] = Number(rows[0]!.id);
      }
    });
    after(() => db.close());

    it('a merge moves the merged-away member’s ledger onto the survivor and pays a negative balance from the survivor’s lots', async () => {
      // Dan earns 50 on a €100 order, spends them on a reward, the order is refunded in full: −50.
      assert.ok(
        (await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.dan!, at: d('2027-03-01'), key: 'd1', points: 50, expiresAt: d('2027-08-01'), orderId: 'd1', rule: rule(100) }))).ok,
      );
      const spent = await db.transaction((tx) => redeem(tx, { workspaceId: ws, customerId: id.dan!, at: d('2027-03-02'), key: 'dr', points: 50 }));
      assert.ok(spent.ok);
      await db.query(
        `INSERT INTO loyalty_redemptions (workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, status, channel, created_at, updated_at) VALUES ($1, $2, 'mug', 'dr', $3, 50, 'used', 'api', $4, $4)`,
        [ws, id.dan, spent.value.entryId, d('2027-03-02')],
      );
      assert.ok((await db.transaction((tx) => reverseOrder(tx, { workspaceId: ws, customerId: id.dan!, at: d('2027-03-03'), key: 'dref', orderId: 'd1', refunded: null, policy: 'negative' }))).ok);
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws, id.dan!)), { available: -50, pending: 0 });
      // Eve has 80 (expiring Sep 1). Both are members; Eve's row (tier silver) is kept.
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.eve!, at: d('2027-03-04'), key: 'e80', points: 80, expiresAt: d('2027-09-01') }))).ok);
      await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at, tier) VALUES ($1, $2, 'member', $4, 'gold'), ($1, $3, 'member', $4, 'silver')`, [
        ws,
        id.dan,
        id.eve,
        d('2027-01-01'),
      ]);
      await db.transaction((tx) => applyMerge(tx, ws, { fromId: id.dan!, intoId: id.eve!, reason: 'alias', fromStored: true }, MERGE_FOLLOWERS));
      // 80 − 50 = 30, and the −50 is paid from Eve's lot (80 → 30): nothing lot-less is left.
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws, id.eve!)), { available: 30, pending: 0 });
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws, id.dan!)), { available: 0, pending: 0 });
      const lots = await db.transaction((tx) => memberLots(tx, ws, id.eve!));
      assert.deepEqual(
        lots.map((l) => [l.expiresAt?.slice(0, 10), l.remaining]),
        [['2027-09-01', 30]],
      );
      const members = await db.query<{ customer_id: number; tier: string }>(`SELECT customer_id, tier FROM loyalty_members WHERE workspace_id = $1`, [ws]);
      assert.deepEqual(
        members.rows.map((m) => [Number(m.customer_id), m.tier]),
        [[id.eve, 'silver']],
      );
      const moved = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_redemptions WHERE workspace_id = $1 AND customer_id = $2`, [ws, id.eve]);
      assert.equal(moved.rows[0]!.n, 1);
      const scores = await db.query<{ customer_id: number; v: number }>(`SELECT customer_id, (value)::text::int AS v FROM customer_scores WHERE workspace_id = $1 AND name = 'loyalty_points'`, [ws]);
      assert.deepEqual(
        scores.rows.map((r) => [Number(r.customer_id), r.v]),
        [[id.eve, 30]],
      );
      // Eve's ledger now holds Dan's 3 entries, her earn and the settle of the merge.
      const page = await db.transaction((tx) => ledgerPage(tx, ws, id.eve!, { limit: 50 }));
      assert.deepEqual(page.entries.map((e) => e.kind).sort(), ['earn', 'earn', 'redeem', 'reverse', 'settle']);
    });

    it('a positive adjustment expires after the programme’s default days; none when the programme says never', async () => {
      await db.query(`INSERT INTO loyalty_programmes (workspace_id, settings) VALUES ($1, '{"expiresAfterDays": 30}')`, [ws]);
      const a = await db.transaction((tx) => adjust(tx, { workspaceId: ws, customerId: id.fay!, at: d('2027-04-01'), key: 'f1', points: 10, actor: 'a', reason: 'r' }));
      assert.ok(a.ok);
      // Apr 1 + 30 days = May 1.
      assert.deepEqual(
        (await db.transaction((tx) => memberLots(tx, ws, id.fay!))).map((l) => l.expiresAt?.slice(0, 10)),
        ['2027-05-01'],
      );
      await db.query(`UPDATE loyalty_programmes SET settings = '{"expiresAfterDays": null}' WHERE workspace_id = $1`, [ws]);
      assert.ok((await db.transaction((tx) => adjust(tx, { workspaceId: ws, customerId: id.fay!, at: d('2027-04-02'), key: 'f2', points: 5, actor: 'a', reason: 'r' }))).ok);
      assert.deepEqual(
        (await db.transaction((tx) => memberLots(tx, ws, id.fay!))).map((l) => l.expiresAt?.slice(0, 10) ?? null),
        ['2027-05-01', null],
      );
    });

    it('moves racing for one member: the lock lets only what the balance covers through; opposite transfers do not deadlock', async () => {
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.gus!, at: d('2027-04-01'), key: 'g1', points: 100, expiresAt: null }))).ok);
      // Five redemptions of 40 at once on 100 points: 2 go through (80), 3 are refused; 20 left. (Given the database
      // rather than a transaction, each move opens its own.)
      const all = await Promise.all([0, 1, 2, 3, 4].map((k) => redeem(db, { workspaceId: ws, customerId: id.gus!, at: d('2027-04-02'), key: `g-r${k}`, points: 40 })));
      assert.deepEqual(all.map((r) => (r.ok ? 'ok' : r.code)).sort(), ['insufficient_points', 'insufficient_points', 'insufficient_points', 'ok', 'ok']);
      assert.deepEqual(await db.transaction((tx) => balances(tx, ws, id.gus!)), { available: 20, pending: 0 });
      // Gus (20) ⇄ Fay (15) 5 points ten times each way at once: each goes through when its sender has the points at
      // its turn; no transaction deadlocks, nobody goes below zero and the two balances still add up to 20 + 15 = 35.
      const moves = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          db.transaction((tx) =>
            transfer(tx, { workspaceId: ws, fromCustomerId: k % 2 ? id.gus! : id.fay!, toCustomerId: k % 2 ? id.fay! : id.gus!, at: d('2027-04-03'), key: `swap${k}`, points: 5 }),
          ),
        ),
      );
      assert.ok(moves.every((r) => r.ok || r.code === 'insufficient_points'));
      const g = await db.transaction((tx) => balances(tx, ws, id.gus!));
      const f = await db.transaction((tx) => balances(tx, ws, id.fay!));
      assert.equal(g.available + f.available, 35);
      assert.ok(g.available >= 0 && f.available >= 0);
    });
  });
}

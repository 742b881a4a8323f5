/** Property test of the ledger's pure core, no database: many random cases of lot consumption, settling and pro-rata reversal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../lib/rng.js';
import { consumptionOrder, planConsumption, planSettle, reversalDue, type LotState } from './ledger-core.js';

const SEED = Number(process.env.LEDGER_SEED ?? 7_070_707);
const CASES = Number(process.env.LEDGER_CORE_CASES ?? 5000);

function randomLots(rng: Rng): LotState[] {
  const n = rng.int(0, 8);
  const ids = new Set<number>();
  while (ids.size < n) ids.add(rng.int(1, 1000));
  return [...ids].map((id) => ({
    id,
    available: rng.chance(0.2) ? 0 : rng.int(1, 100),
    pending: rng.chance(0.7) ? 0 : rng.int(1, 50),
    // Few distinct expiries, so ties (broken by id) happen often.
    expiresAt: rng.chance(0.25) ? null : new Date(Date.UTC(2027, 0, rng.int(1, 5))),
    orderId: rng.chance(0.5) ? `o${rng.int(1, 3)}` : null,
  }));
}
const rank = (l: LotState) => [l.expiresAt ? l.expiresAt.getTime() : Number.POSITIVE_INFINITY, l.id] as const;
const before = (a: LotState, b: LotState) => rank(a)[0] < rank(b)[0] || (rank(a)[0] === rank(b)[0] && a.id < b.id);

describe('ledger core: consumption, settle and reversal on random cases', () => {
  it('takes what the lots can give, each lot at most what it has, the one expiring first first (then oldest), `first` lots before all', () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < CASES; i++) {
      const lots = randomLots(rng);
      const points = rng.int(1, 400);
      const first = rng.chance(0.3) && lots.length ? [rng.pick(lots).id] : [];
      const msg = `seed ${SEED} case ${i}: ${JSON.stringify({ lots, points, first })}`;
      const { takes, short } = planConsumption(lots, points, first);
      const spendable = lots.reduce((s, l) => s + l.available, 0);
      const taken = takes.reduce((s, t) => s + t.amount, 0);
      assert.equal(taken, Math.min(points, spendable), msg);
      assert.equal(short, points - taken, msg);
      const byId = new Map(lots.map((l) => [l.id, l]));
      assert.equal(new Set(takes.map((t) => t.lotId)).size, takes.length, msg);
      for (const t of takes) {
        assert.ok(t.amount > 0 && t.amount <= byId.get(t.lotId)!.available, msg);
      }
      // Every lot taken from except the last is emptied; the order is the first lots, then the consumption order.
      for (const t of takes.slice(0, -1)) assert.equal(t.amount, byId.get(t.lotId)!.available, msg);
      const rest = takes.filter((t) => !first.includes(t.lotId));
      for (let k = 1; k < rest.length; k++) assert.ok(before(byId.get(rest[k - 1]!.lotId)!, byId.get(rest[k]!.lotId)!), msg);
      if (first.length && byId.get(first[0]!)!.available > 0) assert.equal(takes[0]!.lotId, first[0], msg);
      // No lot left with points that comes before a lot taken from (outside the `first` ones).
      const partial = new Map(takes.map((t) => [t.lotId, t.amount]));
      for (const t of rest) for (const l of lots) if (!first.includes(l.id) && l.available - (partial.get(l.id) ?? 0) > 0 && before(l, byId.get(t.lotId)!)) assert.fail(`lot ${l.id} skipped: ${msg}`);
      // The consumption order lists the spendable lots only, sorted.
      const order = consumptionOrder(lots);
      assert.equal(order.length, lots.filter((l) => l.available > 0).length, msg);
    }
  });

  it('settles no more than the debt and no more than the fresh lots hold', () => {
    const rng = new Rng(SEED + 1);
    for (let i = 0; i < CASES; i++) {
      const lots = randomLots(rng);
      const debt = rng.int(-20, 300);
      const total = planSettle(debt, lots).reduce((s, t) => s + t.amount, 0);
      assert.equal(
        total,
        Math.max(
          0,
          Math.min(
            debt,
            lots.reduce((s, l) => s + l.available, 0),
          ),
        ),
        `seed ${SEED + 1} case ${i}`,
      );
    }
  });

  it('reverses floor(earned × refunded so far ÷ value) in total over any refunds, never more than earned, all of it on a full refund', () => {
    const rng = new Rng(SEED + 2);
    for (let i = 0; i < CASES; i++) {
      const earned = rng.int(1, 10_000);
      const orderValue = rng.chance(0.1) ? undefined : rng.int(1, 100_000) / 100;
      let refunded = 0;
      let reversed = 0;
      let full = false;
      for (let k = rng.int(1, 6); k > 0; k--) {
        const isFull = rng.chance(0.15);
        const amount = rng.int(1, 50_000) / 100;
        if (isFull) full = true;
        else refunded = Math.round((refunded + amount) * 100) / 100;
        const due = reversalDue({ earned, orderValue, refundedTotal: full ? null : refunded, reversedBefore: reversed });
        assert.ok(Number.isInteger(due) && due >= 0, `${due}`);
        reversed += due;
        // Independently, in cents (whole numbers, no floating point): floor(earned × min(refunded, value) ÷ value).
        const expected: number = full
          ? earned
          : orderValue === undefined
            ? 0
            : Math.floor((earned * Math.min(Math.round(refunded * 100), Math.round(orderValue * 100))) / Math.round(orderValue * 100));
        assert.equal(reversed, expected, `seed ${SEED + 2} case ${i}: earned ${earned}, value ${orderValue}, refunded ${refunded}, full ${full}`);
        assert.ok(reversed <= earned);
      }
    }
  });

  it('examples by hand', () => {
    // €60 of €200 on 100 points: floor(100 × 0.3) = 30; then €140 more: floor(100 × 1) − 30 = 70; then €10: 0.
    assert.equal(reversalDue({ earned: 100, orderValue: 200, refundedTotal: 60, reversedBefore: 0 }), 30);
    assert.equal(reversalDue({ earned: 100, orderValue: 200, refundedTotal: 200, reversedBefore: 30 }), 70);
    assert.equal(reversalDue({ earned: 100, orderValue: 200, refundedTotal: 210, reversedBefore: 100 }), 0);
    // 0.1 + 0.2 of 0.3 on 10 points: all 10 (not 9 from 0.30000000000000004 / 0.3 rounding the other way).
    assert.equal(reversalDue({ earned: 10, orderValue: 0.3, refundedTotal: 0.1 + 0.2, reversedBefore: 0 }), 10);
    // €19.99 of €59.97 on 3 points: floor(3 × 1/3) = 1.
    assert.equal(reversalDue({ earned: 3, orderValue: 59.97, refundedTotal: 19.99, reversedBefore: 0 }), 1);
    // Fixed points without an order value: only a full refund reverses them.
    assert.equal(reversalDue({ earned: 50, orderValue: undefined, refundedTotal: 30, reversedBefore: 0 }), 0);
    assert.equal(reversalDue({ earned: 50, orderValue: undefined, refundedTotal: null, reversedBefore: 0 }), 50);
  });
});

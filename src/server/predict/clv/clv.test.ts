import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { predictCustomer } from './clv.js';

const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };
const customer1 = { customerId: '1', frequency: 2, recency: 213 / 7, T: 272 / 7, monetary: 22.345 };

const close = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

describe('predictCustomer', () => {
  it('CLV of sample customer 1 over 3 months at 1 % a month and a 50 % margin, by hand', () => {
    // Δ = 30.4375 / 7 = 4.3482143 weeks. E[Y(t)] by equation 10 (Gauss series for ₂F₁, P(alive) = 0.7265897):
    //   E[Y(Δ)] = 0.1598723, E[Y(2Δ)] = 0.3125268, E[Y(3Δ)] = 0.4587154
    //   month purchases: 0.1598723, 0.1526545, 0.1461886
    //   discounted: 0.1598723/1.01 + 0.1526545/1.01² + 0.1461886/1.01³ = 0.1582894 + 0.1496466 + 0.1418892 = 0.4498252
    // E[M] = 24.6596129 (Gamma-Gamma, see gamma-gamma.test.ts)
    // CLV = 0.5 · 24.6596129 · 0.4498252 = 5.5462574
    const p = predictCustomer(BGNBD, GAMMA_GAMMA, customer1, { horizonMonths: 3, monthlyDiscount: 0.01, margin: 0.5, unitDays: 7 });
    assert.equal(p.customer_id, '1');
    close(p.p_alive, 0.7265897, 1e-6, 'p_alive');
    close(p.expected_purchases, 0.4587154, 1e-6, 'expected_purchases');
    close(p.expected_avg_value, 24.6596129, 1e-6, 'expected_avg_value');
    close(p.clv, 5.5462574, 1e-6, 'clv');
  });

  it('gives the same figures with the data in days and α in days', () => {
    const weeks = predictCustomer(BGNBD, GAMMA_GAMMA, customer1, { horizonMonths: 12, monthlyDiscount: 0.01, margin: 1, unitDays: 7 });
    const days = predictCustomer({ ...BGNBD, alpha: BGNBD.alpha * 7 }, GAMMA_GAMMA, { ...customer1, recency: 213, T: 272 }, { horizonMonths: 12, monthlyDiscount: 0.01, margin: 1, unitDays: 1 });
    close(days.clv, weeks.clv, 1e-9, 'clv');
    close(days.expected_purchases, weeks.expected_purchases, 1e-12, 'expected purchases');
  });

  it('without discounting, CLV is margin × E[M] × expected purchases over the horizon', () => {
    const p = predictCustomer(BGNBD, GAMMA_GAMMA, customer1, { horizonMonths: 24, monthlyDiscount: 0, margin: 0.3, unitDays: 7 });
    close(p.clv, 0.3 * p.expected_avg_value * p.expected_purchases, 1e-9, 'clv');
  });

  it('is finite for a customer with 500 purchases', () => {
    const p = predictCustomer(BGNBD, GAMMA_GAMMA, { customerId: 'whale', frequency: 500, recency: 38.9, T: 39, monetary: 30 }, { horizonMonths: 12, monthlyDiscount: 0.01, margin: 1, unitDays: 7 });
    for (const v of [p.p_alive, p.expected_purchases, p.expected_avg_value, p.clv]) assert.ok(Number.isFinite(v) && v > 0, JSON.stringify(p));
  });
});

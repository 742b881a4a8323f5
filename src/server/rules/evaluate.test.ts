import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../contracts/condition.js';
import { evaluate, type CustomerFacts } from './evaluate.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

// A coffee subscriber, by hand: signed up 100 days ago, three orders (40, 35.5, "n/a"),
// one order 2 days in the future (clock skew), last order 20 days ago.
const ada: CustomerFacts = {
  traits: { plan: 'pro', seats: 5, seatsText: '5', address: { city: 'Lyon' }, tags: ['beans', 'v60'] },
  events: [
    { event: 'Signed Up', timestamp: daysAgo(100), properties: {} },
    { event: 'Order Completed', timestamp: daysAgo(80), properties: { revenue: 40, coupon: 'SPRING10' } },
    { event: 'Order Completed', timestamp: daysAgo(20), properties: { revenue: 35.5 } },
    { event: 'Order Completed', timestamp: daysAgo(45), properties: { revenue: 'n/a' } },
    { event: 'Order Completed', timestamp: daysAgo(-2), properties: { revenue: 1000 } },
  ],
};
const is = (cond: Condition, expected: boolean) => assert.equal(evaluate(cond, ada, NOW), expected, JSON.stringify(cond));

describe('evaluate (hand-computed)', () => {
  it('compares traits by type: a string "5" is not the number 5', () => {
    is({ trait: { path: 'seats', op: 'gte', value: 5 } }, true);
    is({ trait: { path: 'seatsText', op: 'gte', value: 5 } }, false);
    is({ trait: { path: 'seatsText', op: 'eq', value: '5' } }, true);
    is({ trait: { path: 'address.city', op: 'contains', value: 'yo' } }, true);
    is({ trait: { path: 'tags.-1', op: 'eq', value: 'v60' } }, true);
    is({ trait: { path: 'churned', op: 'neq', value: true } }, true);
    is({ trait: { path: 'churned', op: 'eq', value: false } }, false);
  });

  it('counts events in a window, never those after now', () => {
    is({ performed: { event: 'Order Completed', count: { op: 'eq', value: 3 } } }, true); // the future one does not count
    is({ performed: { event: 'Order Completed', window: { within: { amount: 30, unit: 'days' } } } }, true);
    is({ performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: { amount: 50, unit: 'days' } } } }, true);
    is({ performed: { event: 'Order Completed', count: { op: 'gte', value: 3 }, window: { within: { amount: 50, unit: 'days' } } } }, false);
    is({ performed: { event: 'Order Completed', where: [{ path: 'coupon', op: 'exists' }] } }, true);
    is({ performed: { event: 'Subscription Cancelled' } }, false);
    is({ performed: { event: 'Subscription Cancelled', count: { op: 'eq', value: 0 } } }, true);
  });

  it('knows when something last and first happened', () => {
    is({ lastPerformed: { event: 'Order Completed', op: 'within', duration: { amount: 30, unit: 'days' } } }, true);
    is({ lastPerformed: { event: 'Order Completed', op: 'before', duration: { amount: 14, unit: 'days' } } }, true); // 20 days ago
    is({ lastPerformed: { event: 'Order Completed', op: 'before', duration: { amount: 21, unit: 'days' } } }, false);
    is({ lastPerformed: { event: 'Subscription Cancelled', op: 'before', duration: { amount: 1, unit: 'days' } } }, false); // never happened
    is({ firstSeen: { op: 'within', duration: { amount: 90, unit: 'days' } } }, false); // 100 days ago
    is({ firstSeen: { op: 'before', duration: { amount: 90, unit: 'days' } } }, true);
    is({ lastSeen: { op: 'within', duration: { amount: 21, unit: 'days' } } }, true); // the order 20 days ago (not the future one)
    is({ lastSeen: { op: 'before', duration: { amount: 19, unit: 'days' } } }, true);
    is({ lastSeen: { op: 'before', duration: { amount: 21, unit: 'days' } } }, false);
  });

  it('aggregates numeric properties only: sum 75.5, avg 37.75, min 35.5, max 40', () => {
    const agg = (fn: 'sum' | 'avg' | 'min' | 'max', op: 'eq' | 'gt', value: number, days?: number): Condition => ({
      aggregate: { event: 'Order Completed', property: 'revenue', fn, op, value, ...(days ? { window: { within: { amount: days, unit: 'days' as const } } } : {}) },
    });
    is(agg('sum', 'eq', 75.5), true);
    is(agg('avg', 'eq', 37.75), true);
    is(agg('min', 'eq', 35.5), true);
    is(agg('max', 'eq', 40), true);
    is(agg('sum', 'eq', 35.5, 30), true);
    is(agg('sum', 'eq', 0, 10), true); // nothing in the last 10 days sums to 0
    is(agg('max', 'gt', -1, 10), false); // …but has no maximum
  });

  it('combines with all / any / not', () => {
    const pro: Condition = { trait: { path: 'plan', op: 'eq', value: 'pro' } };
    const cancelled: Condition = { performed: { event: 'Subscription Cancelled' } };
    is({ all: [pro, { not: cancelled }] }, true);
    is({ any: [cancelled, { not: pro }] }, false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTraits, mergeTraitStates, type TraitState } from './traits.js';

describe('trait last-write-wins', () => {
  it('an older write arriving later does not roll a trait back, but moves firstSetAt earlier', () => {
    const s: TraitState = { traits: {}, traitTimes: {} };
    applyTraits(s, { plan: 'pro', email: 'a@x.io' }, new Date('2025-01-10T00:00:00Z'));
    applyTraits(s, { plan: 'free' }, new Date('2025-01-05T00:00:00Z')); // delivered late
    assert.equal(s.traits.plan, 'pro');
    assert.deepEqual(s.traitTimes.plan, ['2025-01-05T00:00:00.000Z', '2025-01-10T00:00:00.000Z']);
    applyTraits(s, { plan: 'enterprise' }, new Date('2025-02-01T00:00:00Z'));
    assert.equal(s.traits.plan, 'enterprise');
    assert.deepEqual(s.traitTimes.plan, ['2025-01-05T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
    assert.deepEqual(s.traitTimes.email, ['2025-01-10T00:00:00.000Z', '2025-01-10T00:00:00.000Z']);
  });

  it('reports whether anything changed', () => {
    const s: TraitState = { traits: {}, traitTimes: {} };
    assert.equal(applyTraits(s, { a: 1 }, '2025-01-01T00:00:00.000Z'), true);
    assert.equal(applyTraits(s, { a: 1 }, '2025-01-01T00:00:00.000Z'), false);
    assert.equal(applyTraits(s, { a: 2 }, '2024-01-01T00:00:00.000Z'), true); // first-set moved
    assert.equal(s.traits.a, 1);
  });

  it('merging two profiles keeps the most recent value of each trait', () => {
    const known: TraitState = {
      traits: { name: 'Ann', plan: 'pro' },
      traitTimes: { name: ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'], plan: ['2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z'] },
    };
    const anon: TraitState = {
      traits: { name: 'Annie', plan: 'free', utm: 'x' },
      traitTimes: {
        name: ['2024-12-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'],
        plan: ['2025-02-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'],
        utm: ['2024-12-01T00:00:00.000Z', '2024-12-01T00:00:00.000Z'],
      },
    };
    mergeTraitStates(known, anon);
    assert.deepEqual(known.traits, { name: 'Annie', plan: 'pro', utm: 'x' });
    assert.deepEqual(known.traitTimes.name, ['2024-12-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
    assert.deepEqual(known.traitTimes.plan, ['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });
});

describe('trait names that are Object.prototype members', () => {
  it('stores, updates and merges constructor, toString and __proto__ like any other name', () => {
    const s: TraitState = { traits: {}, traitTimes: {} };
    const incoming = JSON.parse('{"constructor":"c","toString":"t","__proto__":{"p":1},"hasOwnProperty":"h"}') as Record<string, unknown>;
    assert.equal(applyTraits(s, incoming, '2025-01-01T00:00:00.000Z'), true);
    assert.equal(Object.getPrototypeOf(s.traits), Object.prototype, 'the prototype is untouched');
    assert.deepEqual(JSON.parse(JSON.stringify(s.traits)), JSON.parse('{"constructor":"c","toString":"t","__proto__":{"p":1},"hasOwnProperty":"h"}'));
    assert.ok(Object.hasOwn(s.traitTimes, 'constructor') && Object.hasOwn(s.traitTimes, '__proto__'));
    assert.equal(applyTraits(s, JSON.parse('{"constructor":"c2"}') as Record<string, unknown>, '2025-02-01T00:00:00.000Z'), true);
    assert.equal(s.traits.constructor, 'c2');
    const into: TraitState = { traits: {}, traitTimes: {} };
    mergeTraitStates(into, s);
    assert.equal(into.traits.constructor, 'c2');
    assert.ok(Object.hasOwn(into.traits, '__proto__'));
    assert.deepEqual(into.traitTimes.toString, ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });
});

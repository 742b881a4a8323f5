import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionSchema } from '../../contracts/condition.js';
import { Rng } from '../lib/rng.js';
import { evaluate, type CustomerFacts } from '../rules/evaluate.js';
import { CHANNELS, clean, DAY, EVENTS, NOW, randomCondition, randomCustomer, randomObject, STAGES } from '../../test-support/random-conditions.js';
import { reads } from './segment-reads.js';

/**
 * The segment worker decides a segment only for the customers whose changes it reads
 * (`reads`). Skipping is safe only if a change it does not read can never alter the
 * answer: random customers, conditions and changes, each of the kinds ingestion reports;
 * whenever the answer differs after the change, `reads` must have said yes.
 */
type Change = { what: Set<string>; apply(f: CustomerFacts): CustomerFacts };

function randomChange(r: Rng): Change {
  switch (r.int(0, 3)) {
    case 0: {
      const event = r.pick(EVENTS);
      const properties = randomObject(r, ['revenue', 'plan', 'coupon']);
      const timestamp = new Date(NOW.getTime() - r.int(0, 4) * 12 * 3_600_000);
      return { what: new Set(['$any', event]), apply: (f) => ({ ...f, events: [...f.events, { event, timestamp, properties, type: 'track' }] }) };
    }
    case 1: {
      const traits = randomObject(r, ['plan', 'score', 'vip']);
      return { what: new Set(['$traits']), apply: (f) => ({ ...f, traits: { ...f.traits, ...traits } }) };
    }
    case 2: {
      const stage = { key: r.pick(STAGES), since: new Date(NOW.getTime() - r.int(0, 8) * DAY) };
      return { what: new Set(['$stage']), apply: (f) => ({ ...f, stage }) };
    }
    default: {
      const firstTouch = { channel: r.pick(CHANNELS), source: null, campaign: r.chance(0.5) ? 'spring' : null };
      return { what: new Set(['$touch']), apply: (f) => ({ ...f, firstTouch }) };
    }
  }
}

describe('what a segment reads', () => {
  it('is never skipped by a change that alters its answer (20,000 random cases)', () => {
    const r = new Rng(20261202);
    let altered = 0;
    let skipped = 0;
    for (let n = 0; n < 20_000; n++) {
      const condition = ConditionSchema.parse(clean(randomCondition(r, 3)));
      const before = randomCustomer(r);
      const change = randomChange(r);
      const after = change.apply(before);
      const read = reads({ scope: 'customer', condition }, change.what);
      if (!read) skipped++;
      if (evaluate(condition, before, NOW) !== evaluate(condition, after, NOW)) {
        altered++;
        assert.ok(read, `the change ${[...change.what].join(',')} alters ${JSON.stringify(condition)} for ${JSON.stringify(before)}, but reads() said no`);
      }
    }
    // Not vacuous: many changes alter answers, and many segments are rightly skipped.
    assert.ok(altered > 300, `${altered} altered`);
    assert.ok(skipped > 5_000, `${skipped} skipped`);
  });

  it('reads everything for a new or merged customer, nothing when no change is known', () => {
    const orders = { performed: { event: 'Order Completed' } } as const;
    assert.equal(reads({ scope: 'customer', condition: orders }, new Set(['$any', 'Page Viewed'])), false);
    assert.equal(reads({ scope: 'customer', condition: orders }, new Set(['$all'])), true);
    assert.equal(reads({ scope: 'customer', condition: orders }, undefined), true);
    assert.equal(reads({ scope: 'customer', condition: { performed: { event: 'Lifecycle Stage Changed' } } }, new Set(['$stage'])), true);
    assert.equal(reads({ scope: 'account', condition: { trait: { path: 'plan', op: 'exists' } } }, new Set(['$traits'])), false);
    assert.equal(reads({ scope: 'account', condition: { trait: { path: 'plan', op: 'exists' } } }, new Set(['$group'])), true);
  });
});

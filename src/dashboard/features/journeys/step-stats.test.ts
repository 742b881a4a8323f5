import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Step } from '../../../contracts/journey.js';
import { stepStatsLines } from './step-stats.js';
import type { JourneyStats } from './types.js';

const split: Step = {
  id: 'test',
  type: 'split',
  variants: [
    { key: 'a', weight: 45, next: 'x' },
    { key: 'b', weight: 45, next: 'x' },
  ],
  holdout: { weight: 10 },
};
const base = { converted: 0, completed: 0, exited: 0, failed: 0, messages: {}, skippedByReason: {} };
const variant = (v: string, entered: number, converted: number) => ({ variant: v, entered, converted, rate: entered ? converted / entered : null, liftVsHoldout: null, pValue: null });

describe('journey canvas counts', () => {
  it('a split with a holdout: 30 entries, 30 reached it (100%, not 133%), variants and holdout sum to 100%', () => {
    // 30 runs went through the split: 12 to a (3 converted), 12 to b (6), 6 held out (1 converted, 4 still watched).
    // The server counted the 4 watched holdout runs in passedByStep only; before, they were also "here", giving 34 + … of 30.
    const stats: JourneyStats = {
      ...base,
      entered: 30,
      active: 4,
      activeByStep: {},
      passedByStep: { test: 30 },
      holdoutWatching: 4,
      endedByReason: {},
      variants: [variant('a', 12, 3), variant('b', 12, 6), variant('holdout', 6, 1)],
    };
    assert.deepEqual(stepStatsLines(split, stats), [
      '30 reached (100% of entries)',
      '0 here now',
      'a: 12 in (40%) · 25% conv.',
      'b: 12 in (40%) · 50% conv.',
      'holdout: 6 in (20%) · 16.7% conv. · 4 still watched',
    ]);
  });

  it('shows only this split’s variants, with their shares of this split', () => {
    // A variant "old" of an earlier version: 5 runs; this split's a, b and holdout: 3 + 1 + 0 = 4 → 75%, 25%, 0%.
    const stats: JourneyStats = {
      ...base,
      entered: 9,
      active: 0,
      activeByStep: {},
      passedByStep: { test: 9 },
      holdoutWatching: 0,
      endedByReason: {},
      variants: [variant('a', 3, 0), variant('b', 1, 1), variant('old', 5, 0)],
    };
    assert.deepEqual(stepStatsLines(split, stats).slice(2), ['a: 3 in (75%) · 0% conv.', 'b: 1 in (25%) · 100% conv.', 'holdout: 0 in (0%) · — conv.']);
  });

  it('a step: reached is passed + here, a share of entries; an exit: finished there; a looped step shows no share', () => {
    const stats: JourneyStats = {
      ...base,
      entered: 8,
      active: 3,
      activeByStep: { pause: 3 },
      passedByStep: { pause: 3, loop: 11 },
      holdoutWatching: 0,
      endedByReason: { 'exit:done': 2 },
      variants: [],
    };
    assert.deepEqual(stepStatsLines({ id: 'pause', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'done' }, stats), ['6 reached (75% of entries)', '3 here now']);
    assert.deepEqual(stepStatsLines({ id: 'done', type: 'exit' }, stats), ['2 finished here (25% of entries)']);
    assert.deepEqual(stepStatsLines({ id: 'loop', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'pause' }, stats), ['11 reached (counts repeat visits)', '0 here now']);
    assert.deepEqual(stepStatsLines({ id: 'done', type: 'exit' }, undefined), []);
  });
});

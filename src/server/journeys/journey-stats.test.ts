import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { twoProportionPValue } from './journey-stats.js';

describe('two-proportion z-test', () => {
  it('matches the hand computation', () => {
    // 200/1000 vs 150/1000: pooled p = 0.175, SE = √(0.175·0.825·(2/1000)) = 0.016993, z = 0.05 / 0.016993 = 2.9424, two-sided p = 0.003256.
    assert.ok(Math.abs(twoProportionPValue(200, 1000, 150, 1000)! - 0.003256) < 5e-6);
    // 30/100 vs 25/100: z = 0.7918, p = 0.4285 — not significant.
    assert.ok(Math.abs(twoProportionPValue(30, 100, 25, 100)! - 0.4285) < 5e-5);
    // Symmetric in the two groups.
    assert.equal(twoProportionPValue(25, 100, 30, 100), twoProportionPValue(30, 100, 25, 100));
  });

  it('has no answer for an empty group or a pooled rate of 0 or 1', () => {
    assert.equal(twoProportionPValue(0, 0, 5, 10), null);
    assert.equal(twoProportionPValue(0, 10, 0, 10), null);
    assert.equal(twoProportionPValue(10, 10, 10, 10), null);
  });
});

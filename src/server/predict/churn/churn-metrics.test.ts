import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brierScore, calibrationTable, precisionAtTop, rocAuc, stratifiedFolds } from './churn-metrics.js';

describe('rocAuc (Mann–Whitney)', () => {
  it('counts the positive–negative pairs in order', () => {
    // Pairs (pos, neg): (0.35, 0.1) ✓, (0.35, 0.4) ✗, (0.8, 0.1) ✓, (0.8, 0.4) ✓ → 3/4.
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([0.1, 0.2, 0.3], [0, 1, 1]), 1);
    assert.equal(rocAuc([0.3, 0.2, 0.1], [0, 1, 1]), 0);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    // Scores 1, 2, 2, 3 with labels 0, 0, 1, 1: pairs (2,1) 1, (2,2) ½, (3,1) 1, (3,2) 1 → 3.5/4.
    assert.equal(rocAuc([1, 2, 2, 3], [0, 0, 1, 1]), 0.875);
    assert.equal(rocAuc([5, 5, 5, 5], [0, 1, 0, 1]), 0.5);
    // Ranks 1, 2.5, 2.5, 4, 5.5, 5.5 (ties averaged); positives at 2.5, 4, 5.5: R = 12, (12 − 6) / 9.
    assert.equal(rocAuc([0.1, 0.3, 0.3, 0.5, 0.9, 0.9], [0, 1, 0, 1, 1, 0]), 6 / 9);
  });

  it('does not depend on the order of the rows', () => {
    assert.equal(rocAuc([0.8, 0.35, 0.4, 0.1], [1, 1, 0, 0]), 0.75);
  });

  it('is NaN when a class is missing', () => {
    assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
    assert.ok(Number.isNaN(rocAuc([], [])));
  });
});

describe('precisionAtTop, brierScore', () => {
  it('takes the share of positives among the highest scores', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 1];
    assert.equal(precisionAtTop(scores, labels, 0.1), 1); // the top one
    assert.equal(precisionAtTop(scores, labels, 0.3), 2 / 3);
    assert.equal(precisionAtTop(scores, labels, 1), 0.3);
  });

  it('Brier: mean squared error of the probabilities', () => {
    assert.ok(Math.abs(brierScore([0.9, 0.2], [1, 0]) - (0.01 + 0.04) / 2) < 1e-15);
    assert.equal(brierScore([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.25);
  });
});

describe('stratifiedFolds', () => {
  it('deals each class evenly over the folds, the same way for the same seed', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // 26 positives, 77 negatives
    const folds = stratifiedFolds(labels, 5, 7);
    for (let f = 0; f < 5; f++) {
      const rows = labels.map((_, i) => i).filter((i) => folds[i] === f);
      const pos = rows.filter((i) => labels[i] === 1).length;
      assert.ok(pos === 5 || pos === 6, `fold ${f}: ${pos} positives`);
      assert.ok(rows.length === 20 || rows.length === 21, `fold ${f}: ${rows.length} rows`);
    }
    assert.deepEqual(stratifiedFolds(labels, 5, 7), folds);
  });
});

describe('calibrationTable', () => {
  it('cuts the sorted predictions into groups and compares their means with what happened', () => {
    // Sorted: 0.05(0) 0.1(0) 0.2(0) 0.3(1) 0.6(0) 0.7(1) 0.9(1); 7 into 3 groups → sizes 3, 2, 2.
    const bins = calibrationTable([0.9, 0.1, 0.3, 0.05, 0.7, 0.2, 0.6], [1, 0, 1, 0, 1, 0, 0], 3);
    assert.deepEqual(
      bins.map((b) => b.customers),
      [3, 2, 2],
    );
    assert.ok(Math.abs(bins[0]!.predicted - 0.35 / 3) < 1e-12);
    assert.equal(bins[0]!.observed, 0);
    assert.ok(Math.abs(bins[1]!.predicted - 0.45) < 1e-12);
    assert.equal(bins[1]!.observed, 0.5);
    assert.ok(Math.abs(bins[2]!.predicted - 0.8) < 1e-12);
    assert.equal(bins[2]!.observed, 1);
    assert.deepEqual(
      bins.map((b) => b.decile),
      [1, 2, 3],
    );
  });

  it('leaves out empty groups', () => {
    assert.deepEqual(
      calibrationTable([0.2, 0.4], [0, 1], 10).map((b) => [b.decile, b.customers, b.predicted, b.observed]),
      [
        [1, 1, 0.2, 0],
        [2, 1, 0.4, 1],
      ],
    );
  });
});

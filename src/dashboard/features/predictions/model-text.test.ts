import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationOption, churnSummary, featureLabel } from './model-text.js';

describe('predictions page text', () => {
  it('names features as people read them', () => {
    assert.equal(featureLabel('days_since_last_seen'), 'days since last seen');
    assert.equal(featureLabel('trait.plan=free'), 'trait plan = free');
    assert.equal(featureLabel('avg_order_value (blank)'), 'avg order value (blank)');
  });

  it('says what the model was trained and checked on, with the horizon as churn', () => {
    const s = churnSummary({
      horizonDays: 90,
      asOf: '2026-06-01T00:00:00.000Z',
      metrics: { trainAt: '2025-12-03T00:00:00.000Z', validationAt: '2026-03-03T00:00:00.000Z', trainCustomers: 1706, trainChurned: 200 },
    });
    assert.match(s, /no activity in the 90 days after a snapshot/);
    assert.match(s, /1,706 customers as of 2025-12-03 \(200 of whom went quiet\)/);
    assert.match(s, /as of 2026-03-03/);
    assert.match(s, /as of 2026-06-01\.$/);
  });

  it('charts the calibration in percent on a 0–100 axis', () => {
    const o = calibrationOption([
      { decile: 1, customers: 10, predicted: 0.0123, observed: 0 },
      { decile: 2, customers: 10, predicted: 0.876, observed: 0.9 },
    ]) as { yAxis: { min: number; max: number }; series: Array<{ name: string; data: number[] }> };
    assert.deepEqual([o.yAxis.min, o.yAxis.max], [0, 100]);
    assert.deepEqual(o.series.find((s) => s.name === 'Predicted')!.data, [1.2, 87.6]);
    assert.deepEqual(o.series.find((s) => s.name === 'Churned')!.data, [0, 90]);
  });
});

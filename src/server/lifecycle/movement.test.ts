import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPreset } from './presets.js';
import { classifyMove, isExtended } from './movement.js';

const model = defaultPreset(); // awareness, engagement, conversion, retention, loyalty; at_risk, churned

describe('movement patterns', () => {
  it('reads each kind of move', () => {
    assert.equal(classifyMove(model, [], 'awareness'), 'entered');
    assert.equal(classifyMove(model, ['awareness'], 'engagement'), 'linear');
    assert.equal(classifyMove(model, ['awareness'], 'conversion'), 'skip');
    assert.equal(classifyMove(model, ['awareness', 'engagement', 'conversion', 'retention'], 'engagement'), 'regression');
    assert.equal(classifyMove(model, ['awareness', 'engagement', 'conversion', 'retention', 'loyalty'], 'engagement'), 'cyclical');
    assert.equal(classifyMove(model, ['conversion', 'retention', 'loyalty', 'at_risk'], 'awareness'), 'cyclical');
  });

  it('reads moves into and out of at_risk and churned against the last ladder stage', () => {
    assert.equal(classifyMove(model, ['awareness', 'conversion', 'retention'], 'at_risk'), 'regression');
    assert.equal(classifyMove(model, ['awareness', 'conversion', 'retention', 'at_risk'], 'churned'), 'regression');
    assert.equal(classifyMove(model, ['conversion', 'retention', 'at_risk'], 'retention'), 'recovered');
    assert.equal(classifyMove(model, ['conversion', 'retention', 'churned'], 'loyalty'), 'linear');
    assert.equal(classifyMove(model, ['engagement', 'churned'], 'retention'), 'skip');
    assert.equal(classifyMove(model, ['conversion', 'retention', 'churned'], 'engagement'), 'regression');
  });

  it('flags a customer who stays longer than the stage expects', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    // engagement expects 30 days
    assert.equal(isExtended(model, 'engagement', since, new Date('2026-01-31T00:00:00Z')), false);
    assert.equal(isExtended(model, 'engagement', since, new Date('2026-02-01T00:00:00Z')), true);
    assert.equal(isExtended(model, 'loyalty', since, new Date('2030-01-01T00:00:00Z')), false); // no expectation
  });
});

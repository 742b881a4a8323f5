import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionText } from '../features/lifecycle/conditionText.js';
import { stepSummary, triggerSummary } from '../features/journeys/describe.js';
import { idsOnly, namesFrom, refsText } from './names.js';
import { allStages } from './useNames.js';

const names = namesFrom({
  segments: [{ id: 'seg_high_spenders', name: 'High spenders' }],
  templates: [{ id: 'welcome', name: 'Welcome email' }],
  journeys: [{ id: 'jny_winback', name: 'Win-back' }],
  stages: [{ key: 'at_risk', name: 'At risk' }],
});

describe('names instead of ids', () => {
  it('names what exists, says so of what was deleted, and shows the id while the list is loading', () => {
    assert.equal(names('segment', 'seg_high_spenders'), 'High spenders');
    assert.equal(names('segment', 'seg_gone'), 'seg_gone (deleted segment)');
    assert.equal(names('segment', 'seg_gone', 'Old list'), 'Old list (deleted segment)');
    assert.equal(names('template', 'welcome'), 'Welcome email');
    assert.equal(names('stage', 'at_risk'), 'At risk');
    assert.equal(namesFrom({})('segment', 'seg_high_spenders'), 'seg_high_spenders');
    assert.equal(idsOnly('template', 'welcome'), 'welcome');
  });

  it('journey triggers and steps', () => {
    assert.equal(triggerSummary({ broadcast: { segment: 'seg_high_spenders', zone: 'workspace' } }, names), 'Once to segment High spenders, when published');
    assert.equal(triggerSummary({ segmentEntered: { segment: 'seg_gone' } }, names), 'Joins segment seg_gone (deleted segment)');
    assert.equal(triggerSummary({ stageEntered: { stage: 'at_risk' } }, names), 'Enters stage At risk');
    assert.equal(triggerSummary({ schedule: { segment: 'seg_high_spenders', at: '09:00', weekdays: [1, 2, 3, 4, 5] } }, names), 'Every Mon–Fri at 09:00 (workspace time): segment High spenders');
    assert.equal(triggerSummary({ segmentEntered: { segment: '' } }, names), 'Joins segment …');
    assert.equal(stepSummary({ id: 's', type: 'send', channel: 'email', template: 'welcome', transactional: false, next: 'e' }, names), 'email: Welcome email');
    assert.equal(stepSummary({ id: 's', type: 'send', channel: 'email', template: 'old', transactional: false, next: 'e' }, names), 'email: old (deleted template)');
  });

  it('conditions', () => {
    assert.equal(
      conditionText({ all: [{ inSegment: { id: 'seg_high_spenders' } }, { not: { inSegment: { id: 'seg_gone' } } }, { stage: { key: 'at_risk' } }] }, names),
      '(in segment High spenders and not in segment seg_gone (deleted segment) and in stage At risk)',
    );
    assert.equal(conditionText({ inSegment: { id: 'seg_high_spenders' } }), 'in segment seg_high_spenders', 'without names: the id');
  });

  it("an event's references: segment by its current name, a deleted one by the name it had", () => {
    assert.equal(refsText({ segmentId: 'seg_high_spenders', segmentName: 'Big spenders' }, names), 'segment High spenders');
    assert.equal(refsText({ segmentId: 'seg_gone', segmentName: 'Old list' }, names), 'segment Old list (deleted segment)');
    assert.equal(refsText({ messageId: 7, journeyId: 'jny_winback', templateId: 'welcome', variant: null }, names), 'journey Win-back · template Welcome email');
    assert.equal(refsText({ revenue: 20 }, names), '');
  });

  it('stages include at risk and churned, which the model keeps apart from the ladder', () => {
    const n = { key: 'new', name: 'New' };
    const keys = allStages({ stages: [n, { key: 'active', name: 'Active' }], atRisk: { key: 'at_risk', name: 'At risk' }, churned: { key: 'churned', name: 'Churned' } }).map((s) => s.key);
    assert.deepEqual(keys, ['new', 'active', 'at_risk', 'churned']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeType, newDraft, toDefinition, toDraft, TYPE_DEFAULTS } from './survey-form.js';

describe('survey editor form', () => {
  it('a new NPS survey is a valid definition without a scale, sent to everyone, with a follow-up task', () => {
    const r = toDefinition(newDraft('nps'));
    assert.ok(r.ok);
    assert.equal(r.definition.type, 'nps');
    assert.equal(r.definition.scale, undefined);
    assert.deepEqual(r.definition.fatigue, { minDaysBetween: 0, whenHeld: 'wait', sampleRate: 1 });
    assert.deepEqual(r.definition.followUpTask, { enabled: true, title: 'Follow up on a detractor', assigneeRole: 'success', dueHours: 48, per: 'customer' });
    assert.deepEqual(r.definition.followUp, { default: 'What is the main reason for your score?', negative: 'What could we do better?' });
  });

  it('the sample is typed in percent and sent as a share: 25 → 0.25; 150 is refused on its field', () => {
    const ok = toDefinition({ ...newDraft(), samplePercent: '25' });
    assert.ok(ok.ok);
    assert.equal(ok.definition.fatigue.sampleRate, 0.25);
    const bad = toDefinition({ ...newDraft(), samplePercent: '150', taskDueHours: '0', question: '  ' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.errors, { samplePercent: 'a share from 0 to 100 (%)', taskDueHours: 'a whole number of hours from 1 to 2160', question: 'fill this in' });
  });

  it('switching to CSAT takes its 1–5 scale and its default question, but keeps a question the person wrote', () => {
    const csat = changeType(newDraft('nps'), 'csat');
    assert.deepEqual([csat.scaleMin, csat.scaleMax, csat.question, csat.lowLabel], ['1', '5', TYPE_DEFAULTS.csat.question, 'Very unsatisfied']);
    const r = toDefinition(csat);
    assert.ok(r.ok);
    assert.deepEqual(r.definition.scale, { min: 1, max: 5 });
    const own = changeType({ ...newDraft('nps'), question: 'Would you recommend us?' }, 'ces');
    assert.deepEqual([own.question, own.scaleMax], ['Would you recommend us?', '7']);
  });

  it('a CSAT scale out of range is refused on the scale field', () => {
    const r = toDefinition({ ...changeType(newDraft(), 'csat'), scaleMax: '11' });
    assert.ok(!r.ok);
    assert.equal(r.errors.scaleMax, 'the highest score: a whole number from 2 to 10');
  });

  it('empty optional texts are left out (no SMS, no email, no per-band text, no follow-up)', () => {
    const r = toDefinition({ ...newDraft(), smsText: '', emailSubject: ' ', followUpOn: false, lowLabel: '' });
    assert.ok(r.ok);
    assert.equal(r.definition.sms, undefined);
    assert.equal(r.definition.email, undefined);
    assert.equal(r.definition.followUp, undefined);
    assert.equal(r.definition.lowLabel, undefined);
    assert.deepEqual(r.definition.thankYou, { default: 'Thank you for your answer.' });
  });

  it('a saved survey loads back into the same form', () => {
    const d = {
      ...changeType(newDraft(), 'ces'),
      id: 'effort',
      name: 'Effort',
      thankYou: { default: 'Thanks!', negative: 'Sorry about that.', neutral: '', positive: '' },
      samplePercent: '12.5',
      taskPer: 'account' as const,
    };
    const r = toDefinition(d);
    assert.ok(r.ok);
    assert.deepEqual(toDraft({ id: 'effort', name: 'Effort', definition: r.definition }), d);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LifecycleModelSchema } from '../../contracts/lifecycle.js';
import type { CustomerFacts } from '../rules/evaluate.js';
import { activationPreset, b2bPreset, defaultPreset } from './presets.js';
import { decideStage } from './stage-engine.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const day = (n: number) => new Date(T0 + n * 86_400_000);

/** A timeline: [day, event, properties?]. */
function facts(timeline: Array<[number, string, Record<string, unknown>?]>): CustomerFacts {
  return { traits: {}, events: timeline.map(([d, event, properties]) => ({ event, timestamp: day(d), properties: properties ?? {} })) };
}

describe('stage engine with the default preset', () => {
  const model = defaultPreset();
  // One coffee customer's year, by hand.
  const ada = facts([
    [0, 'Page Viewed'],
    [1, 'Signed Up'],
    [10, 'Order Completed'],
    [40, 'Order Completed'],
    // silence until day 140
    [140, 'Order Completed'],
    [150, 'Survey Responded', { type: 'nps', score: 10 }],
  ]);
  const at = (d: number) => decideStage(model, ada, day(d)).stage;

  it('moves forward as the customer does', () => {
    assert.equal(at(0), 'awareness');
    assert.equal(at(2), 'engagement');
    assert.equal(at(11), 'conversion');
    assert.equal(at(41), 'retention');
  });

  it('moves to at_risk and churned with time alone, and back when the customer returns', () => {
    assert.equal(at(40 + 44), 'retention'); // 44 quiet days
    assert.equal(at(40 + 46), 'at_risk'); // 46 quiet days (threshold 45)
    assert.equal(at(40 + 91), 'churned'); // 91 quiet days (threshold 90)
    assert.equal(at(141), 'retention'); // a new order: back on the ladder
    assert.equal(at(151), 'loyalty'); // an NPS promoter who buys
  });

  it('skips stages when behaviour does: a first order straight away is conversion', () => {
    const bob = facts([[0, 'Order Completed']]);
    assert.equal(decideStage(model, bob, day(1)).stage, 'conversion');
    assert.match(decideStage(model, bob, day(1)).reason, /Conversion/);
  });

  it('treats a cancelled subscription as churned once its last paid month has run out', () => {
    const sub = facts([
      [0, 'Signed Up'],
      [0, 'Subscription Started'],
      [0, 'Order Completed'],
      [30, 'Order Completed'],
      [60, 'Order Completed'],
      [75, 'Subscription Cancelled'],
    ]);
    assert.equal(decideStage(model, sub, day(74)).stage, 'retention');
    assert.equal(decideStage(model, sub, day(80)).stage, 'retention'); // cancelled, but paid until day 90
    assert.equal(decideStage(model, sub, day(91)).stage, 'churned');
    assert.match(decideStage(model, sub, day(91)).reason, /Churned/);
  });

  it('uses the configured event names and windows', () => {
    const custom = defaultPreset({ orderCompleted: 'Purchase', churnAfterDays: 30, atRiskAfterDays: 15 });
    const cy = facts([
      [0, 'Signed Up'],
      [1, 'Purchase'],
    ]);
    assert.equal(decideStage(custom, cy, day(2)).stage, 'conversion');
    assert.equal(decideStage(custom, cy, day(20)).stage, 'at_risk');
    assert.equal(decideStage(custom, cy, day(40)).stage, 'churned');
  });
});

describe('the other presets', () => {
  it('activation: acquisition → activation → engagement → retention', () => {
    const m = activationPreset();
    const f = facts([
      [0, 'Signed Up'],
      [3, 'Order Completed'],
      [20, 'Order Completed'],
      [50, 'Order Completed'],
    ]);
    assert.deepEqual(
      [1, 4, 21, 51].map((d) => decideStage(m, f, day(d)).stage),
      ['acquisition', 'activation', 'engagement', 'retention'],
    );
  });

  it('b2b: a lead is educated, evaluates and converts', () => {
    const m = b2bPreset();
    const f = facts([
      [0, 'Lead Created'],
      [5, 'Email Link Clicked'],
      [10, 'Lead Contacted'],
      [30, 'Order Completed'],
    ]);
    assert.deepEqual(
      [1, 6, 11, 31].map((d) => decideStage(m, f, day(d)).stage),
      ['engagement', 'education', 'evaluation', 'conversion'],
    );
  });
});

describe('model validation', () => {
  it('rejects a model whose later stage has no rule, naming the stage', () => {
    const m = defaultPreset();
    const bad = { ...m, stages: m.stages.map((s, i) => (i === 2 ? { ...s, rule: undefined } : s)) };
    const r = LifecycleModelSchema.safeParse(JSON.parse(JSON.stringify(bad)));
    assert.equal(r.success, false);
    const issue = !r.success ? r.error.issues.find((i) => i.path.join('.') === 'stages.2.rule') : undefined;
    assert.ok(issue, JSON.stringify(!r.success && r.error.issues));
    assert.match(issue.message, /stage "conversion" needs an entry rule/);
  });

  it('rejects a bad rule inside a stage with the exact path and what is wrong', () => {
    const bad = JSON.parse(JSON.stringify(defaultPreset())) as { stages: Array<Record<string, unknown>> };
    bad.stages[1]!.rule = { any: [{ trait: { path: 'plan', op: 'eq', value: 'pro' } }, { performed: { event: 'Signed Up', count: { op: 'about', value: 1 } } }] };
    const r = LifecycleModelSchema.safeParse(bad);
    assert.equal(r.success, false);
    assert.deepEqual(!r.success && r.error.issues.map((i) => i.path.join('.')), ['stages.1.rule.any.1.performed.count.op']);
    assert.match(!r.success ? r.error.issues[0]!.message : '', /expected one of "eq"/);
  });

  it('rejects duplicate stage keys', () => {
    const bad = JSON.parse(JSON.stringify(defaultPreset())) as { churned: { key: string } };
    bad.churned.key = 'retention';
    const r = LifecycleModelSchema.safeParse(bad);
    assert.ok(!r.success && r.error.issues.some((i) => i.path.join('.') === 'churned.key' && /used twice \(also at stages\.3\)/.test(i.message)), JSON.stringify(!r.success && r.error.issues));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../contracts/condition.js';
import { checkDraft, closeJson, discardJson, initialDraft, openJson } from './draft.js';
import { leafFromDraft, newDraft } from './leaf-drafts.js';
import { fromCondition, stableJson, toCondition, type BuilderNode } from './model.js';

/** One leaf of every kind the rule language has, with the optional parts filled in. */
const LEAVES: Condition[] = [
  { trait: { path: 'plan', op: 'eq', value: 'pro' } },
  { trait: { path: 'seats', op: 'gte', value: 5 } },
  { trait: { path: 'beta', op: 'eq', value: true } },
  { trait: { path: 'address.city', op: 'not_exists' } },
  { trait: { path: 'email', op: 'contains', value: '@acme' } },
  { performed: { event: 'Order Completed' } },
  {
    performed: {
      event: 'Order Completed',
      where: [
        { path: 'revenue', op: 'gt', value: 50 },
        { path: 'coupon', op: 'exists' },
      ],
      count: { op: 'gte', value: 2 },
      window: { within: { amount: 90, unit: 'days' } },
    },
  },
  { performed: { event: 'Signed Up', count: { op: 'eq', value: 0 }, window: { between: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } } } },
  { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'max', op: 'gt', value: 100, window: { between: { from: '2026-01-01T09:30:00+02:00', to: '2026-01-08T09:30:00+02:00' } } } },
  { lastPerformed: { event: 'Order Completed', where: [{ path: 'channel', op: 'neq', value: 'pos' }], op: 'before', duration: { amount: 60, unit: 'days' } } },
  { firstSeen: { op: 'within', duration: { amount: 14, unit: 'days' } } },
  { lastSeen: { op: 'before', duration: { amount: 12, unit: 'weeks' } } },
  { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 500, window: { within: { amount: 365, unit: 'days' } } } },
  { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'avg', op: 'lt', value: 20.5, where: [{ path: 'currency', op: 'eq', value: 'EUR' }] } },
  { stage: { key: 'retention', atLeast: { amount: 30, unit: 'days' } } },
  { stage: { key: 'onboarding' } },
  { inSegment: { id: 'seg_vip' } },
  { score: { name: 'churn_risk', op: 'gt', value: 0.7 } },
  { acquisition: { channel: 'paid_search', campaign: 'spring' } },
];

function kinds(n: BuilderNode): string[] {
  if (n.type === 'group') return n.children.flatMap(kinds);
  return [n.type];
}

describe('condition builder drafts', () => {
  for (const leaf of LEAVES) {
    it(`shows ${Object.keys(leaf)[0]} ${JSON.stringify(leaf).slice(0, 60)} as a form row and gives it back unchanged`, () => {
      const root = fromCondition(leaf);
      assert.deepEqual(kinds(root), ['leaf'], 'a form row, not a JSON row');
      assert.equal(stableJson(toCondition(root).condition), stableJson(leaf));
    });
  }

  it('keeps all / any / not nesting through the form', () => {
    const c: Condition = { all: [LEAVES[0]!, { any: [LEAVES[6]!, { not: LEAVES[9]! }] }, { not: { any: [LEAVES[15]!, LEAVES[16]!] } }] };
    const root = fromCondition(c);
    assert.ok(kinds(root).every((k) => k === 'leaf'));
    assert.equal(stableJson(toCondition(root).condition), stableJson(c));
  });

  it('the JSON view round-trips the form, and invalid JSON keeps the form as it was', () => {
    const c: Condition = { any: [LEAVES[1]!, LEAVES[11]!] };
    const d = initialDraft(c);
    const opened = openJson(d);
    assert.equal(stableJson(JSON.parse(opened.json!)), stableJson(c));
    // Broken JSON: no condition, the parse error in words, and the form cannot be returned to.
    const broken = { ...opened, json: opened.json!.slice(0, -2) };
    const bc = checkDraft(broken);
    assert.equal(bc.state.status, 'invalid');
    assert.match(bc.jsonError ?? '', /^Not valid JSON/);
    assert.ok('error' in closeJson(broken));
    // A schema error names the field at fault.
    const wrong = { ...opened, json: JSON.stringify({ any: [{ score: { name: 'x', op: 'about', value: 1 } }] }) };
    assert.match(checkDraft(wrong).jsonError ?? '', /any\.0\.score\.op/);
    // Discarding gives back the untouched form.
    const back = discardJson(wrong);
    assert.equal(back.root, d.root);
    assert.equal(stableJson((checkDraft(back).state as { condition: Condition }).condition), stableJson(c));
    // Valid JSON becomes the form.
    const edited = { ...opened, json: JSON.stringify({ all: [LEAVES[3]!] }) };
    const closed = closeJson(edited);
    assert.ok('draft' in closed);
    assert.equal(stableJson(toCondition(closed.draft.root).condition), stableJson({ all: [LEAVES[3]!] }));
  });

  it('an optional editor left empty has no condition; a required one says what is missing', () => {
    const empty = initialDraft(undefined);
    assert.equal(checkDraft(empty, true).state.status, 'empty');
    assert.deepEqual(checkDraft(empty).state, { status: 'invalid', message: 'Add at least one condition.' });
    assert.equal(checkDraft({ ...empty, json: '  ' }, true).state.status, 'empty');
  });

  it('an incomplete row names its problem on that row', () => {
    const d = initialDraft({ all: [LEAVES[0]!, { performed: { event: 'X' } }] });
    const row = d.root.children[1]!;
    assert.equal(row.type, 'leaf');
    if (row.type !== 'leaf' || row.draft.kind !== 'performed') return;
    const bad = { ...d, root: { ...d.root, children: [d.root.children[0]!, { ...row, draft: { ...row.draft, countOp: 'gte' as const, count: '2.5' } }] } };
    const c = checkDraft(bad);
    assert.equal(c.state.status, 'invalid');
    assert.equal(c.problems.get(row.id), 'count: a whole number');
  });

  it('places each problem on the field it concerns', () => {
    const perf = newDraft('performed');
    assert.deepEqual(leafFromDraft(perf), { error: 'choose an event name', field: 'event' });
    if (perf.kind !== 'performed') return;
    assert.deepEqual(leafFromDraft({ ...perf, event: 'X', countOp: 'gte', count: 'two' }), { error: 'count: "two" is not a number', field: 'count' });
    assert.deepEqual(leafFromDraft({ ...perf, event: 'X', window: { ...perf.window, mode: 'within', within: { amount: '0', unit: 'days' } } }).valueOf(), {
      error: 'window.within.amount: Too small: expected number to be >0',
      field: 'window',
    });
    assert.deepEqual(leafFromDraft({ ...perf, event: 'X', where: [{ path: 'price', op: 'gt', value: 'cheap', kind: 'text' }] }), { error: 'price: "cheap" is not a number', field: 'where.0.value' });
    const trait = newDraft('trait');
    if (trait.kind !== 'trait') return;
    assert.deepEqual(leafFromDraft({ ...trait, test: { ...trait.test, path: 'a..b' } }), { error: 'path: must be a dotted path such as `plan` or `address.city`', field: 'path' });
    const exact = { ...perf, event: 'X', window: { ...perf.window, mode: 'betweenTimes' as const, from: 'yesterday', to: '2026-02-01T00:00:00Z' } };
    const bad = leafFromDraft(exact);
    assert.ok('error' in bad && bad.field === 'window' && /^window\.between\.from: /.test(bad.error), JSON.stringify(bad));
    // A problem of the row as a whole has no field.
    assert.deepEqual(leafFromDraft(newDraft('acquisition')), { error: 'give at least one of channel, source, campaign', field: undefined });
  });
});

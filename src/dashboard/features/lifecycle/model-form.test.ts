import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '../../../server/lifecycle/presets.js';
import { stableJson } from '../../components/condition/model.js';
import { checkForm, formJson, formOf } from './model-form.js';

describe('lifecycle model form', () => {
  for (const [name, make] of Object.entries(PRESETS)) {
    it(`shows every rule of the ${name} preset as form rows and gives the same model back`, () => {
      const model = make();
      const form = formOf(model);
      const kinds = form.drafts.flatMap((d) => {
        const walk = (n: typeof d.root): string[] => (n.type === 'group' ? n.children.flatMap(walk) : [n.type]);
        return walk(d.root);
      });
      assert.ok(kinds.length > 0 && kinds.every((k) => k === 'leaf'), `no JSON rows: ${kinds.join(',')}`);
      const checked = checkForm(form);
      assert.ok(checked.ok, JSON.stringify(checked));
      assert.equal(stableJson(checked.model), stableJson(model));
      assert.equal(stableJson(JSON.parse(formJson(form))), stableJson(model));
    });
  }

  it('names the stage whose rule is incomplete, and refuses a rule that tests the stage', () => {
    const model = PRESETS.default();
    const form = formOf(model);
    const emptied = { ...form, drafts: form.drafts.map((d, i) => (i === 2 ? { ...d, root: { ...d.root, children: [] } } : d)) };
    const r = checkForm(emptied);
    assert.deepEqual(r, { ok: false, path: `stages.2.rule (${model.stages[2]!.name})`, message: 'Add at least one condition.' });
    const withStage = formOf({ ...model, atRisk: { ...model.atRisk, rule: { stage: { key: 'retention' } } } });
    const s = checkForm(withStage);
    assert.equal(s.ok, false);
    assert.equal(!s.ok && s.path, 'atRisk.rule');
  });
});

import assert from 'node:assert/strict';
import type { BrowserStep } from './steps.js';

interface StageView {
  key: string;
  name: string;
  rule?: unknown;
}
interface ModelView {
  version: number;
  model: { stages: StageView[]; atRisk: StageView; churned: StageView };
}

/** JSON with sorted keys, to compare conditions whatever their key order. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const RULE_EVENT = 'Browser Rule Test';

/** Browser steps for the lifecycle pages. */
export const lifecycleSteps: BrowserStep[] = [
  {
    name: 'the journey map shows every stage of the model with the distribution’s customer counts',
    async run(ctx) {
      const { page } = ctx;
      const { model } = await ctx.env.api<ModelView>('/api/lifecycle/model');
      const dist = await ctx.env.api<{ stages: Array<{ key: string; count: number }> }>('/api/lifecycle/distribution');
      await ctx.open('/lifecycle');
      const all = [...model.stages, model.atRisk, model.churned];
      for (const s of all) {
        const card = page.getByRole('region', { name: s.name, exact: true });
        const count = card.locator('[data-field="count"][data-raw]');
        await count.waitFor({ timeout: 15_000 });
        const expected = dist.stages.find((d) => d.key === s.key)?.count ?? 0;
        assert.equal(await count.getAttribute('data-raw'), String(expected), `${s.key}: count`);
        assert.equal((await count.innerText()).replace(/,/g, ''), String(expected), `${s.key}: count on screen`);
      }
      // The ladder is in the model's order.
      const order = await page
        .getByRole('list', { name: 'Stages in order' })
        .locator('[data-stage]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
      assert.deepEqual(
        order,
        model.stages.map((s) => s.key),
      );
      // Rules are in words, not JSON.
      const second = page.getByRole('region', { name: model.stages[1]!.name, exact: true });
      assert.match(await second.innerText(), /enters when/i);
      assert.match(await second.innerText(), /\bdid \w/, 'a performed-event rule reads “did …”');
      assert.doesNotMatch(await second.innerText(), /"performed"/);
      // The time-in-stage numbers arrive from the stage API.
      const stats = await ctx.env.api<{ medianDaysInStage: number | null }>(`/api/lifecycle/stages/${model.stages[1]!.key}`);
      if (stats.medianDaysInStage !== null) await second.locator('[data-field="median"]').filter({ hasNotText: '…' }).waitFor();
      await ctx.shots('lifecycle');
    },
  },
  {
    name: 'the model editor checks the JSON as you type and will not save an invalid model',
    async run(ctx) {
      const { page } = ctx;
      await page.getByRole('button', { name: 'Whole model (JSON)' }).click();
      const editor = page.getByLabel('Lifecycle model (JSON)');
      const save = page.getByRole('button', { name: 'Save model' });
      const original = await editor.inputValue();
      assert.ok(JSON.parse(original).stages, 'the editor holds the model');
      assert.equal(await save.isEnabled(), true);

      await editor.fill(original.slice(0, -3));
      await page.getByRole('alert').filter({ hasText: 'JSON' }).waitFor();
      assert.equal(await save.isDisabled(), true, 'broken JSON cannot be saved');

      const bad = JSON.parse(original);
      bad.stages[1].key = 'Not A Key';
      await editor.fill(JSON.stringify(bad, null, 2));
      await page.getByRole('alert').filter({ hasText: 'stages.1.key' }).waitFor();
      assert.equal(await save.isDisabled(), true, 'an invalid model cannot be saved');

      delete bad.stages[1].rule;
      bad.stages[1].key = 'engagement2';
      await editor.fill(JSON.stringify(bad, null, 2));
      await page.getByRole('alert').filter({ hasText: 'stages.1.rule' }).waitFor();
      assert.equal(await save.isDisabled(), true);

      // A preset loads into the editor (not saved), and is valid.
      await page.getByLabel('Preset').selectOption('b2b');
      await page.getByRole('button', { name: 'Load preset into editor' }).click();
      await page.getByText(/Valid model: \d+ stages, not saved yet/).waitFor();
      assert.equal(await save.isEnabled(), true);
      await page.getByRole('button', { name: 'Revert to saved' }).click();
      assert.equal(stable(JSON.parse(await editor.inputValue())), stable(JSON.parse(original)));

      // Invalid JSON cannot go back to the form; discarding its edits brings the form back as it was.
      await editor.fill('{ "name": ');
      await page.getByRole('button', { name: 'Stage rules (form)' }).click();
      await page.getByRole('alert').filter({ hasText: 'The form needs a valid model' }).waitFor();
      assert.equal(await editor.isVisible(), true, 'still in the JSON view');
      await page.getByRole('button', { name: 'Discard JSON edits' }).click();
      await page.getByRole('list', { name: 'Stage rules' }).waitFor();
      await page.getByText(/Valid model: \d+ stages, as saved/).waitFor();
      // Nothing was saved.
      const after = await ctx.env.api<ModelView>('/api/lifecycle/model');
      assert.equal(after.version, 0);
      await ctx.shots('lifecycle-editor');
    },
  },
  {
    name: 'edits a stage rule with the visual builder, saves it, and the stage engine moves customers by it',
    async run(ctx) {
      const { page, env } = ctx;
      const { model } = await env.api<ModelView>('/api/lifecycle/model');
      const first = model.stages[0]!;
      const target = model.stages[1]!;
      const rule = target.rule as { any?: unknown[] };
      assert.ok(Array.isArray(rule.any), `the second stage's rule is an "any" group: ${JSON.stringify(rule)}`);
      const expected = { any: [...rule.any, { performed: { event: RULE_EVENT } }] };

      // A customer who did only the new event sits in the first stage under the saved model.
      const userId = `rule-builder-${Date.now()}`;
      const track = await fetch(`${env.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${env.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId, event: RULE_EVENT }),
      });
      assert.equal(track.status, 200);
      const stageOf = async () => await env.api<{ stage: string | null; moves: Array<{ to: string; reason: string }> }>(`/api/customers/${encodeURIComponent(userId)}/stages`).catch(() => null);
      let before = await stageOf();
      for (let i = 0; i < 150 && before?.stage !== first.key; i++) {
        await page.waitForTimeout(100);
        before = await stageOf();
      }
      assert.equal(before?.stage, first.key, `before the edit the customer is in ${first.key}`);

      await ctx.open('/lifecycle');
      const editor = page.getByRole('region', { name: `Entry rule of ${target.name}`, exact: true });
      await editor.waitFor();
      const save = page.getByRole('button', { name: 'Save model' });
      await page.getByText(/Valid model: \d+ stages, as saved/).waitFor();
      // The saved rule is shown as form rows, none of them JSON.
      assert.equal(await editor.getByLabel(/^Condition as JSON/).count(), 0, 'every part of the rule has a form');
      const n = rule.any.length;
      await editor.getByRole('button', { name: 'Add condition', exact: true }).click();
      // A model's rule cannot test the stage it decides: the menu does not offer it.
      assert.equal(await editor.getByRole('menuitem', { name: 'In lifecycle stage' }).count(), 0);
      await editor.getByRole('menuitem', { name: 'Performed event', exact: true }).click();
      const row = editor.getByRole('group', { name: `Condition ${n + 1}`, exact: true });
      await row.getByText('choose an event name', { exact: true }).waitFor();
      // The message sits under the field it concerns, which is marked invalid and described by it.
      const eventInput = row.getByLabel('Event name', { exact: true });
      assert.equal(await eventInput.getAttribute('aria-invalid'), 'true');
      const describedBy = await eventInput.getAttribute('aria-describedby');
      assert.equal(await page.locator(`[id="${describedBy}"]`).innerText(), 'choose an event name');
      assert.equal(await save.isDisabled(), true, 'an incomplete rule cannot be saved');
      await row.getByLabel('Event name', { exact: true }).fill(RULE_EVENT);
      await page.getByText(/Valid model: \d+ stages, not saved yet/).waitFor();
      assert.equal(await row.getByLabel('Event name', { exact: true }).getAttribute('aria-invalid'), null);

      // The JSON view shows exactly the rule the form built.
      await editor.getByRole('button', { name: 'JSON', exact: true }).click();
      const json = editor.getByLabel('Condition JSON');
      assert.equal(stable(JSON.parse(await json.inputValue())), stable(expected));
      // Invalid JSON shows the zod error, blocks saving and the way back, and loses nothing of the form.
      await json.fill(JSON.stringify({ any: [{ performed: { event: RULE_EVENT, count: { op: 'about', value: 1 } } }] }));
      await editor.getByRole('alert').filter({ hasText: 'any.0.performed.count.op' }).waitFor();
      assert.equal(await save.isDisabled(), true, 'an invalid rule cannot be saved');
      await editor.getByRole('button', { name: 'Form', exact: true }).click();
      await editor.getByText('fix the JSON first', { exact: false }).waitFor();
      await editor.getByRole('button', { name: 'Discard JSON edits' }).click();
      assert.equal(await row.getByLabel('Event name', { exact: true }).inputValue(), RULE_EVENT, 'the form kept its state');
      await ctx.shots('lifecycle-rule-builder');

      await save.click();
      await page.getByRole('button', { name: 'Yes, save and recompute' }).click();
      await page.locator('[data-job-status="done"]').waitFor({ timeout: 60_000 });

      // The server keeps the rule the builder made, and nothing else changed.
      const after = await env.api<ModelView>('/api/lifecycle/model');
      assert.equal(after.version, 1);
      assert.equal(stable(after.model.stages[1]!.rule), stable(expected));
      const untouched = (m: ModelView['model']) => stable({ ...m, stages: m.stages.filter((_, i) => i !== 1) });
      assert.equal(untouched(after.model), untouched(model));
      // The recompute used it: the customer entered the stage by its rule.
      const moved = await stageOf();
      assert.equal(moved?.stage, target.key, `after the edit the customer is in ${target.key}`);
      assert.match(moved!.moves.at(-1)!.reason, new RegExp(target.name));
      // Reopened, the saved rule shows the new row.
      await ctx.open('/lifecycle');
      const again = page.getByRole('region', { name: `Entry rule of ${target.name}`, exact: true });
      assert.equal(
        await again
          .getByRole('group', { name: `Condition ${n + 1}`, exact: true })
          .getByLabel('Event name', { exact: true })
          .inputValue(),
        RULE_EVENT,
      );
    },
  },
];

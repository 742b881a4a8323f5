import assert from 'node:assert/strict';
import type { BrowserStep } from './steps.js';

interface ModelView {
  version: number;
  model: { stages: Array<{ key: string; name: string }>; atRisk: { key: string; name: string }; churned: { key: string; name: string } };
}

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
      const order = await page.getByRole('list', { name: 'Stages in order' }).locator('[data-stage]').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
      assert.deepEqual(order, model.stages.map((s) => s.key));
      // Rules are in words, not JSON.
      const second = page.getByRole('region', { name: model.stages[1]!.name, exact: true });
      assert.match(await second.innerText(), /enters when/i);
      assert.match(await second.innerText(), /\bdid \w/, "a performed-event rule reads “did …”");
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
      assert.equal(await editor.inputValue(), original);
      // Nothing was saved.
      const after = await ctx.env.api<ModelView>('/api/lifecycle/model');
      assert.equal(after.version, 0);
      await ctx.shots('lifecycle-editor');
    },
  },
];

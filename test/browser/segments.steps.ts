import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import type { BrowserStep } from './steps.js';

/** Browser steps for the segments pages. */

const NAME = 'Browser test: 2+ orders in 365 days';

interface Seg {
  id: string;
  name: string;
  condition: unknown;
  members: number;
  upToDate: boolean;
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

const int = async (l: Locator) => Number((await l.innerText()).replace(/[^\d-]/g, ''));

/** The stage the builder is asked to pick: retention if the model has it, else its last ladder stage. */
async function pickStage(api: (p: string) => Promise<{ model: { stages: Array<{ key: string; name: string }> } }>) {
  const { model } = await api('/api/lifecycle/model');
  return model.stages.find((s) => s.key === 'retention') ?? model.stages[model.stages.length - 1]!;
}

export const segmentsSteps: BrowserStep[] = [
  {
    name: 'segments: builds a segment through the UI, previews it live, saves it and shows the computed count',
    async run({ page, open, shots, env }) {
      const stage = await pickStage(env.api);
      const expected = {
        all: [{ performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: { amount: 365, unit: 'days' } } } }, { stage: { key: stage.key } }],
      };
      await open('/segments/new');
      await page.getByLabel('Segment name').fill(NAME);
      await page.getByLabel('Description').fill('Made by the dashboard browser test');

      await page.getByRole('button', { name: 'Add condition', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Performed event', exact: true }).click();
      const c1 = page.getByRole('group', { name: 'Condition 1', exact: true });
      await c1.getByLabel('Event name', { exact: true }).fill('Order Completed');
      await c1.getByLabel('How often', { exact: true }).selectOption({ label: 'at least' });
      await c1.getByLabel('Times', { exact: true }).fill('2');
      await c1.getByLabel('Window', { exact: true }).selectOption({ label: 'within the last' });
      await c1.getByLabel('Window length', { exact: true }).fill('365');
      await c1.getByLabel('Unit', { exact: true }).selectOption('days');

      await page.getByRole('button', { name: 'Add condition', exact: true }).click();
      await page.getByRole('menuitem', { name: 'In lifecycle stage', exact: true }).click();
      const c2 = page.getByRole('group', { name: 'Condition 2', exact: true });
      // Before a stage is chosen the row says what is missing, and nothing can be saved.
      await c2.getByText('choose a stage', { exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save segment' }).isDisabled(), true);
      await c2.getByLabel('Stage', { exact: true }).selectOption(stage.key);

      // The JSON view shows exactly the tree the clicks built, and the form comes back from it.
      await page.getByRole('button', { name: 'JSON', exact: true }).click();
      assert.equal(stable(JSON.parse(await page.getByLabel('Condition JSON').inputValue())), stable(expected));
      await page.getByRole('button', { name: 'Form', exact: true }).click();
      assert.equal(await page.getByRole('group', { name: 'Condition 2', exact: true }).getByLabel('Stage', { exact: true }).inputValue(), stage.key);

      // The live preview settles on the API's count for the same definition.
      const preview = await env.api<{ count: number; sample: unknown[] }>('/api/segments/preview', { method: 'POST', body: { condition: expected, sample: 5 } });
      const count = page.getByTestId('preview-count');
      await page.locator('[data-testid="preview-count"][aria-busy="false"]').waitFor();
      assert.equal(await int(count), preview.count, 'preview count = POST /api/segments/preview');
      assert.ok(preview.count > 0, 'the demo data has customers in this segment');
      assert.equal(await page.getByRole('list', { name: 'Sample members' }).getByRole('listitem').count(), preview.sample.length);
      await shots('segment-builder');

      await page.getByRole('button', { name: 'Save segment' }).click();
      await page.waitForURL(/\/segments\/[^/?]+\?job=\d+$/);
      const saved = page.getByTestId('saved-count');
      await saved.waitFor({ timeout: 60_000 });

      const { segments } = await env.api<{ segments: Seg[] }>('/api/segments');
      const mine = segments.filter((s) => s.name === NAME);
      assert.equal(mine.length, 1, 'one segment saved under that name');
      const seg = mine[0]!;
      assert.equal(stable(seg.condition), stable(expected), 'saved definition = the one built');
      assert.ok(page.url().includes(`/segments/${seg.id}?`));
      const api = await env.api<Seg>(`/api/segments/${seg.id}`);
      assert.equal(api.upToDate, true);
      assert.equal(await int(saved), api.members, 'count shown after saving = GET /api/segments/:id members');
      assert.equal(api.members, preview.count, 'the computed membership matches the preview');

      // Reopening loads the definition back into the builder rows.
      await open(`/segments/${seg.id}`);
      assert.equal(await page.getByLabel('Segment name').inputValue(), NAME);
      const r1 = page.getByRole('group', { name: 'Condition 1', exact: true });
      assert.equal(await r1.getByLabel('Event name', { exact: true }).inputValue(), 'Order Completed');
      assert.equal(await r1.getByLabel('Times', { exact: true }).inputValue(), '2');
      assert.equal(await r1.getByLabel('Window length', { exact: true }).inputValue(), '365');
      assert.equal(await page.getByRole('group', { name: 'Condition 2', exact: true }).getByLabel('Stage', { exact: true }).inputValue(), stage.key);
      assert.equal(await int(page.getByLabel('Members now')), api.members);
    },
  },
  {
    name: 'segments: lists the saved segment with its count, and the RFM grid totals the API',
    async run({ page, open, shots, env }) {
      const { segments } = await env.api<{ segments: Seg[] }>('/api/segments');
      const seg = segments.find((s) => s.name === NAME);
      assert.ok(seg, 'the segment from the previous step exists');
      await open('/segments');
      const row = page
        .getByRole('table', { name: 'Segments' })
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: NAME, exact: true }) });
      await row.waitFor();
      assert.equal(await int(row.getByTestId('segment-members')), seg.members, 'listed count = API members');
      await shots('segments');

      await page.getByRole('tab', { name: 'RFM' }).click();
      assert.ok(page.url().includes('tab=rfm'));
      const rfm = await env.api<{ buyers: number; groups: Array<{ name: string; count: number; segmentId: string }> }>('/api/rfm');
      const total = rfm.groups.reduce((s, g) => s + g.count, 0);
      assert.ok(total > 0, 'the demo data has RFM groups');
      await page.getByTestId('rfm-total').waitFor();
      assert.equal(await int(page.getByTestId('rfm-total')), total, 'grid total = sum of GET /api/rfm groups');
      const grid = page.getByRole('group', { name: 'RFM grid' });
      let shown = 0;
      for (const c of await grid.getByTestId('rfm-cell-count').all()) shown += await int(c);
      assert.equal(shown, total, 'the cells add up to the API total');
      for (const g of rfm.groups) await grid.getByRole('button', { name: `${g.name}: ${g.count} customers`, exact: true }).waitFor();
      await shots('rfm');

      // Recompute scores RFM as a job; when it is done the grid again totals the API.
      await page.getByRole('button', { name: 'Recompute' }).click();
      await page.getByText('Recomputed.').waitFor({ timeout: 60_000 });
      const again = await env.api<{ groups: Array<{ count: number }> }>('/api/rfm');
      const total2 = again.groups.reduce((s, g) => s + g.count, 0);
      await page.locator('[data-testid="rfm-total"]', { hasText: total2.toLocaleString('en-US') }).waitFor();

      // Cohorts: the table's sizes are the API's.
      await page.getByRole('tab', { name: 'Cohorts' }).click();
      const cohorts = await env.api<{ cohorts: Array<{ count: number }> }>('/api/cohorts');
      const table = page.getByRole('table', { name: 'Cohorts' });
      await table.waitFor();
      assert.equal(await table.getByRole('row').count(), Math.min(24, cohorts.cohorts.length) + 1, 'one row per cohort (first page)');
      for (const [i, c] of cohorts.cohorts.slice(0, 24).entries())
        assert.equal(
          await int(
            table
              .getByRole('row')
              .nth(i + 1)
              .getByRole('cell')
              .nth(1),
          ),
          c.count,
        );
      await page.getByRole('link', { name: 'Retention heatmap in Analytics' }).waitFor();
      await shots('cohorts');

      // A cell opens the built-in segment it stands for.
      await page.getByRole('tab', { name: 'RFM' }).click();
      const latest = await env.api<{ groups: Array<{ name: string; count: number; segmentId: string }> }>('/api/rfm');
      const biggest = [...latest.groups].sort((a, b) => b.count - a.count)[0]!;
      await grid.getByRole('button', { name: `${biggest.name}: ${biggest.count} customers`, exact: true }).click();
      await page.waitForURL(new RegExp(`/segments/${biggest.segmentId}$`));
      await page.getByRole('heading', { name: biggest.name }).waitFor();
    },
  },
  {
    name: 'segments: loads every saved definition into the builder rows and gives back exactly the same condition',
    async run({ page, open, shots, env }) {
      const { segments } = await env.api<{ segments: Array<Seg & { kind: string }> }>('/api/segments');
      const dynamic = segments.filter((s) => s.kind === 'dynamic' && s.condition);
      assert.ok(dynamic.length >= 5, 'the demo data has saved segments');
      for (const s of dynamic) {
        await open(`/segments/${s.id}`);
        await page.getByLabel('Segment name').waitFor();
        assert.equal(await page.getByLabel(/^Condition as JSON/).count(), 0, `${s.name}: every part has a form`);
        await page.getByRole('button', { name: 'JSON', exact: true }).click();
        assert.equal(stable(JSON.parse(await page.getByLabel('Condition JSON').inputValue())), stable(s.condition), `${s.name}: the builder keeps the definition`);
      }
      const nested = dynamic.find((s) => s.name === 'Valuable and slipping away') ?? dynamic[0]!;
      await open(`/segments/${nested.id}`);
      await page.getByLabel('Segment name').waitFor();
      await shots('segment-editor-existing');
    },
  },
];

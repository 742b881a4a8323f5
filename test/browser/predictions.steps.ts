import assert from 'node:assert/strict';
import type { BrowserStep } from './steps.js';

interface Models {
  models: Array<{
    kind: string;
    horizonDays: number;
    parameters: { coefficients?: Array<{ feature: string; weight: number }> };
    metrics: { auc?: number | null; validationCustomers?: number; calibration?: Array<{ decile: number; customers: number; predicted: number; observed: number }> };
  }>;
}

/** Browser steps for the Predictions page: the churn model's validation and calibration as the API has them. */
export const predictionsSteps: BrowserStep[] = [
  {
    name: 'shows the churn model’s validation figures and its calibration by decile, as the API gives them',
    async run({ page, open, shots, env }) {
      const { models } = await env.api<Models>('/api/predictions/models');
      const churn = models.find((m) => m.kind === 'churn');
      assert.ok(churn, 'the demo has a trained churn model');
      await open('/predictions');
      await page.getByRole('region', { name: 'Churn model' }).waitFor();
      assert.equal((await page.getByTestId('model-auc').locator('.kpi-value').innerText()).trim(), churn.metrics.auc!.toFixed(3));
      assert.equal((await page.getByTestId('model-validation').locator('.kpi-value').innerText()).trim(), churn.metrics.validationCustomers!.toLocaleString('en-US'));
      const bins = churn.metrics.calibration!;
      assert.equal(bins.length, 10);
      const rows = page.getByRole('table', { name: 'Calibration by decile' }).locator('tbody tr');
      assert.equal(await rows.count(), 10);
      for (const i of [0, 9]) {
        const cells = await rows.nth(i).locator('td').allInnerTexts();
        assert.equal(cells[1], bins[i]!.customers.toLocaleString('en-US'));
        assert.equal(cells[2], `${Math.round(bins[i]!.predicted * 100)}%`);
        assert.equal(cells[3], `${Math.round(bins[i]!.observed * 100)}%`);
      }
      const first = (await page.getByRole('list', { name: 'Strongest factors' }).locator('li').first().innerText()).split('\n')[0]!;
      assert.ok(
        first.startsWith(
          churn.parameters
            .coefficients![0]!.feature.replace(/^trait\./, 'trait ')
            .replace(/_/g, ' ')
            .replace('=', ' = '),
        ),
        `first factor shown: ${first}`,
      );
      assert.ok(await page.getByText(`no activity in the ${churn.horizonDays} days after a snapshot`).isVisible());
      await shots('predictions');
    },
  },
];

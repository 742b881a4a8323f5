import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signIn } from '../../src/test-support/browser.js';
import type { BrowserStep, StepContext } from './steps.js';

/** [from, to) of the last `days` days up to today in the workspace's timezone, worked out here (not by the page's code). */
async function lastDays(ctx: StepContext, days: number): Promise<{ from: string; to: string }> {
  const { timezone } = await ctx.env.api<{ timezone: string }>('/api/workspace');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const shift = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const to = shift(today, 1);
  return { from: shift(to, -days), to };
}

const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

/** The rows of a table the page labels `name`, once it has some (also when it sits in a closed <details>). */
async function tableRows(page: Page, name: string) {
  const rows = page.locator(`table[aria-label="${name}"] tbody tr`);
  await rows.first().waitFor({ state: 'attached' });
  return rows;
}

/** Browser steps for the analytics pages. */
export const analyticsSteps: BrowserStep[] = [
  {
    name: 'metrics: revenue over 90 days by week shows the API total, and its breakdown by channel the API rows',
    async run(ctx) {
      const { page } = ctx;
      await ctx.open('/analytics?tab=metrics');
      await page.getByLabel('Metric', { exact: true }).selectOption('orders');
      await page.locator('[data-testid="metric-total"]').waitFor();
      await page.getByLabel('Metric', { exact: true }).selectOption('revenue');
      await page.getByLabel('Date range', { exact: true }).selectOption('90');
      await page.getByLabel('Interval', { exact: true }).selectOption('week');
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('metric'), 'revenue');
      assert.equal(url.searchParams.get('range'), '90');
      assert.equal(url.searchParams.get('interval'), 'week');

      const range = await lastDays(ctx, 90);
      const api = await ctx.env.api<{ total: number | null; series: unknown[] }>(`/api/metrics/revenue?${qs({ ...range, interval: 'week' })}`);
      // The total of exactly this request (not the previous metric's, still on screen while it loads).
      const total = page.locator(`[data-testid="metric-total"][data-from="${range.from}"][data-to="${range.to}"][data-interval="week"]`);
      await total.waitFor();
      assert.ok(api.total !== null && api.total > 0, 'the demo has revenue in the last 90 days');
      assert.equal(Number(await total.getAttribute('data-total')), api.total);
      assert.match((await total.textContent()) ?? '', /\$/);
      await page.getByRole('img', { name: 'Revenue per week' }).waitFor();

      await page.getByLabel('Break down by').selectOption('channel');
      const rows = await tableRows(page, 'Revenue by channel');
      const bd = await ctx.env.api<{ rows: Array<{ key: string; value: number | null; customers: number }> }>(`/api/metrics/revenue/breakdown?${qs({ ...range, by: 'channel' })}`);
      const shown = await rows.evaluateAll((trs) =>
        trs.map((tr) => ({ key: tr.getAttribute('data-key'), value: tr.getAttribute('data-value'), customers: Number(tr.getAttribute('data-customers')) })),
      );
      assert.ok(bd.rows.length > 1);
      assert.deepEqual(
        shown,
        bd.rows.map((r) => ({ key: r.key, value: r.value === null ? '' : String(r.value), customers: r.customers })),
      );
      await page.getByRole('img', { name: 'Revenue by channel' }).waitFor();
      await page.waitForTimeout(400);
      await ctx.shots('analytics-metrics');
    },
  },
  {
    name: 'metrics: a bad parameter is refused in words next to its input',
    async run(ctx) {
      // Its own context: the refused request is expected here (Chromium logs every 4xx as a console error).
      const context = await ctx.b.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await signIn(page, ctx.env.url, ctx.env.adminKey);
      await page.goto(`${ctx.env.url}/analytics?tab=metrics&metric=cart_abandonment_rate`);
      const input = page.getByLabel('Parameter within', { exact: true });
      await input.fill('-5');
      await input.press('Enter');
      const api = await fetch(`${ctx.env.url}/api/metrics/cart_abandonment_rate?${qs({ ...(await lastDays(ctx, 90)), interval: 'week', within: '-5' })}`, {
        headers: { authorization: `Bearer ${ctx.env.adminKey}` },
      });
      assert.equal(api.status, 400);
      const body = (await api.json()) as { error: { field: string; message: string } };
      assert.equal(body.error.field, 'within');
      await page.getByRole('alert').filter({ hasText: body.error.message }).first().waitFor();
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
      await context.close();
    },
  },
  {
    name: 'cohorts: the heatmap has one row per cohort of the API, the first of the same size',
    async run(ctx) {
      const { page } = ctx;
      await ctx.open('/analytics?tab=cohorts');
      const rows = await tableRows(page, 'Cohort retention table');
      const api = await ctx.env.api<{ cohorts: Array<{ start: string; size: number }> }>(`/api/cohorts/retention?${qs({ ...(await lastDays(ctx, 365)), interval: 'month', measure: 'customers' })}`);
      assert.ok(api.cohorts.length >= 6, 'a year of demo data has monthly cohorts');
      assert.equal(await rows.count(), api.cohorts.length);
      assert.equal(await rows.first().getAttribute('data-start'), api.cohorts[0]!.start);
      assert.equal(Number(await rows.first().getAttribute('data-size')), api.cohorts[0]!.size);
      await page.getByRole('img', { name: /Cohort retention heatmap/ }).waitFor();
      await page.waitForTimeout(500);
      await ctx.shots('cohort-heatmap');
    },
  },
  {
    name: 'funnels: a three-step funnel built in the page shows the API counts',
    async run(ctx) {
      const { page } = ctx;
      await ctx.open('/analytics?tab=funnels');
      // In the demo every product view leads to an order, so the funnel starts at the sign-up to show a drop-off.
      const steps = ['Signed Up', 'Product Viewed', 'Order Completed'];
      await page.getByLabel('Step 1 event').fill(steps[0]!);
      await page.getByLabel('Step 2 event').fill(steps[1]!);
      await page.getByRole('button', { name: 'Add step' }).click();
      await page.getByLabel('Step 3 event').fill(steps[2]!);
      await page.getByRole('button', { name: 'Show funnel' }).click();
      const rows = await tableRows(page, 'Funnel steps table');
      const api = await ctx.env.api<{ steps: Array<{ step: string; count: number }> }>(`/api/funnels?${qs({ ...(await lastDays(ctx, 30)), steps: steps.join(','), within: '7d' })}`);
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ step: tr.getAttribute('data-step'), count: Number(tr.getAttribute('data-count')) })));
      assert.deepEqual(
        shown,
        api.steps.map((s) => ({ step: s.step, count: s.count })),
      );
      assert.ok(api.steps[0]!.count > 0);
      assert.equal(new URL(page.url()).searchParams.get('steps'), steps.join(','));
      await page.getByRole('img', { name: /^Funnel:/ }).waitFor();
      await page.waitForTimeout(500);
      await ctx.shots('funnel');
    },
  },
  {
    name: 'cac: the channels listed are the CAC breakdown channels of the API',
    async run(ctx) {
      const { page } = ctx;
      await ctx.open('/analytics?tab=cac');
      const rows = await tableRows(page, 'CAC and CLV by channel');
      const api = await ctx.env.api<{ rows: Array<{ key: string }> }>(`/api/metrics/cac/breakdown?${qs({ ...(await lastDays(ctx, 90)), by: 'channel' })}`);
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-channel')));
      assert.deepEqual(
        shown,
        api.rows.map((r) => r.key),
      );
      await page.getByRole('img', { name: /CLV against CAC/ }).waitFor();
      await page.waitForTimeout(500);
      await ctx.shots('cac-clv');
    },
  },
];

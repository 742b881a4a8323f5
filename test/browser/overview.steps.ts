import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserStep } from './steps.js';

/** Today's calendar day (YYYY-MM-DD) in an IANA timezone. */
function todayIn(timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The KPIs whose numbers are compared with the API (at least these four). */
const CHECKED = ['revenue', 'active_customers', 'churn_rate', 'clv_cac_ratio', 'retention_rate', 'clv', 'cac', 'nps'];

/** Browser steps for the overview pages. */
export const overviewSteps: BrowserStep[] = [
  {
    name: 'the overview shows the headline KPIs as the API computes them, the funnel and the Sankey',
    async run(ctx) {
      const { page } = ctx;
      await ctx.open('/');
      const range = page.locator('.ov-range');
      await range.waitFor();
      const from = (await range.getAttribute('data-from'))!;
      const to = (await range.getAttribute('data-to'))!;
      // The range is the last 30 days of the workspace's calendar: `to` is tomorrow there, exclusive.
      const ws = await ctx.env.api<{ timezone: string }>('/api/workspace');
      assert.equal(to, addDays(todayIn(ws.timezone), 1), 'to is tomorrow in the workspace timezone');
      assert.equal(from, addDays(to, -30), 'from is 30 days before to');

      for (const name of CHECKED) {
        const card = page.locator(`[data-kpi="${name}"][data-value]`);
        await card.waitFor({ timeout: 15_000 });
        const shown = await card.getAttribute('data-value');
        const api = await ctx.env.api<{ total: number | null }>(`/api/metrics/${name}?from=${from}&to=${to}&interval=week`);
        assert.equal(shown, api.total === null ? '' : String(api.total), `${name}: the card's value is the API's total`);
        // The value is also on screen, not only in an attribute.
        assert.notEqual((await card.locator('.kpi-value').innerText()).trim(), '', `${name} shows a value`);
      }

      await page.getByRole('img', { name: 'Customers per lifecycle stage (funnel)' }).locator('canvas').waitFor({ timeout: 15_000 });
      await page.getByRole('img', { name: 'Moves between lifecycle stages (Sankey)' }).locator('canvas').waitFor({ timeout: 15_000 });

      // The stages beside the funnel carry the distribution's numbers.
      const dist = await ctx.env.api<{ total: number }>('/api/lifecycle/distribution');
      const totalText = await page.locator('.ov-state-total .ov-state-count').innerText();
      assert.equal(totalText.replace(/,/g, ''), String(dist.total));

      // The page's globals, typed here: the test code is compiled without the DOM library.
      type PageGlobals = {
        performance: { getEntriesByName(n: string): Array<{ startTime: number }>; getEntriesByType(t: string): Array<{ domContentLoadedEventEnd?: number }> };
        location: { href: string };
      };
      const timing = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const ready = g.performance.getEntriesByName('tenure:overview-ready')[0];
        const nav = g.performance.getEntriesByType('navigation')[0];
        return { readyMs: ready ? ready.startTime : null, domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null, url: g.location.href };
      });
      const out = join(process.cwd(), 'test-output');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'overview-timing.json'), JSON.stringify(timing, null, 2) + '\n');
      console.log(`overview timing: ready ${timing.readyMs?.toFixed(0)} ms, DOMContentLoaded ${timing.domContentLoadedMs?.toFixed(0)} ms (${timing.url})`);

      await ctx.shots('overview');
    },
  },
  {
    name: 'the period selector keeps the period in the URL and asks the API for it',
    async run(ctx) {
      const { page } = ctx;
      await page.getByRole('group', { name: 'Period' }).getByRole('button', { name: 'Last 90 days' }).click();
      await page.waitForURL(/period=90/);
      const range = page.locator('.ov-range');
      const from = (await range.getAttribute('data-from'))!;
      const to = (await range.getAttribute('data-to'))!;
      assert.equal(from, addDays(to, -90));
      const card = page.locator(`[data-kpi="revenue"][data-value]`);
      const api = await ctx.env.api<{ total: number | null }>(`/api/metrics/revenue?from=${from}&to=${to}&interval=week`);
      await page.locator(`[data-kpi="revenue"][data-value="${api.total === null ? '' : String(api.total)}"]`).waitFor({ timeout: 15_000 });
      assert.equal(await card.getAttribute('data-value'), api.total === null ? '' : String(api.total));
    },
  },
];

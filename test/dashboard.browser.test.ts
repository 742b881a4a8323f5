import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserUnavailable, openBrowser, signIn, startDashboardServer, useApiKeyForm, type BrowserSession, type DashboardEnv } from '../src/test-support/browser.js';
import { analyticsSteps } from './browser/analytics.steps.js';
import { broadcastSteps } from './browser/broadcast.steps.js';
import { customersSteps } from './browser/customers.steps.js';
import { journeysSteps } from './browser/journeys.steps.js';
import { lifecycleSteps } from './browser/lifecycle.steps.js';
import { loyaltySteps } from './browser/loyalty.steps.js';
import { overviewSteps } from './browser/overview.steps.js';
import { predictionsSteps } from './browser/predictions.steps.js';
import { privacySteps } from './browser/privacy.steps.js';
import { providersSteps } from './browser/providers.steps.js';
import { segmentsSteps } from './browser/segments.steps.js';
import { settingsSteps } from './browser/settings.steps.js';
import { sourcesSteps } from './browser/sources.steps.js';
import { surveysSteps } from './browser/surveys.steps.js';
import { teamSteps } from './browser/team.steps.js';
import type { BrowserStep, StepContext } from './browser/steps.js';

/**
 * The dashboard, built by Vite, served by the real server with demo data, driven in
 * Debian's headless Chromium. BROWSER_STEPS=overview,journeys runs only those areas.
 */
const skip = browserUnavailable();
const AREAS: Record<string, BrowserStep[]> = {
  overview: overviewSteps,
  customers: customersSteps,
  segments: segmentsSteps,
  journeys: journeysSteps,
  broadcast: broadcastSteps,
  analytics: analyticsSteps,
  lifecycle: lifecycleSteps,
  settings: settingsSteps,
  sources: sourcesSteps,
  predictions: predictionsSteps,
  providers: providersSteps,
  surveys: surveysSteps,
  loyalty: loyaltySteps,
  team: teamSteps,
  privacy: privacySteps,
};
const only = process.env.BROWSER_STEPS?.split(',').map((s) => s.trim());

describe('dashboard in Chromium', { skip: skip ?? false, timeout: 900_000 }, () => {
  let env: DashboardEnv;
  let b: BrowserSession;
  let ctx: StepContext;
  before(async () => {
    env = await startDashboardServer();
    b = await openBrowser();
    ctx = {
      env,
      b,
      page: b.page,
      open: async (path) => {
        await b.page.goto(env.url + path);
        await b.page.getByRole('navigation', { name: 'Main' }).waitFor();
      },
      shots: async (name) => {
        await b.shot(name);
        const size = b.page.viewportSize();
        await b.page.setViewportSize({ width: 390, height: 844 });
        await b.page.waitForTimeout(300);
        await b.shot(`${name}-phone`);
        if (size) await b.page.setViewportSize(size);
        await b.page.waitForTimeout(200);
      },
    };
  });
  after(async () => {
    await b?.close();
    await env?.close();
  });

  it('refuses a wrong key and a write key in words', async () => {
    // Its own context: the refused requests are expected here, not problems of the dashboard.
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await page.goto(env.url + '/');
    await useApiKeyForm(page);
    await page.getByLabel('Admin key').fill('ta_wrong');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'No workspace has this admin key' }).waitFor();
    await page.getByLabel('Admin key').fill(env.writeKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'write key' }).waitFor();
    await context.close();
  });

  it('signs in with the admin key, which stays out of the URL', async () => {
    await signIn(b.page, env.url, env.adminKey);
    assert.ok(!b.page.url().includes(env.adminKey));
    assert.equal(await b.page.evaluate('document.cookie'), '', 'no cookie holds the key');
    await b.shot('sign-in-done');
  });

  it('opens a deep link in a new tab: it asks for the key, then shows that page', async () => {
    const tab = await b.context.newPage();
    await tab.goto(env.url + '/settings');
    await useApiKeyForm(tab);
    await tab.getByLabel('Admin key').fill(env.adminKey);
    await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await tab.getByRole('navigation', { name: 'Main' }).waitFor();
    assert.equal(new URL(tab.url()).pathname, '/settings');
    await tab.close();
  });

  for (const [area, steps] of Object.entries(AREAS)) {
    if (only && !only.includes(area)) continue;
    for (const step of steps) it(`${area}: ${step.name}`, () => step.run(ctx));
  }

  it('finds no console errors, page errors or failed requests', () => {
    assert.deepEqual(b.problems, { consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});

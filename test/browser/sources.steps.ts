import assert from 'node:assert/strict';
import { basic } from '../../src/test-support/harness.js';
import type { BrowserStep } from './steps.js';

/** Browser steps for the Sources page: snippets with this server and key, and the live event debugger. */
export const sourcesSteps: BrowserStep[] = [
  {
    name: 'shows a tracked event within a second of its 200, a refused request with its reason, and snippets with this server and key',
    async run({ page, open, shots, env, b }) {
      // GET /api/sources may answer 404 on a server without it: the page then asks for the key.
      await b.expecting4xx(async () => {
        await open('/sources');
        await page.getByRole('table', { name: 'Live events' }).waitFor();
        await page
          .getByRole('status')
          .filter({ hasText: /^Live$/ })
          .waitFor({ timeout: 10_000 });
      });
      const paste = page.getByLabel(/Write key \(keys are stored hashed/);
      if (await paste.count()) await paste.fill(env.writeKey);
      const snippet = await page.getByLabel('Website snippet').innerText();
      assert.ok(snippet.includes(env.url), 'the snippet holds this server’s URL');
      assert.ok(snippet.includes(env.writeKey), 'the snippet holds the write key');
      await page.getByRole('tab', { name: 'Node.js' }).click();
      const nodeSnippet = await page.getByLabel('Node.js snippet').innerText();
      assert.ok(nodeSnippet.includes(env.url) && nodeSnippet.includes(env.writeKey));

      const name = `Live Check ${Date.now()}`;
      const res = await fetch(`${env.url}/v1/track`, {
        method: 'POST',
        headers: { authorization: basic(env.writeKey), 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'live-browser', event: name }),
      });
      assert.equal(res.status, 200);
      const answered = Date.now();
      await page.locator('tr[data-status="accepted"]', { hasText: name }).waitFor({ timeout: 5_000 });
      const latency = Date.now() - answered;
      assert.ok(latency < 1_000, `the row appeared ${latency} ms after the 200`);
      console.log(`live debugger: row visible ${latency} ms after the track call's 200`);

      const bad = await fetch(`${env.url}/v1/track`, {
        method: 'POST',
        headers: { authorization: basic(env.writeKey), 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'live-browser' }),
      });
      assert.equal(bad.status, 400);
      const reason = ((await bad.json()) as { error: { message: string } }).error.message;
      const row = page.locator('tr[data-status="rejected"]', { hasText: reason });
      await row.waitFor({ timeout: 5_000 });

      // Filters, then the payload on click.
      await page.getByLabel('Status').selectOption('rejected');
      assert.equal(await page.locator('tr[data-status="accepted"]').count(), 0, 'the status filter hides accepted events');
      await page.getByLabel('Status').selectOption('');
      await page.getByLabel('Search').fill(name);
      await page.locator('tr[data-status="accepted"]', { hasText: name }).click();
      const payload = await page.getByLabel('Payload').innerText();
      assert.ok(payload.includes(name), 'the payload is shown on click');
      await shots('sources');
    },
  },
];

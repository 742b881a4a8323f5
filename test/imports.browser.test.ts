import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browserUnavailable, openBrowser, signIn, startDashboardServer, type BrowserSession, type DashboardEnv } from '../src/test-support/browser.js';

/**
 * The Import page in Chromium against the real server: choose a CSV with bad rows, see the
 * mapping and the first rows, start, watch the progress, read the rejected lines; then
 * cancel a long import and see how many rows stayed.
 */
const skip = browserUnavailable();

function eventsCsv(rows: number, bad: Array<[number, string]> = []): Buffer {
  const lines = ['user_id,event,timestamp,properties.revenue:number'];
  for (let i = 0; i < rows; i++) lines.push(`imp${i % 500},Order Completed,2026-02-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z,${i % 90}`);
  for (const [line, text] of bad) lines.splice(line - 1, 0, text);
  return Buffer.from(`${lines.join('\n')}\n`);
}

describe('Import page in Chromium', { skip: skip ?? false, timeout: 600_000 }, () => {
  let env: DashboardEnv;
  let b: BrowserSession;
  before(async () => {
    env = await startDashboardServer({ customers: 40 });
    b = await openBrowser();
    await signIn(b.page, env.url, env.adminKey);
  });
  after(async () => {
    await b?.close();
    await env?.close();
  });

  it('previews the mapping, imports with progress, and lists the rejected lines', async () => {
    const page = b.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import' }).first().waitFor();
    await page.getByLabel('Kind of file').selectOption('events');
    const csv = eventsCsv(3000, [
      [4, 'imp1,Order Completed,last tuesday,5'],
      [9, 'imp2,Order Completed,2026-02-01,lots'],
    ]);
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: csv });
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    await mapping.waitFor();
    await mapping.getByRole('row').filter({ hasText: 'properties.revenue:number' }).filter({ hasText: 'event property' }).waitFor();
    await mapping.getByRole('row').filter({ hasText: 'user_id' }).filter({ hasText: 'user id' }).waitFor();
    const first = page.getByRole('table', { name: 'First rows' });
    await first.getByRole('row').filter({ hasText: '"last tuesday" is not an ISO-8601 date' }).waitFor();
    assert.match((await first.getByRole('row').nth(1).textContent()) ?? '', /"userId":"imp0"/);
    await b.shot('imports-preview');

    await page.getByRole('button', { name: 'Start import of orders.csv' }).click();
    const progress = page.getByTestId('import-progress');
    await progress.waitFor();
    await page.getByRole('progressbar', { name: 'Import progress' }).waitFor();
    await page.locator('[data-testid="import-progress"][data-status="done"]').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('value'), '100');
    assert.equal(await page.getByTestId('import-counts').textContent(), '3,002 rows read: 3,000 stored, 0 already present, 2 rejected');
    const rejected = page.getByRole('table', { name: 'Rejected rows' });
    await rejected.waitFor();
    const cells = await rejected.getByRole('row').allTextContents();
    assert.equal(cells.length, 3, cells.join(' | '));
    assert.match(cells[1]!, /^4timestamp"last tuesday" is not an ISO-8601 date/);
    assert.match(cells[2]!, /^9properties\.revenue:number"lots" is not a number/);
    await page.getByRole('table', { name: 'Recent imports' }).getByRole('row').filter({ hasText: 'orders.csv' }).filter({ hasText: 'done' }).waitFor();
    await b.shot('imports-done');
    const stored = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Order Completed' AND user_id LIKE 'imp%'`, [env.workspaceId]);
    assert.equal(stored.rows[0]!.n, 3000);
  });

  it('cancels a long import; the rows stored before it stopped stay and are counted', async () => {
    const page = b.page;
    await page.reload();
    await page.getByLabel('Kind of file').selectOption('customers');
    const lines = ['user_id,plan,seats:number'];
    for (let i = 0; i < 200_000; i++) lines.push(`cancel-${i},pro,${i % 40}`);
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
    await page.getByRole('table', { name: 'Column mapping' }).getByRole('row').filter({ hasText: 'seats:number' }).filter({ hasText: 'trait' }).waitFor();
    await page.getByRole('button', { name: 'Start import of people.csv' }).click();
    await page.locator('[data-testid="import-progress"][data-status="running"]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.locator('[data-testid="import-progress"][data-status="cancelled"]').waitFor({ timeout: 120_000 });
    const status = (await page.getByTestId('import-progress').getByRole('status').textContent()) ?? '';
    const m = /cancelled: the ([\d,]+) rows stored before it stopped stay/.exec(status);
    assert.ok(m, status);
    const said = Number(m[1]!.replace(/,/g, ''));
    const landed = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND user_id LIKE 'cancel-%'`, [env.workspaceId]);
    assert.equal(landed.rows[0]!.n, said);
    assert.ok(said < 200_000);
    await b.shot('imports-cancelled');
    assert.deepEqual(b.problems, { consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});

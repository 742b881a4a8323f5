import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS } from '../../src/test-support/browser.js';
import type { BrowserStep } from './steps.js';

interface Seg {
  id: string;
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  scope: 'customer' | 'account';
}
interface Summary {
  userId: string | null;
  traits: Record<string, unknown>;
}
interface Receipt {
  requestId: number;
  erasedBy: string;
  customers: number;
  notFound: number;
  tables: Array<{ table: string; rows: number }>;
  suppressed: boolean;
}
interface Entry {
  id: number;
  action: string;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
}

/** Poll until `check` stops throwing; rethrow the last failure. */
async function until(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Click `button` and read the file the page downloads. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: await readFile(path) };
}

// Shared by the steps below (they run in order).
const DESCRIPTION = `Edited for the audit check ${Date.now().toString(36)}`;
let segment: Seg | null = null;
let erased: { userId: string; email: string | null } | null = null;
let receipt: Receipt | null = null;

export const privacySteps: BrowserStep[] = [
  {
    name: 'a segment edited in the editor (the audit log shows it later)',
    async run({ page, env, open }) {
      const { segments } = await env.api<{ segments: Seg[] }>('/api/segments');
      segment = segments.find((s) => s.kind === 'dynamic' && s.scope === 'customer') ?? null;
      assert.ok(segment, 'the demo has a dynamic customer segment');
      await open(`/segments/${encodeURIComponent(segment.id)}`);
      const description = page.getByLabel('Description', { exact: true });
      await until(async () => assert.equal(await description.inputValue(), segment!.description));
      await description.fill(DESCRIPTION);
      await page.getByRole('button', { name: 'Save segment' }).click();
      await until(async () => assert.equal((await env.api<Seg>(`/api/segments/${encodeURIComponent(segment!.id)}`)).description, DESCRIPTION));
    },
  },
  {
    name: 'the 360 page exports the customer as a zip, then erases them with a typed confirmation and shows the receipt',
    async run({ page, env, open }) {
      const list = await env.api<{ customers: Summary[] }>('/api/customers?limit=50');
      const c = list.customers.find((x) => x.userId && typeof x.traits.email === 'string');
      assert.ok(c?.userId, 'a demo customer with a userId and an email');
      const userId = c.userId;
      erased = { userId, email: c.traits.email as string };
      await open(`/customers/${encodeURIComponent(userId)}`);
      await page.getByRole('region', { name: 'Consent history' }).waitFor();

      const file = await downloaded(page, () => page.getByRole('button', { name: 'Export data' }).click());
      assert.ok(file.bytes.length > 0, 'the archive is not empty');
      assert.equal(file.bytes.subarray(0, 2).toString('latin1'), 'PK', 'the archive is a zip');
      assert.match(file.name, /\.zip$/);
      await page.getByRole('status').filter({ hasText: 'Downloaded' }).waitFor();

      await page.getByRole('button', { name: 'Erase customer…' }).click();
      const dialog = page.getByRole('dialog', { name: `Erase ${userId}?` });
      await dialog.waitFor();
      const erase = dialog.getByRole('button', { name: 'Erase customer' });
      const confirm = dialog.getByLabel("Type the customer's id or email to confirm");
      assert.equal(await erase.isDisabled(), true, 'nothing typed: erasing is not offered');
      await confirm.fill(`${userId}x`);
      assert.equal(await erase.isDisabled(), true, 'a different id does not confirm');
      assert.equal(await dialog.getByRole('checkbox', { name: /Keep dropping their events/ }).isChecked(), true, 'suppress is on by default');
      await confirm.fill(userId);
      await page.screenshot({ path: join(SCREENSHOTS, 'privacy-erase-dialog.png') }); // the viewport: the dialog is fixed over it
      await erase.click();

      const done = page.getByRole('dialog', { name: 'Customer erased' });
      await done.waitFor({ timeout: 60_000 });
      const { requests } = await env.api<{ requests: Array<{ id: number; kind: string; status: string; receipt: Receipt | null }> }>('/api/privacy/requests');
      const req = requests.find((r) => r.kind === 'erase');
      assert.ok(req?.receipt, 'the erasure is a privacy request with its receipt');
      receipt = req.receipt;
      assert.equal(receipt.customers, 1);
      assert.equal(receipt.suppressed, true);
      // The receipt on screen is the stored one: every table with its row count, then the total.
      const shown = done.getByRole('table', { name: 'Rows erased per table' });
      const rows = await shown.locator('tbody tr').allInnerTexts();
      assert.deepEqual(
        rows.map((r) => r.replace(/\s+/g, ' ').trim()),
        receipt.tables.map((t) => `${t.table} ${t.rows.toLocaleString('en-US')}`),
      );
      const total = receipt.tables.reduce((n, t) => n + t.rows, 0);
      assert.ok(total > 1, 'the profile and more were erased');
      assert.equal((await shown.locator('tfoot').innerText()).replace(/\s+/g, ' ').trim(), `Total ${total.toLocaleString('en-US')}`);
      await done.getByText(`request #${receipt.requestId}`).waitFor();
      await done.getByText(receipt.erasedBy, { exact: true }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'privacy-erase-receipt.png') });

      await done.getByRole('button', { name: 'Back to customers' }).click();
      await page.waitForURL(/\/customers$/);
      await page.getByRole('searchbox', { name: 'Search customers' }).fill(userId);
      await page.getByText('No customer matches these filters').waitFor();
      const res = await fetch(`${env.url}/api/customers/${encodeURIComponent(userId)}`, { headers: { authorization: `Bearer ${env.adminKey}` } });
      assert.equal(res.status, 404, 'the customer is gone from the API');
    },
  },
  {
    name: 'the audit log lists the erasure and the segment edit with its before and after; search narrows it; CSV export',
    async run({ page, env, open, shots }) {
      assert.ok(segment && erased && receipt, 'the steps before ran');
      await open('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
      const table = page.getByRole('table', { name: 'Audit log' });
      await table.waitFor();

      const api = await env.api<{ entries: Entry[]; next: number | null }>('/api/audit?limit=50');
      const eraseEntry = api.entries.find((e) => /erase/.test(e.action));
      const segEntry = api.entries.find((e) => e.objectType === 'segment' && e.objectId === segment!.id && /update/.test(e.action));
      assert.ok(eraseEntry, 'the API lists the erasure');
      assert.ok(segEntry, 'the API lists the segment edit');
      assert.ok(api.entries.indexOf(eraseEntry) < api.entries.indexOf(segEntry), 'newest first: the erasure came after the edit');
      // The table shows the API's first page, in its order.
      await until(async () =>
        assert.deepEqual(
          await table.locator('tbody tr[data-entry]').evaluateAll((trs) => trs.map((t) => Number(t.getAttribute('data-entry')))),
          api.entries.map((e) => e.id),
        ),
      );
      assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), api.next !== null);

      // The segment edit, opened: the description changed from the old text to the new, highlighted.
      const segRow = table.locator(`tr[data-entry="${segEntry.id}"]`);
      await segRow.getByRole('button', { name: /Show changes/ }).click();
      const diff = page.getByRole('table', { name: `Changes in entry ${segEntry.id}` });
      await diff.waitFor();
      const changed = diff.locator('tr[data-kind="changed"]').filter({ has: page.locator('code', { hasText: /^description$/ }) });
      await changed.waitFor();
      assert.equal((await changed.locator('.audit-after').innerText()).trim(), DESCRIPTION);
      assert.equal((await changed.locator('.audit-before').innerText()).trim(), segment.description || '(empty)');
      const eraseRow = table.locator(`tr[data-entry="${eraseEntry.id}"]`);
      await eraseRow.getByRole('button', { name: /Show changes/ }).click();
      await page
        .getByRole('table', { name: `Changes in entry ${eraseEntry.id}` })
        .or(page.getByText('No object data was recorded with this entry.'))
        .first()
        .waitFor();
      await shots('privacy-audit');

      // Search: the words of the new description find the segment edit, as the API does.
      await page.getByRole('searchbox', { name: 'Search the audit log' }).fill(DESCRIPTION);
      await page.getByRole('button', { name: 'Apply' }).click();
      const narrowed = await env.api<{ entries: Entry[] }>(`/api/audit?q=${encodeURIComponent(DESCRIPTION)}&limit=50`);
      assert.ok(narrowed.entries.some((e) => e.id === segEntry.id) && !narrowed.entries.some((e) => e.id === eraseEntry.id));
      await until(async () =>
        assert.deepEqual(
          await table.locator('tbody tr[data-entry]').evaluateAll((trs) => trs.map((t) => Number(t.getAttribute('data-entry')))),
          narrowed.entries.map((e) => e.id),
        ),
      );
      assert.ok(narrowed.entries.length < api.entries.length, 'the search narrowed the list');

      const csv = await downloaded(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
      const text = csv.bytes.toString('utf8');
      assert.ok(text.includes(DESCRIPTION), 'the CSV holds the filtered entry');
    },
  },
  {
    name: 'the privacy page lists the erasure with its receipt and counts the suppression',
    async run({ page, env, open, shots }) {
      assert.ok(receipt);
      await open('/privacy');
      const table = page.getByRole('table', { name: 'Privacy requests' });
      await table.waitFor();
      const row = table.locator(`tr[data-request="${receipt.requestId}"]`);
      await row.getByText('done').waitFor();
      await row.getByRole('button', { name: `Receipt of request ${receipt.requestId}` }).click();
      await page.getByRole('group', { name: `Deletion receipt ${receipt.requestId}` }).waitFor();
      const sup = await env.api<{ total: number }>('/api/privacy/suppressions');
      assert.ok(sup.total >= 1, 'the erased person is suppressed');
      await until(async () => assert.equal((await page.getByTestId('suppressions-total').innerText()).trim(), sup.total.toLocaleString('en-US')));
      await shots('privacy-page');
    },
  },
];

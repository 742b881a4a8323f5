import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { BrowserStep } from './steps.js';

/** The generic receiver's signature (docs/helpdesk.md): sha256=<hex HMAC-SHA256 of "<unix seconds>.<body>"> with the connection's secret. */
function genericHeaders(secret: string, body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return { 'content-type': 'application/json', 'x-tenure-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`, 'x-tenure-timestamp': ts };
}

/** Browser steps for the Settings and Tasks pages. Keys are not rotated here (the other steps use the admin key); the HTTP test covers rotation. */

interface Ws {
  name: string;
  timezone: string;
  currency: string;
}
interface Settings {
  caps: Array<{ channel: string; max: number; within: { amount: number; unit: string } }>;
  quietHours: unknown;
  emailFrom: string | null;
}
interface Task {
  id: number;
  title: string;
  assignee: string | null;
}

const PAGE_SIZE = 20;

export const settingsSteps: BrowserStep[] = [
  {
    name: 'changes the currency in the workspace form, the API has it, then changes it back',
    async run({ page, open, shots, env }) {
      const before = await env.api<Ws>('/api/workspace');
      const target = before.currency === 'EUR' ? 'GBP' : 'EUR';
      await open('/settings');
      const form = page.getByRole('form', { name: 'Workspace settings' });
      const currency = form.getByLabel('Currency', { exact: true });
      assert.equal(await currency.inputValue(), before.currency, 'the form shows the stored currency');
      assert.equal(await form.getByLabel('Timezone', { exact: true }).inputValue(), before.timezone);
      assert.equal(await form.getByLabel('Workspace name', { exact: true }).inputValue(), before.name);
      await shots('settings');

      await currency.selectOption(target);
      await form.getByRole('button', { name: 'Save workspace' }).click();
      await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      const after = await env.api<Ws>('/api/workspace');
      assert.equal(after.currency, target);
      assert.equal(after.timezone, before.timezone, 'the timezone was not touched');
      assert.equal(after.name, before.name);

      // Money elsewhere is shown in the new currency: the overview's revenue card.
      await open('/');
      const revenue = page.locator('[data-kpi="revenue"][data-value] .kpi-value');
      await revenue.waitFor({ timeout: 15_000 });
      const symbol = target === 'EUR' ? '€' : '£';
      const shown = (await revenue.innerText()).trim();
      assert.ok(shown.includes(symbol), `revenue is shown in ${target}: ${shown}`);
      assert.ok(!shown.includes('$'), `revenue is no longer in dollars: ${shown}`);
      await open('/settings');
      await form.waitFor();

      // An empty name is refused in the form, and nothing is sent.
      await form.getByLabel('Workspace name', { exact: true }).fill('  ');
      await form.getByRole('button', { name: 'Save workspace' }).click();
      await form.getByRole('alert').filter({ hasText: 'Give the workspace a name.' }).waitFor();
      assert.equal((await env.api<Ws>('/api/workspace')).name, before.name);
      await form.getByLabel('Workspace name', { exact: true }).fill(before.name);

      await currency.selectOption(before.currency);
      await form.getByRole('button', { name: 'Save workspace' }).click();
      await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      assert.deepEqual(await env.api<Ws>('/api/workspace'), await env.api<Ws>('/api/workspace'));
      assert.equal((await env.api<Ws>('/api/workspace')).currency, before.currency, 'restored');
    },
  },
  {
    name: 'shows background work waiting and its age, and retries parked work from the button',
    async run({ page, open, shots, env }) {
      const ws = env.workspaceId;
      const { rows: people } = await env.db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 ORDER BY id LIMIT 2`, [ws]);
      // Stage work recorded 3 minutes ago and held back for an hour (as a failed attempt's
      // backoff holds it): it waits, and says for how long. And segment work parked after failing.
      const { rows: held } = await env.db.query<{ id: number }>(
        `INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, created_at, not_before) VALUES ($1, 'stage', 'customer', $2, now() - interval '3 minutes', now() + interval '1 hour') RETURNING id`,
        [ws, [people[0]!.id]],
      );
      await env.db.query(
        `INSERT INTO derived_work (workspace_id, kind, scope, subject_ids, attempts, last_error, parked_at) VALUES ($1, 'segment', 'customer', $2, 6, 'boom: a browser test broke it', now())`,
        [ws, [people[1]!.id]],
      );
      try {
        await open('/settings');
        const loops = page.getByRole('table', { name: 'Background loops' });
        const stage = loops.locator('tr[data-loop="stage"]');
        await stage.waitFor();
        assert.ok(Number(await stage.getAttribute('data-waiting')) >= 1, 'the held stage work is counted');
        const oldest = (await stage.locator('td').nth(2).innerText()).trim();
        assert.match(oldest, /^3(\.\d)? min$/, `the oldest stage work waited 3 minutes: ${oldest}`);
        const summary = page.getByTestId('work-summary');
        assert.match(await summary.innerText(), /^Behind: work for .*lifecycle stages.* has waited up to \d/);
        assert.equal(await loops.locator('tbody tr').count(), 8, 'every loop has its row');

        const parked = page.getByRole('group', { name: 'Parked work' });
        assert.match(await parked.innerText(), /1 customer was set aside after failing 6 times\. The last error: boom: a browser test broke it/);
        await shots('settings-background-work');
        await parked.getByRole('button', { name: 'Retry parked work' }).click();
        await parked.waitFor({ state: 'detached', timeout: 15_000 });
        const after = await env.api<{ parked: unknown[] }>('/api/work');
        assert.deepEqual(after.parked, [], 'the API has no parked work left');
      } finally {
        await env.db.query(`DELETE FROM derived_work WHERE id = $1`, [held[0]!.id]);
      }
    },
  },
  {
    name: 'shows the write key usage the API reports, and that keys cannot be shown',
    async run({ page, open, shots, env }) {
      const usage = await env.api<{ write: { eventsLast24h: number } }>('/api/workspace/keys');
      await open('/settings?tab=keys');
      const cell = page.getByTestId('write-events-24h');
      await cell.waitFor();
      assert.equal(Number((await cell.innerText()).replace(/[^\d]/g, '')), usage.write.eventsLast24h);
      await page.getByText('Keys are stored hashed').waitFor();
      // Asking to rotate shows the consequence; cancelling changes nothing.
      await page.getByRole('button', { name: 'Rotate write key…' }).click();
      await page.getByRole('group', { name: 'Confirm rotating the write key' }).waitFor();
      await shots('settings-keys');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Rotate write key…' }).waitFor();
      assert.equal((await env.api<{ slug: string }>('/api/workspace')).slug.length > 0, true, 'the admin key still works');
    },
  },
  {
    name: 'changes a frequency cap through the form, the API has it, a bad value is refused, then restores it',
    async run({ page, open, shots, env }) {
      const before = await env.api<Settings>('/api/messaging/settings');
      await open('/settings?tab=messaging');
      const form = page.getByRole('form', { name: 'Messaging settings' });
      await form.waitFor();
      // Beside the form, each channel as the server sends it (the test server sets no provider: email and SMS to the outbox).
      const channels = await env.api<{ channels: Array<{ channel: string; transport: string; sends: boolean }> }>('/api/channels');
      const rows = page.getByRole('table', { name: 'Channels' }).locator('tbody tr');
      await rows.first().waitFor();
      assert.deepEqual(
        await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-channel'), tr.getAttribute('data-transport')])),
        channels.channels.map((c) => [c.channel, c.transport]),
      );
      const email = page.getByRole('table', { name: 'Channels' }).locator('tr[data-channel="email"]');
      assert.match(await email.innerText(), channels.channels.find((c) => c.channel === 'email')!.sends ? /sends/ : /outbox only/);
      if (before.caps.length === 0) {
        await form.getByRole('button', { name: 'Add a cap' }).click();
      }
      const max = form.getByLabel('Maximum messages of cap 1', { exact: true });
      const original = before.caps[0]?.max;
      if (original !== undefined) assert.equal(await max.inputValue(), String(original), 'the form shows the stored cap');
      const next = (original ?? 5) + 3;

      // Not a number: refused in words, nothing saved.
      await max.fill('lots');
      await form.getByRole('button', { name: 'Save messaging settings' }).click();
      await form.getByRole('alert').filter({ hasText: 'A whole number from 0 to 10,000' }).waitFor();
      assert.deepEqual(await env.api<Settings>('/api/messaging/settings'), before);

      await max.fill(String(next));
      await form.getByRole('button', { name: 'Save messaging settings' }).click();
      await form.getByRole('status').filter({ hasText: 'Messaging settings saved.' }).waitFor();
      const saved = await env.api<Settings>('/api/messaging/settings');
      assert.equal(saved.caps[0]!.max, next);
      assert.deepEqual({ ...saved, caps: saved.caps.slice(1) }, { ...before, caps: before.caps.slice(before.caps.length === 0 ? 0 : 1) }, 'nothing else changed');
      await shots('settings-messaging');

      if (original === undefined) {
        await form.getByRole('button', { name: 'Remove cap 1' }).click();
      } else {
        await max.fill(String(original));
      }
      await form.getByRole('button', { name: 'Save messaging settings' }).click();
      await form.getByRole('status').filter({ hasText: 'Messaging settings saved.' }).waitFor();
      assert.deepEqual(await env.api<Settings>('/api/messaging/settings'), before, 'restored');
    },
  },
  {
    name: 'creates, renames and deletes a subscription group through the UI, as the API shows',
    async run({ page, open, shots, env }) {
      const NAME = 'Browser test digest';
      await open('/settings?tab=groups');
      const create = page.getByRole('form', { name: 'New subscription group' });
      await create.getByLabel('New group name', { exact: true }).fill(NAME);
      await create.getByLabel('Group channel', { exact: true }).selectOption('email');
      await create.getByLabel('Group description', { exact: true }).fill('Made by the browser test');
      await create.getByRole('button', { name: 'Create group' }).click();
      await create
        .getByRole('status')
        .filter({ hasText: `Created “${NAME}”` })
        .waitFor();
      const made = (await env.api<{ groups: Array<{ id: string; name: string; description: string; optIn: boolean }> }>('/api/subscription-groups')).groups.find((g) => g.name === NAME);
      assert.ok(made, 'the API lists the new group');
      assert.equal(made.description, 'Made by the browser test');
      assert.equal(made.optIn, false);
      await shots('settings-groups');

      await page.getByRole('button', { name: `Edit ${NAME}`, exact: true }).click();
      const edit = page.getByRole('form', { name: `Edit group ${made.id}` });
      await edit.getByLabel('Group name', { exact: true }).fill(`${NAME} (weekly)`);
      await edit.getByRole('button', { name: 'Save group' }).click();
      await page.getByRole('button', { name: `Edit ${NAME} (weekly)`, exact: true }).waitFor();
      const renamed = (await env.api<{ groups: Array<{ id: string; name: string }> }>('/api/subscription-groups')).groups.find((g) => g.id === made.id);
      assert.equal(renamed?.name, `${NAME} (weekly)`);

      await page.getByRole('button', { name: `Delete ${NAME} (weekly)`, exact: true }).click();
      await page.getByRole('button', { name: `Yes, delete ${NAME} (weekly)`, exact: true }).click();
      await page.getByRole('button', { name: `Edit ${NAME} (weekly)`, exact: true }).waitFor({ state: 'detached' });
      const after = await env.api<{ groups: Array<{ id: string }> }>('/api/subscription-groups');
      assert.ok(!after.groups.some((g) => g.id === made.id), 'the API no longer has it');
    },
  },
  {
    name: 'lists the open tasks as the API does, pages, assigns one and completes one',
    async run({ page, open, shots, env }) {
      let { tasks } = await env.api<{ tasks: Task[] }>('/api/tasks?status=open&limit=500');
      let seeded: number[] = [];
      if (tasks.length === 0) {
        await open('/tasks');
        await page.getByText('No open tasks').waitFor();
        // The API cannot create tasks (journeys' task steps do): put some in as a task step would, on real demo customers.
        const { rows } = await env.db.query<{ id: number }>(
          `INSERT INTO tasks (workspace_id, customer_id, journey_id, idempotency_key, title, note, assignee_role, due_at, created_at)
           SELECT $1, c.id, 'at-risk', 'browser-test:' || c.id, 'Browser test: call customer ' || coalesce(c.user_id, c.id::text), 'Ask what changed.', 'customer-success',
                  now() + (row_number() OVER (ORDER BY c.id) - 3) * interval '1 hour', now()
             FROM (SELECT id, user_id FROM customers WHERE workspace_id = $1 AND user_id IS NOT NULL ORDER BY id LIMIT 23) c
           RETURNING id`,
          [env.workspaceId],
        );
        seeded = rows.map((r) => Number(r.id));
        ({ tasks } = await env.api<{ tasks: Task[] }>('/api/tasks?status=open&limit=500'));
        assert.equal(tasks.length, seeded.length);
      }
      try {
        await open('/tasks');
        const list = page.getByRole('list', { name: 'open tasks' });
        await list.waitFor();
        const items = list.getByRole('listitem');
        assert.equal(await items.count(), Math.min(tasks.length, PAGE_SIZE));
        assert.match(await page.getByTestId('task-count').innerText(), new RegExp(`^${tasks.length.toLocaleString('en-US')} open task`));
        assert.equal(await items.first().locator('.task-title').innerText(), tasks[0]!.title);
        await shots('tasks');
        if (tasks.length > PAGE_SIZE) {
          await page.getByRole('button', { name: 'Next' }).click();
          await page.waitForURL(/offset=20/);
          assert.equal(await items.count(), Math.min(tasks.length - PAGE_SIZE, PAGE_SIZE));
          assert.equal(await items.first().locator('.task-title').innerText(), tasks[PAGE_SIZE]!.title);
          await page.getByRole('button', { name: 'Previous' }).click();
          await page.waitForURL((u) => !u.search.includes('offset'));
        }

        const first = tasks[0]!;
        await page.getByRole('button', { name: `Assign task ${first.id}`, exact: true }).click();
        await page.getByLabel('Assignee', { exact: true }).fill('Browser Test');
        await page.getByRole('button', { name: 'Save assignee' }).click();
        await page.getByRole('status').filter({ hasText: 'is assigned to Browser Test' }).waitFor();
        const after = await env.api<{ tasks: Task[] }>('/api/tasks?status=open&limit=500');
        assert.equal(after.tasks.find((t) => t.id === first.id)?.assignee, 'Browser Test');
        await env.api(`/api/tasks/${first.id}`, { method: 'PATCH', body: { assignee: first.assignee } });

        if (seeded.length > 0) {
          // Completing moves it out of the open list and into done (only on tasks this step made).
          await page.getByRole('button', { name: `Complete task ${first.id}`, exact: true }).click();
          await page.getByRole('status').filter({ hasText: 'is done' }).waitFor();
          await page.getByRole('button', { name: `Complete task ${first.id}`, exact: true }).waitFor({ state: 'detached' });
          const done = await env.api<{ tasks: Array<Task & { doneAt: string | null }> }>('/api/tasks?status=done&limit=500');
          assert.ok(done.tasks.find((t) => t.id === first.id)?.doneAt, 'the API has it done');
          await page.getByRole('tab', { name: 'Done' }).click();
          await page
            .getByRole('list', { name: 'done tasks' })
            .getByRole('button', { name: `Reopen task ${first.id}`, exact: true })
            .waitFor();
        }
      } finally {
        if (seeded.length > 0) await env.db.query(`DELETE FROM tasks WHERE id = ANY($1::bigint[])`, [seeded]);
      }
    },
  },
  {
    name: 'connects a generic helpdesk: its webhook URL and secret shown once; a signed delivery is accepted, a forged one rejected, both listed with the reason',
    async run({ page, open, shots, env }) {
      await open('/settings?tab=helpdesk');
      const create = page.getByRole('form', { name: 'Connect a helpdesk' });
      await create.getByLabel('Connection name').fill('Browser helpdesk');
      await create.getByLabel('Helpdesk', { exact: true }).selectOption('generic');
      await create.getByRole('button', { name: 'Connect' }).click();
      const url = await page.getByTestId('new-webhook-url').innerText();
      const secret = await page.getByRole('status').filter({ hasText: 'Signing secret' }).locator('input').inputValue();
      assert.match(url, new RegExp(`^${env.url.replace(/[.]/g, '\\.')}/webhooks/helpdesk/[^/]+$`));
      assert.ok(secret.length >= 16, 'a generated secret is shown');
      const id = url.split('/').pop()!;
      try {
        const item = page.getByRole('listitem', { name: 'Helpdesk Browser helpdesk' });
        assert.equal(await item.getByLabel('Webhook URL of Browser helpdesk').inputValue(), url);
        await page.getByRole('button', { name: 'I have stored it' }).click();
        assert.equal(await page.getByRole('status').filter({ hasText: 'Signing secret' }).count(), 0, 'the secret is shown only once');

        // A demo customer opens a ticket: signed with the secret shown, then the same body forged.
        const { rows } = await env.db.query<{ email: string }>(`SELECT traits->>'email' AS email FROM customers WHERE workspace_id = $1 AND traits->>'email' IS NOT NULL ORDER BY id LIMIT 1`, [
          env.workspaceId,
        ]);
        const body = JSON.stringify({ event: 'created', ticket_id: 'browser-1', delivery_id: 'browser-delivery-1', requester: { email: rows[0]!.email } });
        const good = await fetch(url, { method: 'POST', headers: genericHeaders(secret, body), body });
        assert.equal(good.status, 200, await good.clone().text());
        assert.equal(((await good.json()) as { status: string }).status, 'accepted');
        const forgedBody = body.replace('browser-delivery-1', 'browser-delivery-2');
        const forged = await fetch(url, { method: 'POST', headers: genericHeaders('not-the-secret-at-all', forgedBody), body: forgedBody });
        assert.equal(forged.status, 401);
        assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'webhook_signature_invalid');

        await open('/settings?tab=helpdesk');
        await item.getByText('2 deliveries · 1 rejected').waitFor();
        await item.getByRole('button', { name: 'Last deliveries' }).click();
        const rows2 = item.getByRole('table', { name: 'Deliveries' }).locator('tbody tr');
        await rows2.first().waitFor();
        assert.equal(await rows2.count(), 2);
        const texts = await rows2.allInnerTexts();
        // Newest first: the forged one with its reason, then the accepted one with its event and customer.
        assert.match(texts[0]!, /rejected[\s\S]*X-Tenure-Signature does not match the body/);
        assert.match(texts[1]!, /accepted[\s\S]*Ticket Created[\s\S]*#\d+/);
        await shots('settings-helpdesk');
      } finally {
        await env.api(`/api/helpdesk/connections/${id}`, { method: 'DELETE' });
      }
    },
  },
];

import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { signIn } from '../../src/test-support/browser.js';
import type { BrowserStep } from './steps.js';

interface Summary {
  userId: string | null;
  anonymousIds: string[];
  traits: Record<string, unknown>;
  stage: string | null;
  churnRisk: number | null;
}
interface List {
  customers: Summary[];
  nextCursor: string | null;
}

/** Poll until `check` stops throwing (the page renders after its requests answer); rethrow the last failure. */
async function until(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
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

const table = (page: Page): Locator => page.getByRole('table', { name: 'Customers' });

/** The userId column of the rows on screen ("anonymous" for anonymous profiles). */
async function shownUserIds(page: Page): Promise<string[]> {
  return (await table(page).locator('tbody tr td:nth-child(2)').allInnerTexts()).map((t) => t.trim());
}

const expectedIds = (l: List) => l.customers.map((c) => c.userId ?? 'anonymous');

/** Wait until the table shows exactly the API's page (and no stale placeholder rows). */
async function expectRows(page: Page, l: List, what: string): Promise<void> {
  await until(async () => {
    assert.equal(await table(page).getAttribute('class'), null, 'no stale rows');
    assert.deepEqual(await shownUserIds(page), expectedIds(l), what);
  });
}

const fmt1 = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 1 });

export const customersSteps: BrowserStep[] = [
  {
    name: 'the list pages by cursor, filters by stage and searches, as the API answers',
    async run(ctx) {
      const { page } = ctx;
      const first = await ctx.env.api<List>('/api/customers?limit=50');
      assert.equal(first.customers.length, 50, 'the demo has more than a page of customers');
      await ctx.open('/customers');
      await expectRows(page, first, 'the first page is the API’s first page');
      assert.equal((await shownUserIds(page))[0], first.customers[0]!.userId ?? 'anonymous');

      // Stage filter: every badge shows that stage; the rows are the API's filtered answer.
      const stage = 'retention';
      const byStage = await ctx.env.api<List>(`/api/customers?limit=50&stage=${stage}`);
      assert.ok(byStage.customers.length > 0, 'demo customers in retention');
      await page.getByLabel('Stage', { exact: true }).selectOption(stage);
      await until(async () => assert.equal(new URL(page.url()).searchParams.get('stage'), stage));
      await expectRows(page, byStage, 'the rows are the API’s answer for the stage');
      const badges = await table(page)
        .locator('tbody tr td:nth-child(3) [data-stage]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
      assert.equal(badges.length, byStage.customers.length);
      assert.ok(
        badges.every((b) => b === stage),
        `every badge is ${stage}: ${badges.join(',')}`,
      );

      // Risk: a churn-risk band asks the API for that range; each row shows its risk, inside the band.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expectRows(page, first, 'clearing the filters shows the first page again');
      const risky = await ctx.env.api<List>('/api/customers?limit=50&riskAtLeast=50');
      assert.ok(risky.customers.length > 0, 'the demo has customers at high churn risk');
      await page.getByLabel('Churn risk', { exact: true }).selectOption({ label: 'High churn risk (50 and over)' });
      await until(async () => assert.equal(new URL(page.url()).searchParams.get('riskAtLeast'), '50'));
      await expectRows(page, risky, 'the high-risk rows are the API’s answer');
      const shownRisks = await table(page)
        .locator('tbody tr td[data-risk]')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-risk'))));
      assert.deepEqual(
        shownRisks,
        risky.customers.map((c) => c.churnRisk),
        'each row carries the API’s risk',
      );
      assert.ok(
        shownRisks.every((r) => r >= 50),
        `every shown risk is 50 or more: ${shownRisks.join(',')}`,
      );
      await ctx.shots('customers-high-risk');

      // Search by a known email (clear the filters first).
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expectRows(page, first, 'clearing the filters shows the first page again');
      const known = first.customers.find((c, i) => i > 10 && c.userId && typeof c.traits.email === 'string')!;
      const email = known.traits.email as string;
      const found = await ctx.env.api<List>(`/api/customers?limit=50&q=${encodeURIComponent(email)}`);
      await page.getByLabel('Search customers').fill(email);
      await until(async () => assert.equal(new URL(page.url()).searchParams.get('q'), email));
      await expectRows(page, found, 'the search shows the API’s matches');
      assert.ok((await shownUserIds(page)).includes(known.userId!), `${email} is found`);
      await page.getByLabel('Search customers').fill('');
      await until(async () => assert.equal(new URL(page.url()).searchParams.get('q'), null));
      await expectRows(page, first, 'an empty search shows everyone');

      // Next: the API's second page, different customers; Previous: back to the first.
      const second = await ctx.env.api<List>(`/api/customers?limit=50&cursor=${first.nextCursor}`);
      await page.getByRole('button', { name: 'Next' }).click();
      await expectRows(page, second, 'Next shows the API’s second page');
      const overlap = expectedIds(second).filter((id) => id !== 'anonymous' && expectedIds(first).includes(id));
      assert.deepEqual(overlap, [], 'the second page holds other customers');
      assert.match(await page.locator('.pager').innerText(), /Page 2/);
      // Anonymous profiles link by their anonymousId, which the API resolves.
      const anon = second.customers.find((c) => !c.userId);
      if (anon) {
        const i = second.customers.indexOf(anon);
        const href = await table(page).locator('tbody tr').nth(i).getByRole('link').getAttribute('href');
        assert.equal(href, `/customers/${encodeURIComponent(anon.anonymousIds[0]!)}`);
        assert.deepEqual((await ctx.env.api<Summary>(href!.replace('/customers/', '/api/customers/'))).anonymousIds, anon.anonymousIds);
      }
      await ctx.shots('customers');
      await page.getByRole('button', { name: 'Previous' }).click();
      await expectRows(page, first, 'Previous goes back to the first page');
    },
  },
  {
    name: 'the 360 page of a buyer shows its stage, stage history, newest event and scores as the API does',
    async run(ctx) {
      const { page } = ctx;
      const { rows } = await ctx.env.db.query<{ user_id: string }>(
        `SELECT c.user_id FROM customers c
          WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL
            AND (SELECT count(*) FROM events e WHERE e.customer_id = c.id AND e.event = 'Order Completed') >= 2
            AND EXISTS (SELECT 1 FROM customer_scores s WHERE s.customer_id = c.id AND s.name = 'churn_risk')
          ORDER BY (SELECT count(*) FROM stage_transitions t WHERE t.workspace_id = c.workspace_id AND t.scope = 'customer' AND t.subject_id = c.id) DESC, c.id
          LIMIT 1`,
        [ctx.env.workspaceId],
      );
      const userId = rows[0]!.user_id;
      const enc = encodeURIComponent(userId);
      const detail = await ctx.env.api<{ stage: string | null }>(`/api/customers/${enc}`);
      const stages = await ctx.env.api<{ stage: string | null; moves: unknown[] }>(`/api/customers/${enc}/stages`);
      assert.ok(stages.moves.length >= 3, 'a customer with a stage history');

      // Find it in the list and click its row (not the link).
      await ctx.open(`/customers?q=${enc}`);
      const row = table(page).locator('tbody tr').filter({ hasText: userId }).first();
      await row.locator('td:nth-child(2)').click();
      await until(async () => assert.equal(new URL(page.url()).pathname, `/customers/${enc}`));

      const profile = page.getByRole('region', { name: 'Profile' });
      await profile.waitFor();
      assert.equal(await profile.locator('[data-stage]').first().getAttribute('data-stage'), detail.stage, 'the stage is the API’s');
      const history = page.getByRole('list', { name: 'Stage history' }).getByRole('listitem');
      await until(async () => assert.equal(await history.count(), stages.moves.length, 'one entry per stage move'));

      const events = page.getByRole('list', { name: 'Event timeline' }).getByRole('listitem');
      await events.first().waitFor();
      const newest = (await ctx.env.api<{ events: Array<{ event: string | null; type: string }> }>(`/api/customers/${enc}/events?limit=1`)).events[0]!;
      assert.equal((await events.first().locator('.cust-event-name').innerText()).trim(), newest.event ?? newest.type, 'the newest event comes first');
      assert.equal(await events.count(), 50, 'the timeline shows a page of 50');

      const predictions = await ctx.env.api<{ predictions: Array<{ kind: string; score: number }> }>(`/api/customers/${enc}/predictions`);
      const churn = predictions.predictions.find((p) => p.kind === 'churn');
      if (churn) await until(async () => assert.match(await page.getByTestId('score-churn').innerText(), new RegExp(`^${fmt1(churn.score).replace('.', '\\.')}\\b`)));
      const health = await ctx.env.api<{ score: number | null }>(`/api/customers/${enc}/health`);
      if (health.score !== null) await until(async () => assert.equal((await page.getByTestId('score-health').innerText()).trim(), fmt1(health.score!)));
      assert.ok(churn, 'the demo buyer has a churn risk');
      await page
        .getByRole('region', { name: 'Segments' })
        .getByRole('list')
        .or(page.getByRole('region', { name: 'Segments' }).getByText('In no segment now'))
        .first()
        .waitFor();
      await ctx.shots('customer-360');

      // The timeline filtered by an event name: the API's filtered answer, and only that name.
      const orders = (await ctx.env.api<{ events: Array<{ id: number }> }>(`/api/customers/${enc}/events?limit=50&event=Order%20Completed`)).events;
      assert.ok(orders.length > 0, 'the demo buyer has orders');
      await page.getByLabel('Only events named', { exact: true }).fill('Order Completed');
      await page.getByRole('form', { name: 'Filter the timeline' }).getByRole('button', { name: 'Filter' }).click();
      await until(async () => {
        const shown = await events.locator('.cust-event-name').allInnerTexts();
        assert.equal(shown.length, orders.length, 'as many as the API has');
        assert.ok(
          shown.every((n) => n.trim() === 'Order Completed'),
          shown.join(','),
        );
      });
      await page.getByRole('button', { name: 'Show all' }).click();
      await until(async () => assert.equal(await events.count(), 50, 'back to the whole timeline'));

      // Survey answers come from the whole history, not only the events loaded above.
      const answers = (await ctx.env.api<{ events: unknown[] }>(`/api/customers/${enc}/events?limit=50&event=Survey%20Responded`)).events;
      const surveys = page.getByRole('region', { name: 'Surveys and referrals' });
      if (answers.length) await until(async () => assert.equal(await surveys.getByRole('table', { name: 'Survey answers' }).locator('tbody tr').count(), answers.length));
      else await surveys.getByText('No survey answers').first().waitFor();
    },
  },
  {
    name: 'an account page lists its members (linking to their 360) and its health, as the API does',
    async run(ctx) {
      const { page } = ctx;
      const { rows } = await ctx.env.db.query<{ group_id: string }>(
        `SELECT a.group_id FROM accounts a WHERE a.workspace_id = $1
          ORDER BY (SELECT count(*) FROM account_members m WHERE m.account_id = a.id) DESC, a.id LIMIT 1`,
        [ctx.env.workspaceId],
      );
      const groupId = rows[0]!.group_id;
      const account = await ctx.env.api<{ traits: Record<string, unknown>; memberUserIds: string[]; memberCount: number }>(`/api/accounts/${encodeURIComponent(groupId)}`);
      const member = account.memberUserIds[0]!;
      // From a member's 360 page, follow the account link.
      await ctx.open(`/customers/${encodeURIComponent(member)}`);
      await page.getByRole('list', { name: 'Accounts of this customer' }).getByRole('link', { name: groupId }).click();
      await until(async () => assert.equal(new URL(page.url()).pathname, `/accounts/${encodeURIComponent(groupId)}`));
      await page.getByRole('heading', { level: 1, name: String(account.traits.name ?? groupId) }).waitFor();
      const members = page.getByRole('list', { name: 'Members' }).getByRole('link');
      await until(async () =>
        assert.deepEqual(
          (await members.allInnerTexts()).map((t) => t.trim()),
          account.memberUserIds,
        ),
      );
      const health = await ctx.env.api<{ score: number | null }>(`/api/accounts/${encodeURIComponent(groupId)}/health`);
      if (health.score !== null) await until(async () => assert.equal((await page.getByTestId('score-health').innerText()).trim(), fmt1(health.score!)));
      await ctx.shots('account');
      const other = account.memberUserIds[account.memberUserIds.length - 1]!;
      await members.filter({ hasText: other }).click();
      await until(async () => assert.equal(new URL(page.url()).pathname, `/customers/${encodeURIComponent(other)}`));
      await page.getByRole('region', { name: 'Profile' }).getByText(other, { exact: true }).waitFor();
    },
  },
  {
    name: 'an unknown customer id says so in words',
    async run(ctx) {
      // Its own context: the API's 404 is expected here, not a problem of the dashboard.
      const context = await ctx.b.browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        await signIn(page, ctx.env.url, ctx.env.adminKey);
        await page.goto(ctx.env.url + '/customers/does-not-exist');
        await page.getByText('No customer “does-not-exist”').waitFor();
        assert.ok(await page.getByText('No customer has this userId or anonymousId').isVisible());
      } finally {
        await context.close();
      }
    },
  },
];

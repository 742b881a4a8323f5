import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { SCREENSHOTS, signInWithPassword } from '../../src/test-support/browser.js';
import { addMembership, createUser } from '../../src/server/team/users.repo.js';
import type { BrowserStep, StepContext } from './steps.js';

/**
 * Users and sign-in, as people do it: the owner signs in with email and password, invites a
 * marketer, who accepts in another browser and finds only what the role allows; the owner
 * adds a workspace and switches to it. Each person has their own browser context (their own
 * cookie); their console errors are checked here, the refusals the steps provoke set apart.
 */

const OWNER = { email: 'owner@team-steps.test', name: 'Olga Owner', password: 'correct horse battery staple' };
const MARKETER = { email: 'mark@team-steps.test', name: 'Mark Marketer', password: 'a marketer’s long password' };
const SEGMENT = 'Team test: marketer’s segment';
const NEW_WS = 'Team test workspace';

interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Console lines of 4xx answers the step provoked on purpose. */
  expected: string[];
  expecting: boolean;
}

const people: { owner?: Person; marketer?: Person } = {};
let inviteLink = '';

async function person(ctx: StepContext): Promise<Person> {
  const context = await ctx.b.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const p: Person = { context, page, errors: [], expected: [], expecting: false };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (p.expecting && /status of 4\d\d\b/.test(m.text())) p.expected.push(m.text());
    else p.errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => p.errors.push(`${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) p.errors.push(`${r.request().method()} ${r.url()} → ${r.status()}`);
  });
  return p;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

/** What a call from the page answers, made as the page's own client would (cookie, workspace, CSRF token). */
async function fetchFromPage(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const me = (await (await fetch('/api/auth/me', { credentials: 'same-origin' })).json()) as { csrfToken: string; workspace: { id: number } };
      const res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken, 'x-tenure-workspace': String(me.workspace.id) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    { method, path, body },
  );
}

export const teamSteps: BrowserStep[] = [
  {
    name: 'the owner signs in with email and password',
    async run(ctx) {
      const user = await createUser(ctx.env.db, { email: OWNER.email, name: OWNER.name, password: OWNER.password });
      await addMembership(ctx.env.db, ctx.env.workspaceId, user.id, 'owner');
      const owner = (people.owner = await person(ctx));
      const { page } = owner;
      await page.goto(ctx.env.url + '/');
      await page.getByLabel('Email').waitFor();
      await page.getByRole('button', { name: 'Forgot password?' }).waitFor();
      await page.getByRole('button', { name: 'Sign in with an API key' }).waitFor();
      await shot(page, 'team-sign-in');

      // A wrong password is refused in words (the 401 is expected).
      owner.expecting = true;
      await page.getByLabel('Email').fill(OWNER.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
      await page.waitForTimeout(100);
      owner.expecting = false;
      assert.equal(owner.expected.length, 1, 'one refused sign-in');

      await signInWithPassword(page, ctx.env.url, OWNER.email, OWNER.password);
      await page.locator('.topbar-user', { hasText: OWNER.name }).waitFor();
      // An owner sees the configuration: Settings, and in it Team and API keys.
      await page.goto(ctx.env.url + '/settings');
      await page.getByRole('tab', { name: 'Team' }).waitFor();
      await page.getByRole('tab', { name: 'API keys' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Delete workspace…' }).count(), 1, 'an owner may delete the workspace');
      assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is HTTP-only');
    },
  },
  {
    name: 'the owner invites a colleague as marketer and copies the link',
    async run() {
      const { page } = people.owner!;
      await page.getByRole('tab', { name: 'Team' }).click();
      const members = page.getByRole('table', { name: 'Members' });
      await members.getByText(OWNER.email).waitFor();
      const form = page.getByRole('form', { name: 'Invite someone' });
      await form.getByLabel('Email', { exact: true }).fill(MARKETER.email);
      await form.getByLabel('Role').selectOption('marketer');
      await form.getByLabel('Email the link').uncheck();
      await form.getByRole('button', { name: 'Invite' }).click();
      await form
        .getByRole('status')
        .filter({ hasText: `Invitation made for ${MARKETER.email}` })
        .waitFor();
      inviteLink = await form.getByLabel('Invitation link').inputValue();
      assert.match(inviteLink, /\/invite\/[^/]{10,}$/);
      const pending = page.getByRole('table', { name: 'Pending invitations' });
      await pending.getByText(MARKETER.email).waitFor();
      assert.match(await pending.locator('tr', { hasText: MARKETER.email }).innerText(), /Marketer/);
      await shot(page, 'team-invite');
    },
  },
  {
    name: 'the colleague opens the link in a fresh browser, sets a name and password and lands signed in',
    async run(ctx) {
      const marketer = (people.marketer = await person(ctx));
      const { page } = marketer;
      // The link is built on the server's public URL; the test server listens elsewhere.
      await page.goto(ctx.env.url + new URL(inviteLink).pathname);
      await page.getByRole('heading', { name: /^Join / }).waitFor();
      assert.match(await page.getByRole('form', { name: 'Accept the invitation' }).innerText(), /Marketer/);
      await page.getByLabel('Your name').fill(MARKETER.name);
      await page.getByLabel('Choose a password').fill(MARKETER.password);
      await shot(page, 'team-accept');
      await page.getByRole('button', { name: /^Join / }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.locator('.topbar-user', { hasText: MARKETER.name }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/');
    },
  },
  {
    name: 'the marketer creates and edits a segment',
    async run(ctx) {
      const { page } = people.marketer!;
      await page.goto(ctx.env.url + '/segments');
      await page.getByRole('link', { name: 'New segment' }).click();
      await page.getByLabel('Segment name').fill(SEGMENT);
      await page.getByRole('button', { name: 'Add condition', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Performed event', exact: true }).click();
      const c1 = page.getByRole('group', { name: 'Condition 1', exact: true });
      await c1.getByLabel('Event name', { exact: true }).fill('Order Completed');
      await page.getByRole('button', { name: 'Save segment' }).click();
      await page.waitForURL(/\/segments\/[^/]+\?job=/);
      const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      // Edited: a new name, saved again.
      await page.getByLabel('Segment name').fill(`${SEGMENT} (edited)`);
      await page.getByRole('button', { name: 'Save segment' }).click();
      await page.getByRole('heading', { name: `${SEGMENT} (edited)` }).waitFor();
      const saved = await ctx.env.api<{ name: string; version: number }>(`/api/segments/${encodeURIComponent(id)}`);
      assert.equal(saved.name, `${SEGMENT} (edited)`);
      assert.equal(saved.version, 2, 'created, then edited once');
    },
  },
  {
    name: 'the marketer finds no Team, keys or workspace controls, and the server refuses a settings change with 403',
    async run(ctx) {
      const marketer = people.marketer!;
      const { page } = marketer;
      await page.goto(ctx.env.url + '/settings');
      await page.getByRole('tab', { name: 'Workspace' }).waitFor();
      const tabs = await page.getByRole('tab').allInnerTexts();
      assert.ok(!tabs.includes('Team') && !tabs.includes('API keys') && !tabs.includes('Helpdesk'), `tabs: ${tabs.join(', ')}`);
      // A direct link to the Team tab shows the workspace, read-only: no Save, no Delete.
      await page.goto(ctx.env.url + '/settings?tab=team');
      await page.getByRole('form', { name: 'Workspace settings' }).waitFor();
      assert.equal(await page.getByLabel('Workspace name').isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Save workspace' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Delete workspace…' }).count(), 0);
      assert.equal(await page.getByRole('table', { name: 'Members' }).count(), 0);
      await shot(page, 'team-marketer-settings');
      // Nor do the messaging settings offer a save.
      await page.goto(ctx.env.url + '/settings?tab=messaging');
      await page.getByText('Read-only: your role cannot change this.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save messaging settings' }).count(), 0);

      marketer.expecting = true;
      const refused = await fetchFromPage(page, 'PATCH', '/api/workspace', { name: 'Renamed by a marketer' });
      await page.waitForTimeout(100);
      marketer.expecting = false;
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.ok(refused.body?.error?.message, 'the refusal says why');
      assert.notEqual((await ctx.env.api<{ name: string }>('/api/workspace')).name, 'Renamed by a marketer');
    },
  },
  {
    name: 'the marketer signs out',
    async run(ctx) {
      const marketer = people.marketer!;
      const { page } = marketer;
      await page.goto(ctx.env.url + '/');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Email').waitFor();
      // The session is over on the server too: a reload shows the sign-in page without asking.
      await page.reload();
      await page.getByLabel('Email').waitFor();
      marketer.expecting = true;
      const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
      await page.waitForTimeout(100);
      marketer.expecting = false;
      assert.equal(me, 401);
    },
  },
  {
    name: 'the owner creates a workspace and switches to it, and back',
    async run(ctx) {
      const { page } = people.owner!;
      await page.goto(ctx.env.url + '/');
      const before = await page.locator('#workspace-select').inputValue();
      await page.locator('#workspace-select').selectOption('add');
      const dialog = page.getByRole('dialog', { name: 'Add a workspace' });
      await dialog.getByLabel('Workspace name').fill(NEW_WS);
      await dialog.getByRole('button', { name: 'Create workspace' }).click();
      await dialog.getByRole('heading', { name: `${NEW_WS} is ready` }).waitFor();
      const writeKey = await dialog.getByLabel('Write key').inputValue();
      assert.ok(writeKey.length > 10, 'the write key is shown once');
      await shot(page, 'team-workspace-created');
      await dialog.getByRole('button', { name: 'I have stored it' }).click();
      const select = page.locator('#workspace-select');
      assert.equal(await select.locator('option:checked').innerText(), NEW_WS);
      await page.goto(ctx.env.url + '/settings');
      assert.equal(await page.getByLabel('Workspace name').inputValue(), NEW_WS);
      // Its owner sees Team with one member: themself.
      await page.getByRole('tab', { name: 'Team' }).click();
      await page.getByRole('table', { name: 'Members' }).getByText(OWNER.email).waitFor();
      assert.equal(await page.getByRole('table', { name: 'Members' }).locator('tbody tr').count(), 1);
      // Back to the first workspace: its name and the marketer among its members.
      await page.locator('#workspace-select').selectOption(before);
      await page.getByRole('table', { name: 'Members' }).getByText(MARKETER.email).waitFor();
    },
  },
  {
    name: 'finds no console errors in either person’s browser',
    async run() {
      for (const [who, p] of Object.entries(people)) {
        assert.deepEqual(p!.errors, [], `${who}'s browser`);
        await p!.context.close();
      }
    },
  },
];

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { BrowserStep, StepContext } from './steps.js';

interface Segment {
  id: string;
  name: string;
  scope: string;
  members: number;
}
interface Journey {
  id: string;
  name: string;
  status: string;
  definition: { trigger: Record<string, { segment?: string }>; start: string; steps: Array<{ id: string; type: string }> };
}
interface Stats {
  entered: number;
  active: number;
}

/** A demo segment with members, by id, as the API counts them now. */
async function segment(ctx: StepContext, id: string): Promise<Segment> {
  const { segments } = await ctx.env.api<{ segments: Segment[] }>('/api/segments');
  const s = segments.find((x) => x.id === id);
  assert.ok(s, `the demo has segment ${id}`);
  const { members } = await ctx.env.api<{ members: unknown[] }>(`/api/segments/${id}/members?limit=1000`);
  assert.equal(members.length, s.members, `the listed count of ${id} is its members`);
  assert.ok(s.members > 1 && s.members < 600, `${id} has some but not all customers: ${s.members}`);
  return s;
}

/** The journey named NAME, from the API. */
async function journeyNamed(ctx: StepContext, name: string): Promise<Journey> {
  const { journeys } = await ctx.env.api<{ journeys: Journey[] }>('/api/journeys');
  const j = journeys.find((x) => x.name === name);
  assert.ok(j, `journey "${name}" exists`);
  return j;
}

/** The canvas trigger node's "N entered" and the list row's Entered cell, after the page shows them. */
async function shownEntries(ctx: StepContext, page: Page, j: Journey): Promise<{ canvas: string; trigger: string; list: string }> {
  await ctx.open(`/journeys/${j.id}`);
  const trigger = page.getByTestId('journey-node-trigger');
  await trigger.locator('.jny-node-stats').waitFor();
  const canvas = (await trigger.locator('.jny-node-stats div').first().innerText()).split(' · ')[0]!;
  await ctx.open('/journeys');
  const row = page.getByRole('table', { name: 'Journeys' }).locator('tbody tr', { has: page.getByRole('link', { name: j.name, exact: true }) });
  await row.waitFor();
  await row.getByText('Loading counts…').waitFor({ state: 'detached' });
  const cells = await row.locator('td').allInnerTexts();
  return { canvas, trigger: cells[2]!.split('\n')[0]!, list: cells[3]! };
}

/** Browser steps for reaching a segment's current members: a broadcast, and a segment journey published with "also enter the current members". */
export const broadcastSteps: BrowserStep[] = [
  {
    name: 'a broadcast to a demo segment enters exactly its members when published',
    async run(ctx) {
      const { page, env } = ctx;
      const seg = await segment(ctx, 'seg_high_spenders');
      const n = seg.members.toLocaleString('en-US');
      const { templates } = await env.api<{ templates: Array<{ id: string; name: string; channel: string }> }>('/api/templates');
      const tpl = templates.find((t) => t.channel === 'email');
      assert.ok(tpl, 'the demo has an email template');

      await ctx.open('/journeys/new');
      await page.getByLabel('Journey name').fill('Browser broadcast');
      await page.getByLabel('Starts when').selectOption({ label: 'Once, to a segment (broadcast)' });
      await page.getByLabel('Segment', { exact: true }).selectOption({ label: seg.name });
      await page.getByRole('button', { name: 'Add send step' }).click();
      await page.getByLabel('Template', { exact: true }).selectOption(tpl.id);
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.waitForURL((u) => /^\/journeys\/(?!new$)[^/]+$/.test(u.pathname));
      // Before publishing, the page says how many it will reach.
      await page
        .getByRole('note', { name: 'Publishing reaches' })
        .filter({ hasText: `Publishing sends it now to ${n} customers` })
        .waitFor();
      await ctx.shots('journey-broadcast-before');
      await page.getByRole('button', { name: 'Publish' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `${n} customers entered now.` })
        .waitFor();

      const j = await journeyNamed(ctx, 'Browser broadcast');
      assert.equal(j.status, 'live');
      assert.equal(j.definition.trigger.broadcast?.segment, seg.id);
      const stats = await env.api<Stats>(`/api/journeys/${j.id}/stats`);
      assert.equal(stats.entered, seg.members, 'the API counts one entry per member');
      const shown = await shownEntries(ctx, page, j);
      assert.equal(shown.canvas, `${n} entered`);
      assert.equal(shown.list, n);
      assert.equal(shown.trigger, `Once to segment ${seg.name}, when published`, 'the list names the segment');
    },
  },
  {
    name: 'a segment journey published with "also enter the current members" shows their count first and enters that many',
    async run(ctx) {
      const { page, env } = ctx;
      const seg = await segment(ctx, 'seg_repeat_buyers');
      const n = seg.members.toLocaleString('en-US');

      await ctx.open('/journeys/new');
      await page.getByLabel('Journey name').fill('Browser segment members');
      await page.getByLabel('Starts when').selectOption({ label: 'Joins a segment' });
      await page.getByLabel('Segment', { exact: true }).selectOption({ label: seg.name });
      await page.getByRole('button', { name: 'Add task step' }).click();
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.waitForURL((u) => /^\/journeys\/(?!new$)[^/]+$/.test(u.pathname));
      const box = page.getByLabel('Also enter the current members');
      const label = page.locator('label', { has: box });
      await label.filter({ hasText: `Also enter the ${n} customers already there` }).waitFor();
      // Another segment in the unsaved draft: the saved segment's count is no longer shown.
      const other = (await env.api<{ segments: Segment[] }>('/api/segments')).segments.find((s) => s.scope === 'customer' && s.id !== seg.id)!;
      await page.getByTestId('journey-node-trigger').click();
      await page.getByLabel('Segment', { exact: true }).selectOption(other.id);
      await label.filter({ hasText: /^\s*Also enter the customers already there\s*$/ }).waitFor();
      await page.getByLabel('Segment', { exact: true }).selectOption(seg.id);
      await label.filter({ hasText: `Also enter the ${n} customers already there` }).waitFor();
      await box.check();
      await ctx.shots('journey-enter-current');
      await page.getByRole('button', { name: 'Publish' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `${n} customers entered now.` })
        .waitFor();

      const j = await journeyNamed(ctx, 'Browser segment members');
      assert.equal(j.status, 'live');
      assert.equal(j.definition.trigger.segmentEntered?.segment, seg.id);
      const stats = await env.api<Stats>(`/api/journeys/${j.id}/stats`);
      assert.equal(stats.entered, seg.members);
      const shown = await shownEntries(ctx, page, j);
      assert.equal(shown.canvas, `${n} entered`);
      assert.equal(shown.list, n);
      assert.equal(shown.trigger, `Joins segment ${seg.name}`);
    },
  },
];

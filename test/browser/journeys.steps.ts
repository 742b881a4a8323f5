import assert from 'node:assert/strict';
import type { BrowserStep } from './steps.js';

interface Tpl {
  id: string;
  name: string;
  channel: string;
}
interface Journey {
  id: string;
  name: string;
  status: string;
  definition: { trigger: { event?: { name: string } }; start: string; steps: Array<{ id: string; type: string; next?: string; duration?: { amount: number; unit: string }; template?: string }> };
}
interface Customer {
  userId: string | null;
  traits: Record<string, unknown>;
}
interface Message {
  id: number;
  to: string | null;
  subject: string | null;
}

/** JSON with sorted keys, to compare conditions whatever their key order. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Browser steps for the journeys pages: the canvas, the template editor, the outbox. */
export const journeysSteps: BrowserStep[] = [
  {
    name: 'builds a journey on the canvas, saves and publishes it',
    async run(ctx) {
      const { page } = ctx;
      const { templates } = await ctx.env.api<{ templates: Tpl[] }>('/api/templates');
      const tpl = templates.find((t) => t.channel === 'email');
      assert.ok(tpl, 'the demo has an email template');
      await ctx.open('/journeys/new');
      await page.getByLabel('Journey name').fill('Browser test journey');
      await page.getByLabel('Starts when').selectOption('event');
      await page.getByLabel('Event name').fill('Order Completed');
      await page.getByRole('button', { name: 'Add wait step' }).click();
      await page.getByLabel('Wait for amount').fill('1');
      await page.getByLabel('Wait for unit').selectOption('days');
      await page.getByRole('button', { name: 'Add send step' }).click();
      // Without a template the journey cannot be saved: the problem is named, on the node too.
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByRole('alert').filter({ hasText: 'send-1: choose a template' }).waitFor();
      await page.locator('.react-flow__node', { hasText: 'send-1' }).getByText('choose a template').waitFor();
      await page.getByLabel('Template', { exact: true }).selectOption(tpl.id);
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.waitForURL((u) => /^\/journeys\/(?!new$)[^/]+$/.test(u.pathname));
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByRole('status').filter({ hasText: 'Published version' }).waitFor();

      const { journeys } = await ctx.env.api<{ journeys: Journey[] }>('/api/journeys');
      const j = journeys.find((x) => x.name === 'Browser test journey');
      assert.ok(j, 'the journey exists');
      assert.equal(j.status, 'live');
      assert.equal(j.definition.trigger.event?.name, 'Order Completed');
      const byId = new Map(j.definition.steps.map((s) => [s.id, s]));
      const first = byId.get(j.definition.start)!;
      assert.equal(first.type, 'wait');
      assert.deepEqual(first.duration, { amount: 1, unit: 'days' });
      const second = byId.get(first.next!)!;
      assert.equal(second.type, 'send');
      assert.equal(second.template, tpl.id);
      assert.equal(byId.get(second.next!)?.type, 'exit');
      // The trigger plus one node per step.
      await page.locator('.react-flow__node').nth(j.definition.steps.length).waitFor();
      assert.equal(await page.locator('.react-flow__node').count(), j.definition.steps.length + 1);
      await page.getByRole('button', { name: 'Tidy layout' }).click();
      await page.locator('.react-flow__node', { hasText: 'send-1' }).click();
      await page.getByLabel('Template', { exact: true }).waitFor();
      await ctx.shots('journey-canvas');
    },
  },
  {
    name: 'edits a journey audience with the condition builder, round-trips it through JSON, and saves it',
    async run(ctx) {
      const { page, env } = ctx;
      const { journeys } = await env.api<{ journeys: Journey[] }>('/api/journeys');
      const j = journeys.find((x) => x.name === 'Browser test journey');
      assert.ok(j, 'the journey from the previous step exists');
      const expected = { all: [{ trait: { path: 'plan', op: 'eq', value: 'team' } }, { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 } } }] };
      await ctx.open(`/journeys/${j.id}`);
      await page.getByTestId('journey-node-trigger').click();
      const audience = page.getByRole('region', { name: 'Audience: only customers matching (optional)', exact: true });
      await audience.getByText('No condition: everyone qualifies.').waitFor();

      await audience.getByRole('button', { name: 'Add condition', exact: true }).click();
      await audience.getByRole('menuitem', { name: 'Trait', exact: true }).click();
      const c1 = audience.getByRole('group', { name: 'Condition 1', exact: true });
      await c1.getByLabel('Trait', { exact: true }).fill('plan');
      await c1.getByLabel('Value', { exact: true }).fill('pro');
      await audience.getByRole('button', { name: 'Add condition', exact: true }).click();
      await audience.getByRole('menuitem', { name: 'Performed event', exact: true }).click();
      const c2 = audience.getByRole('group', { name: 'Condition 2', exact: true });
      // An incomplete row says what is missing beside it, and the journey cannot be saved.
      await c2.getByText('choose an event name', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByRole('alert').filter({ hasText: 'not complete yet' }).waitFor();
      await c2.getByLabel('Event name', { exact: true }).fill('Order Completed');
      await c2.getByLabel('How often', { exact: true }).selectOption({ label: 'at least' });
      await c2.getByLabel('Times', { exact: true }).fill('2');

      // The JSON view holds what the form built; invalid JSON shows the zod error and keeps the form.
      await audience.getByRole('button', { name: 'JSON', exact: true }).click();
      const json = audience.getByLabel('Condition JSON');
      const built = JSON.parse(await json.inputValue());
      assert.equal(stable(built), stable({ all: [{ trait: { path: 'plan', op: 'eq', value: 'pro' } }, expected.all[1]] }));
      await json.fill('{ "all": [ { "trait": { "path": "plan", "op": "eq" } } ] }');
      await audience.getByRole('alert').filter({ hasText: 'all.0.trait' }).waitFor();
      await audience.getByRole('button', { name: 'Form', exact: true }).click();
      await audience.getByRole('button', { name: 'Discard JSON edits' }).click();
      assert.equal(await c1.getByLabel('Value', { exact: true }).inputValue(), 'pro', 'the form kept its state');
      // A valid JSON edit comes back as form rows.
      await audience.getByRole('button', { name: 'JSON', exact: true }).click();
      await json.fill(JSON.stringify(expected, null, 2));
      await audience.getByRole('button', { name: 'Form', exact: true }).click();
      assert.equal(await c1.getByLabel('Value', { exact: true }).inputValue(), 'team');
      assert.equal(await c2.getByLabel('Times', { exact: true }).inputValue(), '2');
      await c2.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await ctx.shots('journey-audience-builder');

      // The trigger event's property filters are form rows too.
      const where = page.getByRole('region', { name: 'Only when its properties match (optional)', exact: true });
      await where.getByRole('button', { name: '+ Property filter' }).click();
      const f1 = where.getByRole('group', { name: 'Property filter 1', exact: true });
      await f1.getByText('filter 1: name the property', { exact: true }).waitFor();
      await f1.getByLabel('Property', { exact: true }).fill('revenue');
      await f1.getByLabel('Test', { exact: true }).selectOption({ label: '>' });
      await f1.getByLabel('Value', { exact: true }).fill('fifty');
      await f1.getByText('revenue: "fifty" is not a number', { exact: true }).waitFor();
      await f1.getByLabel('Value', { exact: true }).fill('50');

      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByRole('status').filter({ hasText: 'Draft saved' }).waitFor();
      const saved = await env.api<Journey & { definition: { audience?: unknown } }>(`/api/journeys/${j.id}`);
      assert.equal(stable(saved.definition.audience), stable(expected), 'the server keeps the audience the builder made');
      assert.equal(stable((saved.definition.trigger as { event?: { where?: unknown } }).event?.where), stable([{ path: 'revenue', op: 'gt', value: 50 }]));

      // Reopened, the audience loads back into the builder rows.
      await ctx.open(`/journeys/${j.id}`);
      await page.getByTestId('journey-node-trigger').click();
      const again = page.getByRole('region', { name: 'Audience: only customers matching (optional)', exact: true });
      assert.equal(await again.getByRole('group', { name: 'Condition 1', exact: true }).getByLabel('Trait', { exact: true }).inputValue(), 'plan');
      assert.equal(await again.getByRole('group', { name: 'Condition 2', exact: true }).getByLabel('Event name', { exact: true }).inputValue(), 'Order Completed');
      assert.equal(await page.getByRole('button', { name: 'Save draft' }).isDisabled(), true, 'loading the audience changes nothing');
    },
  },
  {
    name: 'draws a demo journey with a branch and a split, and round-trips it unchanged',
    async run(ctx) {
      const { page } = ctx;
      const before = await ctx.env.api<Journey & { version: number }>('/api/journeys/jny_winback');
      await ctx.open('/journeys/jny_winback');
      await page.locator('.react-flow__node').nth(before.definition.steps.length).waitFor();
      assert.equal(await page.locator('.react-flow__node').count(), before.definition.steps.length + 1);
      // Every way out is an edge: trigger→start, branch yes/no, two split variants, and one next per other non-exit step.
      const ways = before.definition.steps.reduce((n, s) => n + (s.type === 'exit' ? 0 : s.type === 'branch' ? 2 : s.type === 'split' ? 2 : 1), 1);
      assert.equal(await page.locator('.react-flow__edge').count(), ways);
      await page.getByRole('button', { name: 'Save draft' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save draft' }).isDisabled(), true, 'nothing to save without edits');
      // The trigger's stage (at risk, kept apart from the ladder in the model) is a choice of the stage picker, not an empty one.
      await page.getByTestId('journey-node-trigger').click();
      const picked = page.getByLabel('Stage', { exact: true });
      assert.equal(await picked.inputValue(), 'at_risk');
      assert.equal((await picked.locator('option:checked').innerText()).trim(), (await ctx.env.api<{ model: { atRisk: { name: string } } }>('/api/lifecycle/model')).model.atRisk.name);
      await page.locator('.react-flow__node', { hasText: 'A/B split' }).click();
      await page.getByLabel('Variant 1 key').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save draft' }).isDisabled(), true, 'opening the inspector changes nothing');
      // The branch condition opens in the condition builder, as form rows, and changes nothing either.
      const branch = before.definition.steps.find((s) => s.type === 'branch');
      assert.ok(branch, 'the win-back journey has a branch');
      await page.getByTestId(`journey-node-${branch.id}`).click();
      const cond = page.getByRole('region', { name: /^Branch condition/ }).first();
      await cond.getByRole('group', { name: 'Condition 1', exact: true }).waitFor();
      assert.equal(await cond.getByLabel(/^Condition as JSON/).count(), 0, 'every part of the branch condition has a form');
      await cond.getByRole('button', { name: 'JSON', exact: true }).click();
      const shown = JSON.parse(await cond.getByLabel('Condition JSON').inputValue());
      assert.equal(stable(shown), stable((branch as unknown as { branches: Array<{ condition: unknown }> }).branches[0]!.condition), 'the JSON view shows the saved condition');
      assert.equal(await page.getByRole('button', { name: 'Save draft' }).isDisabled(), true, 'viewing the condition changes nothing');
      await ctx.shots('journey-canvas-demo');
    },
  },
  {
    name: 'shows per-step live counts on the canvas: how many reached each step, as the API counts them',
    async run(ctx) {
      const { page } = ctx;
      // A sign-up now enters the demo welcome journey.
      const userId = `canvas-counts-${Date.now()}`;
      const track = await fetch(`${ctx.env.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${ctx.env.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId, event: 'Signed Up', traits: { email: `${userId}@example.test` } }),
      });
      assert.equal(track.status, 200);
      type Stats = { entered: number; activeByStep: Record<string, number>; passedByStep: Record<string, number> };
      let stats: Stats | null = null;
      for (let i = 0; i < 100 && !(stats && Object.keys(stats.passedByStep).length > 0); i++) {
        if (i) await page.waitForTimeout(100);
        stats = await ctx.env.api<Stats>('/api/journeys/jny_welcome/stats');
      }
      assert.ok(stats && stats.entered > 0 && Object.keys(stats.passedByStep).length > 0, `the welcome journey ran a step: ${JSON.stringify(stats)}`);
      const j = await ctx.env.api<Journey>('/api/journeys/jny_welcome');
      await ctx.open('/journeys/jny_welcome');
      await page.locator('.jny-node-stats').first().waitFor();
      // The canvas reads the stats again on its own; counts only grow, so compare with a fresh read after the page shows them.
      await page.waitForTimeout(300);
      const lines = (await page.locator('.jny-node-stats div').allInnerTexts()).map((t) => t.split(' (')[0]!.trim());
      const fresh = await ctx.env.api<Stats>('/api/journeys/jny_welcome/stats');
      for (const step of j.definition.steps.filter((x) => x.type !== 'exit')) {
        const reached = (fresh.passedByStep[step.id] ?? 0) + (fresh.activeByStep[step.id] ?? 0);
        assert.ok(lines.includes(`${reached.toLocaleString('en-US')} reached`), `step ${step.id} shows "${reached} reached": ${lines.join(' | ')}`);
      }
      const start = (fresh.passedByStep[j.definition.start] ?? 0) + (fresh.activeByStep[j.definition.start] ?? 0);
      assert.ok(start > 0 && start <= fresh.entered, `the first step is reached by entrants (${start} of ${fresh.entered})`);
      await ctx.shots('journey-canvas-live');
    },
  },
  {
    name: 'lists journeys with their status, trigger and counts from the API',
    async run(ctx) {
      const { page } = ctx;
      const { journeys } = await ctx.env.api<{ journeys: Journey[] }>('/api/journeys');
      await ctx.open('/journeys');
      const table = page.getByRole('table', { name: 'Journeys' });
      await table.waitFor();
      assert.equal(await table.locator('tbody tr').count(), journeys.length);
      const j = journeys.find((x) => x.id === 'jny_winback')!;
      const stats = await ctx.env.api<{ entered: number; active: number }>(`/api/journeys/${j.id}/stats`);
      const row = table.locator('tbody tr', { has: page.getByRole('link', { name: j.name }) });
      await row.getByText('Loading counts…').waitFor({ state: 'detached' });
      const cells = await row.locator('td').allInnerTexts();
      assert.equal(cells[1]!.split('\n')[0], j.status);
      const { model } = await ctx.env.api<{ model: { atRisk: { key: string; name: string } } }>('/api/lifecycle/model');
      const stage = model.atRisk;
      assert.equal(stage.key, 'at_risk');
      assert.ok(cells[2]!.startsWith(`Enters stage ${stage.name}\n`), `the trigger names the stage: ${cells[2]}`);
      assert.equal(cells[3], stats.entered.toLocaleString('en-US'));
      assert.equal(cells[4], stats.active.toLocaleString('en-US'));
      await ctx.shots('journeys');
    },
  },
  {
    name: 'previews a template for a real customer',
    async run(ctx) {
      const { page } = ctx;
      const { customers } = await ctx.env.api<{ customers: Customer[] }>('/api/customers?limit=5');
      const c = customers.find((x) => typeof x.traits.first_name === 'string' && x.userId)!;
      assert.ok(c, 'a demo customer with a first name');
      const first = c.traits.first_name as string;
      const expected = await ctx.env.api<{ subject: string | null; html: string | null }>('/api/templates/welcome/preview', { body: { customerId: c.userId } });
      await ctx.open('/templates/welcome');
      await page.getByLabel('Find a customer').fill(String(c.traits.email ?? first));
      await page
        .getByRole('button', { name: new RegExp(first) })
        .first()
        .click();
      const frame = page.locator('iframe[title="Rendered preview"]');
      await frame.waitFor();
      const srcdoc = await frame.getAttribute('srcdoc');
      assert.equal(srcdoc, expected.html, 'the iframe shows the API’s rendering');
      assert.ok(srcdoc?.includes(first) || srcdoc?.includes(String(c.traits.email)), 'the preview names the customer');
      assert.equal(await frame.getAttribute('sandbox'), '');
      await page.getByText(expected.subject ?? '', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByRole('status').filter({ hasText: 'Test message' }).waitFor();
      await ctx.shots('template-editor');

      // Unsaved edits preview as you type; a Liquid error shows with its line; nothing is saved.
      const subject = page.getByLabel('Subject (Liquid)');
      const savedSubject = await subject.inputValue();
      const before = await ctx.env.api<{ version: number; subject: string | null }>('/api/templates/welcome');
      await subject.fill('Draft for {{ traits.first_name }}');
      await page.getByText(`Draft for ${first}`, { exact: true }).waitFor();
      const refused = await ctx.b.expecting4xx(async () => {
        await subject.fill('Draft for {{ traits.first_name');
        const alert = page.getByRole('alert', { name: 'Template error' });
        await alert.waitFor();
        assert.match(await alert.innerText(), /subject: line 1, column \d+/);
      });
      assert.equal(refused.length, 1, `one refused preview: ${refused.join('; ')}`);
      await subject.fill(savedSubject);
      await page.getByText(expected.subject ?? '', { exact: true }).waitFor();
      const after = await ctx.env.api<{ version: number; subject: string | null }>('/api/templates/welcome');
      assert.deepEqual(after, before, 'previewing saved nothing');
    },
  },
  {
    name: 'shows the outbox as the API lists it',
    async run(ctx) {
      const { page } = ctx;
      const { messages } = await ctx.env.api<{ messages: Message[] }>('/api/messages?limit=50');
      assert.ok(messages.length > 0, 'the outbox has messages (the template step sent one)');
      const m = messages[0]!;
      await ctx.open('/outbox');
      const row = page.getByRole('table', { name: 'Messages' }).locator('tbody tr').first();
      await row.waitFor();
      const text = await row.innerText();
      assert.ok(text.includes(m.to ?? '—'), `first row shows the recipient ${m.to}`);
      assert.ok(text.includes(m.subject ?? '—'), `first row shows the subject ${m.subject}`);
      await row.click();
      const panel = page.getByRole('region', { name: 'Message' });
      await panel.getByText(`Message ${m.id}`).waitFor();
      await panel.locator('iframe[sandbox=""]').waitFor();
      await ctx.shots('outbox');
      await page.getByLabel('Status').selectOption('outboxed');
      await page.waitForURL((u) => u.searchParams.get('status') === 'outboxed');
    },
  },
];

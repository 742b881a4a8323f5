import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DashboardEnv } from '../../src/test-support/browser.js';
import { bandOf, sentimentOf, type SurveyType } from '../../src/contracts/surveys.js';
import type { BrowserStep } from './steps.js';

/**
 * Browser steps for the Surveys area: build a survey in the editor with its live preview and
 * save it; then the results of a survey with answers put in the database as the answer
 * routes would (score with its margin, comments by band, held invitations), the "too few
 * answers" notice, and the follow-up queue where a follow-up is marked done.
 */

const QUESTION = 'How likely are you to recommend Brewline to a fellow coffee lover?';

/** 40 NPS answers: 20 promoters, 10 passives, 10 detractors → NPS = 50% − 25% = 25. */
const NPS_SCORES = [...Array(10).fill(10), ...Array(10).fill(9), ...Array(5).fill(8), ...Array(5).fill(7), 0, 1, 2, 3, 4, 5, 6, 6, 5, 3] as number[];
const COMMENTS: Record<number, string> = {
  30: 'The app logged me out three times this week.',
  31: 'Delivery came four days late.',
  32: 'Support never answered my email.',
  0: 'Love the weekly roast, tell everyone about it.',
};

interface Seeded {
  tasks: number[];
  customers: Array<{ id: number; userId: string }>;
}

/** Put answers in as the answer routes would: answered invitations with their responses; plus unanswered, dismissed, held and skipped invitations. */
async function seedAnswers(
  env: DashboardEnv,
  survey: string,
  type: SurveyType,
  scale: { min: number; max: number },
  scores: number[],
  extra: { sent: number; dismissed: number; held: number; skipped: number },
  offset: number,
): Promise<Seeded> {
  const n = scores.length + extra.sent + extra.dismissed + extra.held + extra.skipped;
  const { rows } = await env.db.query<{ id: string; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1 AND user_id IS NOT NULL ORDER BY id OFFSET $2 LIMIT $3`, [
    env.workspaceId,
    offset,
    n,
  ]);
  assert.equal(rows.length, n, 'the demo has enough customers');
  const customers = rows.map((r) => ({ id: Number(r.id), userId: r.user_id }));
  const invite = async (i: number, status: string, more: { reasonCode?: string; reason?: string; eligibleDays?: number } = {}) => {
    const sent = ['sent', 'answered', 'dismissed'].includes(status);
    const r = await env.db.query<{ id: string }>(
      `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, reason_code, reason, eligible_at, created_at, sent_at, answered_at)
       VALUES ($1, $2, 1, $3, $4, 'email', 'broadcast', '2026-Q4', $5, $6, $7, $8, CASE WHEN $9::int IS NULL THEN NULL ELSE now() + $9::int * interval '1 day' END,
               now() - interval '3 days', CASE WHEN $10 THEN now() - interval '3 days' END, CASE WHEN $6 = 'answered' THEN now() - interval '2 days' END)
       RETURNING id`,
      [env.workspaceId, survey, type, customers[i]!.id, `browser:${survey}:${i}`, status, more.reasonCode ?? null, more.reason ?? null, more.eligibleDays ?? null, sent],
    );
    return Number(r.rows[0]!.id);
  };
  const tasks: number[] = [];
  for (const [i, score] of scores.entries()) {
    const invitation = await invite(i, 'answered');
    const sentiment = sentimentOf(type, scale, score);
    const comment = COMMENTS[i] ?? null;
    const r = await env.db.query<{ id: string }>(
      `INSERT INTO survey_responses (workspace_id, invitation_id, survey_id, version, type, customer_id, channel, round, score, band, sentiment, comment, commented_at, responded_at)
       VALUES ($1, $2, $3, 1, $4, $5, 'email', '2026-Q4', $6, $7, $8, $9, CASE WHEN $9::text IS NULL THEN NULL ELSE now() - interval '2 days' END, now() - interval '2 days' + $10::int * interval '1 minute')
       RETURNING id`,
      [env.workspaceId, invitation, survey, type, customers[i]!.id, score, bandOf(type, scale, score), sentiment, comment, i],
    );
    // The first three detractors got a follow-up task (the first one overdue), as the answer route makes them.
    if (type === 'nps' && i >= 30 && i < 33) {
      const t = await env.db.query<{ id: string }>(
        `INSERT INTO tasks (workspace_id, customer_id, idempotency_key, title, assignee_role, due_at, created_at, reason, subject_key, response_id)
         VALUES ($1, $2, $3, 'Follow up on a detractor', 'success', now() + $4::int * interval '1 hour', now() - interval '2 days', 'survey:negative', $5, $6) RETURNING id`,
        [env.workspaceId, customers[i]!.id, `browser:${survey}:task:${i}`, i === 30 ? -5 : 24 * (i - 29), `customer:${customers[i]!.id}`, Number(r.rows[0]!.id)],
      );
      tasks.push(Number(t.rows[0]!.id));
    }
  }
  let i = scores.length;
  for (let k = 0; k < extra.sent; k++) await invite(i++, 'sent');
  for (let k = 0; k < extra.dismissed; k++) await invite(i++, 'dismissed');
  for (let k = 0; k < extra.held; k++)
    await invite(i++, 'held', { reasonCode: 'fatigue_type', reason: 'An NPS survey was sent to this customer 20 days ago (rule: 90 days between NPS surveys)', eligibleDays: 70 });
  for (let k = 0; k < extra.skipped; k++) await invite(i++, 'skipped', { reasonCode: 'sampled_out', reason: 'Not in the 50% sample' });
  return { tasks, customers };
}

const definition = (type: SurveyType) => ({ type, question: type === 'nps' ? QUESTION : 'How satisfied are you with your last order?', email: { subject: 'A quick question', intro: '' } });

/** The srcdoc of a preview frame once it holds `text` (the preview follows the form 400 ms after the last change). */
async function frameWith(page: Page, title: string, text: string): Promise<string> {
  const frame = page.locator(`iframe[title="${title}"]`);
  await frame.waitFor();
  const until = Date.now() + 10_000;
  for (;;) {
    const doc = (await frame.getAttribute('srcdoc')) ?? '';
    if (doc.includes(text)) return doc;
    if (Date.now() > until) assert.fail(`the ${title} never showed "${text}"`);
    await page.waitForTimeout(100);
  }
}

export const surveysSteps: BrowserStep[] = [
  {
    name: 'builds an NPS survey in the editor: the preview follows the question, a bad sample is refused on its field, saved and activated',
    async run({ page, open, shots, env }) {
      await open('/surveys');
      await page.getByRole('link', { name: 'New survey' }).click();
      await page.waitForURL((u) => u.pathname === '/surveys/new');
      await page.getByLabel('Survey name', { exact: true }).fill('Brewline NPS');
      await page.getByLabel('Survey id', { exact: true }).fill('brewline-nps');

      // The default question is previewed first; the edited one replaces it in the email, the answer page and the SMS.
      await frameWith(page, 'Email preview', 'recommend');
      await page.getByLabel('Question (Liquid)', { exact: true }).fill(QUESTION);
      const email = await frameWith(page, 'Email preview', QUESTION);
      assert.ok(email.includes('data-score="10"') && email.includes('data-score="0"'), 'the email shows the score buttons 0…10');
      await page.getByLabel('Email subject (Liquid)', { exact: true }).fill('One question for you');
      await page.getByTestId('preview-subject').filter({ hasText: 'One question for you' }).waitFor();
      await page.getByRole('tab', { name: 'Answer page' }).click();
      await frameWith(page, 'Answer page preview', QUESTION);
      await page.getByLabel('SMS text (Liquid; say how to answer)', { exact: true }).fill('Brewline here: how likely are you to recommend us? Reply 0-10.');
      await page.getByRole('tab', { name: 'SMS' }).click();
      await page.getByLabel('SMS preview').getByText('Brewline here: how likely are you to recommend us? Reply 0-10.').waitFor();
      await page.getByRole('tab', { name: 'Email' }).click();

      // A sample of 150% is refused on its field before anything is sent.
      await page.getByLabel('Sample (% sent)', { exact: true }).fill('150');
      await page.getByText('a share from 0 to 100 (%)').waitFor();
      await page.getByText('Fix the fields marked in the form to update the preview.').waitFor();
      await page.getByLabel('Sample (% sent)', { exact: true }).fill('50');

      await page.getByRole('button', { name: 'Save survey' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved (version 1).' }).waitFor();
      await page.waitForURL((u) => u.pathname === '/surveys/brewline-nps');
      const saved = await env.api<{ status: string; definition: { question: string; fatigue: { sampleRate: number }; sms?: { text: string } } }>('/api/surveys/brewline-nps');
      assert.equal(saved.status, 'draft');
      assert.equal(saved.definition.question, QUESTION);
      assert.equal(saved.definition.fatigue.sampleRate, 0.5);
      assert.equal(saved.definition.sms?.text, 'Brewline here: how likely are you to recommend us? Reply 0-10.');

      await page.getByLabel('Status', { exact: true }).selectOption('active');
      await page.getByRole('status').filter({ hasText: 'The survey is active.' }).waitFor();
      assert.equal((await env.api<{ status: string }>('/api/surveys/brewline-nps')).status, 'active');
      await shots('survey-editor');

      await open('/surveys');
      const row = page.locator('tr[data-survey="brewline-nps"]');
      await row.getByRole('link', { name: 'Brewline NPS' }).waitFor();
      assert.match(await row.innerText(), /NPS\s+active/);
    },
  },
  {
    name: 'results of a survey with 40 answers: NPS 25 with its margin, delivery, comments by band, held invitations with their reason; 5 answers say "too few"',
    async run({ page, open, shots, env }) {
      await env.api('/api/surveys', { body: { id: 'nps-seeded', name: 'Seeded NPS', definition: definition('nps') } });
      await env.api('/api/surveys', { body: { id: 'csat-small', name: 'Small CSAT', definition: definition('csat') } });
      const seeded = await seedAnswers(env, 'nps-seeded', 'nps', { min: 0, max: 10 }, NPS_SCORES, { sent: 12, dismissed: 3, held: 2, skipped: 1 }, 0);
      await seedAnswers(env, 'csat-small', 'csat', { min: 1, max: 5 }, [5, 4, 4, 2, 3], { sent: 0, dismissed: 0, held: 0, skipped: 0 }, 100);
      const api = await env.api<{ overall: { score: number; marginOfError: number; respondents: number; tooFew: boolean }; delivery: { sent: number; answered: number; responseRate: number } }>(
        '/api/surveys/nps-seeded/results',
      );
      // Hand-computed: 20 promoters and 10 detractors of 40 → 25; 40 answered of 55 sent (12 unanswered, 3 dismissed) → 72.7%.
      assert.deepEqual([api.overall.respondents, api.overall.score, api.overall.tooFew, api.delivery.sent, api.delivery.answered], [40, 25, false, 55, 40]);
      const moe = api.overall.marginOfError.toFixed(1);

      await open('/surveys/nps-seeded/results');
      const line = page.getByTestId('survey-score-line');
      await line.waitFor();
      assert.match(await line.innerText(), new RegExp(`^25 ± ${moe.replace('.', '\\.')} from 40 answers · 95% margin of error ± ${moe.replace('.', '\\.')}$`));
      assert.equal(await page.getByRole('note', { name: 'Too few answers' }).count(), 0, 'no "too few" notice at 40 answers');
      await page.getByRole('img', { name: `NPS 25 ± ${moe}` }).waitFor();
      assert.equal(await page.getByTestId('delivery-rate').locator('.kpi-value').innerText(), '72.7%');
      assert.equal(await page.getByTestId('delivery-sent').locator('.kpi-value').innerText(), '55');

      // Comments: detractors first, newest first; promoters on their tab.
      const detractors = page.getByRole('list', { name: 'Comments from detractors' });
      await detractors.waitFor();
      assert.deepEqual(await detractors.locator('blockquote').allInnerTexts(), [COMMENTS[32], COMMENTS[31], COMMENTS[30]]);
      await page.getByRole('tab', { name: 'Promoters' }).click();
      await page.getByRole('list', { name: 'Comments from promoters' }).getByText(COMMENTS[0]!).waitFor();

      // Held invitations say why and until when.
      const held = page.getByRole('table', { name: 'held invitations' });
      await held.waitFor();
      assert.equal(await held.locator('tbody tr').count(), 2);
      assert.match(await held.locator('tbody tr').first().innerText(), /90 days between NPS surveys/);
      await page.getByRole('tab', { name: 'Skipped' }).click();
      await page.getByRole('table', { name: 'skipped invitations' }).getByText('Not in the 50% sample').waitFor();
      await shots('survey-results');

      // 5 CSAT answers (4, 5, 4 satisfied; 3 neutral; 2 unsatisfied) → 60%, flagged as too few.
      await open('/surveys/csat-small/results');
      await page.getByRole('note', { name: 'Too few answers' }).waitFor();
      assert.match(await page.getByTestId('survey-score-line').innerText(), /^60% ± [\d.]+ pts from 5 answers/);
      assert.equal(seeded.tasks.length, 3);
    },
  },
  {
    name: 'the follow-up queue lists the open detractor follow-ups with the overdue one marked, and marks one done',
    async run({ page, open, shots, env }) {
      const { rows } = await env.db.query<{ id: string; due_at: Date }>(`SELECT id, due_at FROM tasks WHERE workspace_id = $1 AND reason = 'survey:negative' AND status = 'open' ORDER BY due_at`, [
        env.workspaceId,
      ]);
      assert.equal(rows.length, 3, 'the three seeded follow-ups are open');
      try {
        await open('/surveys?tab=follow-ups');
        const list = page.getByRole('list', { name: 'open follow-ups' });
        await list.waitFor();
        assert.equal(await list.getByRole('listitem').count(), 3);
        const overdue = list.locator('li[data-overdue]');
        assert.equal(await overdue.count(), 1, 'one follow-up is overdue');
        const overdueId = Number(rows[0]!.id);
        await overdue.getByText(COMMENTS[30]!).waitFor();
        await shots('survey-follow-ups');

        await page.getByRole('button', { name: `Mark follow-up ${overdueId} done` }).click();
        await page.getByRole('status').filter({ hasText: 'is done' }).waitFor();
        await page.getByRole('button', { name: `Mark follow-up ${overdueId} done` }).waitFor({ state: 'detached' });
        assert.equal(await list.getByRole('listitem').count(), 2);
        const { rows: after } = await env.db.query<{ status: string; done_at: Date | null }>(`SELECT status, done_at FROM tasks WHERE id = $1`, [overdueId]);
        assert.equal(after[0]!.status, 'done');
        assert.ok(after[0]!.done_at);
        await page.getByRole('tab', { name: 'Done' }).click();
        await page.getByRole('list', { name: 'done follow-ups' }).getByText(COMMENTS[30]!).waitFor();
      } finally {
        // The tasks area counts open tasks: leave none of these behind.
        await env.db.query(`DELETE FROM tasks WHERE workspace_id = $1 AND reason = 'survey:negative'`, [env.workspaceId]);
      }
    },
  },
];

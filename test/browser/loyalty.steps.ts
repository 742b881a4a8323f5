import assert from 'node:assert/strict';
import { balance, cardValue, FRIEND1, FRIEND2, friendVisitsAndOrders, referralOf } from './loyalty-helpers.js';
import type { BrowserStep } from './steps.js';

/**
 * Browser steps for Loyalty and Referrals: a programme configured in the UI (an order rule
 * with a cap, two tiers — a retain above its entry refused by the server on its field — then
 * live), a reward with a pasted code pool, and a referral followed from the advocate's link
 * to both sides' points: the friend opens the link in their own browser, lands on the landing
 * page with `?ref=CODE`, and their page view, identify and first order come in through the
 * real ingest API with the workspace's write key, as a real site sends them. The refund window
 * is 0 days, so the advocate is due at once. A second friend with a disposable email is held
 * and allowed with a note in the review queue.
 *
 * Hand-computed figures: the order rule gives 2 points per $1, so a $40 first order earns 80
 * and a $25 one 50; the friend's reward is 300 points, the advocate's 500. Friend 1: 300 + 80
 * = 380, then +20 by hand = 400. Friend 2: 300 + 50 = 350. The advocate: what they had + 500
 * per rewarded referral. Outstanding: 400 + 350 + 1,000 = 1,750 points (+ what was outstanding
 * before, e.g. the demo's members), worth $17.50 at $0.01 a point.
 */

const CODE = 'BREWFRIEND';

/** The advocate: a demo customer with a userId (the same one every run, seed 11). */
let advocate = '';
/** The advocate's balance before any referral (0 when not a member yet). */
let advocateBefore = 0;
/** Outstanding points before this area's referrals (the demo's members, if it runs a programme). */
let liabilityBefore = 0;

export const loyaltySteps: BrowserStep[] = [
  {
    name: 'configures a programme: an order rule with a cap (its one-line summary), two tiers (a retain above the entry refused by the server on its field), saved and live',
    async run({ page, open, shots, env, b }) {
      await open('/loyalty');
      const rulesCard = page.getByRole('region', { name: 'Earn rules' });
      await rulesCard.waitFor();
      // The demo may run a programme already: its rules are removed in the form, and the settings that change the figures below are set.
      while ((await rulesCard.getByRole('button', { name: /^Remove/ }).count()) > 0)
        await rulesCard
          .getByRole('button', { name: /^Remove/ })
          .first()
          .click();
      await rulesCard.getByText('No rules: members earn nothing.').waitFor();
      await page.getByLabel('Point value (USD)', { exact: true }).fill('0.01');
      await page.getByLabel('Enrolment', { exact: true }).selectOption('automatic');
      await page.getByLabel('Holdout (%)', { exact: true }).fill('0');
      await page.getByLabel('Order points pending', { exact: true }).selectOption('none');
      const tiersOn = page.getByLabel('Members move through tiers');
      if (await tiersOn.isChecked()) await tiersOn.uncheck();
      await page.getByRole('button', { name: '+ Points on orders' }).click();
      const rules = page.getByRole('list', { name: 'Earn rules' });
      const orderRule = rules.locator('li').filter({ hasText: 'Points on orders' }).first();
      await orderRule.getByLabel('points per currency unit', { exact: true }).fill('2');
      await orderRule.getByLabel('Cap (points)', { exact: true }).fill('500');
      await orderRule.getByTestId('rule-summary').filter({ hasText: '2 points per $1 on Order Completed, at most 500 a month' }).waitFor();

      await page.getByLabel('Members move through tiers').check();
      await page.getByLabel('Tier 2 name', { exact: true }).fill('Gold');
      await page.getByLabel('Tier 2 entry', { exact: true }).fill('1000');
      // A retain above the entry passes the form's schema; the server refuses it and names the field.
      await page.getByLabel('Tier 2 retain', { exact: true }).fill('1200');
      const refused = await b.expecting4xx(async () => {
        await page.getByRole('button', { name: 'Save programme' }).click();
        await page.getByRole('alert').filter({ hasText: 'fix the field marked below (tiers.tiers.1.retain)' }).waitFor();
      });
      assert.ok(refused.length >= 1, 'the save was refused with a 400');
      const retain = page.getByLabel('Tier 2 retain', { exact: true });
      assert.equal(await retain.getAttribute('aria-invalid'), 'true');
      await page.locator('.loy-tier').nth(1).getByRole('alert').filter({ hasText: 'must not be above the entry (1000)' }).waitFor();
      await retain.fill('800');

      await page.getByRole('button', { name: 'Save programme' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /Saved \(version \d+\)\./ })
        .waitFor();
      await page.getByRole('button', { name: 'Go live' }).click();
      await page.getByRole('status').filter({ hasText: 'The programme is live.' }).waitFor();
      await page.getByRole('button', { name: 'Pause' }).waitFor();

      const saved = await env.api<{
        status: string;
        settings: { earnRules: Array<{ kind: string; pointsPerUnit?: number; cap?: { points: number; per: string } }>; tiers?: { tiers: Array<{ key: string; entry: number; retain: number }> } };
      }>('/api/loyalty/programme');
      assert.equal(saved.status, 'live');
      const order = saved.settings.earnRules.find((r) => r.kind === 'order');
      assert.equal(order?.pointsPerUnit, 2);
      assert.deepEqual(order?.cap, { points: 500, per: 'month' });
      assert.deepEqual(
        saved.settings.tiers?.tiers.map((t) => [t.entry, t.retain]),
        [
          [0, 0],
          [1000, 800],
        ],
      );
      await shots('loyalty-programme');
    },
  },
  {
    name: 'adds a reward to the catalogue and fills its code pool by paste: "4 codes added, 1 duplicate skipped", then one more already there',
    async run({ page, open, shots, env }) {
      await open('/loyalty?tab=rewards');
      await page.getByRole('button', { name: 'New reward' }).click();
      const form = page.getByRole('form', { name: 'New reward' });
      await form.getByLabel('Reward name', { exact: true }).fill('$5 off');
      await form.getByLabel('Reward id', { exact: true }).fill('five-off');
      await form.getByLabel('Cost (points)', { exact: true }).fill('500');
      await form.getByLabel('Worth (currency)', { exact: true }).fill('5');
      await form.getByRole('button', { name: 'Add reward' }).click();

      // 5 lines (one blank left out): BREW-002 twice → 4 codes, 1 duplicate.
      const pool = page.getByRole('form', { name: 'Code pool of $5 off' });
      await pool.getByLabel('Codes, one a line').fill('BREW-001\nBREW-002\nBREW-003\nBREW-002\n\nBREW-004\n');
      await pool.getByRole('button', { name: 'Add 5 codes' }).click();
      await pool.getByRole('status').filter({ hasText: '4 codes added, 1 duplicate skipped.' }).waitFor();
      // BREW-004 is in the pool already: 1 added, 1 skipped → 5 left.
      await pool.getByLabel('Codes, one a line').fill('BREW-004\nBREW-005');
      await pool.getByRole('button', { name: 'Add 2 codes' }).click();
      await pool.getByRole('status').filter({ hasText: '1 code added, 1 duplicate skipped.' }).waitFor();
      await page.locator('tr[data-reward="five-off"] [data-testid="codes-left"]').filter({ hasText: /^5$/ }).waitFor();
      const { rewards } = await env.api<{ rewards: Array<{ id: string; cost: number; codesLeft: number | null }> }>('/api/loyalty/rewards');
      const r = rewards.find((x) => x.id === 'five-off');
      assert.deepEqual([r?.cost, r?.codesLeft], [500, 5]);
      await shots('loyalty-rewards');
    },
  },
  {
    name: 'follows a referral from link to reward: referrals on, the advocate’s code made on their page, the friend opens the link, signs up and orders; both sides get their points',
    async run({ page, open, shots, env, b }) {
      // A demo customer who is no advocate yet (the demo may run referrals of its own).
      const { rows } = await env.db.query<{ user_id: string }>(
        `SELECT c.user_id FROM customers c WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM referral_codes r WHERE r.workspace_id = c.workspace_id AND r.customer_id = c.id)
         ORDER BY c.id OFFSET 7 LIMIT 1`,
        [env.workspaceId],
      );
      advocate = rows[0]!.user_id;
      advocateBefore = await balance(env, advocate);
      liabilityBefore = (await env.api<{ available: { points: number } }>('/api/loyalty/reports/liability')).available.points;

      await b.expecting4xx(async () => {
        await open('/referrals?tab=settings');
        await page.getByRole('form', { name: 'Referral settings' }).waitFor();
      });
      await page.getByLabel('Referrals on').check();
      await page.getByLabel('Landing page URL', { exact: true }).fill(`${env.url}/welcome`);
      await page.getByLabel('Refund window (days)', { exact: true }).fill('0');
      await page.getByLabel('Friend’s reward: points', { exact: true }).fill('300');
      await page.getByLabel('Advocate’s reward: points', { exact: true }).fill('500');
      await page.getByLabel('Minimum first order', { exact: true }).fill('0');
      await page.getByLabel('Most rewards per advocate', { exact: true }).fill('');
      await page.getByLabel('Disposable email: action', { exact: true }).selectOption('hold');
      await page.getByRole('button', { name: 'Save referral settings' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      const settings = await env.api<{ enabled: boolean; refundWindowDays: number; friendReward: unknown; advocateReward: unknown }>('/api/referrals/settings');
      assert.deepEqual([settings.enabled, settings.refundWindowDays, settings.friendReward, settings.advocateReward], [true, 0, { points: 300 }, { points: 500 }]);
      await shots('referral-settings');

      // The advocate's code, made on their 360 page.
      await open(`/customers/${encodeURIComponent(advocate)}`);
      const card = page.getByRole('region', { name: 'Loyalty' });
      await card.getByLabel('Vanity code (optional)').fill(CODE.toLowerCase());
      await card.getByRole('button', { name: 'Create referral code' }).click();
      const link = await card.locator(`[data-code="${CODE}"] code`).innerText();
      assert.match(link, new RegExp(`/r/default/${CODE}$`));
      // The link is on the server's public URL (configuration); this test's server listens elsewhere.
      const visit = env.url + new URL(link).pathname;

      // The friend opens the link in their own browser: a click recorded, 302 to the landing page with the code.
      const friendCtx = await b.browser.newContext();
      const friendPage = await friendCtx.newPage();
      await friendPage.goto(visit);
      await friendPage.waitForURL((u) => u.searchParams.get('ref') === CODE);
      const landing = friendPage.url();
      assert.equal(new URL(landing).pathname, '/welcome');
      await friendCtx.close();

      await friendVisitsAndOrders(env, FRIEND1, landing, null);
      const r1 = await referralOf(env, FRIEND1.userId, (r) => r.status === 'rewarded', 'friend 1’s referral rewarded');
      assert.equal(r1.status, 'rewarded');

      await open('/referrals');
      const row = page.locator(`tr[data-referral="${r1.id}"]`);
      await row.getByText(FRIEND1.email).waitFor();
      assert.equal(await row.getAttribute('data-status'), 'rewarded');
      await shots('referrals-list');

      // Friend: 300 for being referred + 80 for the $40 order at 2 points per $1 = 380.
      await open(`/customers/${FRIEND1.userId}`);
      await cardValue(page, 'member-available', 380);
      const card1 = page.getByRole('region', { name: 'Loyalty' });
      await card1.getByRole('table', { name: 'Ledger' }).waitFor();
      // Points earned this term: 300 + 80 = 380, of Gold's entry of 1,000.
      await card1.getByTestId('tier-progress').filter({ hasText: '380 points of 1,000 points for Gold' }).waitFor();
      // An adjustment by hand: +20 → 400, the reason on the ledger.
      await card1.locator('summary').filter({ hasText: 'Adjust points' }).click();
      await card1.getByLabel('Points (±)', { exact: true }).fill('20');
      await card1.getByLabel('Reason', { exact: true }).fill('Goodwill for a late delivery');
      await card1.getByRole('button', { name: 'Adjust points' }).click();
      await card1.getByRole('status').filter({ hasText: 'Added 20 points: the balance is now 400.' }).waitFor();
      await cardValue(page, 'member-available', 400);
      await card1.getByRole('table', { name: 'Ledger' }).getByText('Goodwill for a late delivery').waitFor();
      // The customer's own signed link to their page.
      await card1.getByRole('button', { name: 'Show the customer’s own link' }).click();
      assert.match(await card1.getByLabel('Customer’s loyalty link').innerText(), /\/l\/[A-Za-z0-9._~-]+/);
      // The advocate: 500 more than before.
      await open(`/customers/${encodeURIComponent(advocate)}`);
      await cardValue(page, 'member-available', advocateBefore + 500);
      await shots('customer-loyalty');

      await open('/referrals?tab=leaderboard');
      const lb = page.locator(`tr[data-advocate="${advocate}"]`);
      await lb.getByText(CODE).waitFor();
      assert.equal(await lb.getByTestId('lb-rewarded').innerText(), '1');
    },
  },
  {
    name: 'a friend with a disposable email is held; the review queue shows why, wants a note, and Allow pays both sides',
    async run({ page, open, shots, env }) {
      assert.ok(advocate, 'the link-to-reward step ran first');
      await friendVisitsAndOrders(env, FRIEND2, null, CODE);
      const held = await referralOf(env, FRIEND2.userId, (r) => r.status === 'held', 'friend 2’s referral held');

      await open('/referrals?tab=review');
      const item = page.locator(`li[data-referral="${held.id}"]`);
      await item
        .getByRole('list', { name: `Reasons referral ${held.id} was held` })
        .getByText('Disposable email')
        .waitFor();
      await shots('referral-review');
      await item.getByRole('button', { name: 'Allow' }).click();
      await item.getByRole('alert').filter({ hasText: 'Write a note' }).waitFor();
      await item.getByLabel(`Note on referral ${held.id}`).fill('Checked by phone: a new customer');
      await item.getByRole('button', { name: 'Allow' }).click();
      await item.waitFor({ state: 'detached' });

      const done = await referralOf(env, FRIEND2.userId, (r) => r.status === 'rewarded', 'friend 2’s referral rewarded after Allow');
      assert.equal(done.override?.note, 'Checked by phone: a new customer');
      // Friend 2: 300 + 50 for the $25 order = 350; the advocate: two rewards, 1,000 more than before.
      await open(`/customers/${FRIEND2.userId}`);
      await cardValue(page, 'member-available', 350);
      await open(`/customers/${encodeURIComponent(advocate)}`);
      await cardValue(page, 'member-available', advocateBefore + 1000);
      await open('/referrals?tab=leaderboard');
      assert.equal(await page.locator(`tr[data-advocate="${advocate}"]`).getByTestId('lb-rewarded').innerText(), '2');
    },
  },
  {
    name: 'the reports: liability KPIs (1,750 points outstanding, $17.50) and the chart by expiry month, lift with its note',
    async run({ page, open, shots }) {
      await open('/loyalty?tab=reports');
      // The advocate's earlier points are in liabilityBefore already.
      const points = liabilityBefore + 400 + 350 + 1000;
      const kpi = page.getByTestId('liability-available');
      await kpi.waitFor();
      assert.equal(await kpi.locator('.kpi-value').innerText(), (points / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: points >= 100_000 ? 0 : 2 }));
      assert.match(await kpi.innerText(), new RegExp(`${points.toLocaleString('en-US')} points available`));
      await page.getByRole('img', { name: 'Outstanding value by the month it expires' }).waitFor();
      await page.getByTestId('lift-note').waitFor();
      await shots('loyalty-reports');
    },
  },
];

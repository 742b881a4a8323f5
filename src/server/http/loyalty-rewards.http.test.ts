import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { getMessagingSettings } from '../channels/settings.repo.js';
import { makeSurveyToken } from '../surveys/survey-tokens.js';
import { makeLoyaltyToken } from '../loyalty/loyalty-tokens.js';
import { earn } from '../loyalty/ledger.js';
import { CODE_ALPHABET } from '../../contracts/referrals.js';

let seq = 0;
function identify(userId: string): NormalizedEvent {
  const r = normalizeCall(
    { messageId: `lh-${seq++}`, userId, traits: { email: `${userId}@example.com` }, timestamp: '2026-01-01T00:00:00Z' },
    'identify',
    { receivedAt: new Date(), bodyBytes: 80 },
    0,
    '',
  );
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

for (const target of dbTargets()) {
  describe(`loyalty rewards admin API and the customer's link (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let ws: number;
    const id: Record<string, number> = {};
    const api = (path: string, init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: string } = {}) =>
      http(`${server.url}${path}`, { auth: admin, ...init });
    const redemptions = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_redemptions WHERE workspace_id = $1`, [ws])).rows[0]!.n;
    const balance = async (u: string) =>
      (await db.query<{ s: number }>(`SELECT coalesce(sum(amount), 0)::int AS s FROM loyalty_postings WHERE workspace_id = $1 AND customer_id = $2 AND account = 'available'`, [ws, id[u]])).rows[0]!.s;

    before(async () => {
      db = await target.open();
      const w = await makeWorkspace(db, 'loyalty-http');
      ws = w.workspace.id;
      admin = `Bearer ${w.adminKey}`;
      await ingestEvents(db, ws, [identify('ann'), identify('bob'), identify('hal')]);
      for (const r of (await db.query<{ id: number; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1`, [ws])).rows) id[r.user_id] = Number(r.id);
      await db.query(`INSERT INTO loyalty_programmes (workspace_id, status, settings) VALUES ($1, 'live', $2)`, [ws, JSON.stringify({ name: 'Club <Tenure>', pointsName: 'stars' })]);
      for (const [u, s] of [
        ['ann', 'member'],
        ['bob', 'member'],
        ['hal', 'holdout'],
      ] as const)
        await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at) VALUES ($1, $2, $3, now())`, [ws, id[u], s]);
      // Ann 500 stars, Bob 30.
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at: new Date(), key: 'seed-ann', points: 500, expiresAt: null }))).ok);
      assert.ok((await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.bob!, at: new Date(), key: 'seed-bob', points: 30, expiresAt: null }))).ok);
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('keeps the catalogue: add (201), refuse a bad one (400) or a taken id (409), change, list', async () => {
      const coffee = await api('/api/loyalty/rewards', { body: { id: 'coffee', name: 'Coffee <b>free</b>', kind: 'discount_code', cost: 100, codes: { source: 'pool' } } });
      assert.equal(coffee.status, 201);
      assert.equal(coffee.body.codesLeft, 0);
      assert.equal(
        (await api('/api/loyalty/rewards', { body: { id: 'tenoff', name: '€10 off', kind: 'discount_code', cost: 200, value: 10, codes: { source: 'generate', prefix: 'TEN-' }, perMemberLimit: 1 } }))
          .status,
        201,
      );
      assert.equal((await api('/api/loyalty/rewards', { body: { id: 'tote', name: 'Tote bag', kind: 'custom', cost: 50 } })).status, 201);
      const noCodes = await api('/api/loyalty/rewards', { body: { id: 'bad', name: 'Bad', kind: 'discount_code', cost: 1 } });
      assert.equal(noCodes.status, 400);
      assert.equal(noCodes.body.error.code, 'validation_failed');
      const taken = await api('/api/loyalty/rewards', { body: { id: 'tote', name: 'Again', kind: 'custom', cost: 1 } });
      assert.equal(taken.status, 409);
      const wrongId = await api('/api/loyalty/rewards/tote', { method: 'PUT', body: { id: 'other', name: 'Tote bag', kind: 'custom', cost: 50 } });
      assert.equal(wrongId.status, 400);
      const off = await api('/api/loyalty/rewards/tote', { method: 'PUT', body: { name: 'Tote bag', kind: 'custom', cost: 50, active: false } });
      assert.equal(off.status, 200);
      assert.equal(off.body.active, false);
      assert.equal((await api('/api/loyalty/rewards/nope', { method: 'PUT', body: { name: 'x', kind: 'custom', cost: 1 } })).status, 404);
      const list = await api('/api/loyalty/rewards');
      assert.deepEqual(
        list.body.rewards.map((r: { id: string }) => r.id),
        ['coffee', 'tenoff', 'tote'],
      );
      assert.equal((await api('/api/loyalty/rewards', { auth: 'Bearer nope' })).status, 401);
    });

    it('takes a code pool as text: trims, skips and counts blanks and repeats; refuses a long line naming it', async () => {
      const up = await api('/api/loyalty/rewards/coffee/codes', { rawBody: 'C-1\n\n  C-2  \r\nC-1\n', headers: { 'content-type': 'text/plain' } });
      assert.equal(up.status, 200);
      assert.deepEqual(up.body, { added: 2, duplicates: 1, blanks: 1, codesLeft: 2 });
      const again = await api('/api/loyalty/rewards/coffee/codes', { rawBody: 'C-2\nC-3', headers: { 'content-type': 'text/plain' } });
      assert.deepEqual(again.body, { added: 1, duplicates: 1, blanks: 0, codesLeft: 3 });
      const long = await api('/api/loyalty/rewards/coffee/codes', { rawBody: `C-9\n${'Z'.repeat(65)}\n`, headers: { 'content-type': 'text/plain' } });
      assert.equal(long.status, 400);
      assert.match(long.body.error.message, /^line 2: /);
      assert.equal((await api('/api/loyalty/rewards/tenoff/codes', { rawBody: 'X', headers: { 'content-type': 'text/plain' } })).status, 409);
      assert.equal((await api('/api/loyalty/rewards/nope/codes', { rawBody: 'X', headers: { 'content-type': 'text/plain' } })).status, 404);
      const big = await api('/api/loyalty/rewards/coffee/codes', { rawBody: `${'Y'.repeat(60)}\n`.repeat(40_000), headers: { 'content-type': 'text/plain' } });
      assert.equal(big.status, 413);
    });

    it('redeems through the API once per key; refusals are 404 and 409 with clear messages', async () => {
      const r1 = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'tenoff', key: 'k1' } });
      assert.equal(r1.status, 201);
      assert.match(r1.body.code, new RegExp(`^TEN-[${CODE_ALPHABET}]{8}$`));
      assert.deepEqual([r1.body.userId, r1.body.points, r1.body.status, r1.body.channel, r1.body.replayed], ['ann', 200, 'issued', 'api', false]);
      const r2 = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'tenoff', key: 'k1' } });
      assert.equal(r2.status, 200);
      assert.deepEqual([r2.body.id, r2.body.code, r2.body.replayed], [r1.body.id, r1.body.code, true]);
      assert.equal(await balance('ann'), 300); // 500 − 200, once

      const limit = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'tenoff', key: 'k2' } });
      assert.equal(limit.status, 409);
      assert.match(limit.body.error.message, /at most 1 time/);
      const poor = await api('/api/loyalty/members/bob/redemptions', { body: { rewardId: 'coffee', key: 'b1' } });
      assert.equal(poor.status, 409);
      assert.equal(poor.body.error.message, '"Coffee <b>free</b>" costs 100 points; the balance is 30');
      const unknown = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'nope', key: 'k3' } });
      assert.equal(unknown.status, 404);
      const inactive = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'tote', key: 'k4' } });
      assert.equal(inactive.status, 409);
      assert.match(inactive.body.error.message, /not offered any more/);
      assert.equal((await api('/api/loyalty/members/nobody/redemptions', { body: { rewardId: 'coffee', key: 'k5' } })).status, 404);
      assert.equal((await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'coffee' } })).status, 400);

      // The pool's three codes, then an empty pool.
      for (const k of ['p1', 'p2', 'p3']) assert.equal((await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'coffee', key: k } })).status, 201);
      assert.equal(await balance('ann'), 0); // 300 − 3 × 100
      await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.ann!, at: new Date(), key: 'seed-ann-2', points: 1000, expiresAt: null }));
      const empty = await api('/api/loyalty/members/ann/redemptions', { body: { rewardId: 'coffee', key: 'p4' } });
      assert.equal(empty.status, 409);
      assert.match(empty.body.error.message, /no codes left/);
      const list = await api('/api/loyalty/redemptions?customer=ann');
      assert.equal(list.status, 200);
      assert.equal(list.body.redemptions.length, 4);
      assert.deepEqual(
        list.body.redemptions
          .map((r: { code: string }) => r.code)
          .filter((c: string) => c.startsWith('C-'))
          .sort(),
        ['C-1', 'C-2', 'C-3'],
      );
    });

    it('cancels (points back) and marks used; a used redemption cannot be cancelled', async () => {
      const list = (await api('/api/loyalty/redemptions?customer=ann')).body.redemptions as { id: number; rewardId: string }[];
      const [first, second] = list.filter((r) => r.rewardId === 'coffee');
      const before = await balance('ann'); // 1000
      const c = await api(`/api/loyalty/redemptions/${first!.id}/cancel`, { body: { reason: 'wrong item' } });
      assert.equal(c.status, 200);
      assert.equal(c.body.status, 'cancelled');
      assert.equal(await balance('ann'), before + 100);
      const u = await api(`/api/loyalty/redemptions/${second!.id}/used`, { method: 'POST' });
      assert.equal(u.status, 200);
      assert.equal(u.body.status, 'used');
      const late = await api(`/api/loyalty/redemptions/${second!.id}/cancel`, { body: {} });
      assert.equal(late.status, 409);
      assert.equal((await api('/api/loyalty/redemptions/999999/cancel', { body: {} })).status, 404);
    });

    it("hands out the customer's signed link; GET shows (HTML or JSON) and never redeems; POST redeems once", async () => {
      const link = await api('/api/loyalty/members/bob/link');
      assert.equal(link.status, 200);
      const url = new URL(link.body.url);
      assert.match(url.pathname, /^\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      assert.ok(Date.parse(link.body.expiresAt) > Date.now() + 179 * 86_400_000);
      assert.equal((await api('/api/loyalty/members/hal/link')).status, 409);
      const path = url.pathname;

      const count = await redemptions();
      const page = await fetch(`${server.url}${path}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      assert.match(csp, /script-src 'none'/);
      const html = await page.text();
      assert.ok(html.includes(`<style nonce="${nonce}">`));
      assert.ok(html.includes('Club &lt;Tenure&gt;'));
      assert.ok(html.includes('Coffee &lt;b&gt;free&lt;/b&gt;'));
      assert.ok(!html.includes('<b>free</b>'));
      assert.match(html, /30 <span class="muted">stars<\/span>/);
      assert.ok(html.includes('name="viewport" content="width=device-width, initial-scale=1"'));
      assert.equal(await redemptions(), count, 'a GET redeems nothing');

      const json = await http(`${server.url}${path}`, { headers: { accept: 'application/json' } });
      assert.equal(json.status, 200);
      assert.deepEqual([json.body.programme, json.body.pointsName, json.body.available, json.body.pending, json.body.referral], ['Club <Tenure>', 'stars', 30, 0, null]);
      assert.deepEqual(
        json.body.rewards.map((r: { id: string; affordable: boolean }) => [r.id, r.affordable]),
        [
          ['coffee', false],
          ['tenoff', false],
        ],
      );

      // Bob gets 300 more and redeems €10 off from his page, twice with the same key: one redemption, one debit.
      await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id.bob!, at: new Date(), key: 'seed-bob-2', points: 300, expiresAt: null }));
      const p1 = await http(`${server.url}${path}/redeem`, { body: { rewardId: 'tenoff', key: 'page-1' }, headers: { accept: 'application/json' } });
      assert.equal(p1.status, 201);
      assert.match(p1.body.redemption.code, /^TEN-/);
      const p2 = await http(`${server.url}${path}/redeem`, { body: { rewardId: 'tenoff', key: 'page-1' }, headers: { accept: 'application/json' } });
      assert.equal(p2.status, 200);
      assert.equal(p2.body.replayed, true);
      assert.equal(p2.body.redemption.code, p1.body.redemption.code);
      assert.equal(await balance('bob'), 130); // 30 + 300 − 200
      assert.equal(p2.body.view.available, 130);
      const again = await http(`${server.url}${path}/redeem`, { body: { rewardId: 'tenoff', key: 'page-2' }, headers: { accept: 'application/json' } });
      assert.equal(again.status, 409);
      const empty = await http(`${server.url}${path}/redeem`, { body: { rewardId: 'coffee', key: 'page-3' }, headers: { accept: 'application/json' } });
      assert.equal(empty.status, 409);
      assert.match(empty.body.error.message, /no codes left/);

      // The page's form: a form post answers the page with the code.
      const redeemedPage = await fetch(`${server.url}${path}`);
      assert.ok((await redeemedPage.text()).includes(p1.body.redemption.code));
      await db.query(`INSERT INTO loyalty_reward_codes (workspace_id, reward_id, code) VALUES ($1, 'coffee', 'FORM-1')`, [ws]);
      const form = await fetch(`${server.url}${path}/redeem`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rewardId=coffee&key=form-1' });
      assert.equal(form.status, 200);
      assert.match(await form.text(), /Your code: FORM-1/);
      assert.equal(await balance('bob'), 30);
    });

    it('a forged, expired or survey token shows nothing (404) and redeems nothing', async () => {
      const { secret } = await getMessagingSettings(db, ws);
      const now = Math.floor(Date.now() / 1000);
      const good = makeLoyaltyToken(secret, { w: ws, c: id.ann! }, now);
      const [payload, sig] = good.split('.');
      const forgedClaims = Buffer.from(JSON.stringify({ w: ws, c: id.ann!, e: now + 10 ** 8 })).toString('base64url');
      const tokens = {
        forgedSignature: `${payload}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`,
        otherClaims: `${forgedClaims}.${sig}`,
        otherSecret: makeLoyaltyToken('not-the-secret', { w: ws, c: id.ann! }, now),
        expired: makeLoyaltyToken(secret, { w: ws, c: id.ann! }, now - 181 * 86_400),
        survey: makeSurveyToken(secret, { w: ws, i: id.ann!, c: id.ann! }, now),
      };
      const count = await redemptions();
      for (const [name, t] of Object.entries(tokens)) {
        const j = await http(`${server.url}/l/${t}`, { headers: { accept: 'application/json' } });
        assert.equal(j.status, 404, name);
        assert.equal(j.body.error.code, 'not_found', name);
        assert.equal(j.body.available, undefined, name);
        const h = await fetch(`${server.url}/l/${t}`);
        assert.equal(h.status, 404, name);
        const text = await h.text();
        assert.ok(!text.includes('Club') && !text.includes('stars'), name);
        const p = await http(`${server.url}/l/${t}/redeem`, { body: { rewardId: 'tenoff', key: `forged-${name}` }, headers: { accept: 'application/json' } });
        assert.equal(p.status, 404, name);
      }
      assert.equal(await redemptions(), count);
      // The good one works.
      assert.equal((await http(`${server.url}/l/${good}`, { headers: { accept: 'application/json' } })).status, 200);
    });

    it('answers the liability and lift reports', async () => {
      const l = await api('/api/loyalty/reports/liability');
      assert.equal(l.status, 200);
      assert.equal(l.body.members, 2);
      assert.equal(l.body.available.points, (await balance('ann')) + (await balance('bob')));
      const lift = await api('/api/loyalty/reports/lift?windowDays=30');
      assert.equal(lift.status, 200);
      assert.equal(lift.body.comparison, 'holdout');
      assert.equal(lift.body.tooFew, true);
      assert.equal((await api('/api/loyalty/reports/lift?windowDays=0')).status, 400);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import type { Wiring } from '../roles/wiring.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { sweepReferrals } from '../referrals/referral-processor.js';

const DAY = 86_400_000;
const LANDING = 'https://shop.example/join?src=mail#top';

for (const target of dbTargets()) {
  describe(`referrals admin API and /r/ links (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let write: string;
    let slug: string;
    let ws: number;
    const api = (path: string, init: { method?: string; body?: unknown } = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const wiring = () => (server.app as unknown as { wiring: Wiring }).wiring;
    const follow = (path: string, ua = 'Mozilla/5.0 (Test) Clicker/1.0') => fetch(`${server.url}${path}`, { redirect: 'manual', headers: { 'user-agent': ua } });
    const t = Date.now() - 2 * DAY;
    const at = (min: number) => new Date(t + min * 60_000).toISOString();
    let annCode = '';

    before(async () => {
      db = await target.open();
      const made = await makeWorkspace(db, 'ref-http');
      admin = `Bearer ${made.adminKey}`;
      write = basic(made.writeKey);
      slug = made.workspace.slug;
      ws = made.workspace.id;
      server = await startServer(db, { stages: null, segments: null });
      const ctx = (ip: string, ua: string) => ({ ip, userAgent: ua });
      const res = await http(`${server.url}/v1/batch`, {
        auth: write,
        body: {
          batch: [
            { type: 'identify', userId: 'ann', anonymousId: 'a-ann', traits: { email: 'ann@example.com' }, context: ctx('198.51.100.1', 'UA-Ann'), timestamp: at(0) },
            { type: 'identify', userId: 'bob', anonymousId: 'a-bob', traits: { email: 'bob@example.com' }, context: ctx('198.51.100.2', 'UA-Bob'), timestamp: at(0) },
          ],
        },
      });
      assert.equal(res.status, 200);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('settings: 404 before, then saved with defaults filled in; bad input is a 400 with a field', async () => {
      assert.equal((await api('/api/referrals/settings')).status, 404);
      const bad = await api('/api/referrals/settings', { method: 'PUT', body: { enabled: true, landingUrl: 'not a url', friendReward: { points: 100 }, advocateReward: { points: 250 } } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      const put = await api('/api/referrals/settings', { method: 'PUT', body: { enabled: true, landingUrl: LANDING, friendReward: { points: 100 }, advocateReward: { points: 250 } } });
      assert.equal(put.status, 200);
      assert.equal(put.body.param, 'ref');
      assert.equal(put.body.refundWindowDays, 30);
    });

    it('codes: one generated code per advocate; vanity codes unique and not confusable (409); reserved (400); unknown customer (404)', async () => {
      const a = await api('/api/referrals/codes', { method: 'POST', body: { customer: 'ann' } });
      assert.equal(a.status, 200);
      assert.match(a.body.code, /^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/);
      assert.equal(a.body.link, `http://127.0.0.1:3000/r/${slug}/${a.body.code}`);
      annCode = a.body.code;
      assert.equal((await api('/api/referrals/codes', { method: 'POST', body: { customer: 'a-ann' } })).body.code, annCode);
      const v = await api('/api/referrals/codes', { method: 'POST', body: { customer: 'ann', code: ' ann-vip' } });
      assert.equal(v.status, 201);
      assert.equal(v.body.code, 'ANN-VIP');
      assert.equal((await api('/api/referrals/codes', { method: 'POST', body: { customer: 'bob', code: 'ann-vip' } })).status, 409);
      const confusable = await api('/api/referrals/codes', { method: 'POST', body: { customer: 'bob', code: 'ANN-V1P' } });
      assert.equal(confusable.status, 409);
      assert.equal(confusable.body.error.code, 'conflict');
      assert.equal((await api('/api/referrals/codes', { method: 'POST', body: { customer: 'bob', code: 'admin' } })).status, 400);
      assert.equal((await api('/api/referrals/codes', { method: 'POST', body: { customer: 'nobody' } })).status, 404);
      assert.equal((await api('/api/referrals/codes', { method: 'POST', body: { customer: 'bob' } })).status, 200);
      assert.deepEqual(
        (await api('/api/referrals/codes?customer=ann')).body.codes.map((c: { code: string; vanity: boolean }) => [c.code, c.vanity]),
        [
          [annCode, false],
          ['ANN-VIP', true],
        ],
      );
    });

    it('/r/: records the click and redirects to the landing URL with the code added to its query; unknown code lands without; never elsewhere', async () => {
      const r1 = await follow(`/r/${slug}/${annCode.toLowerCase()}`);
      assert.equal(r1.status, 302);
      assert.equal(r1.headers.get('location'), `https://shop.example/join?src=mail&ref=${annCode}#top`);
      const r2 = await follow(`/r/${slug}/ann-vip?next=https://evil.example/`);
      assert.equal(r2.headers.get('location'), 'https://shop.example/join?src=mail&ref=ANN-VIP#top');
      const r3 = await follow(`/r/${slug}/${encodeURIComponent('//evil.example')}`);
      assert.equal(r3.status, 302);
      assert.equal(r3.headers.get('location'), LANDING);
      assert.equal((await follow(`/r/${slug}/NOSUCHCODE`)).headers.get('location'), LANDING);
      assert.equal((await follow(`/r/no-such-workspace/${annCode}`)).status, 404);
      const clicks = (await db.query<{ code: string; ip: string; user_agent: string }>(`SELECT code, ip, user_agent FROM referral_clicks WHERE workspace_id = $1 ORDER BY id`, [ws])).rows;
      assert.deepEqual(clicks, [
        { code: annCode, ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (Test) Clicker/1.0' },
        { code: 'ANN-VIP', ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (Test) Clicker/1.0' },
      ]);
    });

    it('the review queue, one referral with its reasons, an override that lets rewards proceed, and the leaderboard', async () => {
      const url = `https://shop.example/join?src=mail&ref=${annCode}`;
      const page = (anon: string, ip: string, ua: string, min: number, u = url) => ({
        type: 'page',
        anonymousId: anon,
        properties: { url: u, search: new URL(u).search, path: '/join' },
        context: { ip, userAgent: ua, page: { url: u } },
        timestamp: at(min),
      });
      const bobUrl = `https://shop.example/join?ref=${(await api('/api/referrals/codes?customer=bob')).body.codes[0].code}`;
      const batch = [
        // carol: by link, honest, order 60.
        page('a-carol', '203.0.113.3', 'UA-Carol', 10),
        { type: 'identify', userId: 'carol', anonymousId: 'a-carol', traits: { email: 'carol@example.net' }, context: { ip: '203.0.113.3', userAgent: 'UA-Carol' }, timestamp: at(11) },
        { type: 'track', userId: 'carol', event: 'Order Completed', properties: { order_id: 'c1', revenue: 60 }, context: { ip: '203.0.113.3', userAgent: 'UA-Carol' }, timestamp: at(12) },
        // dave: the vanity code at checkout, from ann's IP and browser: held (same_ip_ua); order 40.
        { type: 'identify', userId: 'dave', traits: { email: 'dave@example.net' }, context: { ip: '198.51.100.1', userAgent: 'UA-Ann' }, timestamp: at(20) },
        {
          type: 'track',
          userId: 'dave',
          event: 'Order Completed',
          properties: { order_id: 'd1', total: '40.00', coupon: 'ann-vip' },
          context: { ip: '198.51.100.1', userAgent: 'UA-Ann' },
          timestamp: at(21),
        },
        // erin: bob's link, a disposable address: held; order 30.
        page('a-erin', '203.0.113.5', 'UA-Erin', 30, bobUrl),
        { type: 'identify', userId: 'erin', anonymousId: 'a-erin', traits: { email: 'erin@yopmail.com' }, context: { ip: '203.0.113.5', userAgent: 'UA-Erin' }, timestamp: at(31) },
        { type: 'track', userId: 'erin', event: 'Order Completed', properties: { order_id: 'e1', revenue: 30 }, context: { ip: '203.0.113.5', userAgent: 'UA-Erin' }, timestamp: at(32) },
      ];
      // As browsers send them: visits and sign-ups first, orders minutes later (one request each;
      // one batch may be split over ingest lanes and committed out of order).
      for (const part of [batch.filter((e) => e.type !== 'track'), batch.filter((e) => e.type === 'track')]) {
        assert.equal((await http(`${server.url}/v1/batch`, { auth: write, body: { batch: part } })).status, 200);
        await wiring().referrals!.drainNow();
      }

      const queue = await api('/api/referrals?status=held');
      assert.equal(queue.status, 200);
      assert.deepEqual(queue.body.referrals.map((r: { friend: { userId: string } }) => r.friend.userId).sort(), ['dave', 'erin']);
      const dave = queue.body.referrals.find((r: { friend: { userId: string } }) => r.friend.userId === 'dave');
      const one = await api(`/api/referrals/${dave.id}`);
      assert.equal(one.body.via, 'code');
      assert.equal(one.body.code, 'ANN-VIP');
      assert.equal(one.body.advocate.userId, 'ann');
      assert.equal(one.body.decision, 'hold');
      assert.deepEqual(
        one.body.reasons.map((r: { signal: string; action: string }) => [r.signal, r.action]),
        [['same_ip_ua', 'hold']],
      );
      assert.equal(one.body.orderValue, 40);
      assert.equal((await api('/api/referrals/999999')).status, 404);
      assert.equal((await api(`/api/referrals/${dave.id}/decision`, { method: 'POST', body: { decision: 'allow', note: '' } })).status, 400);

      // Allow dave: his reward now; ann's after the window. Block erin.
      const allowed = await api(`/api/referrals/${dave.id}/decision`, { method: 'POST', body: { decision: 'allow', note: 'flatmates, checked by phone' } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body.status, 'pending');
      assert.deepEqual([allowed.body.override.by, allowed.body.override.decision, allowed.body.override.note], ['admin', 'allow', 'flatmates, checked by phone']);
      const erin = queue.body.referrals.find((r: { friend: { userId: string } }) => r.friend.userId === 'erin');
      assert.equal((await api(`/api/referrals/${erin.id}/decision`, { method: 'POST', body: { decision: 'block', note: 'throwaway address' } })).body.status, 'blocked');
      assert.equal((await api(`/api/referrals/${dave.id}/decision`, { method: 'POST', body: { decision: 'block', note: 'again' } })).status, 409);

      const entries = async () =>
        (
          await db.query<{ key: string; points: number }>(
            `SELECT idempotency_key AS key, points::int AS points FROM loyalty_entries WHERE workspace_id = $1 AND kind = 'earn' ORDER BY idempotency_key`,
            [ws],
          )
        ).rows
          .map((e) => `${e.key.replace(/^referral:\d+:/, '')}=${e.points}`)
          .sort();
      // carol's and dave's friend rewards; no advocate reward yet (the refund window is 30 days).
      assert.deepEqual(await entries(), ['friend=100', 'friend=100']);
      await sweepReferrals(db, new Date(Date.now() + 31 * DAY));
      assert.deepEqual(await entries(), ['advocate=250', 'advocate=250', 'friend=100', 'friend=100']);

      // Leaderboard by hand: ann 2 clicks (generated + vanity), 2 attributed, both rewarded, revenue 60 + 40 = 100;
      // bob 0 clicks, erin attributed and blocked, revenue 0.
      const lb = await api('/api/referrals/leaderboard');
      assert.equal(lb.status, 200);
      assert.deepEqual(
        lb.body.advocates.map((r: Record<string, unknown>) => [r.userId, r.code === annCode || r.userId === 'bob', r.clicks, r.attributed, r.rewarded, r.pending, r.held, r.blocked, r.revenue]),
        [
          ['ann', true, 2, 2, 2, 0, 0, 0, 100],
          ['bob', true, 0, 1, 0, 0, 0, 1, 0],
        ],
      );
      assert.equal((await http(`${server.url}/api/referrals/leaderboard`)).status, 401);
    });
  });
}

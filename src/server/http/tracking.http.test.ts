import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { buildServer } from '../roles/server.js';
import { createLogger } from '../log.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { outboxSenders } from '../channels/senders.js';
import { LINK_LIFETIME_SEC, makeToken } from '../channels/link-tokens.js';
import { basic, dbTargets, http, makeWorkspace } from '../../test-support/harness.js';
import { freePort } from '../../test-support/child-server.js';

/**
 * The links inside messages (open pixel, click redirect, unsubscribe, preferences) over
 * real HTTP: forged tokens write nothing (not even a settings row) and answer 4xx, a token
 * works for its own purpose only, click links expire, unsubscribe still works.
 */
for (const target of dbTargets()) {
  describe(`tracking links (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let ws: number;
    let secret: string;
    let messageId: number;
    let customerId: number;
    let html: string;
    const nowSec = () => Math.floor(Date.now() / 1000);

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db);
      ws = keys.workspace.id;
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
      const worker = new JourneyWorker(db, { log, senders: outboxSenders(), publicUrl: url, pollMs: 100 });
      app = await buildServer({ db, log, journeys: worker, sweepMs: 0, segmentSweepMs: 0 });
      await app.listen({ port, host: '127.0.0.1' });
      const admin = `Bearer ${keys.adminKey}`;
      const api = async (method: string, path: string, body?: unknown) => {
        const r = await http(`${url}${path}`, { method, auth: admin, body });
        assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      };
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
      await api('POST', '/api/templates', {
        id: 'promo',
        name: 'Promo',
        channel: 'email',
        subject: 'Hi',
        body: '<mjml><mj-body><mj-section><mj-column><mj-text><a href="https://shop.test/sale">Sale</a> <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>',
      });
      const r = await http(`${url}/v1/batch`, { auth: basic(keys.writeKey), body: { batch: [{ type: 'identify', userId: 'ada', traits: { email: 'ada@example.test' } }] } });
      assert.equal(r.status, 200);
      const sent = await api('POST', '/api/templates/promo/test-send', { customerId: 'ada' });
      await worker.drain();
      messageId = sent.messageId;
      const { rows } = await db.query<{ customer_id: number; body_html: string }>(`SELECT customer_id, body_html FROM messages WHERE id = $1`, [messageId]);
      customerId = Number(rows[0]!.customer_id);
      html = rows[0]!.body_html;
      const s = await db.query<{ settings: { secret: string } }>(`SELECT settings FROM messaging_settings WHERE workspace_id = $1`, [ws]);
      secret = s.rows[0]!.settings.secret;
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    const settingsRows = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messaging_settings`)).rows[0]!.n;
    const consent = async () =>
      (await db.query<{ group_id: string; subscribed: boolean }>(`SELECT group_id, subscribed FROM consents WHERE workspace_id = $1 AND customer_id = $2`, [ws, customerId])).rows;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    /** A token signed like the real ones but with any claims (a forger who guessed nothing but the format). */
    const forge = (claims: Record<string, unknown>, key = 'not-the-secret') => {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url').slice(0, 32)}`;
    };
    /** Every tracking route with a token: method, path, and whether an invalid token answers 4xx (the pixel always answers the pixel). */
    const routes = (t: string) => [
      { method: 'GET', path: `/t/o/${t}.gif`, status: 200 },
      { method: 'GET', path: `/t/c/${t}`, status: 404 },
      { method: 'GET', path: `/u/${t}`, status: 404 },
      { method: 'POST', path: `/u/${t}`, status: 404 },
      { method: 'GET', path: `/preferences/${t}`, status: 404 },
      { method: 'POST', path: `/preferences/${t}`, status: 404 },
    ];
    const hit = (method: string, path: string) => fetch(`${url}${path}`, { method, redirect: 'manual', ...(method === 'POST' ? { headers: form, body: 'all=off' } : {}) });

    it('forged tokens for unknown or out-of-range workspaces answer 4xx and create no settings row', async () => {
      const before = await settingsRows();
      for (const w of [999_999, 2 ** 31, 2 ** 40, 0, -1, 1.5]) {
        for (const p of [undefined, 'o', 'c', 'u', 'p']) {
          const t = forge({ ...(p ? { p, e: nowSec() + 1000 } : {}), w, m: messageId, c: customerId, u: p === 'c' ? 'https://evil.test' : undefined });
          for (const r of routes(t)) {
            const res = await hit(r.method, r.path);
            await res.arrayBuffer();
            assert.equal(res.status, r.status, `${r.method} ${r.path} (w=${w})`);
          }
        }
      }
      assert.equal(await settingsRows(), before, 'no messaging_settings row was created');
      assert.deepEqual(await consent(), []);
    });

    it('a forged signature for the real workspace changes nothing', async () => {
      const t = forge({ p: 'u', e: nowSec() + 1000, w: ws, m: messageId, c: customerId });
      for (const r of routes(t)) assert.equal((await hit(r.method, r.path)).status, r.status, r.path);
      assert.deepEqual(await consent(), []);
    });

    it('a token works for its own purpose only: a click token is refused by unsubscribe and preferences, an unsubscribe token by click', async () => {
      const click = html.match(/href="([^"]*\/t\/c\/[^"]+)"/)![1]!;
      const clickToken = click.split('/t/c/')[1]!;
      const unsub = makeToken(secret, 'unsubscribe', { w: ws, m: messageId, c: customerId }, nowSec());
      const open = makeToken(secret, 'open', { w: ws, m: messageId, c: customerId }, nowSec());
      for (const r of routes(clickToken).filter((r) => r.path.startsWith('/u/') || r.path.startsWith('/preferences/'))) {
        assert.equal((await hit(r.method, r.path)).status, 404, `click token on ${r.method} ${r.path}`);
      }
      const wrongClick = makeToken(secret, 'unsubscribe', { w: ws, m: messageId, c: customerId, u: 'https://shop.test/sale' }, nowSec());
      assert.equal((await hit('GET', `/t/c/${wrongClick}`)).status, 404, 'an unsubscribe token (even carrying a URL) is no click link');
      assert.equal((await hit('GET', `/preferences/${unsub}`)).status, 404, 'an unsubscribe token is no preference link');
      assert.equal((await hit('POST', `/u/${open}`)).status, 404, 'an open token is no unsubscribe link');
      assert.deepEqual(await consent(), []);
      const followed = await hit('GET', `/t/c/${clickToken}`);
      assert.equal(followed.status, 302);
      assert.equal(followed.headers.get('location'), 'https://shop.test/sale');
    });

    it('an expired click token is refused; one minted a moment ago works', async () => {
      const year = LINK_LIFETIME_SEC.click;
      const stale = makeToken(secret, 'click', { w: ws, m: messageId, c: customerId, u: 'https://shop.test/old' }, nowSec() - year - 60);
      const fresh = makeToken(secret, 'click', { w: ws, m: messageId, c: customerId, u: 'https://shop.test/new' }, nowSec() - year + 3600);
      assert.equal((await hit('GET', `/t/c/${stale}`)).status, 404);
      assert.equal((await hit('GET', `/t/c/${fresh}`)).status, 302);
    });

    it('the unsubscribe link in the message works: its page links to a working preference page, POST unsubscribes', async () => {
      const link = html.match(/href="([^"]*\/u\/[^"]+)"/)![1]!;
      const page = await fetch(link);
      assert.equal(page.status, 200);
      const prefs = (await page.text()).match(/href="\.\.\/preferences\/([^"]+)"/)![1]!;
      assert.equal((await fetch(`${url}/preferences/${prefs}`)).status, 200, 'the preference link on the page is valid');
      const done = await fetch(link, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /You will no longer receive/);
      assert.deepEqual(await consent(), [{ group_id: '$all:email', subscribed: false }]);
    });

    it('a legacy token (minted before purposes) still unsubscribes, but is refused by the open pixel', async () => {
      await db.query(`DELETE FROM consents WHERE workspace_id = $1`, [ws]);
      const legacy = forge({ w: ws, m: messageId, c: customerId }, secret);
      const opened = async () => (await db.query<{ opened_at: Date | null }>(`SELECT opened_at FROM messages WHERE id = $1`, [messageId])).rows[0]!.opened_at;
      await db.query(`UPDATE messages SET opened_at = NULL, clicked_at = NULL WHERE id = $1`, [messageId]);
      await (await hit('GET', `/t/o/${legacy}.gif`)).arrayBuffer();
      assert.equal(await opened(), null);
      assert.equal((await hit('GET', `/t/c/${legacy}`)).status, 404);
      assert.equal((await hit('POST', `/u/${legacy}`)).status, 200);
      assert.deepEqual(await consent(), [{ group_id: '$all:email', subscribed: false }]);
      const legacyClick = forge({ w: ws, m: messageId, c: customerId, u: 'https://shop.test/sale' }, secret);
      assert.equal((await hit('GET', `/t/c/${legacyClick}`)).status, 302, 'a legacy click link in a delivered message still redirects');
      assert.equal((await hit('GET', `/u/${legacyClick}`)).status, 404, 'but it is no unsubscribe link');
    });
  });
}

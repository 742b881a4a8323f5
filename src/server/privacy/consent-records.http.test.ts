import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { makeToken } from '../channels/link-tokens.js';
import { getMessagingSettings } from '../channels/settings.repo.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';
import { moveConsentRecords, recordConsent } from './consent-records.js';

interface Rec {
  group_id: string;
  subscribed: boolean;
  source: string;
  ip: string | null;
  user_agent: string | null;
  text_shown: string | null;
  actor: string | null;
  context: Record<string, unknown> | null;
}

/**
 * Every consent change leaves its proof in consent_records, written with the consents row:
 * the preference page (IP, user agent, the form's words as left), the unsubscribe link, the
 * admin API (who), another tool's ingested `Unsubscribed` (its context's IP and user agent).
 * A choice that changes nothing adds no record; records cannot be updated.
 */
for (const target of dbTargets()) {
  describe(`consent records (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let write: string;
    let ws: number;
    let c: number;
    let secret: string;
    let groupMessage: number;
    let plainMessage: number;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'acme');
      ws = keys.workspace.id;
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      server = await startServer(db, { stages: null, segments: null });
      const g = await http(`${server.url}/api/subscription-groups`, {
        auth: admin,
        body: { id: 'news', name: 'Weekly news', description: 'Our weekly letter', channel: 'email', optIn: false },
      });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      assert.equal((await http(`${server.url}/v1/identify`, { auth: write, body: { userId: 'ada', traits: { email: 'ada@example.test' } } })).status, 200);
      c = await until('ada', async () => {
        const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'ada'`, [ws]);
        return rows[0] ? Number(rows[0].id) : undefined;
      });
      const msg = async (group: string | null) =>
        Number(
          (
            await db.query<{ id: number }>(
              `INSERT INTO messages (workspace_id, customer_id, channel, group_id, idempotency_key, status, created_at) VALUES ($1, $2, 'email', $3, $4, 'sent', now()) RETURNING id`,
              [ws, c, group, `m-${group}`],
            )
          ).rows[0]!.id,
        );
      groupMessage = await msg('news');
      plainMessage = await msg(null);
      secret = (await getMessagingSettings(db, ws)).secret;
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    const records = async () =>
      (await db.query<Rec>(`SELECT group_id, subscribed, source, ip, user_agent, text_shown, actor, context FROM consent_records WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id`, [ws, c]))
        .rows;
    const token = (purpose: 'preferences' | 'unsubscribe', m: number) => makeToken(secret, purpose, { w: ws, m, c }, Math.floor(Date.now() / 1000));
    const form = (body: string, ua: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua }, body });

    it('the preference page records IP, user agent and the words shown; saving the same choice again adds nothing', async () => {
      const res = await fetch(`${server.url}/preferences/${token('preferences', groupMessage)}`, form('', 'UA-Pref/1.0'));
      assert.equal(res.status, 200);
      // Nothing ticked: "Weekly news" goes from its default (subscribed, opt-out group) to no; the channel's all-key is stored as yes (first choice).
      const r = await records();
      assert.deepEqual(
        r.map((x) => [x.group_id, x.subscribed, x.source]),
        [
          ['$all:email', true, 'preference_page'],
          ['news', false, 'preference_page'],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      for (const x of r) {
        assert.equal(x.ip, '127.0.0.1');
        assert.equal(x.user_agent, 'UA-Pref/1.0');
        assert.equal(x.text_shown, 'Your preferences\n[ ] Weekly news (Our weekly letter)\n[ ] Unsubscribe from all email messages\n[Save]');
        assert.equal(x.actor, null);
        assert.deepEqual(x.context, { messageId: groupMessage });
      }
      const again = await fetch(`${server.url}/preferences/${token('preferences', groupMessage)}`, form('', 'UA-Pref/1.0'));
      assert.equal(again.status, 200);
      assert.equal((await records()).length, 2);
    });

    it('the unsubscribe link: the mail client’s one-click and our confirmation page are told apart', async () => {
      const n = (await records()).length;
      const oneClick = await fetch(`${server.url}/u/${token('unsubscribe', plainMessage)}`, form('List-Unsubscribe=One-Click', 'MailClient/3'));
      assert.equal(oneClick.status, 200);
      const r = await records();
      assert.equal(r.length, n + 1);
      assert.deepEqual([r[n]!.group_id, r[n]!.subscribed, r[n]!.source, r[n]!.user_agent], ['$all:email', false, 'unsubscribe_link', 'MailClient/3']);
      assert.equal(r[n]!.text_shown, "List-Unsubscribe one-click (the mail client's unsubscribe button) for any marketing emails from us");
      // Back in through the admin API, then out again from the page.
      assert.equal((await http(`${server.url}/api/customers/ada/subscriptions`, { method: 'PUT', auth: admin, body: { all: { email: true } } })).status, 200);
      const page = await fetch(`${server.url}/u/${token('unsubscribe', plainMessage)}`, form('List-Unsubscribe=One-Click&from=page', 'Browser/9'));
      assert.equal(page.status, 200);
      const last = (await records()).at(-1)!;
      assert.equal(last.text_shown, 'Stop receiving any marketing emails from us? [Unsubscribe]');
      assert.equal(last.user_agent, 'Browser/9');
    });

    it('the admin API records who changed it', async () => {
      const n = (await records()).length;
      const res = await http(`${server.url}/api/customers/ada/subscriptions`, { method: 'PUT', auth: admin, body: { groups: { news: true } }, headers: { 'user-agent': 'ops-script/1' } });
      assert.equal(res.status, 200);
      const r = await records();
      assert.equal(r.length, n + 1);
      const x = r[n]!;
      assert.deepEqual([x.group_id, x.subscribed, x.source, x.user_agent, x.text_shown], ['news', true, 'admin_api', 'ops-script/1', null]);
      assert.ok(typeof x.actor === 'string' && x.actor.length > 0, 'an actor is named');
    });

    it("another tool's ingested Unsubscribed keeps its context's IP and user agent", async () => {
      const n = (await records()).length;
      const sent = await http(`${server.url}/v1/track`, {
        auth: write,
        body: { userId: 'ada', event: 'Unsubscribed', messageId: 'esp-77', properties: { list_id: 'news' }, context: { ip: '198.51.100.4', userAgent: 'ESP-Webhook/2' } },
      });
      assert.equal(sent.status, 200);
      const x = await until('the ingested record', async () => (await records())[n]);
      assert.deepEqual([x.group_id, x.subscribed, x.source, x.ip, x.user_agent], ['news', false, 'ingested_unsubscribe', '198.51.100.4', 'ESP-Webhook/2']);
      assert.deepEqual(x.context, { event: 'Unsubscribed', messageId: 'esp-77' });
    });

    it('GET /api/customers/:id/consents lists them newest first; records refuse UPDATE', async () => {
      const all = await records();
      const res = await http(`${server.url}/api/customers/ada/consents`, { auth: admin });
      assert.equal(res.status, 200);
      // 2 (page) + 1 (one-click) + 1 (API: back in) + 1 (page: out) + 1 (API: news) + 1 (ingested) = 7
      assert.equal(res.body.records.length, 7);
      assert.equal(all.length, 7);
      assert.equal(res.body.records[0].source, 'ingested_unsubscribe');
      assert.equal(res.body.records.at(-1).source, 'preference_page');
      await assert.rejects(db.query(`UPDATE consent_records SET text_shown = 'forged' WHERE workspace_id = $1`, [ws]), /append-only/);
      assert.equal((await http(`${server.url}/api/customers/nobody/consents`, { auth: admin })).status, 404);
    });

    it('the consents row and its record commit together or not at all; an older choice never undoes a newer one', async () => {
      const n = (await records()).length;
      await assert.rejects(
        db.transaction(async (tx) => {
          await recordConsent(tx, ws, [{ customerId: c, groupId: 'news', subscribed: true, source: 'api', at: new Date() }]);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal((await records()).length, n);
      const old = await recordConsent(db, ws, [{ customerId: c, groupId: 'news', subscribed: true, source: 'import', at: new Date('2020-01-01T00:00:00Z') }], { onlyIfNewer: true });
      assert.deepEqual(old, []);
      const { rows } = await db.query<{ subscribed: boolean }>(`SELECT subscribed FROM consents WHERE workspace_id = $1 AND customer_id = $2 AND group_id = 'news'`, [ws, c]);
      assert.equal(rows[0]!.subscribed, false);
      assert.equal((await records()).length, n);
    });

    it('a merge moves the records to the surviving profile (copied with mergedFrom, the table refusing UPDATE)', async () => {
      const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits) VALUES ($1, 'ada-2', '{}') RETURNING id`, [ws]);
      const other = Number(rows[0]!.id);
      await recordConsent(db, ws, [{ customerId: other, groupId: 'news', subscribed: true, source: 'api', at: new Date('2026-01-02T03:04:05Z'), ip: '192.0.2.1', textShown: 'Yes please' }]);
      const n = (await records()).length;
      await db.transaction((tx) => moveConsentRecords(tx, ws, other, c));
      const r = await records();
      assert.equal(r.length, n + 1);
      const moved = r.at(-1)!;
      assert.deepEqual([moved.group_id, moved.subscribed, moved.source, moved.ip, moved.text_shown], ['news', true, 'api', '192.0.2.1', 'Yes please']);
      assert.deepEqual(moved.context, { mergedFrom: other });
      const { rows: left } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM consent_records WHERE customer_id = $1`, [other]);
      assert.equal(left[0]!.n, 0);
    });
  });
}

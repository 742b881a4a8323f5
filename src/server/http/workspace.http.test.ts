import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { syncFacts } from '../analytics/facts.js';
import { describeChannels, sendersFromConfig } from '../channels/senders.js';
import { loadConfig } from '../config.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`workspace admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let adminKey: string;
    let writeKey: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: `Bearer ${adminKey}`, ...init });
    const track = (key: string, userId = 'ws-user') => http(`${server.url}/v1/track`, { auth: basic(key), body: { userId, event: 'Logged In' } });

    before(async () => {
      db = await target.open();
      ({ adminKey, writeKey } = await makeWorkspace(db, 'ws-http'));
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('shows the workspace with currency USD by default', async () => {
      const r = await api('/api/workspace');
      assert.equal(r.status, 200);
      assert.equal(r.body.slug, 'ws-http');
      assert.equal(r.body.timezone, 'UTC');
      assert.equal(r.body.currency, 'USD');
    });

    it('changes the name, timezone and currency, and the analytics follow the new timezone', async () => {
      const r = await api('/api/workspace', { method: 'PATCH', body: { name: 'Coffee Co', timezone: 'Europe/Paris', currency: 'EUR' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual({ name: r.body.name, timezone: r.body.timezone, currency: r.body.currency }, { name: 'Coffee Co', timezone: 'Europe/Paris', currency: 'EUR' });
      // At once, not after the key cache's 30 s.
      const again = await api('/api/workspace');
      assert.deepEqual({ name: again.body.name, timezone: again.body.timezone, currency: again.body.currency }, { name: 'Coffee Co', timezone: 'Europe/Paris', currency: 'EUR' });
      const partial = await api('/api/workspace', { method: 'PATCH', body: { currency: 'GBP' } });
      assert.deepEqual({ name: partial.body.name, timezone: partial.body.timezone, currency: partial.body.currency }, { name: 'Coffee Co', timezone: 'Europe/Paris', currency: 'GBP' });
      // The gross margin: set, kept by a patch that leaves it out, cleared with null.
      assert.equal(partial.body.grossMargin, null);
      assert.equal((await api('/api/workspace', { method: 'PATCH', body: { grossMargin: 0.3 } })).body.grossMargin, 0.3);
      assert.equal((await api('/api/workspace', { method: 'PATCH', body: { name: 'Coffee Co' } })).body.grossMargin, 0.3);
      assert.equal((await api('/api/workspace', { method: 'PATCH', body: { grossMargin: null } })).body.grossMargin, null);

      await syncFacts(db);
      const { rows } = await db.query<{ timezone: string }>(`SELECT a.timezone FROM analytics_timezones a JOIN workspaces w ON w.id = a.workspace_id WHERE w.slug = 'ws-http'`);
      assert.equal(rows[0]?.timezone, 'Europe/Paris', 'the facts sync cuts days in the new timezone');
    });

    it('refuses a bad timezone, a bad currency and an unknown field with 400 naming the field, changing nothing', async () => {
      const before = (await api('/api/workspace')).body;
      const cases: Array<[unknown, string]> = [
        [{ timezone: 'Mars/Olympus' }, 'timezone'],
        [{ timezone: '' }, 'timezone'],
        [{ currency: 'usd' }, 'currency'],
        [{ currency: 'XYZ' }, 'currency'],
        [{ name: '   ' }, 'name'],
        [{ name: 'Renamed', colour: 'blue' }, 'colour'],
        [{ name: 'Renamed', timezone: 'Nowhere/Land' }, 'timezone'],
        [{ grossMargin: 30 }, 'grossMargin'],
        [{ grossMargin: 0 }, 'grossMargin'],
        [{ grossMargin: '0.3' }, 'grossMargin'],
      ];
      for (const [body, field] of cases) {
        const r = await api('/api/workspace', { method: 'PATCH', body });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.equal(r.body.error.field, field, JSON.stringify(r.body));
        assert.match(r.body.error.message, new RegExp(field));
      }
      assert.deepEqual((await api('/api/workspace')).body, before);
    });

    it('shows the write key usage', async () => {
      assert.equal((await track(writeKey, 'usage-user')).status, 200);
      const r = await until('the event to be stored', async () => {
        const k = await api('/api/workspace/keys');
        return k.body.write.eventsLast24h > 0 ? k : undefined;
      });
      assert.equal(r.status, 200);
      assert.ok(r.body.write.eventsLast30d >= r.body.write.eventsLast24h);
      assert.ok(r.body.write.lastReceivedAt);
    });

    it('refuses a write key on the workspace endpoints with 403', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/workspace', undefined],
        ['PATCH', '/api/workspace', { name: 'x' }],
        ['GET', '/api/workspace/keys', undefined],
        ['POST', '/api/workspace/keys/rotate', { write: true }],
      ] as const) {
        const r = await http(`${server.url}${path}`, { method, auth: `Bearer ${writeKey}`, body });
        assert.equal(r.status, 403, `${method} ${path}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
      assert.equal((await api('/api/workspace')).body.name, 'Coffee Co');
    });

    it('refuses a rotation that names no key', async () => {
      const r = await api('/api/workspace/keys/rotate', { body: {} });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.field, 'write');
      const u = await api('/api/workspace/keys/rotate', { body: { write: true, both: true } });
      assert.equal(u.status, 400);
      assert.equal(u.body.error.field, 'both');
    });

    it('rotates the write key: the old one gets 401 at once, the new one works', async () => {
      assert.equal((await track(writeKey)).status, 200, 'the old key works (and is now cached)');
      const r = await api('/api/workspace/keys/rotate', { body: { write: true } });
      assert.equal(r.status, 200);
      assert.match(r.body.writeKey, /^tw_/);
      assert.equal(r.body.adminKey, undefined);
      const old = await track(writeKey);
      assert.equal(old.status, 401);
      assert.equal(old.body.error.code, 'unauthorized');
      writeKey = r.body.writeKey;
      assert.equal((await track(writeKey)).status, 200);
      assert.equal((await api('/api/workspace')).status, 200, 'the admin key still works');
    });

    it('rotates the admin key: the old one gets 401 at once, the new one works', async () => {
      const old = adminKey;
      const r = await api('/api/workspace/keys/rotate', { body: { admin: true } });
      assert.equal(r.status, 200);
      assert.match(r.body.adminKey, /^ta_/);
      assert.equal(r.body.writeKey, undefined);
      const refused = await http(`${server.url}/api/workspace`, { auth: `Bearer ${old}` });
      assert.equal(refused.status, 401);
      adminKey = r.body.adminKey;
      const ok = await api('/api/workspace');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.slug, 'ws-http');
      assert.equal((await track(writeKey)).status, 200, 'the write key still works');
    });

    it('deletes a subscription group, unless a journey sends in it', async () => {
      const g = await api('/api/subscription-groups', { body: { name: 'Weekly news', channel: 'email' } });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      const del = await api(`/api/subscription-groups/${g.body.id}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      const list = await api('/api/subscription-groups');
      assert.deepEqual(
        list.body.groups.map((x: { id: string }) => x.id),
        [],
      );
      const missing = await api(`/api/subscription-groups/${g.body.id}`, { method: 'DELETE' });
      assert.equal(missing.status, 404);

      const used = await api('/api/subscription-groups', { body: { id: 'promos', name: 'Promos', channel: 'email' } });
      assert.equal(used.status, 201);
      assert.equal(
        (
          await api('/api/templates', {
            body: { id: 'promo', name: 'Promo', channel: 'email', subject: 'Hi', body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>' },
          })
        ).status,
        201,
      );
      const j = await api('/api/journeys', {
        body: {
          name: 'Promo run',
          definition: {
            trigger: { event: { name: 'Promo Wanted' } },
            start: 's',
            steps: [
              { id: 's', type: 'send', channel: 'email', template: 'promo', group: 'promos', next: 'e' },
              { id: 'e', type: 'exit' },
            ],
          },
        },
      });
      assert.ok(j.status < 300, JSON.stringify(j.body));
      const refused = await api('/api/subscription-groups/promos', { method: 'DELETE' });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'conflict');
      assert.match(refused.body.error.message, new RegExp(j.body.id));
      assert.deepEqual(
        (await api('/api/subscription-groups')).body.groups.map((x: { id: string }) => x.id),
        ['promos'],
        'still there',
      );
    });

    it('reports each channel as the outbox when no provider is set, and needs the admin key', async () => {
      const r = await api('/api/channels');
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.channels.map((c: { channel: string; transport: string; sends: boolean }) => [c.channel, c.transport, c.sends]),
        [
          ['email', 'outbox', false],
          ['sms', 'outbox', false],
          ['webhook', 'http', true],
          ['inapp', 'inbox', true],
        ],
      );
      assert.equal((await http(`${server.url}/api/channels`)).status, 401);
      assert.equal((await http(`${server.url}/api/channels`, { auth: basic(writeKey) })).status, 401);
    });

    it('reports the SMTP server and SMS API a server was started with, never their credentials', async () => {
      const config = loadConfig({
        SMTP_URL: 'smtp://mailer:s3cret-pass@127.0.0.1:2525',
        EMAIL_FROM: 'Coffee Co <hello@coffee.example>',
        SMS_API_URL: 'https://sms.example.com:8443/twilio',
        SMS_ACCOUNT_SID: 'AC123',
        SMS_AUTH_TOKEN: 'tok-very-secret',
        SMS_FROM: '+15550001111',
      });
      const senders = sendersFromConfig(config);
      const other = await startServer(db, { stages: null, segments: null, channels: describeChannels(senders, config) });
      try {
        const r = await http(`${other.url}/api/channels`, { auth: `Bearer ${adminKey}` });
        assert.equal(r.status, 200);
        const by = Object.fromEntries(r.body.channels.map((c: { channel: string }) => [c.channel, c]));
        assert.deepEqual(by.email, { channel: 'email', transport: 'smtp', sends: true, target: '127.0.0.1:2525', from: 'Coffee Co <hello@coffee.example>' });
        assert.deepEqual(by.sms, { channel: 'sms', transport: 'sms_api', sends: true, target: 'sms.example.com:8443', from: '+15550001111' });
        const text = JSON.stringify(r.body);
        for (const secret of ['s3cret-pass', 'mailer', 'tok-very-secret', 'AC123']) assert.ok(!text.includes(secret), `${secret} is not shown`);
      } finally {
        await other.close();
        senders.close();
      }
    });
  });
}

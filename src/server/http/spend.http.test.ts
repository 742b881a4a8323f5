import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`marketing spend admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    let otherAdmin: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    const jan = '/api/spend?from=2026-01-01&to=2026-02-01';

    before(async () => {
      db = await target.open();
      admin = `Bearer ${(await makeWorkspace(db, 'spend-http')).adminKey}`;
      otherAdmin = `Bearer ${(await makeWorkspace(db, 'spend-other')).adminKey}`;
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('stores rows, replaces a stored day/channel/campaign, and lists [from, to) with totals', async () => {
      const first = await api('/api/spend', {
        body: {
          rows: [
            { day: '2026-01-01', channel: 'paid_search', amount: 100 },
            { day: '2026-01-01', channel: 'paid_search', campaign: 'brand', amount: 40.5 },
            { day: '2026-01-31', channel: 'email', amount: 2.25, currency: 'EUR' },
            { day: '2026-02-01', channel: 'email', amount: 7 },
          ],
        },
      });
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, { inserted: 4, updated: 0 });

      const second = await api('/api/spend', {
        body: {
          mode: 'upsert',
          rows: [
            { day: '2026-01-01', channel: 'paid_search', amount: 120.1 },
            { day: '2026-01-02', channel: 'paid_search', amount: 1 },
          ],
        },
      });
      assert.deepEqual(second.body, { inserted: 1, updated: 1 });

      const list = await api(jan);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, {
        from: '2026-01-01',
        to: '2026-02-01',
        rows: [
          { day: '2026-01-01', channel: 'paid_search', campaign: '', amount: 120.1, currency: 'USD' },
          { day: '2026-01-01', channel: 'paid_search', campaign: 'brand', amount: 40.5, currency: 'USD' },
          { day: '2026-01-02', channel: 'paid_search', campaign: '', amount: 1, currency: 'USD' },
          { day: '2026-01-31', channel: 'email', campaign: '', amount: 2.25, currency: 'EUR' },
        ],
        // 120.10 + 40.50 + 1 = 161.60 over 2 days; February's 7 is outside the range.
        totals: [
          { channel: 'email', currency: 'EUR', amount: 2.25, days: 1 },
          { channel: 'paid_search', currency: 'USD', amount: 161.6, days: 2 },
        ],
      });
      const email = await api('/api/spend?from=2026-01-31&to=2026-02-02&channel=email');
      assert.deepEqual(
        email.body.rows.map((r: { day: string }) => r.day),
        ['2026-01-31', '2026-02-01'],
      );
      const other = await http(`${server.url}${jan}`, { auth: otherAdmin });
      assert.deepEqual(other.body.rows, [], "another workspace's admin key sees none of it");
    });

    it('refuses an invalid row with 400 naming it, and stores none of the request', async () => {
      const rows = [
        { day: '2026-03-01', channel: 'display', amount: 1 },
        { day: '2026-03-02', channel: 'display', amount: 1 },
        { day: '2026-03-03', channel: 'display', amount: 1 },
        { day: '2026-03-04', channel: 'display', amount: 12.345 },
      ];
      const bad = await api('/api/spend', { body: { rows } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      assert.equal(bad.body.error.field, 'rows.3.amount');
      assert.match(bad.body.error.message, /^body\.rows\.3\.amount: must have at most 2 decimals/);

      const cases: Array<[Record<string, unknown>, string]> = [
        [{ day: '2026-02-29', channel: 'display', amount: 1 }, 'rows.0.day'],
        [{ day: '2026-03-01', channel: 'Display', amount: 1 }, 'rows.0.channel'],
        [{ day: '2026-03-01', channel: 'display', amount: -1 }, 'rows.0.amount'],
        [{ day: '2026-03-01', channel: 'display', amount: '1' }, 'rows.0.amount'],
        [{ day: '2026-03-01', channel: 'display', amount: 1, currency: 'usd' }, 'rows.0.currency'],
        [{ day: '2026-03-01', channel: 'display', amount: 1, cost: 2 }, 'rows.0'],
      ];
      for (const [r, field] of cases) {
        const res = await api('/api/spend', { body: { rows: [r] } });
        assert.equal(res.status, 400, JSON.stringify(r));
        assert.equal(res.body.error.field, field, JSON.stringify(r));
      }
      const twice = await api('/api/spend', { body: { rows: [rows[0], rows[1], { ...rows[0], amount: 5 }] } });
      assert.equal(twice.status, 400);
      assert.equal(twice.body.error.field, 'rows.2');
      assert.match(twice.body.error.message, /same day, channel and campaign as rows\.0/);
      assert.equal((await api('/api/spend', { body: { rows: [] } })).body.error.field, 'rows');
      assert.equal((await api('/api/spend', { body: { rows: [rows[0]], mode: 'replace' } })).body.error.field, 'mode');

      assert.deepEqual((await api('/api/spend?from=2026-03-01&to=2026-04-01')).body.rows, [], 'nothing of the refused requests was stored');
    });

    it('refuses bad ranges with 400 naming the query field', async () => {
      const cases: Array<[string, string]> = [
        ['from=2026-1-1&to=2026-02-01', 'from'],
        ['from=2026-01-01&to=2026-02-30', 'to'],
        ['to=2026-02-01', 'from'],
        ['from=2026-02-01&to=2026-02-01', 'to'],
        ['from=2026-01-01&to=2026-02-01&channel=Paid%20Search', 'channel'],
      ];
      for (const [query, field] of cases) {
        for (const method of ['GET', 'DELETE']) {
          const res = await api(`/api/spend?${query}`, { method });
          assert.equal(res.status, 400, `${method} ${query}`);
          assert.equal(res.body.error.code, 'validation_failed');
          assert.equal(res.body.error.field, field, `${method} ${query}`);
          assert.match(res.body.error.message, new RegExp(`^querystring\\.${field}: `));
        }
      }
    });

    it('deletes a range (of one channel) and answers how many rows went', async () => {
      await api('/api/spend', {
        body: {
          rows: [
            { day: '2026-06-01', channel: 'sms', amount: 1 },
            { day: '2026-06-02', channel: 'sms', amount: 2 },
            { day: '2026-06-02', channel: 'affiliate', amount: 3 },
            { day: '2026-06-03', channel: 'sms', amount: 4 },
          ],
        },
      });
      const sms = await api('/api/spend?from=2026-06-01&to=2026-06-03&channel=sms', { method: 'DELETE' });
      assert.equal(sms.status, 200);
      assert.deepEqual(sms.body, { deleted: 2 });
      const left = await api('/api/spend?from=2026-06-01&to=2026-07-01');
      assert.deepEqual(
        left.body.rows.map((r: { day: string; channel: string }) => `${r.day} ${r.channel}`),
        ['2026-06-02 affiliate', '2026-06-03 sms'],
      );
      assert.deepEqual((await http(`${server.url}/api/spend?from=2026-06-01&to=2026-07-01`, { method: 'DELETE', auth: otherAdmin })).body, { deleted: 0 });
      assert.deepEqual((await api('/api/spend?from=2026-06-01&to=2026-07-01', { method: 'DELETE' })).body, { deleted: 2 });
    });

    it('answers 401 without the admin key', async () => {
      const body = { rows: [{ day: '2026-07-01', channel: 'email', amount: 1 }] };
      for (const [method, auth] of [
        ['POST', undefined],
        ['GET', undefined],
        ['DELETE', undefined],
        ['POST', 'Bearer ta_wrong'],
      ] as const) {
        const res = await http(`${server.url}/api/spend?from=2026-07-01&to=2026-08-01`, { method, auth, body: method === 'POST' ? body : undefined });
        assert.equal(res.status, 401, `${method} ${auth}`);
        assert.equal(res.body.error.code, 'unauthorized');
      }
      assert.deepEqual((await api('/api/spend?from=2026-07-01&to=2026-08-01')).body.rows, [], 'nothing was stored');
    });

    it('documents the routes in the OpenAPI document', async () => {
      const doc = (await http(`${server.url}/openapi.json`)).body;
      assert.ok(doc.paths['/api/spend'].post && doc.paths['/api/spend'].get && doc.paths['/api/spend'].delete);
      assert.deepEqual(doc.paths['/api/spend'].get.tags, ['spend']);
    });
  });
}

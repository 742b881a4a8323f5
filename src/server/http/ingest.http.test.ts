import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';

for (const target of dbTargets()) {
  describe(`Segment ingestion over HTTP (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    let other: Awaited<ReturnType<typeof makeWorkspace>>;
    const send = (path: string, body: unknown, key = ws.writeKey) => http(`${server.url}${path}`, { auth: basic(key), body });
    const admin = (path: string, key = ws.adminKey) => http(`${server.url}${path}`, { auth: `Bearer ${key}` });
    const countEvents = async (workspaceId: number) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE workspace_id = $1', [workspaceId])).rows[0]!.n;

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'main');
      other = await makeWorkspace(db, 'other');
      // Ingestion alone: stage evaluation would add Tenure's own events to the timelines counted here.
      server = await startServer(db, { stages: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('stores a retried batch once (messageId dedupe), also within one batch', async () => {
      const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: 'dedupe-user', event: 'Song Played', messageId: `dd-${i}`, properties: { i } }));
      const body = { batch: [...batch, batch[0]], sentAt: new Date().toISOString() };
      const before = await countEvents(ws.workspace.id);
      assert.equal((await send('/v1/batch', body)).status, 200);
      assert.equal((await send('/v1/batch', body)).status, 200);
      assert.equal((await send('/v1/batch', { batch: batch.slice(0, 5) })).status, 200);
      assert.equal((await countEvents(ws.workspace.id)) - before, 20);
      const events = await admin('/api/customers/dedupe-user/events?limit=100');
      assert.equal(events.body.events.length, 20);
    });

    it('merges anonymous activity into the known customer on identify; one timeline before and after', async () => {
      const anon = `anon-${randomUUID()}`;
      await send('/v1/page', { anonymousId: anon, name: 'Pricing', timestamp: '2025-01-01T10:00:00Z', context: { campaign: { source: 'google', medium: 'cpc', name: 'brand' } } });
      await send('/v1/track', { anonymousId: anon, event: 'Product Viewed', timestamp: '2025-01-01T10:05:00Z', properties: { sku: 'A' } });
      const anonProfile = await admin(`/api/customers/${anon}`);
      assert.equal(anonProfile.status, 200);
      assert.equal(anonProfile.body.userId, null);
      // A known customer with history of their own, then the identify that links the two.
      await send('/v1/track', { userId: 'merge-user', event: 'Signed Up', timestamp: '2024-12-31T09:00:00Z' });
      await send('/v1/identify', { userId: 'merge-user', anonymousId: anon, traits: { email: 'm@example.com' }, timestamp: '2025-01-01T10:10:00Z' });
      await send('/v1/track', { userId: 'merge-user', event: 'Order Completed', timestamp: '2025-01-01T10:20:00Z', properties: { revenue: 30 } });

      const byAnon = await admin(`/api/customers/${anon}`);
      const byUser = await admin('/api/customers/merge-user');
      assert.equal(byUser.status, 200);
      assert.equal(byAnon.body.customerId, byUser.body.customerId);
      assert.equal(byUser.body.userId, 'merge-user');
      assert.deepEqual(byUser.body.anonymousIds, [anon]);
      assert.equal(byUser.body.firstSeenAt, '2024-12-31T09:00:00.000Z');
      assert.equal(byUser.body.acquisitionChannel, 'paid_search');
      assert.equal(byUser.body.traits.email, 'm@example.com');
      const tl = await admin('/api/customers/merge-user/events');
      assert.deepEqual(
        tl.body.events.map((e: { type: string; event: string | null }) => `${e.type}:${e.event ?? ''}`),
        ['track:Order Completed', 'identify:', 'track:Product Viewed', 'page:Pricing', 'track:Signed Up'],
      );
      const merged = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND user_id IS NULL', [ws.workspace.id]);
      assert.equal(merged.rows[0]!.n, 0, 'the anonymous profile is gone after the merge');
    });

    it('applies traits last-write-wins by event timestamp, whatever the arrival order', async () => {
      await send('/v1/identify', { userId: 'lww', traits: { plan: 'pro', city: 'Lyon' }, timestamp: '2025-02-10T00:00:00Z' });
      await send('/v1/identify', { userId: 'lww', traits: { plan: 'free', city: 'Paris', age: 30 }, timestamp: '2025-02-01T00:00:00Z' });
      await send('/v1/batch', {
        batch: [
          { type: 'identify', userId: 'lww', traits: { plan: 'enterprise' }, timestamp: '2025-03-01T00:00:00Z' },
          { type: 'identify', userId: 'lww', traits: { plan: 'trial' }, timestamp: '2025-01-01T00:00:00Z' },
        ],
      });
      const c = await admin('/api/customers/lww');
      assert.deepEqual(c.body.traits, { plan: 'enterprise', city: 'Lyon', age: 30 });
      assert.deepEqual(c.body.traitTimes.plan, ['2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
      assert.deepEqual(c.body.traitTimes.city, ['2025-02-01T00:00:00.000Z', '2025-02-10T00:00:00.000Z']);
    });

    it('links customers to accounts with group, and resolves alias', async () => {
      await send('/v1/group', { userId: 'g1', groupId: 'acme', traits: { name: 'Acme', employees: 40 }, timestamp: '2025-01-01T00:00:00Z' });
      await send('/v1/group', { userId: 'g2', groupId: 'acme', traits: { employees: 45 }, timestamp: '2025-02-01T00:00:00Z' });
      const acct = await admin('/api/accounts/acme');
      assert.equal(acct.status, 200);
      assert.deepEqual(acct.body.traits, { name: 'Acme', employees: 45 });
      assert.deepEqual(acct.body.memberUserIds, ['g1', 'g2']);
      assert.deepEqual((await admin('/api/customers/g1')).body.accountIds, ['acme']);

      await send('/v1/track', { userId: 'old-id', event: 'Logged In', timestamp: '2025-01-01T00:00:00Z' });
      await send('/v1/alias', { userId: 'new-id', previousId: 'old-id' });
      await send('/v1/track', { userId: 'old-id', event: 'Logged In', timestamp: '2025-01-03T00:00:00Z' });
      const a = await admin('/api/customers/old-id');
      const b = await admin('/api/customers/new-id');
      assert.equal(a.body.customerId, b.body.customerId);
      assert.equal((await admin('/api/customers/new-id/events')).body.events.length, 3);
    });

    it('accepts gzip bodies, as Segment SDKs send them', async () => {
      const body = gzipSync(Buffer.from(JSON.stringify({ batch: [{ type: 'track', userId: 'gz', event: 'Zipped' }] })));
      const r = await http(`${server.url}/v1/batch`, { auth: basic(ws.writeKey), rawBody: body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      assert.equal(r.status, 200);
      assert.equal((await admin('/api/customers/gz/events')).body.events[0].event, 'Zipped');
    });

    it('refuses a wrong write key with 401 and stores nothing', async () => {
      const before = await countEvents(ws.workspace.id);
      const r = await send('/v1/track', { userId: 'x', event: 'E' }, 'tw_not_a_key');
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'unauthorized');
      const none = await http(`${server.url}/v1/track`, { body: { userId: 'x', event: 'E' } });
      assert.equal(none.status, 401);
      assert.equal(await countEvents(ws.workspace.id), before);
    });

    it('accepts the write key in the body instead of the header', async () => {
      const r = await http(`${server.url}/v1/track`, { body: { writeKey: ws.writeKey, userId: 'bodykey', event: 'E' } });
      assert.equal(r.status, 200);
    });

    it('refuses the write key on the admin API (403) and a missing or wrong admin key (401)', async () => {
      assert.equal((await admin('/api/customers', ws.writeKey)).status, 403);
      assert.equal((await admin('/api/customers', 'ta_wrong')).status, 401);
      assert.equal((await http(`${server.url}/api/customers`)).status, 401);
      assert.equal((await admin('/api/customers', ws.adminKey)).status, 200);
    });

    it("keeps workspaces apart: one workspace's keys never see another's data", async () => {
      await send('/v1/identify', { userId: 'shared-id', traits: { who: 'main' } });
      await send('/v1/identify', { userId: 'shared-id', traits: { who: 'other' } }, other.writeKey);
      await send('/v1/identify', { userId: 'only-in-other', traits: {} }, other.writeKey);
      const a = await admin('/api/customers/shared-id');
      const b = await admin('/api/customers/shared-id', other.adminKey);
      assert.equal(a.body.traits.who, 'main');
      assert.equal(b.body.traits.who, 'other');
      assert.notEqual(a.body.customerId, b.body.customerId);
      assert.equal((await admin('/api/customers/only-in-other')).status, 404);
      assert.equal((await admin('/api/customers/only-in-other/events')).status, 404);
      const list = await admin('/api/customers?limit=500', other.adminKey);
      assert.deepEqual(list.body.customers.map((c: { userId: string }) => c.userId).sort(), ['only-in-other', 'shared-id']);
    });

    it('rejects oversize input with 400 and a code, storing nothing of that request', async () => {
      const before = await countEvents(ws.workspace.id);
      const bigEvent = { type: 'track', userId: 'big', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } };
      const r1 = await send('/v1/batch', { batch: [{ type: 'track', userId: 'big', event: 'Small' }, bigEvent] });
      assert.equal(r1.status, 400);
      assert.equal(r1.body.error.code, 'event_too_large');
      assert.equal(r1.body.error.index, 1);
      const many = Array.from({ length: 40 }, () => ({ type: 'track', userId: 'big', event: 'Medium', properties: { blob: 'y'.repeat(15 * 1024) } }));
      const r2 = await send('/v1/batch', { batch: many });
      assert.equal(r2.status, 400);
      assert.equal(r2.body.error.code, 'request_too_large');
      const zipped = gzipSync(Buffer.from(JSON.stringify({ batch: many })));
      assert.ok(zipped.length < 100_000);
      const r3 = await http(`${server.url}/v1/batch`, { auth: basic(ws.writeKey), rawBody: zipped, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      assert.equal(r3.status, 400);
      assert.equal(r3.body.error.code, 'request_too_large');
      assert.equal(await countEvents(ws.workspace.id), before);
    });

    it('rejects malformed input with 400, naming the event and field', async () => {
      const before = await countEvents(ws.workspace.id);
      const bad = await http(`${server.url}/v1/batch`, { auth: basic(ws.writeKey), rawBody: '{"batch": [', headers: { 'content-type': 'application/json' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_json');
      const noName = await send('/v1/batch', {
        batch: [
          { type: 'track', userId: 'ok', event: 'Fine' },
          { type: 'track', userId: 'u' },
        ],
      });
      assert.equal(noName.status, 400);
      assert.equal(noName.body.error.code, 'invalid_event');
      assert.equal(noName.body.error.index, 1);
      assert.equal(noName.body.error.field, 'batch.1.event');
      const badType = await send('/v1/batch', { batch: [{ type: 'purchase', userId: 'u' }] });
      assert.equal(badType.body.error.field, 'batch.0.type');
      const noIds = await send('/v1/identify', { traits: { a: 1 } });
      assert.equal(noIds.status, 400);
      assert.equal(noIds.body.error.field, 'userId');
      const badTime = await send('/v1/track', { userId: 'u', event: 'E', timestamp: 'not a date' });
      assert.equal(badTime.body.error.field, 'timestamp');
      const notObject = await send('/v1/batch', { batch: 'nope' });
      assert.equal(notObject.status, 400);
      const nul = await send('/v1/batch', {
        batch: [
          { type: 'track', userId: 'ok', event: 'Fine' },
          { type: 'track', userId: 'u', event: 'E', properties: { note: 'a\u0000b' } },
        ],
      });
      assert.equal(nul.status, 400);
      assert.equal(nul.body.error.code, 'invalid_event');
      assert.equal(nul.body.error.index, 1);
      assert.equal(nul.body.error.field, 'batch.1.properties.note');
      // A lone surrogate can only arrive escaped; a correctly escaped pair (an emoji) is fine.
      const lone = await http(`${server.url}/v1/track`, {
        auth: basic(ws.writeKey),
        rawBody: '{"userId":"u","event":"E","properties":{"name":"a\\ud800b"}}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(lone.status, 400);
      assert.equal(lone.body.error.field, 'properties.name');
      assert.match(lone.body.error.message, /surrogate/);
      const badQuery = await admin('/api/customers?limit=0');
      assert.equal(badQuery.status, 400);
      assert.equal(badQuery.body.error.code, 'validation_failed');
      assert.equal(await countEvents(ws.workspace.id), before);
      const emoji = await http(`${server.url}/v1/track`, {
        auth: basic(ws.writeKey),
        rawBody: '{"userId":"emoji-user","event":"E","properties":{"name":"\\ud83d\\ude00"}}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(emoji.status, 200);
      assert.equal(await countEvents(ws.workspace.id), before + 1);
    });

    it('resolves concurrent batches for the same new user to one customer', async () => {
      const user = `race-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => send('/v1/batch', { batch: [{ type: 'track', userId: user, anonymousId: `race-anon-${i % 3}-${user}`, event: 'Tap', properties: { i } }] })),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        Array(12).fill(200),
      );
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND user_id = $2', [ws.workspace.id, user]);
      assert.equal(rows.rows[0]!.n, 1);
      const c = await admin(`/api/customers/${user}`);
      assert.equal(c.body.anonymousIds.length, 3);
      assert.equal((await admin(`/api/customers/${user}/events`)).body.events.length, 12);
    });

    it('pages through customers and timelines with cursors, and searches', async () => {
      for (let i = 0; i < 7; i++) await send('/v1/identify', { userId: `pager-${i}`, traits: { email: `pager${i}@example.com` } });
      const p1 = await admin('/api/customers?limit=4&q=pager');
      assert.equal(p1.body.customers.length, 4);
      const p2 = await admin(`/api/customers?limit=4&q=pager&cursor=${p1.body.nextCursor}`);
      assert.equal(p2.body.customers.length, 3);
      assert.equal(p2.body.nextCursor, null);
      const all = [...p1.body.customers, ...p2.body.customers].map((c: { userId: string }) => c.userId).sort();
      assert.deepEqual(
        all,
        Array.from({ length: 7 }, (_, i) => `pager-${i}`),
      );
      const t1 = await admin('/api/customers/dedupe-user/events?limit=15');
      const t2 = await admin(`/api/customers/dedupe-user/events?limit=15&cursor=${t1.body.nextCursor}`);
      const ids = new Set([...t1.body.events, ...t2.body.events].map((e: { messageId: string }) => e.messageId));
      assert.equal(ids.size, 20);
    });

    it('filters a timeline by event names, pages the filtered timeline, and refuses a bad filter', async () => {
      const names = ['Survey Responded', 'Order Completed', 'Page Viewed', 'Survey Responded', 'Referral Sent', 'Page Viewed', 'Survey Responded'];
      const t0 = Date.parse('2026-03-01T00:00:00Z');
      const batch = names.map((event, i) => ({ type: 'track', userId: 'filter-user', event, messageId: `flt-${i}`, timestamp: new Date(t0 + i * 60_000).toISOString() }));
      assert.equal((await send('/v1/batch', { batch })).status, 200);
      const only = await admin(`/api/customers/filter-user/events?event=${encodeURIComponent('Survey Responded, Referral Sent')}`);
      assert.equal(only.status, 200, JSON.stringify(only.body));
      assert.deepEqual(
        only.body.events.map((e: { messageId: string }) => e.messageId),
        ['flt-6', 'flt-4', 'flt-3', 'flt-0'],
        'newest first, only those names',
      );
      const p1 = await admin(`/api/customers/filter-user/events?limit=2&event=${encodeURIComponent('Survey Responded')}`);
      const p2 = await admin(`/api/customers/filter-user/events?limit=2&event=${encodeURIComponent('Survey Responded')}&cursor=${p1.body.nextCursor}`);
      assert.deepEqual(
        [...p1.body.events, ...p2.body.events].map((e: { messageId: string }) => e.messageId),
        ['flt-6', 'flt-3', 'flt-0'],
      );
      assert.equal(p2.body.nextCursor, null);
      assert.deepEqual((await admin('/api/customers/filter-user/events?event=Nothing%20Like%20It')).body.events, []);
      assert.equal((await admin('/api/customers/filter-user/events')).body.events.length, 7, 'without a filter, everything');
      for (const bad of [',', ' , ', Array.from({ length: 21 }, (_, i) => `E${i}`).join(','), 'x'.repeat(201)]) {
        const r = await admin(`/api/customers/filter-user/events?event=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, bad.slice(0, 30));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.match(r.body.error.message, /event/);
      }
    });

    it("filters customers by churn risk, shows each one's risk, and refuses a range nobody could match", async () => {
      const risks = [5, 19.96, 20, 49.9, 50, 88.25];
      for (let i = 0; i < risks.length; i++) await send('/v1/identify', { userId: `risk-${i}`, traits: { plan: 'risk' } });
      await send('/v1/identify', { userId: 'risk-none', traits: { plan: 'risk' } });
      for (let i = 0; i < risks.length; i++) {
        await db.query(
          `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at)
           SELECT workspace_id, id, 'churn_risk', to_jsonb($3::float8), now() FROM customers WHERE workspace_id = $1 AND user_id = $2`,
          [ws.workspace.id, `risk-${i}`, risks[i]],
        );
      }
      const ids = async (query: string) => {
        const r = await admin(`/api/customers?limit=100&q=risk-&${query}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.customers.map((c: { userId: string }) => c.userId).sort();
      };
      assert.deepEqual(await ids('riskAtLeast=50'), ['risk-4', 'risk-5'], 'at least is inclusive');
      assert.deepEqual(await ids('riskAtLeast=20&riskBelow=50'), ['risk-2', 'risk-3'], 'below is exclusive');
      assert.deepEqual(await ids('riskBelow=20'), ['risk-0', 'risk-1'], 'an unscored customer matches no risk filter');
      assert.equal((await ids('')).length, 7, 'without a filter, everyone');

      const shown = await admin('/api/customers?limit=100&q=risk-');
      const by = Object.fromEntries(shown.body.customers.map((c: { userId: string; churnRisk: number | null }) => [c.userId, c.churnRisk]));
      assert.equal(by['risk-5'], 88.3, 'rounded to one decimal');
      assert.equal(by['risk-1'], 20, '19.96 shows as 20.0');
      assert.equal(by['risk-none'], null);

      for (const [query, field] of [
        ['riskAtLeast=101', 'riskAtLeast'],
        ['riskBelow=-1', 'riskBelow'],
        ['riskAtLeast=high', 'riskAtLeast'],
        ['riskAtLeast=60&riskBelow=40', 'riskBelow'],
        ['riskAtLeast=50&riskBelow=50', 'riskBelow'],
      ] as const) {
        const r = await admin(`/api/customers?${query}`);
        assert.equal(r.status, 400, query);
        assert.equal(r.body.error.code, 'validation_failed', query);
        assert.match(JSON.stringify(r.body.error), new RegExp(field), query);
      }
    });

    it('serves health and the OpenAPI document', async () => {
      const h = await http(`${server.url}/health`);
      assert.equal(h.status, 200);
      assert.equal(h.body.database.ok, true);
      const doc = await http(`${server.url}/openapi.json`);
      assert.ok(doc.body.paths['/v1/batch']);
      assert.ok(doc.body.paths['/api/customers/{id}/events']);
      for (const path of ['/api/journeys', '/api/journeys/{id}/stats', '/api/templates/{id}/preview', '/api/messaging/settings', '/api/customers/{id}/messages', '/api/tasks', '/v1/inbox']) {
        assert.ok(doc.body.paths[path], `${path} is in the OpenAPI document`);
      }
      assert.ok(!doc.body.paths['/t/c/{token}'], 'tracking links are not API');
    });
  });
}

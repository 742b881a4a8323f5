import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { createLogger } from '../log.js';
import { basic, dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { buildServer } from '../roles/server.js';

const PAGE = 'https://shop.example';

/** A raw request, headers and all (what a browser would see). */
async function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: init.headers, body: init.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

for (const target of dbTargets()) {
  describe(`Browser ingestion: CORS, SDK paths and shapes, settings (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    const admin = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
      http(`${server.url}${path}`, { auth: `Bearer ${init.key ?? ws.adminKey}`, method: init.method, body: init.body });
    const events = async (id: string) => (await admin(`/api/customers/${encodeURIComponent(id)}/events?limit=100`)).body.events as Array<{ type: string; event: string | null }>;

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'browser');
      server = await startServer(db, { stages: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('answers a preflight with 204 and the methods, headers and max-age browsers need (no key needed)', async () => {
      for (const path of ['/v1/t', '/v1/batch', '/v1/b', `/beacon/v1/batch?writeKey=${ws.writeKey}`, '/sourceConfig/?p=npm', '/v1/projects/x/settings']) {
        const r = await raw(`${server.url}${path}`, {
          method: 'OPTIONS',
          headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count,anonymousid' },
        });
        assert.equal(r.status, 204, path);
        assert.equal(r.headers.get('access-control-allow-origin'), 'https://anywhere.example', path);
        assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
        assert.match(r.headers.get('access-control-allow-methods') ?? '', /OPTIONS/);
        const allowed = (r.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
        for (const h of ['content-type', 'authorization', 'x-retry-count', 'anonymousid']) assert.ok(allowed.includes(h), `${path}: ${h} in ${allowed.join(',')}`);
        assert.ok(Number(r.headers.get('access-control-max-age')) >= 600);
      }
      // Outside the browser paths nothing changes: the admin API has no CORS.
      const api = await raw(`${server.url}/api/customers`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'GET' } });
      assert.notEqual(api.status, 204);
      assert.equal(api.headers.get('access-control-allow-origin'), null);
    });

    it('puts the CORS headers on success and on every refusal (401, 400), so the page can read why', async () => {
      const ok = await raw(`${server.url}/v1/t`, {
        headers: { origin: PAGE, authorization: basic(ws.writeKey), 'content-type': 'text/plain' },
        body: JSON.stringify({ userId: 'cors-1', event: 'Clicked' }),
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), PAGE);
      assert.match(ok.headers.get('vary') ?? '', /Origin/);
      assert.match(ok.headers.get('access-control-expose-headers') ?? '', /Retry-After/i);
      const wrongKey = await raw(`${server.url}/v1/t`, {
        headers: { origin: PAGE, authorization: basic('tw_wrong'), 'content-type': 'text/plain' },
        body: JSON.stringify({ userId: 'cors-1', event: 'E' }),
      });
      assert.equal(wrongKey.status, 401);
      assert.equal(wrongKey.body.error.code, 'unauthorized');
      assert.equal(wrongKey.headers.get('access-control-allow-origin'), PAGE);
      const badJson = await raw(`${server.url}/v1/b`, { headers: { origin: PAGE, authorization: basic(ws.writeKey), 'content-type': 'text/plain' }, body: '{"batch": [' });
      assert.equal(badJson.status, 400);
      assert.equal(badJson.body.error.code, 'invalid_json');
      assert.equal(badJson.headers.get('access-control-allow-origin'), PAGE);
      const badEvent = await raw(`${server.url}/v1/t`, { headers: { origin: PAGE, authorization: basic(ws.writeKey) }, body: JSON.stringify({ userId: 'cors-1' }) });
      assert.equal(badEvent.status, 400);
      assert.equal(badEvent.headers.get('access-control-allow-origin'), PAGE);
    });

    it("takes analytics.js 2.0's short paths (/v1/t, p, i, g, a, s) as their call types", async () => {
      const u = `short-${randomUUID()}`;
      const anon = `anon-${randomUUID()}`;
      const post = (p: string, body: object) =>
        raw(`${server.url}/v1/${p}`, { headers: { authorization: basic(ws.writeKey), 'content-type': 'text/plain' }, body: JSON.stringify({ writeKey: ws.writeKey, ...body }) });
      assert.equal((await post('p', { anonymousId: anon, name: 'Home', timestamp: '2025-03-01T10:00:00Z' })).status, 200);
      assert.equal((await post('s', { anonymousId: anon, name: 'Main', timestamp: '2025-03-01T10:01:00Z' })).status, 200);
      assert.equal((await post('i', { userId: u, anonymousId: anon, traits: { email: 's@example.com' }, timestamp: '2025-03-01T10:02:00Z' })).status, 200);
      assert.equal((await post('t', { userId: u, event: 'Signed Up', timestamp: '2025-03-01T10:03:00Z' })).status, 200);
      assert.equal((await post('g', { userId: u, groupId: `acct-${u}`, traits: { name: 'Acme' }, timestamp: '2025-03-01T10:04:00Z' })).status, 200);
      assert.equal((await post('a', { userId: `${u}-new`, previousId: u, timestamp: '2025-03-01T10:05:00Z' })).status, 200);
      const timeline = await events(`${u}-new`);
      assert.deepEqual(
        timeline.map((e) => `${e.type}:${e.event ?? ''}`),
        ['alias:', 'group:', 'track:Signed Up', 'identify:', 'screen:Main', 'page:Home'],
      );
      assert.equal((await admin(`/api/customers/${u}`)).body.traits.email, 's@example.com');
    });

    it('takes batches on /v1/b and /v1/batch with the write key in the body only (text/plain, as browsers send them)', async () => {
      const u = `batch-${randomUUID()}`;
      for (const path of ['/v1/b', '/v1/batch']) {
        const body = { writeKey: ws.writeKey, sentAt: new Date().toISOString(), batch: [{ type: 'track', userId: u, event: `Via ${path}`, messageId: `${u}${path}` }] };
        const r = await raw(`${server.url}${path}`, { headers: { 'content-type': 'text/plain;charset=UTF-8', origin: PAGE }, body: JSON.stringify(body) });
        assert.equal(r.status, 200, path);
      }
      assert.deepEqual((await events(u)).map((e) => e.event).sort(), ['Via /v1/b', 'Via /v1/batch']);
    });

    it("takes RudderStack's beacon (/beacon/v1/batch?writeKey=…, text/plain) and the key in the query string elsewhere", async () => {
      const u = `beacon-${randomUUID()}`;
      const body = { sentAt: new Date().toISOString(), batch: [{ type: 'track', userId: u, event: 'Left Page', channel: 'web', messageId: `${u}-1` }] };
      const r = await raw(`${server.url}/beacon/v1/batch?writeKey=${encodeURIComponent(ws.writeKey)}`, {
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: PAGE },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), PAGE);
      const single = await raw(`${server.url}/v1/track?writeKey=${encodeURIComponent(ws.writeKey)}`, {
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ userId: u, event: 'Queried' }),
      });
      assert.equal(single.status, 200);
      assert.deepEqual((await events(u)).map((e) => e.event).sort(), ['Left Page', 'Queried']);
      const noKey = await raw(`${server.url}/beacon/v1/batch`, { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
      assert.equal(noKey.status, 401);
      assert.match(noKey.body.error.message, /query parameter/);
    });

    it('reads identify traits from context.traits too (RudderStack); `traits` wins on conflict', async () => {
      const u = `ctx-${randomUUID()}`;
      const send = (body: object) => raw(`${server.url}/v1/identify`, { headers: { authorization: basic(ws.writeKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await send({ userId: u, context: { traits: { email: 'c@example.com', plan: 'free' } }, timestamp: '2025-04-01T00:00:00Z' })).status, 200);
      let c = (await admin(`/api/customers/${u}`)).body;
      assert.deepEqual(c.traits, { email: 'c@example.com', plan: 'free' });
      assert.equal((await send({ userId: u, traits: { plan: 'pro' }, context: { traits: { plan: 'trial', city: 'Oslo' } }, timestamp: '2025-04-02T00:00:00Z' })).status, 200);
      c = (await admin(`/api/customers/${u}`)).body;
      assert.deepEqual(c.traits, { email: 'c@example.com', plan: 'pro', city: 'Oslo' });
      // A batch-level context (the mobile SDKs' shape) counts as well; a non-object context.traits is ignored.
      const batch = await raw(`${server.url}/v1/batch`, {
        headers: { authorization: basic(ws.writeKey) },
        body: JSON.stringify({
          context: { traits: { device: 'ios' } },
          batch: [
            { type: 'identify', userId: u, timestamp: '2025-04-03T00:00:00Z' },
            { type: 'identify', userId: u, context: { traits: 'nope' }, traits: { seen: true }, timestamp: '2025-04-04T00:00:00Z' },
          ],
        }),
      });
      assert.equal(batch.status, 200);
      c = (await admin(`/api/customers/${u}`)).body;
      assert.deepEqual(c.traits, { email: 'c@example.com', plan: 'pro', city: 'Oslo', device: 'ios', seen: true });
    });

    it('serves analytics.js settings pointing back at this server, and RudderStack source config', async () => {
      const r = await raw(`${server.url}/v1/projects/${ws.writeKey}/settings`, { headers: { origin: PAGE } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), PAGE);
      const seg = r.body.integrations['Segment.io'];
      assert.equal(seg.apiKey, ws.writeKey);
      assert.equal(`http://${seg.apiHost}`, `${server.url}/v1`);
      assert.equal(seg.protocol, 'http');
      assert.deepEqual(Object.keys(r.body.integrations), ['Segment.io']);
      assert.equal(r.body.metrics.sampleRate, 0);
      assert.deepEqual(r.body.remotePlugins, []);
      const wrong = await raw(`${server.url}/v1/projects/tw_nope/settings`, { headers: { origin: PAGE } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers.get('access-control-allow-origin'), PAGE);

      const rs = await raw(`${server.url}/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=${ws.writeKey}&lockIntegrationsVersion=false`, { headers: { origin: PAGE } });
      assert.equal(rs.status, 200);
      assert.equal(rs.body.source.enabled, true);
      assert.deepEqual(rs.body.source.destinations, []);
      assert.equal(rs.body.source.config.statsCollection.errors.enabled, false);
      const rsBasic = await raw(`${server.url}/sourceConfig`, { headers: { authorization: basic(ws.writeKey) } });
      assert.equal(rsBasic.status, 200);
      assert.equal((await raw(`${server.url}/sourceConfig/?writeKey=tw_nope`)).status, 401);
    });

    it('serves the analytics.js bundle and its chunks from the package, cached, gzipped when asked; nothing outside it', async () => {
      const js = await fetch(`${server.url}/analytics.js/v1/${ws.writeKey}/analytics.min.js`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.match(js.headers.get('cache-control') ?? '', /max-age=\d+/);
      const text = await js.text();
      assert.ok(text.length > 50_000 && text.includes('analytics-next/bundles'));
      const gz = await raw(`${server.url}/analytics.js/v1/${ws.writeKey}/analytics.min.js`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.status, 200);
      assert.equal(gz.headers.get('content-encoding'), 'gzip');
      assert.equal(gz.body, text, 'the gzipped file is the same script');
      const chunk = text.match(/"(ajs-destination)"/) ? 'ajs-destination' : null;
      assert.ok(chunk);
      for (const bad of ['..%2F..%2Fpackage.json', '..%2Fcjs%2Findex.js', 'nope.js', 'standalone.ts']) {
        const r = await raw(`${server.url}/analytics-next/bundles/${bad}`);
        assert.equal(r.status, 404, bad);
      }
    });

    it('GET /api/sources shows the write key, server URL and origins; PATCH validates and changes them', async () => {
      const view = await admin('/api/sources');
      assert.equal(view.status, 200);
      assert.deepEqual(view.body, { writeKey: ws.writeKey, serverUrl: server.url, allowedOrigins: ['*'] });
      assert.equal((await admin('/api/sources', { key: ws.writeKey })).status, 403);
      assert.equal((await http(`${server.url}/api/sources`)).status, 401);
      for (const [body, field] of [
        [{ allowedOrigins: ['https://shop.example/path'] }, 'allowedOrigins'],
        [{ allowedOrigins: ['shop.example'] }, 'allowedOrigins'],
        [{ allowedOrigins: [] }, 'allowedOrigins'],
        [{ allowedOrigins: Array.from({ length: 101 }, (_, i) => `https://s${i}.example`) }, 'allowedOrigins'],
        [{ origins: ['*'] }, 'origins'],
      ] as const) {
        const r = await admin('/api/sources', { method: 'PATCH', body });
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.equal(r.body.error.field, field);
      }
      const changed = await admin('/api/sources', { method: 'PATCH', body: { allowedOrigins: ['https://Shop.example:443', 'http://localhost:8080', 'https://shop.example'] } });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.body.allowedOrigins, ['https://shop.example', 'http://localhost:8080']);
      assert.deepEqual((await admin('/api/sources')).body.allowedOrigins, ['https://shop.example', 'http://localhost:8080']);
      assert.equal((await admin('/api/sources', { method: 'PATCH', body: { allowedOrigins: ['*'] } })).body.allowedOrigins[0], '*');
    });

    it('refuses a browser on an origin the workspace does not allow (403 origin_not_allowed, readable); servers pass', async () => {
      assert.equal((await admin('/api/sources', { method: 'PATCH', body: { allowedOrigins: [PAGE] } })).status, 200);
      try {
        const u = `origin-${randomUUID()}`;
        const post = (origin?: string) =>
          raw(`${server.url}/v1/t`, { headers: { authorization: basic(ws.writeKey), 'content-type': 'text/plain', ...(origin ? { origin } : {}) }, body: JSON.stringify({ userId: u, event: 'E' }) });
        const refused = await post('https://evil.example');
        assert.equal(refused.status, 403);
        assert.equal(refused.body.error.code, 'origin_not_allowed');
        assert.match(refused.body.error.message, /evil\.example/);
        assert.equal(refused.headers.get('access-control-allow-origin'), 'https://evil.example');
        // The preflight itself stays generous (it carries no key to tell the workspace).
        const pre = await raw(`${server.url}/v1/t`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
        assert.equal(pre.status, 204);
        const beacon = await raw(`${server.url}/beacon/v1/batch?writeKey=${ws.writeKey}`, {
          headers: { origin: 'https://evil.example' },
          body: JSON.stringify({ batch: [{ type: 'track', userId: u, event: 'E' }] }),
        });
        assert.equal(beacon.status, 403);
        assert.equal((await raw(`${server.url}/v1/projects/${ws.writeKey}/settings`, { headers: { origin: 'https://evil.example' } })).status, 403);
        assert.equal((await post(PAGE)).status, 200);
        assert.equal((await post('https://shop.example:443')).status, 200);
        assert.equal((await post()).status, 200, 'no Origin header: a server or a mobile app');
        assert.equal((await events(u)).length, 3, 'the three allowed requests, none of the refused');
      } finally {
        await admin('/api/sources', { method: 'PATCH', body: { allowedOrigins: ['*'] } });
      }
    });
  });
}

describe('Browser ingestion: rate-limited answers carry CORS too', () => {
  let app: FastifyInstance;
  let url: string;
  let db: Db;
  before(async () => {
    db = await dbTargets()[0]!.open();
    app = await buildServer({ db, log: createLogger('silent'), stages: null, segments: null, journeys: null, analyticsSyncMs: 0, predictionSchedule: false, rateLimits: { ingestIpPerSecond: 1 } });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it('a 429 has Access-Control-Allow-Origin and an exposed Retry-After', async () => {
    const ws = await makeWorkspace(db, 'limited');
    let last: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; i < 5; i++) last = await raw(`${url}/v1/t`, { headers: { origin: PAGE, authorization: basic(ws.writeKey) }, body: JSON.stringify({ userId: 'u', event: 'E' }) });
    assert.equal(last!.status, 429);
    assert.equal(last!.headers.get('access-control-allow-origin'), PAGE);
    assert.ok(last!.headers.get('retry-after'));
    assert.match(last!.headers.get('access-control-expose-headers') ?? '', /Retry-After/i);
  });
});

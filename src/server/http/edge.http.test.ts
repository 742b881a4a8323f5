import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';
import { createLogger } from '../log.js';
import { setWorkspaceKeys } from '../workspaces/workspaces.repo.js';
import { basic, dbTargets, http, makeWorkspace } from '../../test-support/harness.js';
import { buildServer, type ServerDeps } from '../roles/server.js';
import { KeyResolver } from './auth.js';

/** The real server on a loopback port, with the edge options under test. */
async function serve(db: Db, opts: Pick<ServerDeps, 'rateLimits' | 'trustProxy'> = {}): Promise<{ url: string; port: number; app: FastifyInstance }> {
  const app = await buildServer({
    db,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    stages: null,
    segments: null,
    journeys: null,
    analyticsSyncMs: 0,
    predictionSchedule: false,
    ...opts,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, port: Number(new URL(url).port), app };
}

/** A request over node:http from a chosen loopback source address (127.0.0.2 is another client IP). */
function from(
  localAddress: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const data = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = httpRequest(url, { method: init.method ?? (data ? 'POST' : 'GET'), localAddress, headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...init.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Send `head` then `body` over a raw socket in 16 KB writes, yielding between them (a client
 * that is still sending when the server answers), and read whatever comes back.
 */
function rawPost(port: number, head: string, body: Buffer, chunked = false): Promise<{ response: string; socketError: string | null; sent: number }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let response = '';
    let socketError: string | null = null;
    let sent = 0;
    s.on('data', (d) => (response += d.toString()));
    s.on('error', (e) => (socketError = e.message));
    s.on('close', () => resolve({ response, socketError, sent }));
    const timer = setTimeout(() => s.destroy(new Error('no answer in 20 s')), 20_000);
    s.on('close', () => clearTimeout(timer));
    s.write(head);
    const step = 16 * 1024;
    let i = 0;
    const pump = (): void => {
      if (s.destroyed) return;
      if (i >= body.length) {
        if (chunked) s.write('0\r\n\r\n');
        return;
      }
      const c = body.subarray(i, i + step);
      i += c.length;
      s.write(chunked ? Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]) : c, (err) => {
        if (!err) sent += c.length;
        setImmediate(pump);
      });
    };
    pump();
  });
}

for (const target of dbTargets()) {
  describe(`HTTP edge (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof serve>>;
    let adminKey: string;
    let writeKey: string;
    let workspaceId: number;

    before(async () => {
      db = await target.open();
      ({
        adminKey,
        writeKey,
        workspace: { id: workspaceId },
      } = await makeWorkspace(db, 'edge'));
      server = await serve(db);
    });
    after(async () => {
      await server.app.close();
      await db.close();
    });

    it('answers 400 to a NUL character (%00) in a path or query parameter, never 500', async () => {
      const admin = { auth: `Bearer ${adminKey}` };
      for (const path of [
        '/api/customers/%00',
        '/api/customers?cursor=%00',
        '/api/customers?q=a%00b',
        '/api/segments/a%00b',
        '/api/segments/a%00b/members',
        '/api/journeys/%00',
        '/api/templates/x%00',
      ]) {
        const r = await http(`${server.url}${path}`, admin);
        assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'validation_failed');
        assert.match(r.body.error.message, /NUL/);
      }
      for (const path of ['/t/o/%00', '/t/c/a%00', '/u/%00', '/preferences/%00', `/v1/inbox?userId=%00`]) {
        const r = await http(`${server.url}${path}`, path.startsWith('/v1') ? { auth: basic(writeKey) } : {});
        assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'validation_failed');
      }
      // Still fine without one.
      assert.equal((await http(`${server.url}/api/customers/nobody`, admin)).status, 404);
    });

    it('authenticates before it validates: no key and a bad body or query is 401, on both families', async () => {
      const cases: Array<[string, string, unknown]> = [
        ['POST', '/api/segments', { name: 42 }],
        ['PUT', '/api/lifecycle/model', { nonsense: true }],
        ['GET', '/api/customers?limit=-5', undefined],
        ['GET', '/api/metrics/not-a-metric?from=yesterday', undefined],
        ['POST', '/api/spend', []],
        ['PATCH', '/api/workspace', { currency: 12 }],
        ['GET', '/v1/inbox?limit=0', undefined],
        ['POST', '/v1/inbox/abc/read', { userId: 7 }],
        ['POST', '/v1/track', { event: 42 }],
        ['POST', '/v1/batch', { batch: 'no' }],
      ];
      for (const [method, path, body] of cases) {
        const r = await http(`${server.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
        assert.equal(r.status, 401, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'unauthorized');
      }
      // A write key on the admin API is still 403, and the right key still gets the validation error.
      assert.equal((await http(`${server.url}/api/segments`, { auth: `Bearer ${writeKey}`, body: { name: 42 } })).status, 403);
      const bad = await http(`${server.url}/api/customers?limit=-5`, { auth: `Bearer ${adminKey}` });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      const inbox = await http(`${server.url}/v1/inbox?limit=0`, { auth: basic(writeKey) });
      assert.equal(inbox.status, 400);
      // Public routes need no key.
      const health = await http(`${server.url}/health`);
      assert.equal(health.status, 200);
      // PostgreSQL: the connection pool, whose waits say when the pool or the database is the bottleneck; PGlite has none.
      if (health.body.database.kind === 'postgres') {
        const pool = health.body.database.pool;
        assert.ok(pool.max >= 1 && pool.busy <= pool.open && pool.open <= pool.max && pool.waited <= pool.transactions, JSON.stringify(pool));
        assert.ok(pool.transactions > 0, 'the requests above ran transactions');
      } else assert.equal(health.body.database.pool, undefined);
      // The process's memory, for operators: the heap in use lies within the resident set.
      assert.ok(health.body.memory.heapUsedMb > 0 && health.body.memory.heapUsedMb <= health.body.memory.heapTotalMb, JSON.stringify(health.body.memory));
      assert.ok(health.body.memory.heapTotalMb < health.body.memory.rssMb, JSON.stringify(health.body.memory));
      assert.ok(health.body.eventLoop.p50Ms <= health.body.eventLoop.p99Ms && health.body.eventLoop.p99Ms <= health.body.eventLoop.maxMs, JSON.stringify(health.body.eventLoop));
      assert.equal((await http(`${server.url}/openapi.json`)).status, 200);
    });

    it('without TRUST_PROXY a spoofed X-Forwarded-For does not become the client IP', async () => {
      const r = await http(`${server.url}/v1/track`, { auth: basic(writeKey), headers: { 'x-forwarded-for': '203.0.113.9' }, body: { userId: 'xff-user', event: 'Spoofed', messageId: 'xff-1' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const { rows } = await db.query<{ ip: string }>(`SELECT context->>'ip' AS ip FROM events WHERE workspace_id = $1 AND message_id = 'xff-1'`, [workspaceId]);
      assert.equal(rows[0]?.ip, '127.0.0.1');
    });

    describe('a body over the 500 KB limit', () => {
      const json = (n: number) => Buffer.from(JSON.stringify({ batch: [{ type: 'track', event: 'Big', userId: 'u', properties: { pad: randomBytes(n).toString('base64') } }] }));
      const auth = () => basic(writeKey);
      const check = (what: string, out: { response: string; socketError: string | null; sent: number }, bodyLength: number) => {
        assert.equal(out.socketError, null, `${what}: the client saw ${out.socketError}`);
        assert.equal(out.sent, bodyLength, `${what}: the client could send its whole body`);
        assert.match(out.response, /^HTTP\/1\.1 400 /, what);
        const payload = JSON.parse(out.response.slice(out.response.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
        assert.equal(payload.error.code, 'request_too_large', what);
      };

      it('gets its 400 request_too_large whole, and the connection closes without a reset (Content-Length)', async () => {
        const body = json(1_500_000);
        const out = await rawPost(server.port, `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${auth()}\r\nContent-Length: ${body.length}\r\n\r\n`, body);
        check('content-length', out, body.length);
      });

      it('... sent chunked', async () => {
        const body = json(1_500_000);
        const out = await rawPost(server.port, `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${auth()}\r\nTransfer-Encoding: chunked\r\n\r\n`, body, true);
        check('chunked', out, body.length);
      });

      it('... gzip-compressed (over the limit once decompressed, and over 1 MiB on the wire)', async () => {
        const body = gzipSync(json(1_500_000));
        assert.ok(body.length > 1_048_576);
        const out = await rawPost(
          server.port,
          `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nAuthorization: ${auth()}\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
        );
        check('gzip', out, body.length);
      });

      it('... on the admin API too', async () => {
        const body = json(1_500_000);
        const out = await rawPost(
          server.port,
          `POST /api/segments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${adminKey}\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
        );
        check('admin', out, body.length);
      });
    });

    it('a flood of unknown keys does not push a valid key out of the key cache', async () => {
      // Ten minutes of memory: 10,050 lookups on a loaded machine can outlast the default 30 s, and this is about eviction by count.
      const keys = new KeyResolver(db, 600_000);
      const { workspace, writeKey: key } = await makeWorkspace(db, 'edge-cache');
      assert.equal((await keys.resolve('write', key))?.id, workspace.id);
      // Change the key behind the resolver's back: only its cache still knows the old one.
      await setWorkspaceKeys(db, workspace.id, { writeKey: `tw_changed_${randomBytes(16).toString('hex')}` });
      for (let i = 0; i < 10_050; i++) assert.equal(await keys.resolve('write', `tw_guess_${i}`), null);
      assert.equal((await keys.resolve('write', key))?.id, workspace.id, 'the valid key is still cached');
      assert.ok(keys.cached.misses <= 1_000, `misses are bounded (${keys.cached.misses})`);
    });
  });

  describe(`HTTP edge rate limits (${target.name})`, () => {
    let db: Db;
    let ws: { adminKey: string; writeKey: string };
    let other: { adminKey: string; writeKey: string };
    const servers: FastifyInstance[] = [];
    const start = async (opts: Pick<ServerDeps, 'rateLimits' | 'trustProxy'>) => {
      const s = await serve(db, opts);
      servers.push(s.app);
      return s;
    };

    before(async () => {
      db = await target.open();
      ws = await makeWorkspace(db, 'limits');
      other = await makeWorkspace(db, 'limits-other');
    });
    after(async () => {
      for (const s of servers) await s.close();
      await db.close();
    });

    it('locks an IP out of the admin API after too many wrong keys, while a right key from another IP works', async () => {
      const s = await start({ rateLimits: { authFailuresPerMinute: 3 } });
      const wrong = { headers: { authorization: `Bearer ta_wrong_${randomBytes(8).toString('hex')}` } };
      // No key at all guesses nothing: not counted.
      for (let i = 0; i < 5; i++) assert.equal((await from('127.0.0.1', `${s.url}/api/workspace`)).status, 401);
      for (let i = 0; i < 3; i++) assert.equal((await from('127.0.0.1', `${s.url}/api/workspace`, wrong)).status, 401);
      const locked = await from('127.0.0.1', `${s.url}/api/workspace`, wrong);
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error.code, 'rate_limited');
      const retry = Number(locked.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 20, `Retry-After ${String(locked.headers['retry-after'])}`);
      // Even the right key, from the locked-out IP (a guess that hit would otherwise show).
      assert.equal((await from('127.0.0.1', `${s.url}/api/workspace`, { headers: { authorization: `Bearer ${ws.adminKey}` } })).status, 429);
      // Another client IP is not affected.
      const elsewhere = await from('127.0.0.2', `${s.url}/api/workspace`, { headers: { authorization: `Bearer ${ws.adminKey}` } });
      assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
      // Ingestion is a different family.
      assert.equal((await from('127.0.0.1', `${s.url}/v1/track`, { headers: { authorization: basic(ws.writeKey) }, body: { userId: 'a', event: 'Still Works' } })).status, 200);
    });

    it('limits ingestion per write key: past the burst it answers 429 with Retry-After, other keys unaffected', async () => {
      const s = await start({ rateLimits: { ingestPerSecond: 5, ingestIpPerSecond: 0 } });
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof from>> | undefined;
      const t0 = Date.now();
      for (let i = 0; i < 30; i++) {
        const r = await from('127.0.0.1', `${s.url}/v1/track`, { headers: { authorization: basic(ws.writeKey) }, body: { userId: 'a', event: 'Burst' } });
        statuses.push(r.status);
        if (r.status === 429) limited ??= r;
      }
      const seconds = (Date.now() - t0) / 1000;
      const ok = statuses.filter((x) => x === 200).length;
      assert.ok(ok >= 10, `the burst (2 × 5) goes through: ${statuses.join(',')}`);
      assert.ok(ok <= 10 + Math.ceil(5 * seconds) + 1, `no more than burst + rate × ${seconds} s: ${statuses.join(',')}`);
      assert.ok(limited, 'some were limited');
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.equal(limited.headers['retry-after'], '1');
      assert.equal((await from('127.0.0.1', `${s.url}/v1/track`, { headers: { authorization: basic(other.writeKey) }, body: { userId: 'a', event: 'Other Key' } })).status, 200);
    });

    it('limits ingestion per IP, and a spoofed X-Forwarded-For does not escape it unless the proxy is trusted', async () => {
      const s = await start({ rateLimits: { ingestIpPerSecond: 2 } });
      const send = (url: string, xff: string, local = '127.0.0.1') =>
        from(local, `${url}/v1/track`, { headers: { authorization: basic(ws.writeKey), 'x-forwarded-for': xff }, body: { userId: 'a', event: 'Per IP' } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await send(s.url, `198.51.100.${i}`)).status);
      assert.ok(statuses.includes(429), `one IP however it names itself: ${statuses.join(',')}`);
      assert.equal((await send(s.url, '198.51.100.99', '127.0.0.2')).status, 200, 'another IP is not limited');

      const behindProxy = await start({ rateLimits: { ingestIpPerSecond: 2 }, trustProxy: ['127.0.0.1'] });
      const trusted: number[] = [];
      for (let i = 0; i < 12; i++) trusted.push((await send(behindProxy.url, `198.51.100.${i}`)).status);
      assert.deepEqual(trusted, Array(12).fill(200), 'behind a trusted proxy, each forwarded client has its own bucket');
    });
  });
}

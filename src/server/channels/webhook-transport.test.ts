import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRecorder } from '../../test-support/http-recorder.js';
import { after, before, beforeEach, describe, test } from 'node:test';
import { destinationPolicy, parseAllowList } from './destinations.js';
import { sendWebhook, signatureHeader, verifySignature } from './webhook-transport.js';

const SECRET = 'whsec_test_123';
const NOW = 1_760_000_000;

describe('signatureHeader / verifySignature', () => {
  const body = '{"type":"stage.entered","customer":"c_1"}';

  test('the header is t=<ts>,v1=<HMAC-SHA256 of "<ts>.<body>"> (checked against node:crypto directly)', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${body}`).digest('hex');
    assert.equal(signatureHeader(SECRET, NOW, body), `t=${NOW},v1=${expected}`);
  });

  test('verifies its own signature; wrong secret, changed body or stale timestamp fail', () => {
    const h = signatureHeader(SECRET, NOW, body);
    assert.equal(verifySignature(SECRET, h, body, { nowSec: NOW + 10 }), true);
    assert.equal(verifySignature('whsec_other', h, body, { nowSec: NOW }), false);
    assert.equal(verifySignature(SECRET, h, body.replace('c_1', 'c_2'), { nowSec: NOW }), false);
    assert.equal(verifySignature(SECRET, h, body, { nowSec: NOW + 300 }), true);
    assert.equal(verifySignature(SECRET, h, body, { nowSec: NOW + 301 }), false);
    assert.equal(verifySignature(SECRET, h, body, { nowSec: NOW + 1000, toleranceSec: 1000 }), true);
    assert.equal(verifySignature(SECRET, h, body, { nowSec: NOW - 301 }), false, 'far-future timestamps are rejected too');
  });

  test('accepts any of several v1 values (secret rotation) and rejects malformed headers', () => {
    const oldSig = signatureHeader('whsec_old', NOW, body).split(',')[1]!;
    const newSig = signatureHeader(SECRET, NOW, body).split(',')[1]!;
    assert.equal(verifySignature(SECRET, `t=${NOW},${oldSig},${newSig}`, body, { nowSec: NOW }), true);
    assert.equal(verifySignature('whsec_old', `t=${NOW},${oldSig},${newSig}`, body, { nowSec: NOW }), true);
    assert.equal(verifySignature(SECRET, `t=${NOW},${oldSig}`, body, { nowSec: NOW }), false);
    assert.equal(verifySignature(SECRET, newSig, body, { nowSec: NOW }), false, 'no timestamp');
    assert.equal(verifySignature(SECRET, `t=${NOW}`, body, { nowSec: NOW }), false, 'no signature');
    assert.equal(verifySignature(SECRET, `t=${NOW},v1=abc`, body, { nowSec: NOW }), false, 'short signature');
    assert.equal(verifySignature(SECRET, `t=${NOW + 1},${newSig}`, body, { nowSec: NOW }), false, 'timestamp is signed');
    assert.equal(verifySignature(SECRET, '', body, { nowSec: NOW }), false);
  });

  test('a fractional timestamp is a bug and throws', () => {
    assert.throws(() => signatureHeader(SECRET, 1.5, body), RangeError);
  });
});

/** A real HTTP server on 127.0.0.1 whose answer each test sets in `rec.respond`. */
const rec = httpRecorder();
const seen = rec.seen;
let base = '';

describe('sendWebhook against a real HTTP server', () => {
  before(async () => {
    base = await rec.start();
  });
  after(async () => {
    await rec.stop();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const body = JSON.stringify({ id: 'evt_1', type: 'segment.entered', data: { customer: 'c_1', segment: 'vip', note: 'café ☕' } });
  // The receiver is on loopback: allowed explicitly, as TENURE_WEBHOOK_ALLOW=127.0.0.1 would.
  const allowLoopback = destinationPolicy(allowList('127.0.0.1'));
  const send = (extra: Partial<Parameters<typeof sendWebhook>[0]> = {}) =>
    sendWebhook({ url: `${base}/hooks/tenure?src=test`, body, secret: SECRET, idempotencyKey: 'evt_1', timeoutMs: 300, nowSec: NOW, ...extra }, allowLoopback);

  test('POSTs the body as signed, with the documented headers; the receiver can verify it', async () => {
    rec.respond = (_req, res) => res.writeHead(204).end();

    const r = await send();

    assert.deepEqual(r, { ok: true, value: { providerId: null } });
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/tenure?src=test');
    assert.equal(req.body, body);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['idempotency-key'], 'evt_1');
    assert.equal(req.headers['user-agent'], 'Tenure-Webhooks/1');
    const sig = String(req.headers['tenure-signature']);
    assert.match(sig, new RegExp(`^t=${NOW},v1=[0-9a-f]{64}$`));
    assert.equal(verifySignature(SECRET, sig, req.body, { nowSec: NOW + 5 }), true);
    assert.equal(verifySignature('whsec_wrong', sig, req.body, { nowSec: NOW + 5 }), false);
    assert.equal(verifySignature(SECRET, sig, req.body, { nowSec: NOW + 301 }), false);
  });

  test('status classification: 500 transient, 400 and 410 permanent, 408 transient; the reason is the status line only', async () => {
    const results: Record<number, unknown> = {};
    for (const status of [500, 400, 410, 408, 503]) {
      rec.respond = (_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status} from receiver`);
      const r = await send();
      assert.ok(!r.ok && r.message.startsWith(`HTTP ${status} `) && !r.message.includes('from receiver'), JSON.stringify(r));
      results[status] = !r.ok && r.permanent;
    }
    assert.deepEqual(results, { 500: false, 400: true, 410: true, 408: false, 503: false });
  });

  test('429 with Retry-After: 2 → transient, retryAfterMs 2000; an HTTP-date Retry-After counts from nowSec', async () => {
    rec.respond = (_req, res) => res.writeHead(429, { 'retry-after': '2' }).end();
    const r = await send();
    rec.respond = (_req, res) => res.writeHead(503, { 'retry-after': new Date((NOW + 30) * 1000).toUTCString() }).end();
    const dated = await send();

    assert.deepEqual(r.ok ? r : { ...r, message: '' }, { ok: false, code: 'provider_error', permanent: false, retryAfterMs: 2000, message: '' });
    assert.ok(!dated.ok && !dated.permanent && dated.retryAfterMs === 30_000, JSON.stringify(dated));
  });

  test('a redirect is not followed and is permanent; its reason names only the target origin', async () => {
    rec.respond = (_req, res) => res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data?token=abc' }).end();
    const r = await send();
    assert.deepEqual(r, { ok: false, code: 'provider_rejected', permanent: true, message: 'HTTP 301 Moved Permanently: redirects are not followed (to http://169.254.169.254)' });
    assert.equal(seen.length, 1);
  });

  test('a failing endpoint: the reason is a short status line, never its body or its own status text', async () => {
    rec.respond = (_req, res) => {
      res.statusMessage = 'Oops SECRET-db-password-hunter2';
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error: SECRET-db-password-hunter2 ${'x'.repeat(100_000)}`);
    };
    const r = await send();
    assert.deepEqual(r, { ok: false, code: 'provider_error', permanent: false, message: 'HTTP 500 Internal Server Error' });
  });

  test('no answer within timeoutMs → transient timeout', async () => {
    rec.respond = () => {
      /* hold the request */
    };
    const r = await send();
    assert.ok(!r.ok && !r.permanent && /timed out after 300 ms/.test(r.message), JSON.stringify(r));
  });

  test('headers sent but the body stalls → the status decides at once (the body is never read)', async () => {
    rec.respond = (_req, res) => {
      res.writeHead(500);
      res.write('partial');
    };
    const started = Date.now();
    const r = await send({ timeoutMs: 5_000 });
    assert.deepEqual(r, { ok: false, code: 'provider_error', permanent: false, message: 'HTTP 500 Internal Server Error' });
    assert.ok(Date.now() - started < 2_000, 'did not wait for the body');
  });

  test('connection refused → transient; a non-http URL → permanent without a request', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const refused = await send({ url: `http://127.0.0.1:${port}/x` });
    const bad = await send({ url: 'file:///etc/passwd' });
    const garbage = await send({ url: 'not a url' });

    assert.ok(!refused.ok && !refused.permanent && refused.message.includes('ECONNREFUSED'), JSON.stringify(refused));
    assert.ok(!bad.ok && bad.permanent, JSON.stringify(bad));
    assert.ok(!garbage.ok && garbage.permanent, JSON.stringify(garbage));
  });
});

function allowList(text: string) {
  const r = parseAllowList(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** A real HTTP server on `host` that counts connections (not just requests): "never hit" means no TCP connection at all. */
async function countingServer(host: string, answer: (res: ServerResponse) => void = (res) => res.writeHead(204).end()) {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('webhook destinations: internal networks refused unless allowed', () => {
  const req = (url: string) => ({ url, body: '{}', secret: SECRET, idempotencyKey: 'evt_2', timeoutMs: 2_000, nowSec: NOW });

  test('127.0.0.1 is refused by default (permanent, the server never reached) and delivered when the allow list names it', async () => {
    const srv = await countingServer('127.0.0.1');
    try {
      const refused = await sendWebhook(req(`http://127.0.0.1:${srv.port}/hook`));
      assert.deepEqual(refused, {
        ok: false,
        code: 'provider_rejected',
        permanent: true,
        message: 'destination 127.0.0.1 is a loopback address; webhooks may not reach internal networks (allow it with TENURE_WEBHOOK_ALLOW)',
      });
      assert.equal(srv.connections(), 0);

      for (const allow of ['127.0.0.1', '127.0.0.0/8', '::1, 127.0.0.1/32']) {
        const ok = await sendWebhook(req(`http://127.0.0.1:${srv.port}/hook`), destinationPolicy(allowList(allow)));
        assert.deepEqual(ok, { ok: true, value: { providerId: null } }, allow);
      }
      assert.equal(srv.connections(), 3);
    } finally {
      await srv.close();
    }
  });

  test('a host name resolving to loopback (localhost) is refused by default, checked on the resolved address', async () => {
    const srv = await countingServer('127.0.0.1');
    try {
      const r = await sendWebhook(req(`http://localhost:${srv.port}/hook`));
      assert.ok(!r.ok && r.permanent, JSON.stringify(r));
      assert.match(r.ok ? '' : r.message, /^destination (127\.0\.0\.1|::1) \(localhost\) is a loopback address; webhooks may not reach internal networks \(allow it with TENURE_WEBHOOK_ALLOW\)$/);
      assert.equal(srv.connections(), 0);
      assert.deepEqual(await sendWebhook(req(`http://localhost:${srv.port}/hook`), destinationPolicy(allowList('localhost'))), { ok: true, value: { providerId: null } }, 'allowed by host name');
      assert.deepEqual(await sendWebhook(req(`http://localhost:${srv.port}/hook`), destinationPolicy(allowList('127.0.0.1'))), { ok: true, value: { providerId: null } }, 'allowed by address');
      assert.equal(srv.connections(), 2);
    } finally {
      await srv.close();
    }
  });

  test('a redirect from an allowed endpoint to a refused address does not reach it', async () => {
    const target = await countingServer('127.0.0.2');
    const hop = await countingServer('127.0.0.1', (res) => res.writeHead(307, { location: `http://127.0.0.2:${target.port}/internal` }).end());
    try {
      const r = await sendWebhook(req(`http://127.0.0.1:${hop.port}/hook`), destinationPolicy(allowList('127.0.0.1/32')));
      assert.ok(!r.ok && r.permanent && r.message.startsWith('HTTP 307 Temporary Redirect: redirects are not followed'), JSON.stringify(r));
      assert.equal(hop.connections(), 1);
      assert.equal(target.connections(), 0);
      const direct = await sendWebhook(req(`http://127.0.0.2:${target.port}/internal`), destinationPolicy(allowList('127.0.0.1/32')));
      assert.ok(!direct.ok && direct.permanent && direct.message.startsWith('destination 127.0.0.2 is a loopback address'), JSON.stringify(direct));
      assert.equal(target.connections(), 0);
    } finally {
      await hop.close();
      await target.close();
    }
  });

  test('every internal kind of literal address is refused before any connection', async () => {
    const cases: Array<[string, string]> = [
      ['http://169.254.169.254/latest/meta-data', 'destination 169.254.169.254 is a link-local address'],
      ['http://[fe80::1]/', 'destination fe80::1 is a link-local address'],
      ['http://[::1]:9/', 'destination ::1 is a loopback address'],
      ['http://[::ffff:127.0.0.1]/', 'destination ::ffff:7f00:1 is a loopback address'],
      ['http://2130706433/', 'destination 127.0.0.1 is a loopback address'],
      ['http://10.1.2.3/', 'destination 10.1.2.3 is a private address'],
      ['http://172.16.0.1/', 'destination 172.16.0.1 is a private address'],
      ['http://192.168.1.1/', 'destination 192.168.1.1 is a private address'],
      ['http://100.64.0.1/', 'destination 100.64.0.1 is a private address'],
      ['http://[fd12::1]/', 'destination fd12::1 is a private address'],
      ['http://[::ffff:10.0.0.1]/', 'destination ::ffff:a00:1 is a private address'],
      ['http://0.0.0.0/', 'destination 0.0.0.0 is an unspecified address'],
      ['http://[::]/', 'destination :: is an unspecified address'],
      ['http://224.0.0.1/', 'destination 224.0.0.1 is a multicast address'],
      ['http://[ff02::1]/', 'destination ff02::1 is a multicast address'],
      ['http://255.255.255.255/', 'destination 255.255.255.255 is a broadcast or reserved address'],
    ];
    for (const [url, reason] of cases) {
      const r = await sendWebhook(req(url));
      assert.ok(!r.ok && r.permanent && r.message.startsWith(reason), `${url}: ${JSON.stringify(r)}`);
    }
    const allowed = destinationPolicy(allowList('10.0.0.0/8,fd00::/8'));
    assert.equal(allowed.refusal('10.1.2.3', '10.1.2.3'), null);
    assert.equal(allowed.refusal('x', '::ffff:10.0.0.1'), null, 'IPv4-mapped IPv6 matches an IPv4 range');
    assert.equal(allowed.refusal('x', 'fd12::1'), null);
    assert.match(allowed.refusal('x', '11.0.0.1') ?? 'public', /public/);
    assert.match(allowed.refusal('x', '192.168.0.1') ?? '', /private/);
  });
});

describe('parseAllowList', () => {
  test('host names, addresses and CIDR ranges; a bad entry is named', () => {
    assert.deepEqual(allowList(' 127.0.0.1, 10.0.0.0/8 ,Hooks.Internal,[::1],fc00::/7,'), [
      { ip: '127.0.0.1', prefix: 32, family: 4 },
      { ip: '10.0.0.0', prefix: 8, family: 4 },
      { host: 'hooks.internal' },
      { ip: '::1', prefix: 128, family: 6 },
      { ip: 'fc00::', prefix: 7, family: 6 },
    ]);
    assert.deepEqual(allowList(''), []);
    for (const bad of ['10.0.0.0/33', '::1/129', '10.0.0.0/x', 'hooks.internal/8', 'http://x.test', 'a b', '1.2.3.4/8/9']) {
      const r = parseAllowList(bad);
      assert.ok(!r.ok && r.message.includes(`"${bad}"`), `${bad}: ${JSON.stringify(r)}`);
    }
  });
});

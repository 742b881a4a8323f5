import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRecorder } from '../../test-support/http-recorder.js';
import { after, before, beforeEach, describe, test } from 'node:test';
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
  const send = (extra: Partial<Parameters<typeof sendWebhook>[0]> = {}) =>
    sendWebhook({ url: `${base}/hooks/tenure?src=test`, body, secret: SECRET, idempotencyKey: 'evt_1', timeoutMs: 300, nowSec: NOW, ...extra });

  test('POSTs the body as signed, with the documented headers; the receiver can verify it', async () => {
    rec.respond = (_req, res) => res.writeHead(204).end();

    const r = await send();

    assert.deepEqual(r, { ok: true, providerId: null });
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

  test('status classification: 500 transient, 400 and 410 permanent, 408 transient', async () => {
    const results: Record<number, unknown> = {};
    for (const status of [500, 400, 410, 408, 503]) {
      rec.respond = (_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status} from receiver`);
      const r = await send();
      assert.ok(!r.ok && r.reason.includes(`HTTP ${status}`) && r.reason.includes('from receiver'), JSON.stringify(r));
      results[status] = !r.ok && r.permanent;
    }
    assert.deepEqual(results, { 500: false, 400: true, 410: true, 408: false, 503: false });
  });

  test('429 with Retry-After: 2 → transient, retryAfterMs 2000; an HTTP-date Retry-After counts from nowSec', async () => {
    rec.respond = (_req, res) => res.writeHead(429, { 'retry-after': '2' }).end();
    const r = await send();
    rec.respond = (_req, res) => res.writeHead(503, { 'retry-after': new Date((NOW + 30) * 1000).toUTCString() }).end();
    const dated = await send();

    assert.deepEqual(r.ok ? r : { ...r, reason: '' }, { ok: false, permanent: false, retryAfterMs: 2000, reason: '' });
    assert.ok(!dated.ok && !dated.permanent && dated.retryAfterMs === 30_000, JSON.stringify(dated));
  });

  test('a redirect is not followed and is permanent', async () => {
    rec.respond = (_req, res) => res.writeHead(301, { location: 'http://169.254.169.254/latest' }).end();
    const r = await send();
    assert.ok(!r.ok && r.permanent && r.reason.includes('301'), JSON.stringify(r));
    assert.equal(seen.length, 1);
  });

  test('a large error body is cut to a short reason', async () => {
    rec.respond = (_req, res) => res.writeHead(400).end('x'.repeat(1_000_000));
    const r = await send();
    assert.ok(!r.ok && r.permanent && r.reason.length < 600, r.ok ? '' : `reason length ${r.reason.length}`);
  });

  test('no answer within timeoutMs → transient timeout', async () => {
    rec.respond = () => {
      /* hold the request */
    };
    const r = await send();
    assert.ok(!r.ok && !r.permanent && /timed out after 300 ms/.test(r.reason), JSON.stringify(r));
  });

  test('headers sent but the body stalls → still a transient timeout', async () => {
    rec.respond = (_req, res) => {
      res.writeHead(500);
      res.write('partial');
    };
    const r = await send();
    assert.ok(!r.ok && !r.permanent && /timed out/.test(r.reason), JSON.stringify(r));
  });

  test('connection refused → transient; a non-http URL → permanent without a request', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const refused = await send({ url: `http://127.0.0.1:${port}/x` });
    const bad = await send({ url: 'file:///etc/passwd' });
    const garbage = await send({ url: 'not a url' });

    assert.ok(!refused.ok && !refused.permanent && refused.reason.includes('ECONNREFUSED'), JSON.stringify(refused));
    assert.ok(!bad.ok && bad.permanent, JSON.stringify(bad));
    assert.ok(!garbage.ok && garbage.permanent, JSON.stringify(garbage));
  });
});

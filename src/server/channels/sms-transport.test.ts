import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRecorder } from '../../test-support/http-recorder.js';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSmsTransport } from './sms-transport.js';

/** A real HTTP server on 127.0.0.1 whose answer each test sets in `rec.respond`. */
const rec = httpRecorder();
const seen = rec.seen;
let baseUrl = '';

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
}

const sms = () => createSmsTransport({ baseUrl, accountSid: 'AC123', authToken: 's3cret', from: '+15550001111', timeoutMs: 300 });

describe('createSmsTransport against a real HTTP server', () => {
  before(async () => {
    baseUrl = await rec.start();
  });
  after(async () => {
    await rec.stop();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  test('POSTs the Twilio request shape and returns the sid', async () => {
    rec.respond = (_req, res) => json(res, 201, { sid: 'SM0123456789abcdef', status: 'queued' });

    const r = await sms().send({ to: '+15557654321', body: 'Your code is 1234 — thanks & bye', idempotencyKey: 'otp:42' });

    assert.deepEqual(r, { ok: true, value: { providerId: 'SM0123456789abcdef' } });
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/2010-04-01/Accounts/AC123/Messages.json');
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('AC123:s3cret').toString('base64')}`);
    assert.equal(req.headers['i-twilio-idempotency-token'], 'otp:42');
    const form = new URLSearchParams(req.body);
    assert.deepEqual([...form.keys()].sort(), ['Body', 'From', 'To']);
    assert.equal(form.get('To'), '+15557654321');
    assert.equal(form.get('From'), '+15550001111');
    assert.equal(form.get('Body'), 'Your code is 1234 — thanks & bye');
  });

  test('2xx without a sid is still delivered', async () => {
    rec.respond = (_req, res) => res.writeHead(200).end('OK');
    assert.deepEqual(await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' }), { ok: true, value: { providerId: null } });
  });

  test('400 with Twilio code 21211 (invalid number) → permanent bounce, reason carries code and message', async () => {
    rec.respond = (_req, res) => json(res, 400, { code: 21211, message: "The 'To' number +1555 is not a valid phone number.", status: 400 });

    const r = await sms().send({ to: '+1555', body: 'hi', idempotencyKey: 'k' });

    assert.ok(!r.ok && r.permanent && r.bounce === true, JSON.stringify(r));
    assert.ok(!r.ok && r.message.includes('400') && r.message.includes('21211') && r.message.includes('not a valid phone number'), JSON.stringify(r));
  });

  test('21614 (not a mobile number) bounces too; another 4xx code is permanent without bounce', async () => {
    rec.respond = (_req, res) => json(res, 400, { code: 21614, message: "'To' number is not a valid mobile number" });
    const landline = await sms().send({ to: '+15550000000', body: 'hi', idempotencyKey: 'k' });
    rec.respond = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate' });
    const auth = await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' });

    assert.ok(!landline.ok && landline.permanent && landline.bounce === true, JSON.stringify(landline));
    assert.ok(!auth.ok && auth.permanent && auth.bounce === undefined && auth.message.includes('20003'), JSON.stringify(auth));
  });

  test('500 → transient', async () => {
    rec.respond = (_req, res) => json(res, 500, { code: 20500, message: 'Internal Server Error' });
    const r = await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' });
    assert.ok(!r.ok && !r.permanent && r.retryAfterMs === undefined && r.message.includes('500'), JSON.stringify(r));
  });

  test('429 with Retry-After: 2 → transient, retry after 2000 ms', async () => {
    rec.respond = (_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests' }, { 'retry-after': '2' });
    const r = await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' });
    assert.deepEqual(r.ok ? r : { ...r, message: '' }, { ok: false, code: 'provider_error', permanent: false, retryAfterMs: 2000, message: '' });
  });

  test('408 → transient; a non-JSON error body becomes the reason', async () => {
    rec.respond = (_req, res) => res.writeHead(408, { 'content-type': 'text/plain' }).end('request timeout at edge');
    const r = await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' });
    assert.ok(!r.ok && !r.permanent && r.message.includes('request timeout at edge'), JSON.stringify(r));
  });

  test('no answer within timeoutMs → transient timeout', async () => {
    rec.respond = () => {
      /* never answer */
    };
    const t0 = performance.now();
    const r = await sms().send({ to: '+15557654321', body: 'hi', idempotencyKey: 'k' });
    assert.ok(!r.ok && !r.permanent && /timed out after 300 ms/.test(r.message), JSON.stringify(r));
    assert.ok(performance.now() - t0 < 5_000);
  });

  test('connection refused → transient network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const r = await createSmsTransport({ baseUrl: `http://127.0.0.1:${port}`, accountSid: 'AC1', authToken: 't', from: '+1' }).send({ to: '+1', body: 'x', idempotencyKey: 'k' });

    assert.ok(!r.ok && !r.permanent && r.message.includes('ECONNREFUSED'), JSON.stringify(r));
  });

  test('a base URL that is not http(s) is rejected when the transport is created', () => {
    assert.throws(() => createSmsTransport({ baseUrl: 'ftp://api.example', accountSid: 'AC1', authToken: 't', from: '+1' }), TypeError);
    assert.throws(() => createSmsTransport({ baseUrl: 'not a url', accountSid: 'AC1', authToken: 't', from: '+1' }), TypeError);
  });
});

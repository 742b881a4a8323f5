import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Db } from '../db/client.js';
import { buildServer } from '../roles/server.js';
import { sendTest } from '../channels/provider-senders.js';
import { fail, ok } from '../lib/result.js';
import { basic, dbTargets, http, makeWorkspace, until } from '../../test-support/harness.js';
import { startSmtpSink } from '../../test-support/smtp-sink.js';
import { httpRecorder } from '../../test-support/http-recorder.js';

/**
 * Providers connected in Settings, over real HTTP against real SMTP servers (smtp-server,
 * one requiring a login): validation in words, the secret never returned nor logged, test
 * sends that report the provider's outcome, and the dispatcher using the saved provider
 * from the next batch on (outboxed before, sent after, without a restart).
 */
const PASSWORD = 'pa55-w0rd-Zebra-7781';
const WRONG = 'wrong-Password-4410';
const TOKEN = 'tok-Secret-99881';

for (const target of dbTargets()) {
  describe(`messaging providers over HTTP (${target.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let url: string;
    let admin: string;
    let write: string;
    const logLines: string[] = [];
    const bodies: string[] = [];
    let sink: Awaited<ReturnType<typeof startSmtpSink>>;
    let sinkPort: number;

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db);
      admin = `Bearer ${keys.adminKey}`;
      write = basic(keys.writeKey);
      sink = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
      sinkPort = Number(new URL(sink.url).port);
      // Every log line at debug and above, to look for the secret afterwards.
      const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
      app = await buildServer({
        db,
        log,
        sweepMs: 0,
        segmentSweepMs: 0,
        analyticsSyncMs: 0,
        predictionSchedule: false,
        serverSecret: ok({ secret: 'a-test-server-secret-of-forty-characters!', source: 'env' }),
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      await api('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
    });
    after(async () => {
      await app.close();
      await sink.close();
      await db.close();
    });

    async function call(method: string, path: string, body?: unknown) {
      const r = await http(`${url}${path}`, { method, auth: admin, body });
      bodies.push(JSON.stringify(r.body));
      return r;
    }
    async function api(method: string, path: string, body?: unknown) {
      const r = await call(method, path, body);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    }
    const smtp = (over: Record<string, unknown> = {}) => ({
      kind: 'smtp',
      host: '127.0.0.1',
      port: sinkPort,
      security: 'none',
      username: 'mailer',
      password: PASSWORD,
      from: 'Brewline <hello@brewline.test>',
      ...over,
    });

    it('starts with nothing connected: email and SMS stay in the outbox', async () => {
      const v = await api('GET', '/api/providers');
      assert.deepEqual(
        v.providers.map((p: any) => [p.channel, p.connected, p.sends, p.secretSet, p.settings]),
        [
          ['email', false, false, false, null],
          ['sms', false, false, false, null],
        ],
      );
      assert.deepEqual(v.secretStorage, { available: true, message: null });
      const doc = await http(`${url}/openapi.json`);
      for (const path of ['/api/providers', '/api/providers/{channel}', '/api/providers/{channel}/test']) assert.ok(doc.body.paths[path], `${path} is in the OpenAPI document`);
    });

    it('refuses bad settings with 400 naming the field, and saves nothing', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ host: 'smtp://mail.example.com' }, 'host', /host name or IP address/],
        [{ host: 'mail.example.com:587' }, 'host', /without a port/],
        [{ port: 70_000 }, 'port', /port number from 1 to 65535/],
        [{ port: '587' }, 'port', /port number/],
        [{ from: 'not an address' }, 'from', /email address/],
        [{ from: 'Acme <acme.test>' }, 'from', /email address/],
        [{ security: 'ssl' }, 'security', /tls, starttls, none/],
        [{ password: undefined }, 'password', /give the password/],
      ];
      for (const [over, field, message] of cases) {
        const r = await call('PUT', '/api/providers/email', smtp(over));
        assert.equal(r.status, 400, JSON.stringify(over));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.equal(r.body.error.field, field, JSON.stringify(r.body));
        assert.match(r.body.error.message, message);
      }
      const mismatch = await call('PUT', '/api/providers/sms', smtp());
      assert.equal(mismatch.status, 400);
      assert.match(mismatch.body.error.message, /SMS providers are kind "http"/);
      const badChannel = await call('PUT', '/api/providers/fax', smtp());
      assert.equal(badChannel.status, 400);
      const { rows } = await db.query(`SELECT 1 FROM messaging_providers`);
      assert.equal(rows.length, 0);
    });

    it('a test send with the wrong password says the SMTP server refused the login (502 provider_auth_failed)', async () => {
      await api('PUT', '/api/providers/email', smtp({ password: WRONG }));
      const r = await call('POST', '/api/providers/email/test', { to: 'owner@brewline.test' });
      assert.equal(r.status, 502);
      assert.equal(r.body.error.code, 'provider_auth_failed');
      assert.match(r.body.error.message, new RegExp(`^SMTP authentication failed at 127\\.0\\.0\\.1:${sinkPort}: the server refused the user name or password .*535`));
      assert.equal(sink.mails.length, 0);
    });

    it('saves the right password, never shows it, and a test send arrives at the SMTP server', async () => {
      const saved = await api('PUT', '/api/providers/email', smtp());
      const email = saved.providers.find((p: any) => p.channel === 'email');
      assert.deepEqual(
        { ...email, updatedAt: typeof email.updatedAt },
        {
          channel: 'email',
          connected: true,
          kind: 'smtp',
          settings: { host: '127.0.0.1', port: sinkPort, security: 'none', username: 'mailer', from: 'Brewline <hello@brewline.test>' },
          secretSet: true,
          updatedAt: 'string',
          sends: true,
          serverProvider: null,
        },
      );
      const { rows } = await db.query<{ secret: string }>(`SELECT secret FROM messaging_providers WHERE channel = 'email'`);
      assert.match(rows[0]!.secret, /^v1\.[0-9a-f]{8}\./);
      assert.ok(!rows[0]!.secret.includes(PASSWORD), 'sealed at rest');

      const r = await api('POST', '/api/providers/email/test', { to: 'owner@brewline.test' });
      assert.equal(r.ok, true);
      assert.match(r.message, new RegExp(`^Sent to owner@brewline\\.test through 127\\.0\\.0\\.1:${sinkPort}`));
      assert.equal(sink.mails.length, 1);
      assert.deepEqual([sink.mails[0]!.to, sink.mails[0]!.from, sink.mails[0]!.subject], [['owner@brewline.test'], 'hello@brewline.test', 'Tenure test message']);

      // Saved again without a password: the saved one is kept (the next test still logs in).
      await api('PUT', '/api/providers/email', smtp({ password: undefined, from: 'hello@brewline.test' }));
      await api('POST', '/api/providers/email/test', { to: 'owner@brewline.test' });
      assert.equal(sink.mails.length, 2);
      assert.equal(sink.mails[1]!.from, 'hello@brewline.test');

      const bad = await call('POST', '/api/providers/email/test', { to: 'not-an-address' });
      assert.deepEqual([bad.status, bad.body.error.field], [400, 'to']);
      const sms = await call('POST', '/api/providers/sms/test', { to: '+15551234567' });
      assert.deepEqual([sms.status, sms.body.error.code], [409, 'provider_not_connected']);
    });

    it('reports a refused connection and a server that never answers in words, without hanging', async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      await api('PUT', '/api/providers/email', smtp({ port: closed, password: undefined }));
      const refused = await call('POST', '/api/providers/email/test', { to: 'owner@brewline.test' });
      assert.equal(refused.status, 502);
      assert.equal(refused.body.error.code, 'provider_unreachable');
      assert.match(refused.body.error.message, new RegExp(`^Connection refused by 127\\.0\\.0\\.1:${closed}`));

      // A server that accepts the connection and says nothing: the test gives up after its limit.
      const silent = net.createServer(() => undefined).listen(0, '127.0.0.1');
      await new Promise((r) => silent.once('listening', r));
      try {
        const port = (silent.address() as net.AddressInfo).port;
        const started = Date.now();
        const out = await sendTest({ channel: 'email', kind: 'smtp', settings: { host: '127.0.0.1', port, security: 'none', username: null, from: 'a@b.test' }, password: null }, 'x@y.test', {
          timeoutMs: 800,
        });
        const took = Date.now() - started;
        assert.equal(out.ok, false);
        assert.equal(!out.ok && out.code, 'provider_timeout');
        assert.ok(took >= 700 && took < 5_000, `gave up after ${took} ms`);
      } finally {
        silent.close();
      }
      await api('PUT', '/api/providers/email', smtp({ password: undefined }));
    });

    it('sends journey mail through the saved provider from the next batch on; without one it stays outboxed, with no delivery event', async () => {
      await api('POST', '/api/templates', {
        id: 'hello',
        name: 'Hello',
        channel: 'email',
        subject: 'Hello {{ traits.first_name }}',
        body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>',
      });
      const track = await http(`${url}/v1/batch`, { auth: write, body: { batch: [{ type: 'identify', userId: 'nia', traits: { email: 'nia@example.test', first_name: 'Nia' } }] } });
      assert.equal(track.status, 200);
      const status = async (id: number) => (await api('GET', `/api/messages/${id}`)).status as string;
      const settled = (id: number) => until(`message ${id} settled`, async () => ((s) => (s === 'queued' || s === 'sending' ? undefined : s))(await status(id)), 15_000);
      const events = async (name: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event = $1`, [name])).rows[0]!.n;

      // Disconnected: kept in the outbox, and neither "Email Delivered" nor "Message Failed" on the timeline.
      await api('DELETE', '/api/providers/email');
      assert.equal((await call('DELETE', '/api/providers/email')).status, 404);
      assert.equal((await api('GET', '/api/channels')).channels.find((c: any) => c.channel === 'email').transport, 'outbox');
      const first = await api('POST', '/api/templates/hello/test-send', { customerId: 'nia' });
      assert.equal(await settled(first.messageId), 'outboxed');
      const mailsBefore = sink.mails.length;
      assert.deepEqual([await events('Email Delivered'), await events('Message Failed')], [0, 0]);

      // Connected (no restart): the next message goes out through it, and is delivered on the timeline.
      await api('PUT', '/api/providers/email', smtp());
      const channels = await api('GET', '/api/channels');
      assert.deepEqual(
        channels.channels.find((c: any) => c.channel === 'email'),
        { channel: 'email', transport: 'smtp', sends: true, target: `127.0.0.1:${sinkPort}`, from: 'Brewline <hello@brewline.test>' },
      );
      const second = await api('POST', '/api/templates/hello/test-send', { customerId: 'nia' });
      assert.equal(await settled(second.messageId), 'sent');
      assert.equal(sink.mails.length, mailsBefore + 1);
      const mail = sink.mails.at(-1)!;
      assert.deepEqual([mail.to, mail.from, mail.subject], [['nia@example.test'], 'hello@brewline.test', 'Hello Nia']);
      assert.equal(await events('Email Delivered'), 1);
      // The one kept in the outbox before stays there (not sent on connect).
      assert.equal(await status(first.messageId), 'outboxed');
    });

    it('SMS: a Twilio-compatible API, its token sealed; a test send reaches it, a refused token is provider_auth_failed', async () => {
      const api2 = httpRecorder();
      const base = await api2.start();
      api2.respond = (req, res) => {
        const ok = req.headers.authorization === `Basic ${Buffer.from(`AC123:${TOKEN}`).toString('base64')}`;
        if (ok) res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'SM777' }));
        else res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate' }));
      };
      try {
        const noToken = await call('PUT', '/api/providers/sms', { kind: 'http', apiUrl: base, accountSid: 'AC123', from: '+15550001111' });
        assert.deepEqual([noToken.status, noToken.body.error.field], [400, 'authToken']);
        const badUrl = await call('PUT', '/api/providers/sms', { kind: 'http', apiUrl: 'ftp://x', accountSid: 'AC123', from: '+15550001111', authToken: TOKEN });
        assert.deepEqual([badUrl.status, badUrl.body.error.field], [400, 'apiUrl']);
        const saved = await api('PUT', '/api/providers/sms', { kind: 'http', apiUrl: `${base}/`, accountSid: 'AC123', from: '+15550001111', authToken: TOKEN });
        const sms = saved.providers.find((p: any) => p.channel === 'sms');
        assert.deepEqual([sms.connected, sms.secretSet, sms.settings], [true, true, { apiUrl: base, accountSid: 'AC123', from: '+15550001111' }]);
        assert.ok(!JSON.stringify(saved).includes(TOKEN));
        const sent = await api('POST', '/api/providers/sms/test', { to: '+15557654321' });
        assert.deepEqual([sent.ok, sent.providerId], [true, 'SM777']);
        assert.equal(api2.seen.length, 1);
        assert.equal(api2.seen[0]!.path, '/2010-04-01/Accounts/AC123/Messages.json');
        assert.equal(new URLSearchParams(api2.seen[0]!.body).get('To'), '+15557654321');
        const badTo = await call('POST', '/api/providers/sms/test', { to: '555-1234' });
        assert.deepEqual([badTo.status, badTo.body.error.field], [400, 'to']);
        await api('PUT', '/api/providers/sms', { kind: 'http', apiUrl: base, accountSid: 'AC123', from: '+15550001111', authToken: 'not-the-token-1' });
        const refused = await call('POST', '/api/providers/sms/test', { to: '+15557654321' });
        assert.deepEqual([refused.status, refused.body.error.code], [502, 'provider_auth_failed']);
        assert.match(refused.body.error.message, /refused the account id or auth token \(HTTP 401: code 20003 Authenticate\)/);
        await api('DELETE', '/api/providers/sms');
      } finally {
        await api2.stop();
      }
    });

    it('never puts the password in a response or a log line', () => {
      assert.ok(bodies.length > 20);
      for (const b of bodies) {
        assert.ok(!b.includes(PASSWORD) && !b.includes(WRONG) && !b.includes(TOKEN), `a response holds the secret: ${b.slice(0, 200)}`);
      }
      assert.ok(logLines.some((l) => l.includes('messaging provider saved')) && logLines.some((l) => l.includes('messaging provider test send')), 'saves and tests are logged');
      for (const l of logLines) assert.ok(!l.includes(PASSWORD) && !l.includes(WRONG) && !l.includes(TOKEN), `a log line holds the secret: ${l.slice(0, 200)}`);
    });
  });
}

describe('messaging providers without a server secret (PostgreSQL without TENURE_SECRET)', () => {
  it('refuses to save a credential with 409 secret_unavailable, says why, and still saves a relay without login', async () => {
    const db = await dbTargets()[0]!.open();
    const keys = await makeWorkspace(db);
    const message = 'TENURE_SECRET is not set: …';
    const app = await buildServer({
      db,
      log: pino({ level: 'silent' }),
      sweepMs: 0,
      segmentSweepMs: 0,
      analyticsSyncMs: 0,
      predictionSchedule: false,
      serverSecret: fail('secret_unavailable', message),
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const auth = `Bearer ${keys.adminKey}`;
      const v = await http(`${url}/api/providers`, { auth });
      assert.deepEqual(v.body.secretStorage, { available: false, message });
      const body = { kind: 'smtp', host: 'smtp.example.com', port: 587, security: 'starttls', username: 'u', password: 'p', from: 'a@example.com' };
      const r = await http(`${url}/api/providers/email`, { method: 'PUT', auth, body });
      assert.deepEqual([r.status, r.body.error.code, r.body.error.message], [409, 'secret_unavailable', message]);
      const relay = await http(`${url}/api/providers/email`, { method: 'PUT', auth, body: { ...body, username: '', password: undefined } });
      assert.equal(relay.status, 200);
      assert.deepEqual(relay.body.providers[0].settings.username, null);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

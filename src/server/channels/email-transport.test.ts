import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { classifySmtpError, createEmailTransport, keyFromMessageId, messageIdHeader } from './email-transport.js';

/** One message as the SMTP server received it. */
interface Received {
  from: string;
  to: string[];
  raw: string;
  /** The session was TLS (implicit or after STARTTLS). */
  secure: boolean;
  headers: Map<string, string>;
  /** MIME parts (content-type → decoded body); the whole body as one part when not multipart. */
  parts: Map<string, string>;
}

interface TestSmtp {
  port: number;
  messages: Received[];
  /** Sessions opened (onConnect calls). */
  connections(): number;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1, collecting what it receives. */
async function startSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          secure: session.secure,
          ...parseMime(raw),
        });
        cb(null, `queued as Q${messages.length}`);
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough MIME: unfolded headers (lower-case names) and the parts of one multipart level. */
function parseMime(raw: string): { headers: Map<string, string>; parts: Map<string, string> } {
  const { headers, body } = splitEntity(raw);
  const parts = new Map<string, string>();
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) {
    parts.set(type.split(';')[0]!.trim(), decodeBody(body, headers));
    return { headers, parts };
  }
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = splitEntity(chunk.replace(/^\r\n/, ''));
    parts.set((part.headers.get('content-type') ?? '').split(';')[0]!.trim(), decodeBody(part.body, part.headers));
  }
  return { headers, parts };
}

function splitEntity(text: string): { headers: Map<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: end < 0 ? '' : text.slice(end + 4) };
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const enc = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n$/, '');
  }
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body.replace(/\r\n$/, '');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

describe('createEmailTransport against a real SMTP server', () => {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('delivers subject, Message-ID, extra headers and html+text alternatives', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: '"Acme" <hello@acme.test>' });
    cleanups.push(() => email.close());

    const html = `<p>Hi Ada — your <b>order</b> shipped. ${'x'.repeat(200)}</p>`;
    const r = await email.send({
      to: 'ada@example.test',
      subject: 'Your order shipped',
      text: 'Hi Ada — your order shipped.',
      html,
      headers: { 'List-Unsubscribe': '<https://acme.test/u/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      messageId: 'journey:42:step:7',
    });

    assert.deepEqual(r, { ok: true, value: { providerId: 'Q1' } });
    assert.equal(smtp.messages.length, 1);
    const m = smtp.messages[0]!;
    assert.equal(m.from, 'hello@acme.test');
    assert.deepEqual(m.to, ['ada@example.test']);
    assert.equal(m.headers.get('subject'), 'Your order shipped');
    assert.equal(m.headers.get('message-id'), '<journey%3A42%3Astep%3A7@tenure>');
    assert.equal(m.headers.get('from'), 'Acme <hello@acme.test>');
    assert.equal(m.headers.get('list-unsubscribe'), '<https://acme.test/u/abc>');
    assert.equal(m.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.match(m.headers.get('content-type') ?? '', /^multipart\/alternative;/);
    assert.equal(m.parts.get('text/plain'), 'Hi Ada — your order shipped.');
    assert.equal(m.parts.get('text/html'), html);
  });

  test('a full <…> Message-ID and a per-message From are used as given; text-only is single part', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'bob@example.test', from: 'billing@acme.test', subject: 'Receipt', text: 'Thanks', messageId: '<receipt-9@acme.test>' });

    assert.equal(r.ok, true);
    const m = smtp.messages[0]!;
    assert.equal(m.headers.get('message-id'), '<receipt-9@acme.test>');
    assert.equal(m.from, 'billing@acme.test');
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(m.parts.get('text/plain'), 'Thanks');
  });

  test('the URL credentials are used for AUTH', async () => {
    const logins: Array<{ user: string | undefined; pass: string | null | undefined }> = [];
    const smtp = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        logins.push({ user: auth.username, pass: auth.password });
        if (auth.password === 'p@ss word') cb(null, { user: auth.username });
        else cb(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
    });
    cleanups.push(smtp.close);
    const good = createEmailTransport({ url: `smtp://mailer:${encodeURIComponent('p@ss word')}@127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    const bad = createEmailTransport({ url: `smtp://mailer:wrong@127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    cleanups.push(
      () => good.close(),
      () => bad.close(),
    );

    assert.deepEqual(await good.verify(), { ok: true, value: { providerId: null } });
    assert.equal((await good.send({ to: 'a@example.test', subject: 's', text: 't', messageId: 'k1' })).ok, true);
    const failed = await bad.send({ to: 'a@example.test', subject: 's', text: 't', messageId: 'k2' });

    assert.deepEqual(logins[0], { user: 'mailer', pass: 'p@ss word' });
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok && !failed.permanent && /535/.test(failed.message), JSON.stringify(failed));
    assert.equal(smtp.messages.length, 1);
  });

  test('smtps:// (implicit TLS) and smtp:// with STARTTLS both end up encrypted', async () => {
    // smtp-server's built-in test certificate: self-signed, hence rejectUnauthorized=false.
    const implicit = await startSmtp({ secure: true, disabledCommands: [] });
    const starttls = await startSmtp({ disabledCommands: [] });
    cleanups.push(implicit.close, starttls.close);
    const secured: boolean[] = [];
    for (const url of [`smtps://127.0.0.1:${implicit.port}?tls.rejectUnauthorized=false`, `smtp://127.0.0.1:${starttls.port}?tls.rejectUnauthorized=false`]) {
      const email = createEmailTransport({ url, from: 'hello@acme.test' });
      cleanups.push(() => email.close());
      const r = await email.send({ to: 'ada@example.test', subject: 'tls', text: 't', messageId: 'tls-1' });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    for (const smtp of [implicit, starttls]) secured.push(...smtp.messages.map((m) => m.secure));
    assert.deepEqual(secured, [true, true]);
  });

  test('the pool reuses connections: 50 concurrent sends over at most maxConnections sessions', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test', maxConnections: 2 });
    cleanups.push(() => email.close());

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => email.send({ to: `user${i}@example.test`, subject: `n${i}`, text: 'hello', messageId: `bulk-${i}` })));

    assert.ok(results.every((r) => r.ok));
    assert.equal(smtp.messages.length, 50);
    assert.deepEqual(new Set(smtp.messages.map((m) => m.headers.get('message-id'))).size, 50);
    assert.ok(smtp.connections() >= 1 && smtp.connections() <= 2, `connections: ${smtp.connections()}`);
  });

  test('maxMessages retires a connection after that many messages', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test', maxConnections: 1, maxMessages: 3 });
    cleanups.push(() => email.close());

    for (let i = 0; i < 7; i++) assert.equal((await email.send({ to: 'a@example.test', subject: 's', text: 't', messageId: `mm-${i}` })).ok, true);

    assert.equal(smtp.connections(), 3); // 3 + 3 + 1
  });

  test('RCPT rejected with 550 → permanent hard bounce, and the pool keeps working', async () => {
    const smtp = await startSmtp({
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('nobody@')) cb(smtpError(550, '5.1.1 No such user here'));
        else cb();
      },
    });
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test', maxConnections: 1 });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'nobody@example.test', subject: 's', text: 't', messageId: 'b1' });
    const next = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 'b2' });

    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.permanent && r.bounce === true, JSON.stringify(r));
    assert.ok(!r.ok && r.message.includes('550') && r.message.includes('No such user here'), r.ok ? '' : r.message);
    assert.equal(next.ok, true);
    assert.deepEqual(
      smtp.messages.map((m) => m.to[0]),
      ['ada@example.test'],
    );
  });

  test('RCPT deferred with 451 → transient, no bounce', async () => {
    const smtp = await startSmtp({ onRcptTo: (_a, _s, cb) => cb(smtpError(451, '4.7.1 Greylisted, try again later')) });
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 'g1' });

    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.permanent && r.bounce === undefined, JSON.stringify(r));
    assert.ok(!r.ok && r.message.includes('451') && r.message.includes('Greylisted'));
  });

  test('message rejected after DATA with 554 → permanent, not a bounce', async () => {
    const smtp = await startSmtp({
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => cb(smtpError(554, '5.7.1 Message rejected as spam')));
      },
    });
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 'd1' });

    assert.ok(!r.ok && r.permanent && r.bounce === undefined && r.message.includes('554'), JSON.stringify(r));
  });

  test('a closed port → transient connection error, for send and verify', async () => {
    const port = await closedPort();
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${port}`, from: 'hello@acme.test' });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 'c1' });
    const v = await email.verify();

    assert.ok(!r.ok && !r.permanent && /ECONNREFUSED|ECONNECTION/.test(r.message), JSON.stringify(r));
    assert.ok(!v.ok && !v.permanent, JSON.stringify(v));
  });

  test('a server that never greets → transient timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)); // accepts and says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () => new Promise((resolve) => silent.close(resolve)),
      () => sockets.forEach((s) => s.destroy()),
    );
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, from: 'hello@acme.test', timeoutMs: 200 });
    cleanups.push(() => email.close());

    const r = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 't1' });

    assert.ok(!r.ok && !r.permanent && /ETIMEDOUT|timeout/i.test(r.message), JSON.stringify(r));
  });

  test('after close(), send answers transiently instead of hanging', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'hello@acme.test' });
    email.close();

    const r = await email.send({ to: 'ada@example.test', subject: 's', text: 't', messageId: 'x1' });

    assert.ok(!r.ok && !r.permanent, JSON.stringify(r));
    assert.equal(smtp.messages.length, 0);
  });
});

describe('messageIdHeader', () => {
  test('wraps bare keys, escapes what a msg-id cannot hold, and round-trips', () => {
    assert.equal(messageIdHeader('abc-123'), '<abc-123@tenure>');
    assert.equal(messageIdHeader('<given@host>'), '<given@host>');
    assert.equal(messageIdHeader('local@host'), '<local@host>');
    assert.equal(messageIdHeader('a:b.c d%é'), '<a%3Ab%2Ec%20d%25%C3%A9@tenure>');
    for (const key of ['journey:42:step:7', 'a.b..c', '100%', 'émoji 🎉', "o'brien+x/y=z"]) {
      assert.equal(keyFromMessageId(messageIdHeader(key)), key);
    }
    assert.equal(keyFromMessageId('<x@elsewhere>'), null);
  });
});

describe('classifySmtpError', () => {
  test('SMTP replies, network codes and build errors', () => {
    const rcpt = (code: number) => classifySmtpError(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: code, response: `${code} no`, command: 'RCPT TO' }));
    for (const code of [550, 551, 553, 554]) assert.deepEqual({ ...rcpt(code), message: '' }, { ok: false, code: 'provider_rejected', permanent: true, bounce: true, message: '' });
    assert.deepEqual({ ...rcpt(552), message: '' }, { ok: false, code: 'provider_rejected', permanent: true, message: '' });
    assert.deepEqual({ ...rcpt(452), message: '' }, { ok: false, code: 'provider_error', permanent: false, message: '' });
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'ESOCKET', 'ECONNECTION']) {
      assert.equal(classifySmtpError(Object.assign(new Error('net'), { code })).permanent, false, code);
    }
    assert.equal(classifySmtpError(Object.assign(new Error('Invalid recipient'), { code: 'EENVELOPE', command: 'API' })).permanent, true);
    assert.equal(classifySmtpError(Object.assign(new Error('535 bad'), { code: 'EAUTH', responseCode: 535 })).permanent, false);
  });
});

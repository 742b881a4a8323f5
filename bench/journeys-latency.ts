/**
 * From an event sent over HTTP to the first email of the journey it triggers being accepted
 * by an SMTP server, under background traffic, with the real server in this process
 * (ingestion, stage and segment workers, and the journey engine the wiring makes: trigger
 * scanner → runner → dispatcher, over pooled SMTP to a real smtp-server).
 *
 *   node --import tsx bench/journeys-latency.ts [--pglite] [--seconds S] [--rate EVENTS_PER_S]
 *        [--probes N] [--users N] [--warmup S] [--no-trace]
 *
 * Setup (not timed): `--users` (default 5,000) background users with ~10 events each over
 * HTTP; a ~5 KB MJML template "Welcome {{ customer.userId }}"; published over the admin
 * API, the probe journey (trigger `Probe Signed Up`, first step sends that email, then a
 * 2-day wait and a second email) and three live journeys on the background events
 * (Product Viewed → wait up to 1 h for Order Completed; Order Completed → review request in
 * 7 days; Feature Used {feature: review_written} → an email at once), so the scanner, the
 * runner and the dispatcher have real work beside the probes. Messaging settings are the
 * defaults (frequency caps on). Then `--warmup` (default 10) seconds of background traffic,
 * not timed: just published, the background journeys take in every background user at their
 * first Product Viewed / Order Completed, a rush a live system is past (`--warmup 0` to
 * measure inside it).
 * Run: for `--seconds` (default 30) background Segment batches of 20 at `--rate` events/s
 * (default 1,000 on PostgreSQL, 500 on PGlite; open loop) and, evenly spread, `--probes`
 * (default 500) new users each sending one /v1/batch of identify (with an email) +
 * `Probe Signed Up`. A probe's latency runs from just before its request is sent to the
 * SMTP server taking the message (end of DATA, just before its 250 reply). The SMTP server
 * runs in a child process (this file with --smtp-child: its own event loop, as a real
 * relay would be) and records per message only its arrival time and the Subject and
 * X-Tenure-Message headers (no body parsing); the two processes' clocks are compared over
 * IPC (offset printed). Afterwards every probe must have exactly one email, with its own
 * userId in the subject, matching its `messages` row; the run exits non-zero otherwise.
 * Where the time goes (unless --no-trace): the Db handed to the server is wrapped to note
 * every transaction of the trigger scanner, the runner and the dispatcher's claim (when it
 * asked for a connection, when BEGIN was done, when it committed, and which event / run /
 * message ids it took), the dispatcher's record statements, every statement's time per loop,
 * and every other transaction by its first statement (ingestion, stage and segment
 * workers). Each probe's time is then cut at those instants: ack; sent → the scanner pass
 * that read its event begins; that pass; wait; the runner pass that ran its first step;
 * wait; the claim that took its message; claimed → SMTP 250 (render and send). A wait can
 * be slightly negative when a pass asked for its connection before the previous loop
 * committed (a poll). With --no-trace the cut uses the rows' own times (run entered_at and
 * message created_at are the starts of the scanner and runner passes).
 * PostgreSQL: a scratch database on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a temporary data
 * directory on disk. Target: p99 under 1 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEmailTransport } from '../src/server/channels/email-transport.js';
import { sendWebhook } from '../src/server/channels/webhook-transport.js';
import { openDb, type Db, type Queryable } from '../src/server/db/client.js';
import { maintainTables } from '../src/server/db/maintenance.js';
import { migrate } from '../src/server/db/migrate.js';
import { buildServer } from '../src/server/roles/server.js';
import { createLogger } from '../src/server/log.js';
import { createScratchDatabase, dropScratchDatabase, http, makeWorkspace } from '../src/test-support/harness.js';
import { round1, runFixedRate, runMax, segmentClient } from './lib/http-load.js';
import { loadLine, machine, watchRss } from './lib/proc.js';
import { makeBodies, seeded } from './lib/segment-load.js';

/** One message as the SMTP child took it. */
interface Arrival {
  /** performance.timeOrigin + performance.now() in the child when DATA ended (ms). */
  at: number;
  subject: string;
  /** The X-Tenure-Message header: messages.id. */
  tenureId: number | null;
  rcpt: string;
}
type ToChild = { cmd: 'ping'; t: number } | { cmd: 'count' } | { cmd: 'collect' } | { cmd: 'stop' };
type FromChild = { port: number } | { pong: number; t: number } | { count: number; probes: number } | { arrivals: Arrival[]; connections: number };

const { values } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string' },
    probes: { type: 'string', default: '500' },
    users: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '10' },
    'no-trace': { type: 'boolean', default: false },
    'smtp-child': { type: 'boolean', default: false },
  },
});

const wall = () => performance.timeOrigin + performance.now();
const PROBE_SUBJECT = 'Welcome probe-';

/**
 * Child: a plain smtp-server on a loopback port that keeps, per message, the arrival time
 * and two headers read from the header block (the body is counted past, not parsed).
 */
async function smtpChild(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  const arrivals: Arrival[] = [];
  let connections = 0;
  let probes = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onData(stream, session, cb) {
      let head = '';
      let headDone = false;
      stream.on('data', (c: Buffer) => {
        if (headDone) return;
        head += c.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end >= 0) {
          head = head.slice(0, end);
          headDone = true;
        } else if (head.length > 256 * 1024) headDone = true;
      });
      stream.on('end', () => {
        const at = wall();
        const headers = new Map<string, string>();
        for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
          const i = line.indexOf(':');
          if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
        }
        const subject = headers.get('subject') ?? '';
        const id = Number(headers.get('x-tenure-message'));
        if (subject.startsWith(PROBE_SUBJECT)) probes++;
        arrivals.push({ at, subject, tenureId: Number.isFinite(id) && id > 0 ? id : null, rcpt: session.envelope.rcptTo[0]?.address ?? '' });
        cb(null, `queued as J${arrivals.length}`);
      });
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port } satisfies FromChild));
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'ping') process.send!({ pong: wall(), t: m.t } satisfies FromChild);
    else if (m.cmd === 'count') process.send!({ count: arrivals.length, probes } satisfies FromChild);
    else if (m.cmd === 'collect') process.send!({ arrivals, connections } satisfies FromChild);
    else server.close(() => process.exit(0));
  });
}

/** Ask the child once and wait for the first reply that `accept` takes. */
function ask<T extends FromChild>(child: ChildProcess, msg: ToChild | null, accept: (m: FromChild) => m is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if (!accept(m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`SMTP child exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (msg) child.send(msg);
  });
}

/** The child's clock minus ours (ms), from the IPC round trip with the smallest delay. */
async function clockOffset(child: ChildProcess): Promise<{ offset: number; rtt: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let i = 0; i < 30; i++) {
    const t0 = wall();
    const r = await ask(child, { cmd: 'ping', t: t0 }, (m): m is { pong: number; t: number } => 'pong' in m && m.t === t0);
    const t1 = wall();
    if (t1 - t0 < best.rtt) best = { offset: r.pong - (t0 + t1) / 2, rtt: t1 - t0 };
  }
  return best;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const pct = (xs: number[], p: number) => round1([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((xs.length * p) / 100) - 1))] ?? NaN);
const summary = (xs: number[]) => `p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, p99 ${pct(xs, 99)} ms, max ${pct(xs, 100)} ms`;

/** Which journey loop a transaction (by its first statement) or a lone statement belongs to. */
type Loop = 'scanner' | 'runner' | 'dispatch claim' | 'dispatch record';
const LOOPS: Loop[] = ['scanner', 'runner', 'dispatch claim', 'dispatch record'];
function loopOf(sql: string, inTransaction: boolean): Loop | null {
  if (inTransaction) {
    if (/^\s*INSERT INTO journey_cursor/.test(sql)) return 'scanner';
    if (/FROM journey_runs r JOIN journeys j[\s\S]*FOR UPDATE OF r SKIP LOCKED/.test(sql)) return 'runner';
    if (/FROM messages\s+WHERE status IN \('queued', 'sending'\)[\s\S]*FOR UPDATE SKIP LOCKED/.test(sql)) return 'dispatch claim';
    return null;
  }
  return /UPDATE messages[\s\S]*'tenure:message:'/.test(sql) ? 'dispatch record' : null;
}

/** One journey-loop transaction: when it ran and what it took (event ids read by the scanner, runs by the runner, messages by the dispatcher's claim). */
interface Pass {
  loop: Loop;
  /** When the loop asked for a transaction. */
  called: number;
  /** When it had one (connection or PGlite session taken, BEGIN done): the pass proper starts here. */
  start: number;
  /** Committed. */
  end: number;
  ids: number[];
}

/** Statement time per loop and statement, and every journey-loop transaction. */
class Trace {
  readonly passes: Pass[] = [];
  readonly statements = new Map<string, { loop: Loop; sql: string; calls: number; ms: number; rows: number }>();
  /** Every other transaction (ingestion, the stage and segment workers, the API…), by its first statement. */
  readonly others: Array<{ label: string; called: number; start: number; end: number }> = [];
  add(loop: Loop, sql: string, ms: number, rows: number): void {
    const label = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const key = `${loop}|${label}`;
    const s = this.statements.get(key) ?? { loop, sql: label, calls: 0, ms: 0, rows: 0 };
    s.calls++;
    s.ms += ms;
    s.rows += rows;
    this.statements.set(key, s);
  }
  reset(): void {
    this.passes.length = 0;
    this.others.length = 0;
    this.statements.clear();
  }
}

/** A Db that records the journey loops' transactions and statements in `trace` (everything else passes through untouched). */
function tracedDb(db: Db, trace: Trace): Db {
  const ids = (rows: unknown[]) => rows.map((r) => Number((r as { id: unknown }).id));
  return {
    kind: db.kind,
    raw: db.raw,
    async query<T>(text: string, params?: unknown[]) {
      const loop = loopOf(text, false);
      if (!loop) return db.query<T>(text, params);
      const t0 = wall();
      const r = await db.query<T>(text, params);
      const t1 = wall();
      trace.passes.push({ loop, called: t0, start: t0, end: t1, ids: [] });
      trace.add(loop, text, t1 - t0, r.rowCount);
      return r;
    },
    copyFrom: (target, data) => db.copyFrom(target, data),
    async transaction(fn) {
      const t0 = wall();
      let loop: Loop | null = null;
      let first = true;
      let firstSql = '';
      let taken: number[] = [];
      let ok = false;
      let inside = t0;
      try {
        const out = await db.transaction((tx) => {
          inside = wall();
          const q: Queryable = {
            async query<T>(text: string, params?: unknown[]) {
              if (first) {
                first = false;
                firstSql = text;
                loop = loopOf(text, true);
              }
              if (!loop) return tx.query<T>(text, params);
              const s0 = wall();
              const r = await tx.query<T>(text, params);
              trace.add(loop, text, wall() - s0, r.rowCount);
              if (
                loop === 'scanner'
                  ? /^SELECT id, workspace_id, customer_id, event, type, timestamp, received_at FROM events WHERE id >/.test(text)
                  : taken.length === 0 && r.rows.length > 0 && text.includes('SKIP LOCKED')
              )
                taken = ids(r.rows);
              return r;
            },
            copyFrom(target, data) {
              first = false;
              return tx.copyFrom(target, data);
            },
          };
          return fn(q);
        });
        ok = true;
        return out;
      } finally {
        const l = loop as Loop | null;
        if (l) {
          const t1 = wall();
          trace.passes.push({ loop: l, called: t0, start: inside, end: t1, ids: ok ? taken : [] });
          trace.add(l, '(getting a connection / the PGlite session, and BEGIN)', inside - t0, 0);
          trace.add(l, '(whole transaction once begun, to COMMIT)', t1 - inside, 0);
        } else trace.others.push({ label: firstSql.replace(/\s+/g, ' ').trim().slice(0, 70), called: t0, start: inside, end: wall() });
      }
    },
    close: () => db.close(),
  };
}

/** A ~5 KB MJML welcome email: header, hero, three products, a how-to, footer with unsubscribe. */
function welcomeMjml(): string {
  const product = (n: number, name: string, notes: string, price: string) => `
    <mj-column width="33%">
      <mj-image src="https://cdn.brewline.example/products/${n}.jpg" alt="${name}" width="160px" href="https://brewline.example/coffee/${n}?utm_source=email&amp;utm_campaign=welcome" />
      <mj-text font-size="15px" font-weight="bold" align="center">${name}</mj-text>
      <mj-text font-size="13px" color="#7a6a5d" align="center">${notes}</mj-text>
      <mj-button background-color="#b5651d" href="https://brewline.example/coffee/${n}?utm_source=email&amp;utm_campaign=welcome">${price} · Add to cart</mj-button>
    </mj-column>`;
  return `<mjml>
  <mj-head>
    <mj-title>Welcome to Brewline</mj-title>
    <mj-preview>Your first roast is waiting, {{ traits.first_name | default: "friend" }}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text line-height="1.5" color="#3b2a20" /></mj-attributes>
    <mj-style inline="inline">.footer a { color: #7a6a5d; text-decoration: underline; }</mj-style>
  </mj-head>
  <mj-body background-color="#f5f1eb">
    <mj-section background-color="#3b2a20" padding="16px">
      <mj-column><mj-image src="https://cdn.brewline.example/logo-light.png" alt="Brewline Coffee" width="140px" href="https://brewline.example/" /></mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="24px 16px">
      <mj-column>
        <mj-text font-size="24px" font-weight="bold">Welcome, {{ traits.first_name | default: "friend" }}!</mj-text>
        <mj-text font-size="15px">Thanks for joining Brewline. Your account ({{ customer.userId }}) is ready, and so are we: every bag is roasted to order in small batches and shipped within 48 hours, so it reaches you at its best.</mj-text>
        <mj-text font-size="15px">Tell us how you brew and we will match you with a roast. It takes a minute, and you can change your answers any time.</mj-text>
        <mj-button background-color="#b5651d" font-size="16px" href="https://brewline.example/roast-finder?utm_source=email&amp;utm_campaign=welcome">Find my roast</mj-button>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="0 8px 16px">
      <mj-column width="100%"><mj-text font-size="18px" font-weight="bold">Where most people start</mj-text></mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="0 8px 24px">${product(1001, 'Ethiopia Yirgacheffe', 'Jasmine, bergamot, lemon', '$16.50')}${product(1002, 'Colombia Huila', 'Red apple, caramel, cocoa', '$14.75')}${product(1003, 'House Espresso', 'Dark chocolate, hazelnut', '$13.90')}
    </mj-section>
    <mj-section background-color="#fbf8f4" padding="24px 16px">
      <mj-column>
        <mj-text font-size="18px" font-weight="bold">Three ways to a better cup</mj-text>
        <mj-text font-size="14px">1. Grind just before you brew: ground coffee loses most of its aroma within half an hour.<br />2. Weigh it: 1 gram of coffee to 16 of water is a good place to start.<br />3. Use water just off the boil (about 94 °C), and give a pour-over 30 seconds to bloom.</mj-text>
        <mj-button background-color="#3b2a20" href="https://brewline.example/brew-guide?utm_source=email&amp;utm_campaign=welcome">Read the brew guide</mj-button>
      </mj-column>
    </mj-section>
    <mj-section padding="16px">
      <mj-column>
        <mj-social font-size="12px" icon-size="24px" mode="horizontal">
          <mj-social-element name="instagram" href="https://instagram.com/brewline">Instagram</mj-social-element>
          <mj-social-element name="facebook" href="https://facebook.com/brewline">Facebook</mj-social-element>
        </mj-social>
        <mj-text css-class="footer" font-size="12px" color="#7a6a5d" align="center">You get this email because you created a Brewline account with {{ traits.email }}. Brewline Coffee Roasters, 12 Roastery Lane, Portland, OR 97209.<br /><a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Email preferences</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

const shortMjml = (title: string, text: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text font-size="20px">${title}</mj-text><mj-text>Hi {{ traits.name | default: "there" }}, ${text}</mj-text><mj-text font-size="12px"><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>`;

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const rate = Number(values.rate ?? (values.pglite ? 500 : 1000));
  const probeCount = Number(values.probes);
  const users = Number(values.users);
  const trace = !values['no-trace'];
  const warmup = Number(values.warmup);
  const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  console.log(machine());
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--smtp-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await measure(child, { seconds, rate, probeCount, users, trace, warmup, BASE_URL });
  } finally {
    child.send({ cmd: 'stop' } satisfies ToChild);
  }
}

async function measure(child: ChildProcess, o: { seconds: number; rate: number; probeCount: number; users: number; trace: boolean; warmup: number; BASE_URL: string }): Promise<void> {
  const { seconds, rate, probeCount, users, trace, warmup, BASE_URL } = o;
  const days = (amount: number) => ({ amount, unit: 'days' as const });
  const { port: smtpPort } = await ask(child, null, (m): m is { port: number } => 'port' in m);
  const url = values.pglite ? null : await createScratchDatabase(BASE_URL);
  const dataDir = url ? null : mkdtempSync(join(tmpdir(), 'tenure-bench-jnylat-'));
  const rawDb = await openDb(url ? { databaseUrl: url, poolSize: 10 } : { dataDir: dataDir! });
  const tr = new Trace();
  const db = trace ? tracedDb(rawDb, tr) : rawDb;
  let failed = false;
  try {
    await migrate(db);
    const { workspace, writeKey, adminKey } = await makeWorkspace(db, 'bench-jny-latency');
    const ws = workspace.id;
    const emailFrom = 'Brewline <hello@brewline.test>';
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${smtpPort}`, from: emailFrom, maxConnections: 5 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = await buildServer({ db, log: createLogger('silent'), senders: { email, sms: null, webhook: sendWebhook, emailFrom }, publicUrl: base });
    await app.listen({ port, host: '127.0.0.1' });
    const { post, close } = segmentClient(port, writeKey, 32);
    const probeClient = segmentClient(port, writeKey, 8);
    const admin = `Bearer ${adminKey}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await http(`${base}${path}`, { method, auth: admin, body });
      if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    };
    try {
      // Setup: background users' history over HTTP, then templates and journeys over the admin API.
      const t0 = performance.now();
      const seed = makeBodies(Math.ceil((users * 10) / 100), 100, { rand: seeded(3), users });
      const s = await runMax(post, seed, 100, 8);
      if (s.tally.errors > 0) throw new Error(`setup: ${s.tally.firstError}`);
      await api('POST', '/api/subscription-groups', { id: 'product-tips', name: 'Tips and news', channel: 'email' });
      const body = welcomeMjml();
      await api('POST', '/api/templates', { id: 'probe-welcome', name: 'Welcome', channel: 'email', subject: 'Welcome {{ customer.userId }}', body });
      await api('POST', '/api/templates', {
        id: 'tips',
        name: 'Brewing tips',
        channel: 'email',
        subject: 'Three ways to a better cup',
        body: shortMjml('Better coffee at home', 'grind fresh and weigh your beans.'),
      });
      await api('POST', '/api/templates', {
        id: 'browse',
        name: 'Browse abandonment',
        channel: 'email',
        subject: 'Still thinking it over?',
        body: shortMjml('Still thinking it over?', 'the coffee you looked at is still in stock.'),
      });
      await api('POST', '/api/templates', {
        id: 'review',
        name: 'Review request',
        channel: 'email',
        subject: 'How was your coffee?',
        body: shortMjml('How did we do?', 'a short review helps other coffee lovers choose.'),
      });
      await api('POST', '/api/templates', {
        id: 'thanks-review',
        name: 'Thanks for the review',
        channel: 'email',
        subject: 'Thanks for your review',
        body: shortMjml('Thank you!', 'here is 5% off your next bag: THANKYOU5.'),
      });
      const publish = async (name: string, definition: unknown) => {
        const j = await api('POST', '/api/journeys', { name, definition });
        await api('POST', `/api/journeys/${String(j.id)}/publish`);
        return String(j.id);
      };
      const probeJourney = await publish('Probe welcome', {
        trigger: { event: { name: 'Probe Signed Up' } },
        goal: { event: { name: 'Order Completed' } },
        start: 'welcome',
        steps: [
          { id: 'welcome', type: 'send', channel: 'email', template: 'probe-welcome', group: 'product-tips', next: 'wait' },
          { id: 'wait', type: 'wait', duration: days(2), next: 'tips' },
          { id: 'tips', type: 'send', channel: 'email', template: 'tips', group: 'product-tips', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      await publish('Browse abandonment', {
        trigger: { event: { name: 'Product Viewed' } },
        entry: { reentry: { afterDays: 1 } },
        start: 'watch',
        steps: [
          { id: 'watch', type: 'waitFor', event: { name: 'Order Completed' }, timeout: { amount: 1, unit: 'hours' }, next: 'done', timeoutNext: 'remind' },
          { id: 'remind', type: 'send', channel: 'email', template: 'browse', group: 'product-tips', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      await publish('Post-purchase review', {
        trigger: { event: { name: 'Order Completed' } },
        entry: { reentry: { afterDays: 30 } },
        start: 'wait',
        steps: [
          { id: 'wait', type: 'wait', duration: days(7), next: 'ask' },
          { id: 'ask', type: 'send', channel: 'email', template: 'review', group: 'product-tips', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      await publish('Review thanks', {
        trigger: { event: { name: 'Feature Used', where: [{ path: 'feature', op: 'eq', value: 'review_written' }] } },
        start: 'thanks',
        steps: [
          { id: 'thanks', type: 'send', channel: 'email', template: 'thanks-review', group: 'product-tips', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      // The scanner has read the setup history (received before the journeys were published: it enters no one).
      for (let i = 0; ; i++) {
        const { rows } = await db.query<{ behind: number }>(`SELECT (SELECT coalesce(max(id), 0) FROM events) - coalesce((SELECT high_water FROM journey_cursor WHERE id = 1), 0) AS behind`);
        if (Number(rows[0]!.behind) <= 0) break;
        if (i > 600) throw new Error('the journey scanner did not catch up with the setup events');
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1000)); // stage and segment workers finish the setup customers
      const maint = await maintainTables(db); // as autovacuum / the embedded maintenance would have by now
      const { rows: sizes } = await db.query<{ events: number; customers: number }>(
        `SELECT (SELECT count(*)::int FROM events WHERE workspace_id = $1) AS events, (SELECT count(*)::int FROM customers WHERE workspace_id = $1) AS customers`,
        [ws],
      );
      console.log(
        `setup: ${s.tally.ackedEvents.toLocaleString('en-US')} events (${sizes[0]!.customers.toLocaleString('en-US')} customers) in ${((performance.now() - t0) / 1000).toFixed(1)} s; 4 live journeys; ` +
          `welcome template ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB MJML; maintenance: ${maint.map((m) => `${m.action} ${m.table}`).join(', ') || 'none'}`,
      );

      // Run: background traffic; probes spread evenly, each a new user signing up.
      const probes = Array.from({ length: probeCount }, (_, i) => ({
        userId: `probe-${i}`,
        body: Buffer.from(
          JSON.stringify({
            batch: [
              {
                type: 'identify',
                messageId: randomUUID(),
                userId: `probe-${i}`,
                traits: { email: `probe-${i}@example.test`, first_name: `Probe${i}`, plan: 'free' },
                context: { library: { name: 'analytics.js', version: '2.11.1' } },
              },
              {
                type: 'track',
                messageId: randomUUID(),
                userId: `probe-${i}`,
                event: 'Probe Signed Up',
                properties: { method: 'email', plan: 'free' },
                context: { library: { name: 'analytics.js', version: '2.11.1' } },
              },
            ],
          }),
        ),
        sentAt: 0,
        ackMs: NaN,
        status: 0,
      }));
      const background = makeBodies(Math.ceil((rate * seconds) / 20), 20, { rand: seeded(4), users });
      if (warmup > 0) {
        // Untimed: the background journeys get past the rush that follows their publication
        // (every background user enters on their first Product Viewed / Order Completed), and the SMTP pool connects.
        const c0 = await ask(child, { cmd: 'count' }, (m): m is { count: number; probes: number } => 'probes' in m);
        const { rows: r0 } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE workspace_id = $1`, [ws]);
        const w = await runFixedRate(post, makeBodies(Math.ceil((rate * warmup) / 20), 20, { rand: seeded(5), users }), 20, rate);
        await new Promise((r) => setTimeout(r, 2000));
        const c1 = await ask(child, { cmd: 'count' }, (m): m is { count: number; probes: number } => 'probes' in m);
        const { rows: r1 } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE workspace_id = $1`, [ws]);
        console.log(
          `warm-up: ${w.tally.ackedEvents.toLocaleString('en-US')} background events in ${w.seconds.toFixed(1)} s (request p99 ${w.tally.percentiles().p99} ms): ${(r1[0]!.n - r0[0]!.n).toLocaleString('en-US')} journey runs entered, ${c1.count - c0.count} emails`,
        );
      }
      const { rows: runs0 } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE workspace_id = $1`, [ws]);
      const cpu0 = process.cpuUsage();
      const before = await clockOffset(child);
      tr.reset();
      const rss = watchRss(process.pid, 250);
      console.log(`running ${seconds} s: ${rate} events/s background, ${probes.length} probes (one every ${round1((seconds * 1000) / probes.length)} ms); ${loadLine()}`);
      const bg = runFixedRate(post, background, 20, rate);
      const interval = (seconds * 1000) / probes.length;
      const start = performance.now();
      const acks: Promise<void>[] = [];
      for (const [i, p] of probes.entries()) {
        const wait = start + i * interval - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        p.sentAt = wall();
        acks.push(
          probeClient.post(p.body).then((r) => {
            p.ackMs = r.ms;
            p.status = r.status;
          }),
        );
      }
      await Promise.all(acks);
      const b = await bg;
      const cpu = process.cpuUsage(cpu0);
      const lastSent = performance.now();
      const { rows: runs1 } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE workspace_id = $1`, [ws]);
      // Wait for the probes' emails (at most 60 s after the last probe), then 2 s more for any duplicate.
      for (;;) {
        const c = await ask(child, { cmd: 'count' }, (m): m is { count: number; probes: number } => 'probes' in m);
        if (c.probes >= probes.length || performance.now() - lastSent > 60_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 2000));
      const peak = rss.stop();
      const after = await clockOffset(child);
      const offset = (before.offset + after.offset) / 2;
      const { arrivals, connections } = await ask(child, { cmd: 'collect' }, (m): m is { arrivals: Arrival[]; connections: number } => 'arrivals' in m);

      // Match emails to probes through their messages rows.
      const { rows: msgs } = await db.query<{ id: number; run_id: number; user_id: string; status: string; entered_at: Date; created_at: Date; event_id: number | null }>(
        `SELECT m.id, m.run_id, c.user_id, m.status, r.entered_at, m.created_at,
                (SELECT min(e.id) FROM events e WHERE e.workspace_id = m.workspace_id AND e.customer_id = m.customer_id AND e.event = 'Probe Signed Up') AS event_id
           FROM messages m JOIN customers c ON c.id = m.customer_id JOIN journey_runs r ON r.id = m.run_id
          WHERE m.workspace_id = $1 AND m.journey_id = $2`,
        [ws, probeJourney],
      );
      const msgById = new Map(msgs.map((m) => [m.id, m]));
      const mailsOf = new Map<string, Arrival[]>();
      const problems: string[] = [];
      const bad = new Set<string>();
      const problem = (userId: string | null, text: string) => {
        problems.push(text);
        bad.add(userId ?? text);
      };
      for (const a of arrivals) {
        const m = a.tenureId === null ? undefined : msgById.get(a.tenureId);
        if (!m) {
          if (a.subject.startsWith(PROBE_SUBJECT)) problem(null, `email "${a.subject}" has no probe message row (X-Tenure-Message ${a.tenureId})`);
          continue;
        }
        if (a.subject !== `Welcome ${m.user_id}`) problem(m.user_id, `message ${m.id} of ${m.user_id} arrived with subject "${a.subject}"`);
        if (a.rcpt !== `${m.user_id}@example.test`) problem(m.user_id, `message ${m.id} of ${m.user_id} went to ${a.rcpt}`);
        mailsOf.set(m.user_id, [...(mailsOf.get(m.user_id) ?? []), a]);
      }
      const rowsOf = new Map<string, typeof msgs>();
      for (const m of msgs) rowsOf.set(m.user_id, [...(rowsOf.get(m.user_id) ?? []), m]);
      // The first pass of each loop that took a given event / run / message.
      const firstPass = (loop: Loop) => {
        const map = new Map<number, Pass>();
        for (const x of tr.passes) if (x.loop === loop) for (const id of x.ids) if (!map.has(id)) map.set(id, x);
        return map;
      };
      const scanOf = firstPass('scanner');
      const runOf = firstPass('runner');
      const claimOf = firstPass('dispatch claim');
      const parts = trace
        ? ([
            'request acked (ingest commit)',
            'sent → scanner pass that read it begins',
            'scanner pass (read → entered, committed)',
            'wait for a runner pass',
            'runner pass (step → message queued)',
            'wait for a dispatcher pass',
            'dispatcher claim transaction',
            'claimed → SMTP 250 (render, send)',
          ] as const)
        : (['request acked (ingest commit)', 'sent → run entered (scanner pass began)', 'entered → message queued (runner pass began)', 'queued → SMTP 250 (claim, render, send)'] as const);
      const split: number[][] = parts.map(() => []);
      const lat: number[] = [];
      const slowest: Array<{ userId: string; ms: number; parts: number[] }> = [];
      for (const p of probes) {
        if (p.status !== 200) problem(p.userId, `${p.userId}: HTTP ${p.status}`);
        const got = mailsOf.get(p.userId) ?? [];
        const rows = rowsOf.get(p.userId) ?? [];
        if (got.length !== 1) problem(p.userId, `${p.userId}: ${got.length} emails`);
        if (rows.length !== 1) problem(p.userId, `${p.userId}: ${rows.length} messages rows`);
        else if (rows[0]!.status !== 'sent') problem(p.userId, `${p.userId}: message ${rows[0]!.status}`);
        if (got.length === 0) continue;
        const arrived = got[0]!.at - offset;
        const ms = arrived - p.sentAt;
        lat.push(ms);
        const m = rows[0];
        if (!m) continue;
        let xs: number[] | null = null;
        if (trace) {
          const sc = m.event_id === null ? undefined : scanOf.get(m.event_id);
          const rn = runOf.get(m.run_id);
          const cl = claimOf.get(m.id);
          if (sc && rn && cl) xs = [p.ackMs, sc.start - p.sentAt, sc.end - sc.start, rn.start - sc.end, rn.end - rn.start, cl.start - rn.end, cl.end - cl.start, arrived - cl.end];
        } else xs = [p.ackMs, m.entered_at.getTime() - p.sentAt, m.created_at.getTime() - m.entered_at.getTime(), arrived - m.created_at.getTime()];
        if (!xs) continue;
        xs.forEach((x, i) => split[i]!.push(x));
        slowest.push({ userId: p.userId, ms, parts: xs });
      }
      const otherMails = arrivals.filter((a) => !a.subject.startsWith(PROBE_SUBJECT)).length;
      const bgp = b.tally.percentiles();
      console.log(`\n===== event → first email at the SMTP server: ${values.pglite ? 'pglite' : 'postgres'} =====`);
      console.log(
        `background           ${Math.round(b.tally.ackedEvents / b.seconds).toLocaleString('en-US')} events/s achieved (${b.tally.ackedEvents.toLocaleString('en-US')} in ${b.seconds.toFixed(1)} s); request p50 ${bgp.p50} ms, p99 ${bgp.p99} ms; errors ${b.tally.errors}`,
      );
      console.log(`event → SMTP 250     count ${lat.length}/${probes.length}, ${summary(lat)}`);
      console.log(
        `verified             ${probes.filter((p) => !bad.has(p.userId)).length}/${probes.length} probes with exactly one email (own subject and address) and one sent message row; ${problems.length} problems${problems.length ? `: ${problems.slice(0, 5).join('; ')}` : ''}`,
      );
      const windows: string[] = [];
      const runStart = probes[0]?.sentAt ?? 0;
      for (let w = 0; w < seconds; w += 5) {
        const xs = probes.flatMap((p, i) =>
          p.sentAt >= runStart + w * 1000 && p.sentAt < runStart + (w + 5) * 1000 && mailsOf.get(p.userId)?.[0] ? [mailsOf.get(p.userId)![0]!.at - offset - probes[i]!.sentAt] : [],
        );
        if (xs.length) windows.push(`${w}–${Math.min(seconds, w + 5)} s: ${Math.round(pct(xs, 50))}/${Math.round(pct(xs, 100))}`);
      }
      console.log(`over the run         p50/max ms of probes sent in each 5 s: ${windows.join(', ')}`);
      console.log(`background journeys  ${(runs1[0]!.n - runs0[0]!.n - probes.length).toLocaleString('en-US')} runs entered during the run besides the probes'`);
      console.log(
        `other emails         ${otherMails.toLocaleString('en-US')} from the background journeys; SMTP connections ${connections}; clocks: child − parent ${round1(offset)} ms (before ${round1(before.offset)}, after ${round1(after.offset)}, IPC RTT ${round1(before.rtt)} ms)`,
      );
      console.log(
        `where the time goes  per probe (${split[0]!.length} probes${trace ? '; pass times from the traced journey transactions' : '; pass start times from the database rows'}; the parts after "acked" add up to the total):`,
      );
      parts.forEach((name, i) => console.log(`  ${name.padEnd(44)} ${summary(split[i]!)}`));
      if (trace) {
        const inRun = tr.passes.filter((x) => x.start >= runStart && x.start <= runStart + seconds * 1000);
        console.log(`journey loops        during the ${seconds} s run (transaction time, start to commit):`);
        for (const loop of LOOPS) {
          const list = inRun.filter((x) => x.loop === loop);
          const xs = list.map((x) => x.end - x.start);
          const queued = list.map((x) => x.start - x.called);
          const busy = xs.reduce((t, x) => t + x, 0) / (seconds * 1000);
          const taken = list.reduce((t, x) => t + x.ids.length, 0);
          console.log(
            `  ${loop.padEnd(16)}${xs.length.toLocaleString('en-US').padStart(6)} passes, ${summary(xs)}; busy ${(100 * busy).toFixed(0)}%${loop === 'dispatch record' ? '' : `; ${taken.toLocaleString('en-US')} ${loop === 'scanner' ? 'events read' : loop === 'runner' ? 'runs moved' : 'messages claimed'}`}`,
          );
          if (loop !== 'dispatch record') console.log(`  ${''.padEnd(16)}       before each: getting a connection and BEGIN ${summary(queued)}`);
        }
        const others = tr.others.filter((x) => x.start >= runStart && x.start <= runStart + seconds * 1000);
        const byLabel = new Map<string, { n: number; held: number; queued: number }>();
        for (const x of others) {
          const k = byLabel.get(x.label) ?? { n: 0, held: 0, queued: 0 };
          k.n++;
          k.held += x.end - x.start;
          k.queued += x.start - x.called;
          byLabel.set(x.label, k);
        }
        const journeyHeld = inRun.filter((x) => x.loop !== 'dispatch record').reduce((t, x) => t + (x.end - x.start), 0);
        const otherHeld = others.reduce((t, x) => t + (x.end - x.start), 0);
        console.log(
          `transactions         during the run, BEGIN to COMMIT: journey loops ${(journeyHeld / 1000).toFixed(1)} s, all others ${(otherHeld / 1000).toFixed(1)} s (${others.length.toLocaleString('en-US')} transactions) in ${seconds} s` +
            `${db.kind === 'pglite' ? `: PGlite's one session was inside a transaction ${Math.round((100 * (journeyHeld + otherHeld)) / (seconds * 1000))}% of the time (statements outside transactions, such as the dispatcher's record, come on top)` : ''}; the others by first statement:`,
        );
        for (const [label, k] of [...byLabel.entries()].sort((x, y) => y[1].held - x[1].held).slice(0, 6)) {
          console.log(
            `  ${(k.held / 1000).toFixed(1).padStart(5)} s ${k.n.toLocaleString('en-US').padStart(6)} × ${(k.held / k.n).toFixed(1).padStart(6)} ms (waited ${(k.queued / k.n).toFixed(1)} ms for it)  ${label}`,
          );
        }
        console.log(`statements           slowest in total, per loop (from the start of the run to the end; ms per call):`);
        for (const loop of LOOPS) {
          const all = [...tr.statements.values()].filter((x) => x.loop === loop);
          const whole = all.find((x) => x.sql.startsWith('(whole'));
          const stmts = all.filter((x) => !x.sql.startsWith('('));
          const n = stmts.reduce((t, x) => t + x.calls, 0);
          const ms = stmts.reduce((t, x) => t + x.ms, 0);
          if (whole)
            console.log(
              `  ${loop.padEnd(15)} ${(n / whole.calls).toFixed(1)} statements per transaction, ${(ms / n).toFixed(1)} ms each on average: ${Math.round((100 * ms) / whole.ms)}% of the time from BEGIN to COMMIT is spent waiting for statements (the rest: JavaScript, COMMIT)`,
            );
          const top = all.sort((x, y) => y.ms - x.ms).slice(0, loop === 'dispatch record' ? 1 : 6);
          for (const x of top)
            console.log(`  ${loop.padEnd(15)} ${(x.ms / 1000).toFixed(1).padStart(6)} s ${x.calls.toLocaleString('en-US').padStart(6)} × ${(x.ms / x.calls).toFixed(1).padStart(6)} ms  ${x.sql}`);
        }
      }
      slowest.sort((x, y) => y.ms - x.ms);
      console.log(`slowest probes       (ms: total = ${trace ? 'to scan + scan + wait + run + wait + claim + send' : 'to entered + to queued + to SMTP'}; ack separately)`);
      for (const x of slowest.slice(0, 5)) console.log(`  ${x.userId.padEnd(10)} ${round1(x.ms).toString().padStart(7)} = ${x.parts.slice(1).map(round1).join(' + ')}; ack ${round1(x.parts[0]!)}`);
      console.log(
        `process              CPU ${Math.round((100 * (cpu.user + cpu.system)) / 1e6 / b.seconds)}% of one core during the run (server, load generator and probes share it); peak RSS ${Math.round(peak)} MB; ${loadLine()}`,
      );
      const ok = problems.length === 0 && lat.length === probes.length;
      const met = ok && pct(lat, 99) < 1000;
      console.log(`target               p99 < 1 s: ${met ? 'met' : 'MISSED'}${ok ? '' : ' (verification failed)'}`);
      if (!ok) failed = true;
      email.close();
    } finally {
      close();
      probeClient.close();
      await app.close();
    }
  } finally {
    await db.close();
    if (url) await dropScratchDatabase(BASE_URL, url);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

if (values['smtp-child']) await smtpChild();
else await main();

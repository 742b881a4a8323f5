import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { JourneyDefinitionSchema } from '../src/contracts/journey.js';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { ingestEvents } from '../src/server/ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../src/server/ingest/normalize.js';
import { compileTemplate } from '../src/server/channels/templates.js';
import { saveTemplate } from '../src/server/channels/templates.repo.js';
import { getJourney, insertJourney, publishJourney } from '../src/server/journeys/journeys.repo.js';
import { createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';
import { killHard, spawnWorker } from '../src/test-support/child-server.js';
import { startSmtpSink } from '../src/test-support/smtp-sink.js';

/**
 * Worker processes against one PostgreSQL (PGlite is one process's database, so these run
 * only with TEST_DATABASE_URL): a journey sends to a backlog of customers while workers
 * run side by side, or are killed with SIGKILL again and again.
 */
const base = process.env.TEST_DATABASE_URL;

let seq = 0;
function call(type: 'track' | 'identify', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  // Received now (after the journey was published), happened at `at`.
  const r = normalizeCall({ messageId: `wk-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

describe('journey workers on one PostgreSQL', { skip: base ? false : 'needs TEST_DATABASE_URL (PGlite cannot be shared by processes)' }, () => {
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  before(async () => {
    // A mail server that takes 10 ms per message: sending the backlog takes long enough for kills to land in it.
    smtp = await startSmtpSink({ delayMs: 10 });
  });
  after(async () => smtp.close());

  /** A scratch database with a welcome journey published; `n` customers who signed up (the backlog). */
  async function setup(prefix: string, n: number): Promise<{ db: Db; url: string; env: Record<string, string>; close(): Promise<void> }> {
    const url = await createScratchDatabase(base!);
    const db = await openDb({ databaseUrl: url, poolSize: 4 });
    await migrate(db);
    const { workspace } = await makeWorkspace(db);
    const ws = workspace.id;
    await db.query(`INSERT INTO messaging_settings (workspace_id, settings) VALUES ($1, $2)`, [ws, JSON.stringify({ caps: [], quietHours: null, emailFrom: null, secret: 's' })]);
    const c = await compileTemplate({
      channel: 'email',
      subject: 'Welcome {{ traits.name }}',
      body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ traits.name }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      format: 'mjml',
    });
    assert.ok(c.ok);
    await saveTemplate(db, ws, 'welcome', { name: 'welcome', channel: 'email', format: 'mjml', subject: 'x', body: 'x' }, c.value);
    const definition = JourneyDefinitionSchema.parse({
      trigger: { event: { name: 'Signed Up' } },
      start: 's',
      steps: [
        { id: 's', type: 'send', channel: 'email', template: 'welcome', next: 'e' },
        { id: 'e', type: 'exit' },
      ],
    });
    await insertJourney(db, ws, 'welcome', { name: 'Welcome', description: '', definition });
    await publishJourney(db, (await getJourney(db, ws, 'welcome'))!, new Date());
    // The backlog: signed up a minute ago, before any worker ran.
    const at = new Date(Date.now() - 60_000);
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < n; i++)
      events.push(
        call('identify', { userId: `${prefix}${i}`, traits: { email: `${prefix}${i}@example.test`, name: `N${i}` } }, at),
        call('track', { userId: `${prefix}${i}`, event: 'Signed Up' }, at),
      );
    for (let i = 0; i < events.length; i += 1000) await ingestEvents(db, ws, events.slice(i, i + 1000));
    const env = { DATABASE_URL: url, SMTP_URL: smtp.url, TENURE_DELIVERY_LEASE_SECONDS: '2', LOG_LEVEL: 'error' };
    return { db, url, env, close: async () => (await db.close(), await dropScratchDatabase(base!, url)) };
  }

  const sentCount = async (db: Db) => Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE status = 'sent'`)).rows[0]!.n);
  async function waitAllSent(db: Db, n: number, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while ((await sentCount(db)) < n) {
      if (Date.now() > end) throw new Error(`only ${await sentCount(db)} of ${n} messages sent after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** Per recipient, the distinct Message-IDs received (the idempotency keys) and the raw deliveries. */
  function received(prefix: string) {
    const mine = smtp.mails.filter((m) => m.to[0]!.startsWith(prefix));
    const ids = new Map<string, Set<string>>();
    for (const m of mine) {
      const set = ids.get(m.to[0]!) ?? new Set<string>();
      set.add(m.messageId);
      ids.set(m.to[0]!, set);
    }
    return { raw: mine.length, ids };
  }

  it('two workers process the same backlog with no duplicate sends', async () => {
    const n = 2000;
    const s = await setup('two', n);
    try {
      const [a, b] = await Promise.all([spawnWorker(s.env), spawnWorker(s.env)]);
      await waitAllSent(s.db, n, 120_000);
      await Promise.all([stop(a.child), stop(b.child)]);
      const r = received('two');
      assert.equal(r.raw, n, 'every delivery the SMTP server saw was a different message');
      assert.equal(r.ids.size, n);
      for (const [to, set] of r.ids) assert.equal(set.size, 1, to);
      const { rows } = await s.db.query<{ n: number; customers: number }>(`SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS customers FROM messages`);
      assert.deepEqual(rows[0], { n, customers: n });
      // Both took part (each prints what it did when stopped).
      const did = [a, b].map((w) => Number(/(\d+) messages sent/.exec(w.output())?.[1] ?? 0));
      assert.ok(
        did.every((x) => x > 0),
        `messages per worker: ${did.join(', ')}`,
      );
      assert.equal(did[0]! + did[1]!, n);
    } finally {
      await s.close();
    }
  });

  it('a worker killed (SIGKILL) again and again while sending to 1,000 customers: afterwards every customer got exactly one message', async (t) => {
    const n = 1000;
    const s = await setup('crash', n);
    try {
      let kills = 0;
      // Kill a worker at a random moment of its work, until most of the backlog went out under fire.
      while (kills < 12 && (await sentCount(s.db)) < n * 0.9) {
        const w = await spawnWorker(s.env);
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
        await killHard(w.child);
        kills++;
      }
      const last = await spawnWorker(s.env);
      await waitAllSent(s.db, n, 120_000);
      await stop(last.child);
      const r = received('crash');
      assert.equal(r.ids.size, n, 'every customer received the message');
      for (const [to, set] of r.ids) assert.equal(set.size, 1, `${to} received ${set.size} different messages`);
      const { rows } = await s.db.query<{ n: number; customers: number; sent: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS customers, count(*) FILTER (WHERE status = 'sent')::int AS sent FROM messages`,
      );
      assert.deepEqual(rows[0], { n, customers: n, sent: n }, 'one message per customer, all sent');
      const { rows: runs } = await s.db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM journey_runs GROUP BY status`);
      assert.deepEqual(runs, [{ status: 'completed', n }]);
      // A kill between the SMTP server's "250 OK" and recording it re-sends under the same Message-ID (the idempotency key), which receivers recognise.
      t.diagnostic(`${kills} kills; the SMTP server saw ${r.raw} deliveries for ${n} messages (${r.raw - n} repeats of an already delivered Message-ID)`);
    } finally {
      await s.close();
    }
  });
});

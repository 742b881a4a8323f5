import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { openDb, type Db } from '../src/server/db/client.js';
import { basic, createScratchDatabase, dropScratchDatabase, http } from '../src/test-support/harness.js';
import { freePort, spawnServer, spawnWorker } from '../src/test-support/child-server.js';
import { startSmtpSink } from '../src/test-support/smtp-sink.js';

/**
 * `--roles`: an api-only process (`tenure serve --roles api`) and a worker-only process
 * (`tenure worker`) on one PostgreSQL do together what `tenure start` does — an order sent to
 * the API moves the customer's stage, the segment on that stage takes them at once, and the
 * journey on that segment sends the email over SMTP. With only the API up, the work waits in
 * the database (recorded with the events) and nothing is lost; the worker then catches up.
 * PGlite is one process's database, so this runs with TEST_DATABASE_URL only.
 */
const base = process.env.TEST_DATABASE_URL;
const WRITE_KEY = 'tw_roles_test_write_key_0123456789';
const ADMIN_KEY = 'ta_roles_test_admin_key_0123456789';

describe('an api process and a worker process on one PostgreSQL', { skip: base ? false : 'needs TEST_DATABASE_URL (PGlite cannot be shared by processes)' }, () => {
  let url = '';
  let db: Db;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const children: ChildProcess[] = [];
  before(async () => {
    url = await createScratchDatabase(base!);
    db = await openDb({ databaseUrl: url, poolSize: 2 });
    smtp = await startSmtpSink();
  });
  after(async () => {
    for (const c of children) {
      if (c.exitCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    await db.close();
    await smtp.close();
    await dropScratchDatabase(base!, url);
  });

  it('together they do what start does, the segment following the stage at once', async () => {
    const env = { DATABASE_URL: url, TENURE_WRITE_KEY: WRITE_KEY, TENURE_ADMIN_KEY: ADMIN_KEY, SMTP_URL: smtp.url, TENURE_SECRET: 'a-roles-test-server-secret-of-40-chars!!', LOG_LEVEL: 'error' };
    const api = await spawnServer(env, await freePort(), [], 'serve', ['--roles', 'api']);
    children.push(api.child);
    const admin = `Bearer ${ADMIN_KEY}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await http(`${api.url}${path}`, { method, auth: admin, body });
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const track = async (userId: string) => {
      const at = new Date().toISOString();
      const r = await http(`${api.url}/v1/batch`, {
        auth: basic(WRITE_KEY),
        body: {
          batch: [
            { type: 'identify', userId, traits: { email: `${userId}@example.test`, name: userId }, timestamp: at },
            { type: 'track', userId, event: 'Order Completed', properties: { revenue: 42 }, timestamp: at },
          ],
        },
      });
      assert.equal(r.status, 200);
    };
    await call('PUT', '/api/messaging/settings', { caps: [], quietHours: null });
    await call('POST', '/api/templates', {
      id: 'thanks',
      name: 'Thanks',
      channel: 'email',
      subject: 'Thanks, {{ traits.name }}',
      body: '<mjml><mj-body><mj-section><mj-column><mj-text>Thank you for your order.</mj-text></mj-column></mj-section></mj-body></mjml>',
    });
    const saved = await call('POST', '/api/segments', { name: 'Converted', condition: { stage: { key: 'conversion' } } });
    const segmentId: string = saved.segment.id;
    const j = await call('POST', '/api/journeys', {
      name: 'Thanks',
      definition: {
        trigger: { segmentEntered: { segment: segmentId } },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'thanks', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      },
    });
    await call('POST', `/api/journeys/${j.id}/publish`);

    // The API alone: ingestion answers, the work is recorded, and nothing runs it.
    await track('ann');
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal((await call('GET', `/api/jobs/${saved.job.id}`)).status, 'queued', 'the api process runs no jobs');
    const stageRows = async (user: string) =>
      (
        await db.query<{ stage: string; evaluated_at: Date }>(
          `SELECT s.stage, s.evaluated_at FROM stage_states s JOIN customers c ON c.id = s.subject_id AND c.workspace_id = s.workspace_id WHERE s.scope = 'customer' AND c.user_id = $1`,
          [user],
        )
      ).rows;
    assert.equal((await stageRows('ann')).length, 0, 'the api process evaluates no stages');
    const recorded = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE kind IN ('stage', 'segment')`);
    assert.ok(recorded.rows[0]!.n > 0, 'the stage and segment work waits in the database');
    assert.equal(smtp.mails.length, 0);

    // The worker joins: it runs the queued job, evaluates the recorded work, and the journey sends.
    const worker = await spawnWorker(env, []);
    children.push(worker.child);
    const waitMail = async (to: string, ms: number) => {
      const end = Date.now() + ms;
      while (!smtp.mails.some((m) => m.to.includes(to))) {
        if (Date.now() > end) throw new Error(`no mail to ${to} within ${ms} ms; worker output:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return Date.now();
    };
    await waitMail('ann@example.test', 30_000);
    assert.equal((await call('GET', `/api/jobs/${saved.job.id}`)).status, 'done');

    // Both running: a new order goes from the API to an email through the worker.
    const sent = Date.now();
    await track('ben');
    const mailed = await waitMail('ben@example.test', 15_000);
    const ben = await stageRows('ben');
    assert.equal(ben[0]?.stage, 'conversion');
    const entry = await db.query<{ entered_at: Date }>(`SELECT m.entered_at FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.segment_id = $1 AND c.user_id = 'ben'`, [
      segmentId,
    ]);
    assert.equal(entry.rows.length, 1);
    // The segment worker polls others' work once a second; the stage move woke it through the bus
    // in the same process (roles/wiring.db.test.ts shows the wake-up with polling a minute apart).
    const followMs = entry.rows[0]!.entered_at.getTime() - ben[0]!.evaluated_at.getTime();
    assert.ok(followMs >= 0 && followMs < 900, `segment entry ${followMs} ms after the stage move`);
    // Each customer got exactly one email.
    assert.deepEqual(smtp.mails.map((m) => m.to.join(',')).sort(), ['ann@example.test', 'ben@example.test']);
    console.log(`order → email through two processes: ${mailed - sent} ms; segment entry ${followMs} ms after the stage move`);
  });
});

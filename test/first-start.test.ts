import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { basic, http } from '../src/test-support/harness.js';
import { freePort, serverTargets, spawnServer } from '../src/test-support/child-server.js';
import { DEMO_PHASES } from '../src/contracts/demo.js';

/**
 * `tenure start` on an empty embedded database: the port opens right after the migrations
 * and the demo is prepared behind it. Meanwhile /health, the admin API and ingestion
 * answer; GET /api/demo/status walks through the steps to `ready`; the console says how
 * far it got, as text when LOG_FORMAT=text.
 */
const target = serverTargets('first-start').find((t) => t.name === 'pglite')!;

describe('first start: serving while the demo is prepared (pglite)', () => {
  after(() => target.cleanup());

  it('answers /health, the admin API and ingestion while the demo loads, then reports it ready', { timeout: 300_000 }, async () => {
    const writeKey = `tw_first_${randomBytes(16).toString('hex')}`;
    const adminKey = `ta_first_${randomBytes(16).toString('hex')}`;
    const env = { ...(await target.env()), TENURE_WRITE_KEY: writeKey, TENURE_ADMIN_KEY: adminKey, TENURE_DEMO: 'auto', TENURE_DEMO_CUSTOMERS: '1500', LOG_LEVEL: 'info', LOG_FORMAT: 'text' };
    const server = await spawnServer(env, await freePort(), [], 'start');
    try {
      const admin = (path: string) => http(`${server.url}${path}`, { auth: `Bearer ${adminKey}` });

      assert.equal((await http(`${server.url}/api/demo/status`)).status, 401, 'the status needs the admin key');
      const first = await admin('/api/demo/status');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.state, 'preparing', `the port opened before the demo was ready: ${JSON.stringify(first.body)}`);
      assert.deepEqual(
        first.body.steps.map((s: { phase: string }) => s.phase),
        [...DEMO_PHASES],
      );

      // Poll until ready: every /health and admin call answers meanwhile, and an event sent now is kept.
      const seen = new Set<string>();
      let lastPercent = -1;
      let checks = 0;
      let healthOk = 0;
      let sent = false;
      let status = first.body;
      const deadline = Date.now() + 240_000;
      while (status.state === 'preparing') {
        assert.ok(Date.now() < deadline, `demo not ready in 240 s: ${JSON.stringify(status)}\n${server.output().slice(-2000)}`);
        // /health always answers; its database probe gives up after 2 s, which one long
        // statement (an ANALYZE, a model fit) can exceed on a loaded machine: most must be ok.
        const t = performance.now();
        const health = await http(`${server.url}/health`);
        assert.ok(performance.now() - t < 5_000, `health took ${performance.now() - t} ms during ${status.phase}`);
        assert.ok(health.status === 200 || (health.status === 503 && health.body.status === 'degraded'), `health during ${status.phase}: ${health.status} ${JSON.stringify(health.body)}`);
        healthOk += health.status === 200 ? 1 : 0;
        const customers = await admin('/api/customers?limit=5');
        assert.equal(customers.status, 200, `admin API during ${status.phase}: ${JSON.stringify(customers.body)}`);
        if (!sent && status.phase === 'data') {
          const r = await http(`${server.url}/v1/track`, { auth: basic(writeKey), body: { userId: 'early-visitor', event: 'Signed Up', messageId: 'first-start-early' } });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          sent = true;
        }
        checks++;
        seen.add(status.phase);
        assert.ok(status.percent >= lastPercent, `progress went back: ${lastPercent} → ${status.percent}`);
        lastPercent = status.percent;
        await new Promise((r) => setTimeout(r, 150));
        status = (await admin('/api/demo/status')).body;
      }
      assert.equal(status.state, 'ready', JSON.stringify(status));
      assert.equal(status.percent, 100);
      assert.ok(
        status.steps.every((s: { status: string }) => s.status === 'done'),
        JSON.stringify(status.steps),
      );
      assert.ok(healthOk >= 0.8 * checks, `/health ok ${healthOk} of ${checks} times while preparing`);
      assert.ok(checks >= 3 && seen.has('data'), `served ${checks} rounds of calls during ${[...seen].join(', ')}`);
      assert.ok(sent, 'an event was sent while the demo data loaded');

      // The demo is complete, and the event sent during the load is there beside it.
      const list = await admin('/api/customers?limit=1');
      assert.equal(list.status, 200);
      const early = await admin('/api/customers?q=early-visitor');
      assert.equal(early.status, 200, JSON.stringify(early.body));
      assert.ok(JSON.stringify(early.body).includes('early-visitor'), `the event ingested during the load: ${JSON.stringify(early.body).slice(0, 500)}`);

      // The console: readable lines (LOG_FORMAT=text), each step announced, then ready.
      const out = server.output();
      assert.match(out, /^\d\d:\d\d:\d\d INFO {2}Tenure is listening on http:\/\/127\.0\.0\.1:\d+/m);
      assert.match(out, /INFO {2}preparing the demo \d+% \(step 1\/6\): Generating 18 months/);
      assert.match(out, /INFO {2}preparing the demo \d+% \(step 4\/6\): Fitting CLV/);
      assert.match(out, /INFO {2}demo ready: the overview shows the demo business customers=\d+ events=\d+/);
      assert.ok(!/"level":/.test(out), 'no JSON lines with LOG_FORMAT=text');
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { freePort, killHard, spawnServer } from '../src/test-support/child-server.js';
import { basic, createScratchDatabase, dropScratchDatabase, until } from '../src/test-support/harness.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../src/test-support/tcp-proxy.js';

const WRITE_KEY = 'tw_outage_write_key_0123456789abcdef';
const ADMIN_KEY = 'ta_outage_admin_key_0123456789abcdef';
const base = process.env.TEST_DATABASE_URL;

/**
 * Clients that ingest like an SDK: batches with unique messageIds, each retried (after a
 * short pause) on 503 and on network errors until it gets a 200. Every 200 is recorded.
 */
function loadClients(url: string, prefix: string, clients = 4) {
  const acked = new Set<string>();
  const unavailable: Array<{ retryAfter: string | null; code: string | undefined }> = [];
  let other = 0;
  let stop = false;
  const one = async (c: number) => {
    for (let b = 0; !stop; b++) {
      const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: `${prefix}-${c}-${i % 7}`, event: 'Ping', messageId: `${prefix}-${c}-${b}-${i}`, properties: { b, i } }));
      for (;;) {
        let status = 0;
        try {
          const r = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
          status = r.status;
          const body = (await r.json().catch(() => null)) as { error?: { code?: string } } | null;
          if (status === 503) unavailable.push({ retryAfter: r.headers.get('retry-after'), code: body?.error?.code });
        } catch {
          /* network error: retry */
        }
        if (status === 200) {
          for (const e of batch) acked.add(e.messageId);
          break;
        }
        if (status !== 503 && status !== 0) other++;
        await new Promise((r) => setTimeout(r, 100));
        // Once stopped, a batch still unanswered is given up (its events may or may not be stored; they were never acknowledged).
        if (stop) return;
      }
    }
  };
  const running = Array.from({ length: clients }, (_, c) => one(c));
  return {
    acked,
    unavailable,
    otherStatuses: () => other,
    stop: async () => {
      stop = true;
      await Promise.all(running);
    },
  };
}

describe('PostgreSQL outages', { skip: base ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let dbUrl = '';
  let proxy: TcpProxy;
  let server: { url: string; child: ChildProcess; output: () => string } | null = null;
  let direct: pg.Client;

  before(async () => {
    dbUrl = await createScratchDatabase(base!);
    proxy = await startTcpProxy(Number(new URL(base!).port || 5432), new URL(base!).hostname);
    direct = new pg.Client({ connectionString: dbUrl });
    await direct.connect();
  });
  after(async () => {
    if (server) await killHard(server.child);
    await direct?.end();
    await proxy?.close();
    if (dbUrl) await dropScratchDatabase(base!, dbUrl);
  });

  /** How many of `ids` are stored, read directly (not through the proxy). */
  const storedCount = async (ids: Iterable<string>) => {
    const { rows } = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE message_id = ANY($1::text[])', [[...ids]]);
    return rows[0]!.n;
  };
  const alive = () => assert.equal(server!.child.exitCode, null, `the server exited:\n${server!.output()}`);

  it('starts while the database is unreachable: waits, retrying, and comes up once it is back', { timeout: 60_000 }, async () => {
    proxy.cut();
    const env = { DATABASE_URL: viaProxy(dbUrl, proxy), TENURE_WRITE_KEY: WRITE_KEY, TENURE_ADMIN_KEY: ADMIN_KEY, DATABASE_CONNECT_TIMEOUT_SECONDS: '2', TENURE_ANALYTICS_SYNC_SECONDS: '1' };
    const starting = spawnServer(env, await freePort());
    starting.catch(() => undefined);
    // Restored once the server has been turned away twice (it tried, and tried again), however long its start took.
    const turnedAway = proxy.refused();
    const deadline = Date.now() + 30_000;
    while (proxy.refused() < turnedAway + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    proxy.restore();
    server = await starting;
    assert.match(server.output(), /database not reachable, retrying in \d+(\.\d+)?s/);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
  });

  it('every backend terminated under ingestion load: the process stays up and no acknowledged event is lost', { timeout: 60_000 }, async () => {
    const load = loadClients(server!.url, 'term');
    await until('some acknowledged events', async () => (load.acked.size >= 200 ? true : undefined));
    for (let round = 0; round < 3; round++) {
      alive();
      const { rows } = await direct.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      assert.ok(rows[0]!.n > 0, 'there were server backends to terminate');
      await new Promise((r) => setTimeout(r, 300));
    }
    const before = load.acked.size;
    // Ingestion resumes by itself.
    await until('ingestion after the terminations', async () => (load.acked.size >= before + 200 ? true : undefined), 20_000);
    await load.stop();
    alive();
    assert.equal(load.otherStatuses(), 0, 'only 200 and 503 answers');
    assert.equal(await storedCount(load.acked), load.acked.size, 'every acknowledged event is stored');
  });

  it('the database cut off for a few seconds: 503 + Retry-After and a degraded /health while away, ingestion resumes by itself, nothing acknowledged lost', { timeout: 60_000 }, async () => {
    const load = loadClients(server!.url, 'cut');
    await until('some acknowledged events', async () => (load.acked.size >= 200 ? true : undefined));
    proxy.cut();
    const cutAt = load.acked.size;
    try {
      await new Promise((r) => setTimeout(r, 500));
      const single = await fetch(`${server!.url}/v1/track`, {
        method: 'POST',
        headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'cut-x', event: 'Ping', messageId: 'cut-x-1' }),
      });
      assert.equal(single.status, 503);
      assert.ok(Number(single.headers.get('retry-after')) > 0, 'Retry-After on the 503');
      assert.equal(((await single.json()) as { error: { code: string } }).error.code, 'unavailable');
      const health = await fetch(`${server!.url}/health`);
      assert.equal(health.status, 503);
      const hb = (await health.json()) as { status: string; database: { ok: boolean; error?: string } };
      assert.equal(hb.status, 'degraded');
      assert.equal(hb.database.ok, false);
      assert.ok(hb.database.error && hb.database.error.length > 0, 'the database error, in short');
      // An admin route answers 503 too.
      const admin = await fetch(`${server!.url}/api/customers?limit=1`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal(admin.status, 503);
      await new Promise((r) => setTimeout(r, 1_500));
      alive();
      assert.ok(load.acked.size - cutAt < 100, 'hardly anything is acknowledged while the database is away');
    } finally {
      proxy.restore();
    }
    const restoredAt = load.acked.size;
    await until('ingestion after the restore', async () => (load.acked.size >= restoredAt + 200 ? true : undefined), 20_000);
    await load.stop();
    alive();
    assert.ok(load.unavailable.length > 0, 'the clients saw 503s while the database was away');
    for (const u of load.unavailable) {
      assert.equal(u.code, 'unavailable');
      assert.ok(Number(u.retryAfter) > 0, 'every 503 carries Retry-After');
    }
    assert.equal(load.otherStatuses(), 0, 'only 200 and 503 answers');
    assert.equal(await storedCount(load.acked), load.acked.size, 'every acknowledged event is stored');
    assert.equal((await fetch(`${server!.url}/health`)).status, 200);
  });
});

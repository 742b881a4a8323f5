import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from './client.js';
import { openPgliteSession } from './pglite-client.js';
import { isDbUnavailable } from './db-errors.js';
import { migrate } from './migrate.js';
import { basic, http, makeWorkspace, startServer } from '../../test-support/harness.js';

/** JSON text of an object nested `depth` levels deep: {"a":{"a":…1…}}. */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('PGlite bridge: every call is answered', () => {
  it('a result too deeply nested to pass back rejects, and the next statement answers', { timeout: 30_000 }, async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      await db.query('CREATE TABLE deep (j jsonb)');
      await db.query('INSERT INTO deep VALUES ($1::jsonb)', [deepJson(3000)]);
      await assert.rejects(db.query('SELECT j FROM deep'), /the result could not be passed back: nested too deeply/);
      assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      // Inside a transaction too: the transaction fails and rolls back, the session stays usable.
      await assert.rejects(
        db.transaction((tx) => tx.query('SELECT j FROM deep')),
        /nested too deeply/,
      );
      assert.deepEqual((await db.query('SELECT count(*)::int AS n FROM deep')).rows, [{ n: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('a call that takes longer than the timeout rejects as an outage; later calls run after it', { timeout: 30_000 }, async () => {
    const db = await openDb({ dataDir: 'memory://', statementTimeoutMs: 300 });
    try {
      const t0 = Date.now();
      const err = await db.query('SELECT pg_sleep(1.5)').then(
        () => assert.fail('pg_sleep(1.5) should have timed out'),
        (e: unknown) => e,
      );
      assert.match((err as Error).message, /did not answer the statement "SELECT pg_sleep\(1.5\)" within 0.3 s/);
      assert.ok(isDbUnavailable(err), 'a timed-out call is an outage (503), not a bug');
      assert.ok(Date.now() - t0 < 1_400, 'rejected before the statement finished');
      // The worker still runs the sleep; the next call runs after it (and, sent once the
      // sleep is nearly over, answers within its own timeout).
      await new Promise((r) => setTimeout(r, Math.max(0, 1_500 - (Date.now() - t0))));
      assert.deepEqual((await db.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('close stops the worker even while a call is stuck', { timeout: 30_000 }, async () => {
    const session = await openPgliteSession('memory://', { callTimeoutMs: 0, closeTimeoutMs: 500 });
    const stuck = session.query('SELECT pg_sleep(60)');
    stuck.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await session.close();
    assert.ok(Date.now() - t0 < 5_000, `close took ${Date.now() - t0} ms`);
    await assert.rejects(stuck, /the embedded database/);
    await assert.rejects(session.query('SELECT 1'), /the embedded database/);
  });

  it('over HTTP: reading a customer whose stored event is nested 3,000 levels answers an error, and the server keeps answering', { timeout: 60_000 }, async () => {
    const db = await openDb({ dataDir: 'memory://' });
    await migrate(db);
    const { writeKey, adminKey } = await makeWorkspace(db);
    const server = await startServer(db, { stages: null, segments: null });
    try {
      const sent = await http(`${server.url}/v1/track`, { auth: basic(writeKey), body: { userId: 'deep-1', event: 'Ping', messageId: 'deep-m1' } });
      assert.equal(sent.status, 200);
      // Stored bypassing ingestion (which limits depth): data that should never have got in.
      const upd = await db.query(`UPDATE events SET properties = $1::jsonb WHERE message_id = 'deep-m1'`, [deepJson(3000)]);
      assert.equal(upd.rowCount, 1);
      const read = await http(`${server.url}/api/customers/deep-1/events`, { auth: `Bearer ${adminKey}` });
      assert.ok(read.status >= 500, `expected an error, got ${read.status}`);
      assert.ok(read.body?.error?.code, 'an error body');
      const health = await http(`${server.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      const again = await http(`${server.url}/v1/track`, { auth: basic(writeKey), body: { userId: 'deep-2', event: 'Ping', messageId: 'deep-m2' } });
      assert.equal(again.status, 200);
    } finally {
      await server.close();
      await db.close();
    }
  });
});

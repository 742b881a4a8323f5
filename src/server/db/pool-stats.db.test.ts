import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from './client.js';

const url = process.env.TEST_DATABASE_URL;

describe('PostgreSQL connection pool figures (GET /health)', { skip: url ? false : 'TEST_DATABASE_URL is not set' }, () => {
  it('counts transactions, and how long one waited for the only connection', async () => {
    const db = await openDb({ databaseUrl: url!, poolSize: 1 });
    try {
      await db.query('SELECT 1'); // the connection is open before anything is timed
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let firstIn!: () => void;
      const firstStarted = new Promise<void>((r) => (firstIn = r));
      const first = db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        firstIn();
        await held;
      });
      await firstStarted;
      const before = db.poolStats!();
      const second = db.transaction((tx) => tx.query('SELECT 2'));
      await new Promise((r) => setTimeout(r, 30));
      const during = db.poolStats!();
      assert.deepEqual({ max: during.max, open: during.open, busy: during.busy, waiting: during.waiting }, { max: 1, open: 1, busy: 1, waiting: 1 });
      await new Promise((r) => setTimeout(r, 60));
      release();
      await first;
      await second;
      const after = db.poolStats!();
      assert.equal(after.transactions - before.transactions, 1, 'the second transaction is counted');
      assert.equal(after.waited - before.waited, 1, 'and it waited');
      const waited = after.waitedMs - before.waitedMs;
      assert.ok(waited >= 85 && waited < 5_000, `waited ${waited} ms for the connection the first transaction held ~90 ms`);
      assert.ok(after.longestWaitMs >= 85, `longest wait ${after.longestWaitMs} ms`);
      assert.equal(after.waiting, 0);
      assert.equal(after.busy, 0);
    } finally {
      await db.close();
    }
  });
});

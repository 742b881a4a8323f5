import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from './client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { createLogger } from '../log.js';
import { maintainTables, startMaintenance } from './maintenance.js';
import { monthStart, partitionName } from './event-partitions.js';

/** Events of now are stored in this month's partition of events (migration 0028): its statistics are where the work shows. */
const EVENTS_NOW = partitionName(monthStart(new Date()));

for (const target of dbTargets()) {
  describe(`maintainTables (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('analyzes a table that changed, vacuums one with dead rows or many rows appended, then has nothing left to do', async () => {
      const ws = (await makeWorkspace(db, 'maint')).workspace.id;
      // So PostgreSQL's own autovacuum cannot do the work first (this is a scratch database).
      for (const t of [EVENTS_NOW, 'marketing_spend']) await db.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
      await db.query(
        `INSERT INTO events (workspace_id, customer_id, message_id, type, timestamp, received_at)
         SELECT $1, g % 100, 'maint-' || g, 'track', now(), now() FROM generate_series(1, 5000) g`,
        [ws],
      );
      await maintainTables(db); // whatever earlier tests left behind
      await db.query(
        `INSERT INTO events (workspace_id, customer_id, message_id, type, timestamp, received_at)
         SELECT $1, g % 100, 'maint-more-' || g, 'track', now(), now() FROM generate_series(1, 5000) g`,
        [ws],
      );
      await db.query(`INSERT INTO marketing_spend (workspace_id, day, channel, amount) SELECT $1, d::date, 'paid_search', 10 FROM generate_series('2025-01-01'::date, '2025-12-31'::date, '1 day') d`, [
        ws,
      ]);
      await db.query(`UPDATE marketing_spend SET amount = 11 WHERE workspace_id = $1`, [ws]);
      const stats = async (table: string) =>
        (await db.query<{ modified: number; dead: number }>(`SELECT n_mod_since_analyze::int AS modified, n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = $1`, [table])).rows[0]!;
      // PostgreSQL's statistics reach pg_stat_user_tables a moment after a statement ends.
      // Both tables' counts: under load one can lag the other (CI once saw marketing_spend's dead rows late, and an ANALYZE instead of the VACUUM).
      for (let i = 0; i < 50 && ((await stats(EVENTS_NOW)).modified < 5000 || (await stats('marketing_spend')).dead < 365); i++) await new Promise((r) => setTimeout(r, 100));

      assert.deepEqual(await maintainTables(db, { skip: () => true }), [], 'skipped tables are left alone');
      assert.ok((await stats(EVENTS_NOW)).modified >= 5000);
      const mine = (done: Awaited<ReturnType<typeof maintainTables>>) => done.filter((d) => d.table === EVENTS_NOW || d.table === 'marketing_spend');
      // 5,000 rows appended to 10,000 (over 1,000 + 20%): a vacuum, as autovacuum does for inserts; 365 of 365 rows updated: a vacuum.
      assert.deepEqual(mine(await maintainTables(db)), [
        { table: EVENTS_NOW, action: 'vacuum' },
        { table: 'marketing_spend', action: 'vacuum' },
      ]);
      assert.equal((await stats(EVENTS_NOW)).modified, 0);
      assert.equal((await stats('marketing_spend')).dead, 0);
      // 1,500 of 10,000 rows changed: over 50 + 10% (an ANALYZE), under 50 + 20% dead (no vacuum).
      await db.query(`UPDATE events SET type = 'page' WHERE workspace_id = $1 AND message_id LIKE 'maint-more-%' AND split_part(message_id, '-', 3)::int <= 1500`, [ws]);
      for (let i = 0; i < 50 && (await stats(EVENTS_NOW)).modified < 1500; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(mine(await maintainTables(db)), [{ table: EVENTS_NOW, action: 'analyze' }]);
      assert.deepEqual(mine(await maintainTables(db)), []);
    });

    it('maintains tables by itself where nothing else does (PGlite once idle; PostgreSQL with autovacuum off)', async (t) => {
      if (db.kind !== 'pglite' && (await db.query<{ a: string }>(`SELECT current_setting('autovacuum') AS a`)).rows[0]!.a === 'on') {
        assert.equal(typeof (await startMaintenance(db, createLogger('silent'))), 'function');
        t.skip('this PostgreSQL server runs autovacuum: Tenure leaves maintenance to it');
        return;
      }
      const ws = (await makeWorkspace(db, 'maint-auto')).workspace.id;
      await db.query(
        `INSERT INTO events (workspace_id, customer_id, message_id, type, timestamp, received_at)
         SELECT $1, g % 100, 'maint-auto-' || g, 'track', now(), now() FROM generate_series(1, 3000) g`,
        [ws],
      );
      const modified = async () =>
        (await db.query<{ n: number }>(`SELECT n_mod_since_analyze::int AS n FROM pg_stat_user_tables WHERE relname = $1 AND schemaname = current_schema()`, [EVENTS_NOW])).rows[0]!.n;
      // Statistics reach pg_stat_user_tables a moment after a statement ends.
      for (let i = 0; i < 50 && (await modified()) < 3000; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok((await modified()) >= 3000);
      const stop = await startMaintenance(db, createLogger('silent'), { checkEveryMs: 100 });
      try {
        // Look only every 1.5 s: each look is itself database work, and the pass waits for a 1 s lull.
        for (let i = 0; i < 8 && (await modified()) > 0; i++) await new Promise((r) => setTimeout(r, 1_500));
      } finally {
        stop();
      }
      assert.equal(await modified(), 0);
    });
  });
}

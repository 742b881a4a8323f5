import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { createScratchDatabase, dbTargets, dropScratchDatabase, makeWorkspace } from '../../test-support/harness.js';
import { track } from '../../test-support/metrics-fixture.js';
import { syncFacts } from '../analytics/facts.js';
import { ConfigError, loadConfig } from '../config.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { HousekeepingWorker } from '../workspaces/housekeeping-worker.js';
import { openDb, type Db } from './client.js';
import { applyEventRetention, listEventPartitions, monthStart, partitionName, prepareEventPartitions } from './event-partitions.js';
import { migrate, migrationsFolder } from './migrate.js';
import type { PgliteSession } from './pglite-client.js';

/** The migrations up to (and without) 0028, in a folder of their own. */
function migrationsBefore0028(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenure-mig-'));
  cpSync(migrationsFolder(), dir, { recursive: true });
  rmSync(join(dir, '0028_events_partitioned.sql'));
  const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ idx: number }> };
  journal.entries = journal.entries.filter((e) => e.idx < 28);
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
  return dir;
}

/** A database migrated to 0027 only (the events table not partitioned yet). */
async function openBefore0028(target: 'pglite' | 'postgres'): Promise<Db> {
  const folder = migrationsBefore0028();
  try {
    if (target === 'pglite') {
      const db = await openDb({ dataDir: 'memory://' });
      await (db.raw as PgliteSession).migrate(folder);
      return db;
    }
    const base = process.env.TEST_DATABASE_URL!;
    const url = await createScratchDatabase(base);
    const db = await openDb({ databaseUrl: url, poolSize: 4 });
    const client = await (db.raw as pg.Pool).connect();
    try {
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate: run } = await import('drizzle-orm/node-postgres/migrator');
      await run(drizzle(client), { migrationsFolder: folder });
    } finally {
      client.release();
    }
    const close = db.close.bind(db);
    return Object.assign(db, {
      close: async () => {
        await close();
        await dropScratchDatabase(base, url);
      },
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const count = async (db: Db, sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

for (const target of dbTargets()) {
  describe(`partitioned events (${target.name})`, () => {
    it('migration 0028 keeps every stored event with its id, fills the messageId table, and ids go on from the old sequence', async () => {
      const db = await openBefore0028(target.name);
      try {
        const ws = (await makeWorkspace(db, 'mig')).workspace.id;
        await ingestEvents(db, ws, [
          track('u1', 'Page Viewed', '2024-01-15T10:00:00.000Z'),
          track('u1', 'Order Completed', '2024-03-31T23:59:59.999Z', { revenue: 5 }),
          track('u2', 'Page Viewed', '2025-07-01T00:00:00.000Z'),
          track('u2', 'Page Viewed', new Date().toISOString()),
        ]);
        const before = (await db.query<{ id: string; message_id: string; ts: Date }>(`SELECT id::text, message_id, timestamp AS ts FROM events ORDER BY id`)).rows;
        assert.equal(before.length, 4);
        await migrate(db);
        const after = (await db.query<{ id: string; message_id: string; ts: Date }>(`SELECT id::text, message_id, timestamp AS ts FROM events ORDER BY id`)).rows;
        assert.deepEqual(after, before, 'every row, with its id, message id and time');
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM pg_partitioned_table WHERE partrelid = 'events'::regclass`), 1, 'events is partitioned');
        const names = (await listEventPartitions(db)).map((p) => p.name);
        for (const m of ['events_2024_01', 'events_2024_03', 'events_2025_07', partitionName(monthStart(new Date())), partitionName(monthStart(new Date(), 1))])
          assert.ok(names.includes(m), `${m} in ${names}`);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_2024_03`), 1, 'the last millisecond of March is in March');
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), 0);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM event_message_ids`), 4);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM pg_class WHERE relname = 'events_unpartitioned'`), 0);
        // The sequence survived the old table's drop, is owned by the new one, and goes on.
        await ingestEvents(db, ws, [track('u3', 'Page Viewed', new Date().toISOString())]);
        const newest = await count(db, `SELECT max(id)::int AS n FROM events`);
        assert.ok(newest > Math.max(...before.map((r) => Number(r.id))), `new id ${newest}`);
        assert.equal(
          await count(db, `SELECT count(*)::int AS n FROM pg_depend d JOIN pg_class s ON s.oid = d.objid WHERE s.relname = 'events_id_seq' AND d.refobjid = 'events'::regclass AND d.deptype = 'a'`),
          1,
        );
      } finally {
        await db.close();
      }
    });

    it('an event of a month with no partition is stored (in the default) and housekeeping moves it into its own month', async () => {
      const db = await target.open();
      try {
        const ws = (await makeWorkspace(db, 'newmonth')).workspace.id;
        // 2009: older than the months ingestion makes itself (INGEST_PARTITION_MONTHS_BACK).
        const r = await ingestEvents(db, ws, [track('old', 'Page Viewed', '2009-03-10T12:00:00.000Z'), track('old', 'Page Viewed', '2009-04-01T00:00:00.000Z')]);
        assert.equal(r.inserted, 2);
        const ids = (await db.query<{ id: string }>(`SELECT id::text FROM events WHERE workspace_id = $1 ORDER BY id`, [ws])).rows.map((x) => x.id);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), 2, 'no partition for 2009 yet: the default holds them');
        const created = await prepareEventPartitions(db, new Date());
        assert.deepEqual(created.filter((n) => n.startsWith('events_2009')).sort(), ['events_2009_03', 'events_2009_04']);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), 0);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_2009_03`), 1);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_2009_04`), 1);
        // Vacuumed after the move: no dead rows left in the default for every unpruned query to walk.
        assert.equal(await count(db, `SELECT pg_relation_size('events_default')::int AS n`), 0, 'the emptied default is truncated by its VACUUM');
        assert.deepEqual(
          (await db.query<{ id: string }>(`SELECT id::text FROM events WHERE workspace_id = $1 ORDER BY id`, [ws])).rows.map((x) => x.id),
          ids,
          'the same ids',
        );
        // Moved rows keep their messageIds: a repeat is still refused.
        const again = await ingestEvents(db, ws, [
          track('old', 'Page Viewed', '2009-03-10T12:00:00.000Z', {}, { messageId: (await db.query<{ m: string }>(`SELECT message_id AS m FROM events_2009_03`)).rows[0]!.m }),
        ]);
        assert.deepEqual([again.inserted, again.duplicates], [0, 1]);
        assert.deepEqual(await prepareEventPartitions(db, new Date()), [], 'nothing left to do');
        // Indexes were made on the attached partition too.
        assert.ok((await count(db, `SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'events_2009_03'`)) >= 4);
      } finally {
        await db.close();
      }
    });

    it('history sent now lands in its own months (PostgreSQL makes their partitions before the append; PGlite keeps them in the default)', async () => {
      const db = await target.open();
      try {
        const ws = (await makeWorkspace(db, 'backfill')).workspace.id;
        const now = new Date();
        const months = [-3, -3, -7, -30].map((k) => new Date(monthStart(now, k).getTime() + 86_400_000 * 3));
        const far = new Date(Date.UTC(now.getUTCFullYear() - 11, 5, 1)); // before the window: the default
        const r = await ingestEvents(
          db,
          ws,
          [...months, far].map((t, i) => track(`b${i % 2}`, 'Page Viewed', t.toISOString())),
        );
        assert.equal(r.inserted, 5);
        const names = new Set((await listEventPartitions(db)).map((p) => p.name));
        const inDefault = await count(db, `SELECT count(*)::int AS n FROM events_default`);
        if (target.name === 'postgres') {
          for (const k of [-3, -7, -30]) assert.ok(names.has(partitionName(monthStart(now, k))), `${partitionName(monthStart(now, k))} made before the append`);
          assert.ok(!names.has(partitionName(monthStart(far))), 'no partition for a month before the window');
          assert.equal(inDefault, 1, 'only the event before the window waits in the default');
          assert.equal(await count(db, `SELECT count(*)::int AS n FROM ${partitionName(monthStart(now, -3))}`), 2);
          // The next batch of a month it made is stored in that month's partition, nothing new made.
          const partitionsBefore = (await listEventPartitions(db)).length;
          const again = await ingestEvents(db, ws, [track('b0', 'Page Viewed', months[2]!.toISOString())]);
          assert.equal(again.inserted, 1);
          assert.equal((await listEventPartitions(db)).length, partitionsBefore);
          assert.equal(await count(db, `SELECT count(*)::int AS n FROM ${partitionName(monthStart(now, -7))}`), 2);
          assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 6);
        } else {
          assert.equal(inDefault, 5, 'PGlite: past months wait in the default');
          assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 5);
        }
      } finally {
        await db.close();
      }
    });

    it('a messageId is stored once per workspace across months, batches and writers', async () => {
      const db = await target.open();
      try {
        const ws = (await makeWorkspace(db, 'dedupe')).workspace.id;
        const ws2 = (await makeWorkspace(db, 'dedupe2')).workspace.id;
        const now = new Date();
        const lastMonth = monthStart(now, -1).toISOString();
        const first = await ingestEvents(db, ws, [track('d', 'Page Viewed', now.toISOString(), {}, { messageId: 'm-1' })]);
        assert.equal(first.inserted, 1);
        // Same messageId, another month (another partition): optimistic append, 23505, retried with the check.
        const repeat = await ingestEvents(db, ws, [track('d', 'Page Viewed', lastMonth, {}, { messageId: 'm-1' }), track('d', 'Page Viewed', lastMonth, {}, { messageId: 'm-2' })]);
        assert.deepEqual([repeat.inserted, repeat.duplicates], [1, 1]);
        // Asked to check first (imports): the same.
        const checked = await ingestEvents(db, ws, [track('d', 'Page Viewed', '2020-01-01T00:00:00.000Z', {}, { messageId: 'm-2' })], { checkStored: true });
        assert.deepEqual([checked.inserted, checked.duplicates], [0, 1]);
        // Another workspace may use it.
        assert.equal((await ingestEvents(db, ws2, [track('d', 'Page Viewed', lastMonth, {}, { messageId: 'm-1' })])).inserted, 1);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND message_id = 'm-1'`, [ws]), 1);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 2);
        // A raw COPY of a stored messageId fails on event_message_ids_pkey, as ingestion relies on.
        const customer = await count(db, `SELECT customer_id::int AS n FROM events WHERE workspace_id = $1 LIMIT 1`, [ws]);
        await assert.rejects(
          db.transaction((tx) =>
            tx.copyFrom(`events (workspace_id, customer_id, message_id, type, timestamp, received_at)`, `${ws}\t${customer}\tm-1\ttrack\t2021-05-05T00:00:00Z\t2021-05-05T00:00:00Z\n`),
          ),
          (err: { code?: string; constraint?: string }) => err.code === '23505' && err.constraint === 'event_message_ids_pkey',
        );
        // Deleting an event frees its messageId (what a stage rebuild relies on).
        await db.query(`DELETE FROM events WHERE workspace_id = $1 AND message_id = 'm-2'`, [ws]);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM event_message_ids WHERE workspace_id = $1`, [ws]), 1);
        assert.equal((await ingestEvents(db, ws, [track('d', 'Page Viewed', now.toISOString(), {}, { messageId: 'm-2' })])).inserted, 1);
        // The table mirrors events exactly.
        assert.equal(
          await count(
            db,
            `SELECT count(*)::int AS n FROM event_message_ids d FULL JOIN events e ON e.workspace_id = d.workspace_id AND e.message_id = d.message_id WHERE e.id IS NULL OR d.message_id IS NULL`,
          ),
          0,
        );
      } finally {
        await db.close();
      }
    });

    it('retention drops whole old months with their facts, leaves no orphan fact, keeps newer months and the current one', async () => {
      const db = await target.open();
      try {
        const ws = (await makeWorkspace(db, 'retention')).workspace.id;
        const now = new Date();
        const at = (monthsBack: number, day = 10) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, day, 12)).toISOString();
        const batch = [];
        for (const back of [15, 14, 13, 12, 2, 0]) {
          batch.push(track('r1', 'Page Viewed', at(back)), track('r1', 'Order Completed', at(back), { revenue: 10 + back }), track('r2', 'Order Completed', at(back, 2), { revenue: 1 }));
        }
        await ingestEvents(db, ws, batch);
        await prepareEventPartitions(db, now);
        await syncFacts(db, { now });
        const orders = await count(db, `SELECT count(*)::int AS n FROM analytics_orders WHERE workspace_id = $1`, [ws]);
        assert.equal(orders, 12, 'two orders a month');
        assert.ok((await count(db, `SELECT count(*)::int AS n FROM analytics_days WHERE workspace_id = $1`, [ws])) >= 12);

        // Dry run: tells, drops nothing.
        const dry = await applyEventRetention(db, 12, now, { dryRun: true });
        assert.deepEqual(
          dry.dropped.map((d) => d.partition),
          [15, 14, 13].map((b) => partitionName(monthStart(now, -b))),
        );
        assert.deepEqual(
          dry.dropped.map((d) => [d.events, d.orders]),
          [
            [3, 2],
            [3, 2],
            [3, 2],
          ],
        );
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 18);

        const r = await applyEventRetention(db, 12, now);
        assert.equal(r.cutoff.toISOString(), monthStart(now, -12).toISOString());
        assert.deepEqual(
          r.dropped.map((d) => [d.partition, d.events, d.orders]),
          [15, 14, 13].map((b) => [partitionName(monthStart(now, -b)), 3, 2]),
        );
        const names = (await listEventPartitions(db)).map((p) => p.name);
        for (const b of [15, 14, 13]) assert.ok(!names.includes(partitionName(monthStart(now, -b))), `month -${b} dropped`);
        for (const b of [12, 2, 0, -1]) assert.ok(names.includes(partitionName(monthStart(now, -b))), `month -${b} kept`);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 9, 'newer months untouched');
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE timestamp < $1`, [r.cutoff.toISOString()]), 0);
        // No orphan facts: every fact keyed by an event has its event, every stored messageId its event.
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM analytics_orders o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id)`), 0);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM analytics_orders WHERE workspace_id = $1`, [ws]), 6);
        assert.equal(
          await count(db, `SELECT count(*)::int AS n FROM event_message_ids d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = d.workspace_id AND e.message_id = d.message_id)`),
          0,
        );
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM analytics_days WHERE day < $1::date`, [r.cutoff.toISOString().slice(0, 10)]), 0);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM analytics_months WHERE month < $1::date`, [r.cutoff.toISOString().slice(0, 10)]), 0);
        assert.ok((await count(db, `SELECT count(*)::int AS n FROM analytics_days WHERE day >= $1::date`, [r.cutoff.toISOString().slice(0, 10)])) >= 6, 'newer days kept');
        // A later sync finds nothing to redo, and the facts agree with the events.
        await syncFacts(db, { now });
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM analytics_orders WHERE workspace_id = $1`, [ws]), 6);

        // Nothing more to drop; the shortest retention never drops the current month (nor the one before).
        assert.deepEqual((await applyEventRetention(db, 12, now)).dropped, []);
        const short = await applyEventRetention(db, 1, now);
        assert.deepEqual(
          short.dropped.map((d) => d.partition),
          [12, 2].map((b) => partitionName(monthStart(now, -b))),
        );
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 3, 'the current month stays');
        await assert.rejects(applyEventRetention(db, 0, now), /whole number of months/);
      } finally {
        await db.close();
      }
    });

    it(`housekeeping without a retention ${target.name === 'pglite' ? 'leaves past months in the default partition (PGlite)' : 'moves past months out of the default partition'}`, async () => {
      const db = await target.open();
      const now = new Date();
      const worker = new HousekeepingWorker(db, { clock: () => now, pollMs: 3_600_000 });
      try {
        const ws = (await makeWorkspace(db, 'hk-keep')).workspace.id;
        // Before the months ingestion makes itself on PostgreSQL (INGEST_PARTITION_MONTHS_BACK): the default.
        const old = new Date(Date.UTC(now.getUTCFullYear() - 12, 1, 15)).toISOString();
        await ingestEvents(db, ws, [track('k', 'Page Viewed', old)]);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), 1);
        worker.start();
        await new Promise((r) => setTimeout(r, 100));
        await worker.stop();
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), target.name === 'pglite' ? 1 : 0);
        assert.equal(
          (await listEventPartitions(db)).some((p) => p.name === partitionName(monthStart(new Date(old)))),
          target.name !== 'pglite',
        );
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 1, 'the event is there either way');
      } finally {
        await worker.stop();
        await db.close();
      }
    });

    it('housekeeping moves rows out of the default partition and applies the retention setting', async () => {
      const db = await target.open();
      const now = new Date();
      const worker = new HousekeepingWorker(db, { eventsRetentionMonths: 3, clock: () => now, pollMs: 3_600_000 });
      try {
        const ws = (await makeWorkspace(db, 'hk')).workspace.id;
        const old = new Date(Date.UTC(now.getUTCFullYear() - 2, 5, 15)).toISOString();
        const recent = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 15)).toISOString();
        await ingestEvents(db, ws, [track('h', 'Page Viewed', old), track('h', 'Page Viewed', recent)]);
        worker.start();
        for (let i = 0; i < 200 && worker.retention.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(worker.retention, [{ partition: partitionName(monthStart(new Date(old))), events: 1 }]);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events_default`), 0);
        assert.equal(await count(db, `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws]), 1, 'the month two months back is kept');
        assert.ok(
          (await listEventPartitions(db)).some((p) => p.name === partitionName(monthStart(now, 1))),
          "next month's partition exists",
        );
      } finally {
        await worker.stop();
        await db.close();
      }
    });
  });
}

describe('TENURE_EVENTS_RETENTION_MONTHS', () => {
  it('is unset by default (keep everything), a whole number of months from 1 otherwise', () => {
    assert.equal(loadConfig({}).TENURE_EVENTS_RETENTION_MONTHS, undefined);
    assert.equal(loadConfig({ TENURE_EVENTS_RETENTION_MONTHS: '13' }).TENURE_EVENTS_RETENTION_MONTHS, 13);
    for (const bad of ['0', '-1', '1.5', 'twelve', '5000']) {
      assert.throws(
        () => loadConfig({ TENURE_EVENTS_RETENTION_MONTHS: bad }),
        (err: Error) => err instanceof ConfigError && err.message.includes(`TENURE_EVENTS_RETENTION_MONTHS="${bad}": must be a whole number of months from 1 to 1200`),
        bad,
      );
    }
  });
});

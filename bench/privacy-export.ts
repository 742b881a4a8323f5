/**
 * The person export archive for one long history: N events (default 200,000) on one customer,
 * exported to a byte-counting sink. Prints the time, the archive's size and the process's
 * peak resident memory growth during the export (the archive is streamed, so this should not
 * grow with N). PGlite in memory, or PostgreSQL with DATABASE_URL (a scratch database).
 *
 *   node --import tsx bench/privacy-export.ts [N]
 */
import { cpus, totalmem } from 'node:os';
import { Writable } from 'node:stream';
import { dbTargets, makeWorkspace } from '../src/test-support/harness.js';
import { exportArchive } from '../src/server/privacy/export.js';

const n = Number(process.argv[2] ?? 200_000);
const target = dbTargets().find((t) => (process.env.TEST_DATABASE_URL ? t.name === 'postgres' : t.name === 'pglite'))!;
const db = await target.open();
const { workspace } = await makeWorkspace(db, 'bench');
const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits) VALUES ($1, 'u1', '{"email":"u1@example.com"}') RETURNING id`, [workspace.id]);
const c = Number(rows[0]!.id);
for (let i = 0; i < n; i += 50_000) {
  await db.query(
    `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties, context)
     SELECT $1, $2, 'm' || g, 'track', 'Page Viewed', now() - g * interval '1 second', now(),
            jsonb_build_object('path', '/products/' || (g % 997), 'n', g, 'title', 'A page title of some length ' || g), '{"ip":"203.0.113.9","userAgent":"Mozilla/5.0"}'
       FROM generate_series($3::int, $4::int) g`,
    [workspace.id, c, i + 1, Math.min(n, i + 50_000)],
  );
}
let bytes = 0;
const sink = new Writable({
  write(chunk: Buffer, _e, cb) {
    bytes += chunk.length;
    cb();
  },
});
let peak = process.memoryUsage().rss;
const base = peak;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const t0 = performance.now();
const done = await exportArchive(db, workspace.id, c, sink);
const ms = performance.now() - t0;
clearInterval(timer);
if (!done.ok) throw new Error(done.message);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; database: ${target.name}`);
console.log(
  `events: ${n.toLocaleString('en')}; archive: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${done.value.files} files; ${(ms / 1000).toFixed(1)} s (${Math.round(n / (ms / 1000)).toLocaleString('en')} events/s)`,
);
console.log(`peak RSS growth during the export: ${((peak - base) / 2 ** 20).toFixed(0)} MiB`);
await db.close();

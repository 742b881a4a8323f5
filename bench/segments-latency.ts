/**
 * From an event ingested over HTTP to the segment entry it causes being stored, under
 * background traffic, with the real server in this process (stage and segment workers on).
 *
 *   node --import tsx bench/segments-latency.ts [--pglite] [--seconds S] [--rate EVENTS_PER_S] [--probes N] [--users N]
 *
 * Setup (not timed): `--users` (default 5,000) background users with ~10 events each and
 * `--probes` (default 1,000) probe customers, all over HTTP; 10 live segments of the usual
 * kinds plus the probe segment ("performed Probe Purchase"), computed. Run: for
 * `--seconds` (default 30) background Segment batches of 20 at `--rate` events/s (default
 * 1,000, open loop) and, evenly spread, one `Probe Purchase` per probe customer via
 * /v1/track. A probe's latency runs from just before its request is sent to the
 * SegmentWorker's commit of the evaluation that included its customer after the event was
 * committed. Afterwards every probe customer must be a member with a Segment Entered event.
 * PostgreSQL: a scratch database on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a temporary data
 * directory on disk. Target: p99 under 200 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/client.js';
import { maintainTables } from '../src/server/db/maintenance.js';
import { migrate } from '../src/server/db/migrate.js';
import { buildServer } from '../src/server/roles/server.js';
import { ChangeBus } from '../src/server/lib/change-bus.js';
import { createLogger } from '../src/server/log.js';
import { computeSegment } from '../src/server/segments/segment-sync.js';
import { SegmentWorker } from '../src/server/segments/segment-worker.js';
import { insertSegment } from '../src/server/segments/segments.repo.js';
import { basic, createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';
import { round1, runFixedRate, runMax, segmentClient } from './lib/http-load.js';
import { loadLine, machine, watchRss } from './lib/proc.js';
import { makeBodies, seeded } from './lib/segment-load.js';

const { values } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1000' },
    probes: { type: 'string', default: '1000' },
    users: { type: 'string', default: '5000' },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const probeCount = Number(values.probes);
const users = Number(values.users);
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const days = (amount: number) => ({ amount, unit: 'days' as const });
const pct = (xs: number[], p: number) => round1([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)] ?? NaN);

console.log(machine());
const url = values.pglite ? null : await createScratchDatabase(BASE_URL);
const dataDir = url ? null : mkdtempSync(join(tmpdir(), 'tenure-bench-seglat-'));
const db = await openDb(url ? { databaseUrl: url, poolSize: 10 } : { dataDir: dataDir! });
try {
  await migrate(db);
  const { workspace, writeKey } = await makeWorkspace(db, 'bench-seg-latency');
  const ws = workspace.id;

  const probes = Array.from({ length: probeCount }, (_, i) => ({ userId: `probe-${i}`, customerId: 0, sentAt: 0, touched: false, doneMs: undefined as number | undefined }));
  const byCustomer = new Map<number, (typeof probes)[number]>();
  const synced = { calls: 0, customers: 0, entered: 0 };
  const worker = new SegmentWorker(db, { sweepMs: 0 });
  const bus = new ChangeBus();
  bus.on('segment', (c) => {
    const now = performance.now();
    synced.calls++;
    synced.customers += c.customerIds.length;
    for (const id of c.customerIds) {
      const p = byCustomer.get(id);
      if (p && p.touched && p.doneMs === undefined) p.doneMs = now - p.sentAt;
    }
  });
  const touch = worker.touch.bind(worker);
  worker.touch = (w, ids, changes) => {
    const list = [...ids];
    for (const id of list) {
      const p = byCustomer.get(id);
      if (p && p.sentAt > 0) p.touched = true;
    }
    touch(w, list, changes);
  };
  const app = await buildServer({ db, log: createLogger('silent'), segments: worker, bus });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const { post, close } = segmentClient(port, writeKey, 32);
  try {
    // Setup over HTTP: background users' history and the probe customers.
    const t0 = performance.now();
    const seed = makeBodies(Math.ceil((users * 10) / 100), 100, { rand: seeded(3), users });
    const probeBodies: Buffer[] = [];
    for (let i = 0; i < probes.length; i += 100) {
      probeBodies.push(Buffer.from(JSON.stringify({ batch: probes.slice(i, i + 100).map((p) => ({ type: 'identify', userId: p.userId, traits: { email: `${p.userId}@example.com` } })) })));
    }
    const s = await runMax(post, [...seed, ...probeBodies], 100, 8);
    if (s.tally.errors > 0) throw new Error(`setup: ${s.tally.firstError}`);
    await worker.idle();
    const { rows: ids } = await db.query<{ value: string; customer_id: number }>(`SELECT value, customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value LIKE 'probe-%'`, [ws]);
    const idOf = new Map(ids.map((r) => [r.value, r.customer_id]));
    for (const p of probes) {
      p.customerId = idOf.get(p.userId)!;
      byCustomer.set(p.customerId, p);
    }
    const conditions = [
      { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: days(30) } } },
      { performed: { event: 'Product Viewed', count: { op: 'gte', value: 3 }, window: { within: days(7) } } },
      { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 100 } },
      { trait: { path: 'plan', op: 'eq', value: 'pro' } },
      { all: [{ trait: { path: 'plan', op: 'eq', value: 'free' } }, { performed: { event: 'Feature Used', count: { op: 'gte', value: 3 } } }] },
      { not: { performed: { event: 'Order Completed' } } },
      { lastPerformed: { event: 'Product Viewed', op: 'within', duration: days(1) } },
      { lastSeen: { op: 'within', duration: days(3) } },
      { any: [{ performed: { event: 'Feature Used', where: [{ path: 'surface', op: 'eq', value: 'ios' }] } }, { trait: { path: 'email', op: 'contains', value: '7@' } }] },
      { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'max', op: 'gt', value: 60, window: { within: days(90) } } },
      { performed: { event: 'Probe Purchase' } },
    ] as const;
    for (const [i, condition] of conditions.entries()) {
      const seg = await insertSegment(db, ws, `bench_lat_${i}`, { name: `bench ${i}`, description: '', condition: condition as never });
      await computeSegment(db, ws, seg.id, new Date());
    }
    const maint = await maintainTables(db); // as autovacuum / the embedded maintenance would have by now
    console.log(
      `setup: ${s.tally.ackedEvents.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${conditions.length} live segments; maintenance: ${maint.map((m) => `${m.action} ${m.table}`).join(', ') || 'none'}`,
    );

    // Run: background traffic, probes spread evenly.
    const background = makeBodies(Math.ceil((rate * seconds) / 20), 20, { rand: seeded(4), users });
    const rss = watchRss(process.pid, 250);
    console.log(`running ${seconds} s: ${rate} events/s background, ${probes.length} probes; ${loadLine()}`);
    const auth = basic(writeKey);
    const bg = runFixedRate(post, background, 20, rate);
    const interval = (seconds * 1000) / probes.length;
    const start = performance.now();
    const acks: Promise<void>[] = [];
    for (const [i, p] of probes.entries()) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      p.sentAt = performance.now();
      acks.push(
        fetch(`http://127.0.0.1:${port}/v1/track`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: p.userId, event: 'Probe Purchase' }),
        }).then(async (r) => {
          await r.text();
          if (r.status !== 200) throw new Error(`probe ${p.userId}: HTTP ${r.status}`);
        }),
      );
    }
    await Promise.all(acks);
    const b = await bg;
    await worker.idle();
    const peak = rss.stop();

    const { rows: members } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = 'bench_lat_10'`, [ws]);
    const { rows: entered } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = 'Segment Entered' AND properties->>'segmentId' = 'bench_lat_10'`,
      [ws],
    );
    const lat = probes.flatMap((p) => (p.doneMs === undefined ? [] : [p.doneMs]));
    const bgp = b.tally.percentiles();
    console.log(`\n===== segment entry latency: ${values.pglite ? 'pglite' : 'postgres'} =====`);
    console.log(
      `background           ${Math.round(b.tally.ackedEvents / b.seconds).toLocaleString('en-US')} events/s achieved (${b.tally.ackedEvents.toLocaleString('en-US')} in ${b.seconds.toFixed(1)} s); request p50 ${bgp.p50} ms, p99 ${bgp.p99} ms; errors ${b.tally.errors}`,
    );
    console.log(`event → entry stored count ${lat.length}/${probes.length}, p50 ${pct(lat, 50)} ms, p95 ${pct(lat, 95)} ms, p99 ${pct(lat, 99)} ms, max ${pct(lat, 100)} ms`);
    console.log(`verified             ${members[0]!.n}/${probes.length} probe customers in the probe segment, ${entered[0]!.n} Segment Entered events`);
    console.log(
      `segment worker       ${synced.calls.toLocaleString('en-US')} evaluations of ${synced.customers.toLocaleString('en-US')} customers (mean ${(synced.customers / Math.max(1, synced.calls)).toFixed(1)})`,
    );
    console.log(`process              peak RSS ${Math.round(peak)} MB; ${loadLine()}`);
    console.log(`target               p99 < 200 ms: ${pct(lat, 99) < 200 && lat.length === probes.length && members[0]!.n === probes.length ? 'met' : 'MISSED'}`);
  } finally {
    close();
    await app.close();
  }
} finally {
  await db.close();
  if (url) await dropScratchDatabase(BASE_URL, url);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

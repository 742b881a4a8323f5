/**
 * Segment ingestion over HTTP, against the real server in a child process.
 *   node --import tsx bench/ingest.ts [--target postgres|pglite|both] [--events N] [--concurrency N]
 *                                     [--rate EVENTS_PER_S] [--duration S] [--json]
 * Phases per target: (a) maximum sustained throughput, (b) a fixed open-loop rate with
 * latency percentiles, (c) the server's peak RSS throughout, (d) the raw insert rate of
 * the same rows straight into the same `events` table (1 connection, and 4 on PostgreSQL),
 * and a check that every acknowledged event is stored.
 * Targets (issue #2): ≥ 25,000 events/s into PostgreSQL, ≥ 15,000 into PGlite,
 * p99 < 100 ms at 5,000 events/s, server RSS < 300 MB on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type Db } from '../src/server/db/client.js';
import { insertEvents } from '../src/server/ingest/events.repo.js';
import { normalizeCall, type NormalizedEvent } from '../src/server/ingest/normalize.js';
import type { CallType } from '../src/contracts/segment.js';
import { freePort } from '../src/test-support/child-server.js';
import { createScratchDatabase, dropScratchDatabase } from '../src/test-support/harness.js';
import { build, machine, watchRss } from './lib/proc.js';
import { client, makeBodies, percentile, seeded } from './lib/segment-load.js';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'both' },
    events: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '20' },
    users: { type: 'string', default: '50000' },
    json: { type: 'boolean', default: false },
  },
});
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WRITE_KEY = 'tw_bench_ingest_key';
const PER_BATCH = 100;
const results: Record<string, unknown> = {};

console.log(machine());
build();

for (const target of args.target === 'both' ? ['postgres', 'pglite'] : [args.target!]) {
  results[target] = await benchTarget(target as 'postgres' | 'pglite');
}
if (args.json) console.log(JSON.stringify(results));

async function benchTarget(target: 'postgres' | 'pglite') {
  const total = Number(args.events ?? (target === 'postgres' ? 300_000 : 150_000));
  const concurrency = Number(args.concurrency);
  const rate = Number(args.rate);
  const duration = Number(args.duration);
  const rand = seeded(7);
  const maxBodies = makeBodies(Math.ceil(total / PER_BATCH), PER_BATCH, Number(args.users), rand);
  const rateBodies = makeBodies(Math.ceil((rate * duration) / PER_BATCH), PER_BATCH, Number(args.users), rand);
  const dataDir = target === 'pglite' ? mkdtempSync(join(tmpdir(), 'tenure-bench-')) : '';
  const dbUrl = target === 'postgres' ? await createScratchDatabase(BASE_URL) : '';
  const port = await freePort();
  const env = { ...process.env, LOG_LEVEL: 'warn', TENURE_DEMO: 'false', TENURE_WRITE_KEY: WRITE_KEY, TENURE_ADMIN_KEY: 'ta_bench_ingest_key', DATABASE_URL: dbUrl, TENURE_DATA_DIR: dataDir };
  const server = spawn(process.execPath, ['dist/server/main.js', 'serve', '--port', String(port)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitHealthy(port);
    const rss = watchRss(server.pid!, 250);
    const post = client(port, WRITE_KEY, concurrency);
    const idleRss = rss.stop();
    const rss2 = watchRss(server.pid!, 250);

    // (a) maximum throughput
    let next = 0;
    let acked = 0;
    let errors = 0;
    let firstError = '';
    const lat: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < maxBodies.length) {
          const r = await post(maxBodies[next++]!);
          lat.push(r.ms);
          if (r.status === 200) acked += PER_BATCH;
          else if (errors++ === 0) firstError = `${r.status} ${r.text}`;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    lat.sort((x, y) => x - y);
    const max = { eventsPerSec: Math.round(acked / secs), requestsPerSec: Math.round(maxBodies.length / secs), p50: round(percentile(lat, 50)), p95: round(percentile(lat, 95)), p99: round(percentile(lat, 99)), errors };
    console.log(`${target} (a) max throughput: ${max.eventsPerSec} events/s (${max.requestsPerSec} req/s of ${PER_BATCH}), latency p50 ${max.p50} ms p95 ${max.p95} ms p99 ${max.p99} ms, errors ${errors}${firstError ? ` (first: ${firstError.slice(0, 200)})` : ''}`);

    // (b) fixed open-loop rate
    const fixedLat: number[] = [];
    let fixedAcked = 0;
    const interval = (1000 * PER_BATCH) / rate;
    const tStart = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < rateBodies.length; i++) {
      const due = tStart + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        post(rateBodies[i]!).then((r) => {
          fixedLat.push(r.ms);
          if (r.status === 200) fixedAcked += PER_BATCH;
          else errors++;
        }),
      );
    }
    await Promise.all(inflight);
    const fixedSecs = (performance.now() - tStart) / 1000;
    fixedLat.sort((x, y) => x - y);
    const fixed = { targetRate: rate, achieved: Math.round(fixedAcked / fixedSecs), p50: round(percentile(fixedLat, 50)), p95: round(percentile(fixedLat, 95)), p99: round(percentile(fixedLat, 99)) };
    console.log(`${target} (b) fixed rate ${rate} events/s for ${duration} s: achieved ${fixed.achieved} events/s, latency p50 ${fixed.p50} ms p95 ${fixed.p95} ms p99 ${fixed.p99} ms`);
    const peakRss = Math.round(rss2.stop());
    console.log(`${target} (c) server RSS: ${Math.round(idleRss)} MB idle, peak ${peakRss} MB while ingesting`);

    // stop the server, then look at the database directly
    await stop(server);
    const db = await openDb({ databaseUrl: dbUrl || undefined, dataDir, poolSize: 5 });
    try {
      const stored = await countEvents(db);
      const verified = stored === acked + fixedAcked;
      console.log(`${target} (e) stored ${stored} events, acknowledged ${acked + fixedAcked}: ${verified ? 'nothing lost' : 'MISMATCH'}`);
      const raw1 = await rawInsert(db, maxBodies, 1);
      const raw4 = target === 'postgres' ? await rawInsert(db, maxBodies, 4) : null;
      console.log(`${target} (d) raw insert of the same rows, ${PER_BATCH} per statement: ${raw1} rows/s on 1 connection${raw4 ? `, ${raw4} rows/s on 4` : ''}; server/raw = ${(max.eventsPerSec / Math.max(raw1, raw4 ?? 0)).toFixed(2)}`);
      return { max, fixed, idleRssMb: Math.round(idleRss), peakRssMb: peakRss, stored, verified, rawInsert1: raw1, rawInsert4: raw4 };
    } finally {
      await db.close();
    }
  } finally {
    await stop(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (dbUrl) await dropScratchDatabase(BASE_URL, dbUrl);
  }
}

/** The same calls, normalised, inserted with the server's own statement into another workspace id. */
async function rawInsert(db: Db, bodies: string[], connections: number): Promise<number> {
  const workspaceId = 1000 + connections;
  const batches: NormalizedEvent[][] = bodies.map((b) =>
    (JSON.parse(b) as { batch: Array<Record<string, unknown>> }).batch.map((call, i) => {
      const r = normalizeCall(call, call.type as CallType, { receivedAt: new Date(), bodyBytes: 0 }, i, '');
      if (!r.ok) throw new Error(r.rejection.message);
      return r.event;
    }),
  );
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        await db.transaction((tx) => insertEvents(tx, workspaceId, batch, batch.map((_, i) => i + 1)));
      }
    }),
  );
  return Math.round((batches.length * PER_BATCH) / ((performance.now() - t0) / 1000));
}

async function countEvents(db: Db): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

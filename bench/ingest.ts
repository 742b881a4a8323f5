/**
 * Segment ingestion over HTTP, against the real server in a child process.
 *
 *   node --import tsx bench/ingest.ts [--target postgres|pglite|both] [--events N] [--concurrency N]
 *        [--rate EVENTS_PER_S] [--duration S] [--settle S] [--users N] [--profile] [--json]
 *
 * Per target:
 *   (a) maximum throughput: N events in /v1/batch requests of 100, `concurrency` in flight
 *   (b) a fixed open-loop rate (default 5,000 events/s for 20 s) with latency percentiles,
 *       after a pause (--settle, default 30 s) so the database has digested (a)'s burst
 *   (c) the server's peak RSS during (a) and (b), sampled every 250 ms
 *   (d) with the server stopped, the same rows inserted straight into a copy of `events`
 *       with the server's statement (COPY; 1,000 and 100 rows, 1 connection, and 2 on
 *       PostgreSQL) and its former INSERT … jsonb_to_recordset — the database's ceiling
 *   (e) every acknowledged event is stored, counted with SQL
 * `--profile` runs the server with --cpu-prof and prints its top self-time functions
 * (BENCH_PROFILE_DIR=dir keeps the .cpuprofile files there).
 * PostgreSQL: a fresh database `tenure_bench_<ts>` on BENCH_DATABASE_URL's server
 * (default postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a fresh
 * temp data dir, deleted at the end.
 * Targets (issue #2): ≥ 25,000 events/s into PostgreSQL, ≥ 15,000 into PGlite,
 * p99 < 100 ms at 5,000 events/s, server RSS < 300 MB on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backendCpu, backendCpuDelta, createBenchDatabase, dropBenchDatabase, pgConnections, pgliteConnection, type Conn } from './lib/bench-db.js';
import { formatProfile, summariseProfileDir, type ProfileSummary } from './lib/cpu-profile.js';
import { round1, runFixedRate, runMax, segmentClient, type Tally } from './lib/http-load.js';
import { build, cpuSeconds, loadLine, machine, machineInfo, rssMb, watchRss } from './lib/proc.js';
import { dropRawTable, rowsOf, timeRawInsert, type RawRow, type StatementShape } from './lib/raw-insert.js';
import { callsOf, makeBodies, seeded } from './lib/segment-load.js';
import { startServer, stopServer, type ServerChild } from './lib/server-child.js';

type Target = 'postgres' | 'pglite';

const PER_BATCH = 100;
const WRITE_KEY = 'tw_bench_ingest_write_key_0123456789';
const ADMIN_KEY = 'ta_bench_ingest_admin_key_0123456789';
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Options {
  targets: Target[];
  events?: number;
  concurrency: number;
  rate: number;
  duration: number;
  settle: number;
  users: number;
  profile: boolean;
  json: boolean;
}

function parseOptions(): Options {
  const { values: v } = parseArgs({
    options: {
      target: { type: 'string', default: 'both' },
      events: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      rate: { type: 'string', default: '5000' },
      duration: { type: 'string', default: '20' },
      settle: { type: 'string', default: '30' },
      users: { type: 'string', default: '50000' },
      profile: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!['postgres', 'pglite', 'both'].includes(v.target!)) throw new Error('--target must be postgres, pglite or both');
  const num = (name: string, s: string | undefined) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  return {
    targets: v.target === 'both' ? ['postgres', 'pglite'] : [v.target as Target],
    events: v.events === undefined ? undefined : num('events', v.events),
    concurrency: num('concurrency', v.concurrency),
    rate: num('rate', v.rate),
    duration: num('duration', v.duration),
    settle: v.settle === '0' ? 0 : num('settle', v.settle),
    users: num('users', v.users),
    profile: v.profile!,
    json: v.json!,
  };
}

/** Where the server stores data for one target, and how to clean it up. */
interface Store {
  target: Target;
  databaseUrl?: string;
  dbName?: string;
  dataDir?: string;
  /** Direct connections (opened only once the server is stopped for PGlite). */
  connect(n: number): Promise<Conn[]>;
  cleanup(): Promise<void>;
}

async function openStore(target: Target): Promise<Store> {
  if (target === 'postgres') {
    const url = await createBenchDatabase(BASE_URL);
    return { target, databaseUrl: url, dbName: new URL(url).pathname.slice(1), connect: (n) => pgConnections(url, n), cleanup: () => dropBenchDatabase(BASE_URL, url) };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tenure-bench-ingest-'));
  return { target, dataDir, connect: async () => [await pgliteConnection(dataDir)], cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Pre-generated request bodies: one set for the max phase, a separate one for the rate phase. */
function generateTraffic(o: Options, events: number) {
  const t0 = performance.now();
  const shape = { rand: seeded(7), users: o.users };
  const max = makeBodies(Math.ceil(events / PER_BATCH), PER_BATCH, shape);
  const fixed = makeBodies(Math.ceil((o.rate * o.duration) / PER_BATCH), PER_BATCH, shape);
  const bytes = max.reduce((n, b) => n + b.length, 0);
  console.log(
    `  generated ${max.length + fixed.length} bodies of ${PER_BATCH} events in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `${Math.round(bytes / (max.length * PER_BATCH))} bytes/event, ${Math.round(bytes / max.length / 1024)} KB/request`,
  );
  return { max, fixed };
}

function latencyLine(t: Tally): string {
  const p = t.percentiles();
  return `latency p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms`;
}

function errorLine(t: Tally): string {
  return `errors ${t.errors}${t.firstError ? ` (first: ${t.firstError})` : ''}`;
}

/** CPU used by the server process, its PostgreSQL backends and this load generator during fn(). */
async function measureCpu<T>(server: ServerChild, monitor: Conn | null, dbName: string | undefined, fn: () => Promise<T>) {
  const self0 = process.cpuUsage();
  const server0 = cpuSeconds(server.pid);
  const backends0 = monitor ? await backendCpu(monitor, dbName!) : new Map<number, number>();
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const backends = monitor ? backendCpuDelta(backends0, await backendCpu(monitor, dbName!)) : null;
  const self = process.cpuUsage(self0);
  const cores = (s: number) => Math.round((100 * s) / wall) / 100;
  return { result, cpu: { server: cores(cpuSeconds(server.pid) - server0), postgresBackends: backends === null ? null : cores(backends), loadGenerator: cores((self.user + self.system) / 1e6) } };
}

/** Phases (a)–(c) against a running server. */
async function httpPhases(o: Options, store: Store, server: ServerChild, bodies: { max: Buffer[]; fixed: Buffer[] }) {
  const { post, close } = segmentClient(server.port, WRITE_KEY, Math.max(o.concurrency, 64));
  const monitor = store.databaseUrl ? (await store.connect(1))[0]! : null;
  const idleRss = rssMb(server.pid) ?? 0;
  const rss = watchRss(server.pid, 250);
  try {
    const a = await measureCpu(server, monitor, store.dbName, () => runMax(post, bodies.max, PER_BATCH, o.concurrency));
    const max = {
      events: a.result.tally.ackedEvents,
      seconds: round1(a.result.seconds),
      eventsPerSec: Math.round(a.result.tally.ackedEvents / a.result.seconds),
      requestsPerSec: Math.round(bodies.max.length / a.result.seconds),
      ...a.result.tally.percentiles(),
      errors: a.result.tally.errors,
      firstError: a.result.tally.firstError || undefined,
      cpuCores: a.cpu,
    };
    console.log(
      `${store.target} (a) max throughput: ${max.eventsPerSec} events/s sustained (${max.events} events in ${max.seconds} s, ${max.requestsPerSec} req/s, ${o.concurrency} in flight); ${latencyLine(a.result.tally)}; ${errorLine(a.result.tally)}`,
    );
    console.log(
      `${store.target}     CPU during (a), in cores of ${machineInfo().cpus}: server ${a.cpu.server}${a.cpu.postgresBackends === null ? ' (incl. PGlite)' : `, PostgreSQL backends ${a.cpu.postgresBackends}`}, load generator ${a.cpu.loadGenerator}`,
    );

    if (o.settle > 0) {
      // Let the database digest the burst of (a) (autovacuum, checkpoint) so (b) measures
      // a steady 5k/s on a database that holds it, not the tail of the burst.
      console.log(`${store.target}     settling ${o.settle} s after (a) (--settle 0 to measure right after the burst)`);
      await new Promise((r) => setTimeout(r, o.settle * 1000));
    }
    const b = await runFixedRate(post, bodies.fixed, PER_BATCH, o.rate);
    const fixed = {
      targetRate: o.rate,
      durationSec: round1(b.seconds),
      achievedRate: Math.round(b.tally.ackedEvents / b.seconds),
      ...b.tally.percentiles(),
      errors: b.tally.errors,
      firstError: b.tally.firstError || undefined,
    };
    console.log(
      `${store.target} (b) fixed rate ${o.rate} events/s (${o.rate / PER_BATCH} req/s, open loop) for ${fixed.durationSec} s: achieved ${fixed.achievedRate} events/s; ${latencyLine(b.tally)}; ${errorLine(b.tally)}`,
    );

    const peakRss = Math.round(rss.stop());
    console.log(`${store.target}     ${loadLine()} after (a) and (b)`);
    console.log(`${store.target} (c) server RSS: ${Math.round(idleRss)} MB idle after start, peak ${peakRss} MB during (a) and (b)`);
    return { max, fixed, idleRssMb: Math.round(idleRss), peakRssMb: peakRss, acked: a.result.tally.ackedEvents + b.tally.ackedEvents };
  } finally {
    rss.stop();
    close();
    await monitor?.close();
  }
}

/** (e) Every acknowledged event is in `events`, exactly once (Tenure's own timeline events — stage and segment changes — beside them are counted apart). */
async function verify(store: Store, conn: Conn, acked: number) {
  const { rows } = await conn.query(
    `SELECT count(*) FILTER (WHERE type <> 'tenure')::int AS n, count(DISTINCT message_id) FILTER (WHERE type <> 'tenure')::int AS d, count(*) FILTER (WHERE type = 'tenure')::int AS own,
            (SELECT count(*)::int FROM customers) AS c FROM events`,
  );
  const stored = Number(rows[0]!.n);
  const ok = stored === acked && Number(rows[0]!.d) === stored;
  console.log(
    `${store.target} (e) verify: ${stored} events stored (${Number(rows[0]!.d)} distinct messageIds), ${acked} acknowledged with 200 — ${ok ? 'no loss, no duplicates' : 'MISMATCH'}; ${Number(rows[0]!.c)} customer profiles; ${Number(rows[0]!.own)} of Tenure's own timeline events beside them`,
  );
  return { stored, acked, ok, customers: Number(rows[0]!.c) };
}

/** (d) The same rows straight into a copy of `events`, in the two statement shapes. */
async function rawPhase(store: Store, conns: Conn[], maxBodies: Buffer[], serverRate: number) {
  const batches = rawBatches(maxBodies);
  const big = regroup(batches, 10);
  const variants: Array<{ label: string; conns: Conn[]; shape: StatementShape; batches: RawRow[][] }> = [
    { label: 'COPY (server statement), 1,000 rows, 1 connection', conns: conns.slice(0, 1), shape: 'copy', batches: big },
    { label: 'COPY, 100 rows, 1 connection', conns: conns.slice(0, 1), shape: 'copy', batches },
    { label: 'INSERT … jsonb_to_recordset (former server statement), 100 rows, 1 connection', conns: conns.slice(0, 1), shape: 'jsonb', batches },
  ];
  if (conns.length > 1) variants.push({ label: `COPY, 1,000 rows, ${conns.length} connections`, conns, shape: 'copy', batches: big });
  const results: Record<string, number> = {};
  for (const v of variants) {
    const r = await timeRawInsert(v.conns, v.batches, v.shape);
    results[v.label] = r.rowsPerSec;
    console.log(`${store.target} (d) raw insert, ${v.label}: ${r.rowsPerSec} rows/s (${r.rows} rows in ${r.seconds.toFixed(1)} s)`);
  }
  await dropRawTable(conns[0]!);
  const one = results[variants[0]!.label]!;
  const best = Math.max(...Object.values(results));
  console.log(
    `${store.target} (d) server ÷ raw: ${serverRate} events/s ÷ ${one} rows/s (server statement, 1 connection) = ${(serverRate / one).toFixed(2)}; ÷ best raw ${best} rows/s = ${(serverRate / best).toFixed(2)}`,
  );
  return { rowsPerSec: results, ratioToServerStatement: Math.round((100 * serverRate) / one) / 100, ratioToBest: Math.round((100 * serverRate) / best) / 100 };
}

/** The rows of the max-phase bodies, 100 per batch, built before timing. */
function rawBatches(bodies: Buffer[]): RawRow[][] {
  const customers = new Map<string, number>();
  const receivedAt = new Date().toISOString();
  return bodies.map((b) => {
    const { sentAt } = JSON.parse(b.toString('utf8')) as { sentAt: string };
    return rowsOf(callsOf(b), sentAt, receivedAt, customers);
  });
}

function regroup<T>(batches: T[][], per: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < batches.length; i += per) out.push(batches.slice(i, i + per).flat());
  return out;
}

async function benchTarget(o: Options, target: Target) {
  const events = o.events ?? (target === 'postgres' ? 300_000 : 150_000);
  console.log(`\n== ${target} == (${loadLine()} before the run)`);
  const bodies = generateTraffic(o, events);
  const store = await openStore(target);
  const keepProfile = process.env.BENCH_PROFILE_DIR;
  const profileDir = o.profile ? (keepProfile ?? mkdtempSync(join(tmpdir(), 'tenure-bench-prof-'))) : '';
  try {
    const server = await startServer({
      databaseUrl: store.databaseUrl,
      dataDir: store.dataDir,
      writeKey: WRITE_KEY,
      adminKey: ADMIN_KEY,
      nodeArgs: o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    let http: Awaited<ReturnType<typeof httpPhases>>;
    try {
      http = await httpPhases(o, store, server, bodies);
    } finally {
      await stopServer(server);
      if (server.output().trim()) console.log(`  server output:\n${server.output().trim().split('\n').slice(0, 20).join('\n')}`);
    }
    let profile: ProfileSummary | null = null;
    if (o.profile && (profile = summariseProfileDir(profileDir))) console.log(formatProfile(profile));

    const conns = await store.connect(target === 'postgres' ? 2 : 1);
    try {
      const verified = await verify(store, conns[0]!, http.acked);
      const raw = await rawPhase(store, conns, bodies.max, http.max.eventsPerSec);
      return { events, concurrency: o.concurrency, ...http, raw, verified, profile: profile ?? undefined };
    } finally {
      for (const c of conns) await c.close();
    }
  } finally {
    await store.cleanup();
    if (profileDir && !keepProfile) rmSync(profileDir, { recursive: true, force: true });
  }
}

const options = parseOptions();
console.log(machine());
build();
const results: Record<string, unknown> = { machine: machineInfo() };
for (const target of options.targets) results[target] = await benchTarget(options, target);
if (options.json) console.log(JSON.stringify(results));

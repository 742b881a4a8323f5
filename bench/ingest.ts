/**
 * Segment ingestion over HTTP, against the real server in a child process, with every
 * default worker on and the demo's segments and journeys live (issue #27, item 1).
 *
 *   node --import tsx bench/ingest.ts [--target postgres|pglite|both] [--events N] [--concurrency N]
 *        [--rate auto|EVENTS_PER_S] [--duration S] [--settle S] [--users N] [--probe-ms MS]
 *        [--catchup-limit S] [--kpi-wait S] [--bare] [--profile] [--node-args="FLAGS"] [--json]
 *
 * Per target:
 *   setup: migrations and the default workspace (as the server's first start makes them),
 *       then, unless --bare, the demo's live parts: the example segments, the 11 RFM group
 *       segments and the example journeys, published — all computed before the load, so
 *       the segment worker evaluates them incrementally. The traffic then carries a small
 *       share (1% of known users' track calls) of the journeys' trigger events (Signed Up,
 *       Checkout Started, Trial Started); its orders trigger the review journey.
 *   (d) FIRST, before the server starts: the same rows as (a) inserted straight into a
 *       copy of `events` with the server's statement (COPY; 1,000 and 100 rows, 1
 *       connection, and 2 on PostgreSQL) and its former INSERT … jsonb_to_recordset — the
 *       database's ceiling; (a) is reported as a ratio to COPY, 1,000 rows, 1 connection
 *   (a) maximum throughput: N events in /v1/batch requests of 100, `concurrency` in flight
 *   catch-up: from the end of (a), the time until the background work is done (no
 *       derived work left, the journey trigger scanner at the last event, no due journey
 *       steps or messages; at most --catchup-limit s, default 300) and, apart, the KPI facts
 *       (waited for --kpi-wait s more, default 0: (b) then runs beside their catch-up, as it
 *       would in production); and the backlog (a) left behind
 *   (b) a fixed open-loop rate (--rate auto, the default: half of (a)'s throughput) for
 *       --duration s with latency percentiles, after catch-up (and --settle s more, default
 *       0). Worker lag: every --probe-ms (100) a fresh person's identify + `Signed Up`
 *       (their own small request beside the load); from its acknowledgement, the time
 *       until its first stage move, its entry into "Signed up, never ordered" and the
 *       welcome journey's run and first step (the welcome email's message row) are seen
 *       by a separate connection polling every 25 ms. Unseen after 30 s: a failure.
 *   (c) the server's peak RSS during (a), catch-up and (b), sampled every 250 ms
 *   (e) every acknowledged event is stored, counted with SQL; journey runs and messages made
 * CPU (cores of the server process, its PostgreSQL backends and the load generator) and
 * the load average are printed per phase: the machine is shared.
 * `--bare`: no segments or journeys (the workers still run), for comparison.
 * `--profile` runs the server with --cpu-prof and prints its top self-time functions
 * (BENCH_PROFILE_DIR=dir keeps the .cpuprofile files there).
 * PostgreSQL: a fresh database `tenure_bench_<ts>` on BENCH_DATABASE_URL's server
 * (default postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a fresh
 * temp data dir, deleted at the end.
 * Targets (issue #27, item 1, PostgreSQL): (a) ≥ 0.5 × raw COPY on one connection, p99 <
 * 100 ms at half that rate, server RSS < 300 MB; lag event → stage, segment entry and
 * first journey step p99 < 1 s at half the max rate; caught up within 60 s of the burst.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { seedExampleJourneys } from '../src/server/demo/example-journeys.js';
import { seedExampleSegments } from '../src/server/segments/examples.js';
import { runRfm } from '../src/server/segments/rfm.js';
import { ensureDefaultWorkspace } from '../src/server/workspaces/workspaces.repo.js';
import { backendCpu, backendCpuDelta, createBenchDatabase, dropBenchDatabase, pgConnections, pgliteConnection, type Conn } from './lib/bench-db.js';
import { formatProfile, summariseProfileDir, type ProfileSummary } from './lib/cpu-profile.js';
import { round1, runFixedRate, runMax, segmentClient, type Post, type Tally } from './lib/http-load.js';
import { backlogLine, LagWatcher, PROBE_EVENTS, readBacklog, serverClockLags, signUpKinds, signUpProbeBody, waitCaughtUp, type CatchUp, type KindResult } from './lib/lag-probes.js';
import { build, cpuSeconds, loadLine, machine, machineInfo, rssMb, watchRss } from './lib/proc.js';
import { dropRawTable, rowsOf, timeRawInsert, type RawRow, type StatementShape } from './lib/raw-insert.js';
import { callsOf, makeBodies, seeded } from './lib/segment-load.js';
import { startServer, stopServer, type ServerChild } from './lib/server-child.js';

type Target = 'postgres' | 'pglite';

const PER_BATCH = 100;
const WRITE_KEY = 'tw_bench_ingest_write_key_0123456789';
const ADMIN_KEY = 'ta_bench_ingest_admin_key_0123456789';
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Share of known users' track calls that are the example journeys' trigger events (not with --bare). */
const JOURNEY_SHARE = 0.01;
/** Pre-generated bodies for (b) with --rate auto cover up to this rate; more are made after (a) if needed. */
const AUTO_RATE_CAP = 12_500;
const LAG_GIVE_UP_MS = 30_000;
const LAG_POLL_MS = 25;

interface Options {
  targets: Target[];
  events?: number;
  concurrency: number;
  /** Events/s of (b), or 'auto': half of (a)'s throughput. */
  rate: number | 'auto';
  duration: number;
  settle: number;
  users: number;
  probeMs: number;
  catchupLimit: number;
  kpiWait: number;
  bare: boolean;
  profile: boolean;
  /** Extra node flags for the server process (e.g. V8 heap flags), split on spaces. */
  nodeArgs: string[];
  json: boolean;
}

function parseOptions(): Options {
  const { values: v } = parseArgs({
    options: {
      target: { type: 'string', default: 'both' },
      events: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      rate: { type: 'string', default: 'auto' },
      duration: { type: 'string', default: '20' },
      settle: { type: 'string', default: '0' },
      users: { type: 'string', default: '50000' },
      'probe-ms': { type: 'string', default: '100' },
      'catchup-limit': { type: 'string', default: '300' },
      'kpi-wait': { type: 'string', default: '0' },
      bare: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'node-args': { type: 'string', default: '' },
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
    rate: v.rate === 'auto' ? 'auto' : num('rate', v.rate),
    duration: num('duration', v.duration),
    settle: v.settle === '0' ? 0 : num('settle', v.settle),
    users: num('users', v.users),
    probeMs: num('probe-ms', v['probe-ms']),
    catchupLimit: num('catchup-limit', v['catchup-limit']),
    kpiWait: v['kpi-wait'] === '0' ? 0 : num('kpi-wait', v['kpi-wait']),
    bare: v.bare!,
    profile: v.profile!,
    nodeArgs: (v['node-args'] ?? '').split(' ').filter(Boolean),
    json: v.json!,
  };
}

/** Where the server stores data for one target, and how to clean it up. */
interface Store {
  target: Target;
  databaseUrl?: string;
  dbName?: string;
  dataDir?: string;
  /** Direct connections (opened only while the server is stopped for PGlite). */
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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const loadAvg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** Pre-generated request bodies: one set for the max phase, a separate one for the rate phase. */
function generateTraffic(o: Options, events: number) {
  const t0 = performance.now();
  const shape = { rand: seeded(7), users: o.users, journeyShare: o.bare ? 0 : JOURNEY_SHARE };
  const max = makeBodies(Math.ceil(events / PER_BATCH), PER_BATCH, shape);
  const fixed = makeBodies(Math.ceil(((o.rate === 'auto' ? AUTO_RATE_CAP : o.rate) * o.duration) / PER_BATCH), PER_BATCH, shape);
  const bytes = max.reduce((n, b) => n + b.length, 0);
  console.log(
    `  generated ${max.length + fixed.length} bodies of ${PER_BATCH} events in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `${Math.round(bytes / (max.length * PER_BATCH))} bytes/event, ${Math.round(bytes / max.length / 1024)} KB/request` +
      (o.bare ? '' : `; ${JOURNEY_SHARE * 100}% of known users' track calls are journey triggers (Signed Up, Checkout Started, Trial Started)`),
  );
  return { max, fixed, more: (n: number) => makeBodies(n, PER_BATCH, shape) };
}
type Traffic = ReturnType<typeof generateTraffic>;

function latencyLine(t: Tally): string {
  const p = t.percentiles();
  return `latency p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms`;
}

function errorLine(t: Tally): string {
  return `errors ${t.errors}${t.firstError ? ` (first: ${t.firstError})` : ''}`;
}

interface CpuCores {
  server: number;
  postgresBackends: number | null;
  loadGenerator: number;
  loadAverage: number[];
  /** The server's database pool (GET /health) over the phase: transactions begun, how many waited > 1 ms for a connection, their waits summed. */
  pool?: { transactions: number; waited: number; waitedMs: number; max: number };
}

interface PoolReading {
  max: number;
  transactions: number;
  waited: number;
  waitedMs: number;
}

async function readPool(port: number): Promise<PoolReading | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
    const body = (await r.json()) as { database?: { pool?: PoolReading } };
    return body.database?.pool ?? null;
  } catch {
    return null;
  }
}

/** CPU used by the server process, its PostgreSQL backends and this load generator during fn(), in cores. */
async function measureCpu<T>(server: ServerChild, monitor: Conn | null, dbName: string | undefined, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuCores }> {
  const self0 = process.cpuUsage();
  const server0 = cpuSeconds(server.pid);
  const backends0 = monitor ? await backendCpu(monitor, dbName!) : new Map<number, number>();
  const pool0 = await readPool(server.port);
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const pool1 = await readPool(server.port);
  const backends = monitor ? backendCpuDelta(backends0, await backendCpu(monitor, dbName!)) : null;
  const self = process.cpuUsage(self0);
  const cores = (s: number) => Math.round((100 * s) / Math.max(wall, 0.001)) / 100;
  return {
    result,
    cpu: {
      server: cores(cpuSeconds(server.pid) - server0),
      postgresBackends: backends === null ? null : cores(backends),
      loadGenerator: cores((self.user + self.system) / 1e6),
      loadAverage: loadAvg(),
      ...(pool0 && pool1 ? { pool: { max: pool1.max, transactions: pool1.transactions - pool0.transactions, waited: pool1.waited - pool0.waited, waitedMs: pool1.waitedMs - pool0.waitedMs } } : {}),
    },
  };
}

function cpuLine(target: Target, phase: string, c: CpuCores): string {
  return (
    `${target}     CPU during ${phase}, in cores of ${machineInfo().cpus}: server ${c.server}${c.postgresBackends === null ? ' (incl. PGlite)' : `, PostgreSQL backends ${c.postgresBackends}`}, ` +
    `load generator ${c.loadGenerator}; load average ${c.loadAverage.join(' / ')} (1/5/15 min)` +
    (c.pool
      ? `; the server's ${c.pool.max} database connections: ${c.pool.waited} of ${c.pool.transactions} transactions waited for one, ${c.pool.waitedMs} ms in all${c.pool.waited > 0 ? ` (mean ${Math.round(c.pool.waitedMs / c.pool.waited)} ms)` : ''}`
      : '')
  );
}

/**
 * Setup before the server starts: migrations and the default workspace (as the server's
 * first start makes them), and unless --bare the demo's live segments and journeys.
 */
async function setup(o: Options, store: Store): Promise<{ workspaceId: number; live: Record<string, number> }> {
  const db = await openDb(store.databaseUrl ? { databaseUrl: store.databaseUrl, poolSize: 2 } : { dataDir: store.dataDir! });
  try {
    await migrate(db);
    const { workspace } = await ensureDefaultWorkspace(db, { writeKey: WRITE_KEY, adminKey: ADMIN_KEY });
    const live: Record<string, number> = {};
    if (!o.bare) {
      const now = new Date();
      live.exampleSegments = await seedExampleSegments(db, workspace.id, now);
      await runRfm(db, workspace.id, now);
      live.journeys = await seedExampleJourneys(db, workspace.id, now);
    }
    const { rows } = await db.query<{ n: number; computed: number; rfm: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE computed_version = version)::int AS computed, count(*) FILTER (WHERE id LIKE 'rfm\\_%')::int AS rfm FROM segments WHERE workspace_id = $1`,
      [workspace.id],
    );
    const { rows: j } = await db.query<{ n: number; ids: string[] }>(
      `SELECT count(*)::int AS n, coalesce(array_agg(id ORDER BY id), '{}') AS ids FROM journeys WHERE workspace_id = $1 AND status = 'live'`,
      [workspace.id],
    );
    Object.assign(live, { segments: rows[0]!.n, computedSegments: rows[0]!.computed, rfmSegments: rows[0]!.rfm, liveJourneys: j[0]!.n });
    console.log(
      `${store.target} setup: ${o.bare ? '--bare: no segments, no journeys' : `${live.segments} segments live (${live.rfmSegments} RFM groups; ${live.computedSegments} computed at their current version), ${live.liveJourneys} journeys live (${j[0]!.ids.join(', ')})`}`,
    );
    if (rows[0]!.computed !== rows[0]!.n) throw new Error(`${rows[0]!.n - rows[0]!.computed} segments are not computed at their current version`);
    return { workspaceId: workspace.id, live };
  } finally {
    await db.close();
  }
}

interface LagResult {
  probeEvery: number;
  probes: number;
  serverClock: Awaited<ReturnType<typeof serverClockLags>>;
  probeErrors: number;
  kinds: KindResult[];
  polls: number;
  pollP99Ms: number;
}

/**
 * The probes of (b): every `probeMs` a fresh person's identify + Signed Up, in its own
 * request, until `stop()`; acknowledged ones go to the watcher.
 */
function startProbes(post: Post, watcher: LagWatcher, probeMs: number, tag: string) {
  let i = 0;
  let errors = 0;
  let firstError = '';
  const inflight: Promise<void>[] = [];
  const timer = setInterval(() => {
    const userId = `${tag}${i++}`;
    inflight.push(
      post(signUpProbeBody(userId)).then((r) => {
        if (r.status === 200) watcher.acked(userId, performance.now());
        else if (errors++ === 0) firstError = `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
      }),
    );
  }, probeMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inflight);
      return { sent: i, errors, firstError };
    },
  };
}

/** Phases (a), catch-up, (b) and (c) against a running server. */
async function httpPhases(o: Options, store: Store, server: ServerChild, traffic: Traffic, workspaceId: number) {
  const { post, close } = segmentClient(server.port, WRITE_KEY, Math.max(o.concurrency, 64));
  const monitor = store.databaseUrl ? (await store.connect(1))[0]! : null;
  const pollConn = store.databaseUrl ? (await store.connect(1))[0]! : null;
  const idleRss = rssMb(server.pid) ?? 0;
  const rss = watchRss(server.pid, 250);
  const heap = watchHeap(server.port, 1_000);
  const t = store.target;
  try {
    console.log(`${t} (a) starting: ${fmt(traffic.max.length * PER_BATCH)} events, ${o.concurrency} in flight; ${loadLine()}`);
    const a = await measureCpu(server, monitor, store.dbName, () => runMax(post, traffic.max, PER_BATCH, o.concurrency));
    const burstEnd = performance.now();
    const max = {
      events: a.result.tally.ackedEvents,
      seconds: round1(a.result.seconds),
      eventsPerSec: Math.round(a.result.tally.ackedEvents / a.result.seconds),
      requestsPerSec: Math.round(traffic.max.length / a.result.seconds),
      ...a.result.tally.percentiles(),
      errors: a.result.tally.errors,
      firstError: a.result.tally.firstError || undefined,
      cpuCores: a.cpu,
    };
    console.log(
      `${t} (a) max throughput: ${max.eventsPerSec} events/s sustained (${max.events} events in ${max.seconds} s, ${max.requestsPerSec} req/s, ${o.concurrency} in flight); ${latencyLine(a.result.tally)}; ${errorLine(a.result.tally)}`,
    );
    console.log(cpuLine(t, '(a)', a.cpu));

    // Catch-up: how far behind the background work fell during the burst, and how long it takes to be done.
    let catchUp: (CatchUp & { burstEnd: Awaited<ReturnType<typeof readBacklog>>; cpuCores: CpuCores }) | null = null;
    if (pollConn) {
      const burst = await readBacklog(pollConn);
      console.log(`${t}     backlog at the end of (a): ${backlogLine(burst)}`);
      const c = await measureCpu(server, monitor, store.dbName, () => waitCaughtUp(pollConn, burstEnd, { everyMs: 250, limitS: o.catchupLimit, kpiWaitS: o.kpiWait }));
      catchUp = { ...c.result, burstEnd: burst, cpuCores: c.cpu };
      const s = (x: number | null) => (x === null ? `not within ${o.catchupLimit} s` : `${x} s`);
      console.log(
        `${t}     caught up ${c.result.allS === null ? `NOT within ${o.catchupLimit} s` : `${c.result.allS} s`} after the burst (target ≤ 60 s: ${c.result.allS !== null && c.result.allS <= 60 ? 'met' : 'MISSED'}): ` +
          `derived work done at ${s(c.result.derivedWorkS)}, journey scanner at the last event at ${s(c.result.journeyScannerS)}, no due steps or messages at ${s(c.result.journeyStepsS)}; KPI facts ${c.result.analyticsS !== null ? `caught up at ${c.result.analyticsS} s` : `still ${c.result.atEnd.analyticsBehind ?? '?'} events behind when (b) began (--kpi-wait ${o.kpiWait} s)`}`,
      );
      if (c.result.allS === null) console.log(`${t}     still behind: ${backlogLine(c.result.atEnd)}`);
      console.log(cpuLine(t, 'catch-up', c.cpu));
    } else {
      console.log(`${t}     (catch-up and worker lag are read from the database by a second connection: PostgreSQL only; PGlite settles --settle s)`);
    }
    if (o.settle > 0) {
      console.log(`${t}     pausing ${o.settle} s more before (b) (--settle)`);
      await new Promise((r) => setTimeout(r, o.settle * 1000));
    }

    const rate = o.rate === 'auto' ? Math.round(max.eventsPerSec / 2) : o.rate;
    const needed = Math.ceil((rate * o.duration) / PER_BATCH);
    const fixedBodies = needed <= traffic.fixed.length ? traffic.fixed.slice(0, needed) : [...traffic.fixed, ...traffic.more(needed - traffic.fixed.length)];
    const kinds = signUpKinds({ segments: !o.bare, journeys: !o.bare });
    const watcher = pollConn ? new LagWatcher(pollConn, workspaceId, kinds, { everyMs: LAG_POLL_MS, giveUpMs: LAG_GIVE_UP_MS }) : null;
    watcher?.start();
    const probeTag = `probe-${Date.now()}-`;
    const probes = watcher ? startProbes(post, watcher, o.probeMs, probeTag) : null;
    const b = await measureCpu(server, monitor, store.dbName, async () => {
      const r = await runFixedRate(post, fixedBodies, PER_BATCH, rate);
      return { ...r, probes: await probes?.stop() };
    });
    const fixed = {
      targetRate: rate,
      auto: o.rate === 'auto',
      durationSec: round1(b.result.seconds),
      achievedRate: Math.round(b.result.tally.ackedEvents / b.result.seconds),
      ...b.result.tally.percentiles(),
      errors: b.result.tally.errors,
      firstError: b.result.tally.firstError || undefined,
      cpuCores: b.cpu,
    };
    console.log(
      `${t} (b) fixed rate ${rate} events/s${o.rate === 'auto' ? ' (auto: half of (a))' : ''} (${round1(rate / PER_BATCH)} req/s, open loop) for ${fixed.durationSec} s: achieved ${fixed.achievedRate} events/s; ${latencyLine(b.result.tally)}; ${errorLine(b.result.tally)}`,
    );
    console.log(cpuLine(t, '(b)', b.cpu));
    let lag: LagResult | null = null;
    if (watcher) {
      await watcher.drain();
      watcher.stop();
      const pr = b.result.probes!;
      const serverClock = o.bare ? [] : await serverClockLags(pollConn!, workspaceId, probeTag);
      lag = { serverClock, probeEvery: o.probeMs, probes: pr.sent, probeErrors: pr.errors, kinds: watcher.results(), polls: watcher.polls, pollP99Ms: Math.round(percentile99(watcher.pollMs)) };
      console.log(
        `${t}     worker lag during (b): ${pr.sent} probes (a fresh person's identify + Signed Up every ${o.probeMs} ms${pr.errors ? `; ${pr.errors} failed: ${pr.firstError}` : ''}), ` +
          `seen by polling every ${LAG_POLL_MS} ms (${watcher.polls} polls, p99 ${lag.pollP99Ms} ms each${watcher.errors ? `, ${watcher.errors} poll errors: ${watcher.firstError}` : ''}); from the ack:`,
      );
      for (const k of lag.kinds) {
        console.log(
          `${t}       ${k.label.padEnd(58)} p50 ${k.p50} ms, p95 ${k.p95} ms, p99 ${k.p99} ms, max ${k.max} ms; seen ${k.seen}/${k.probes}${k.unseen ? ` (${k.unseen} not within ${LAG_GIVE_UP_MS / 1000} s: failures)` : ''}`,
        );
      }
      if (serverClock.length > 0) {
        console.log(
          `${t}       by the server's clocks, from the event's received_at (its arrival, before its commit and ack) to the worker's stamp (when it began the work): ` +
            serverClock.map((k) => `${k.key} p50 ${k.p50} ms, p99 ${k.p99} ms (${k.n})`).join('; '),
        );
      }
    }

    const afterB = pollConn ? await readBacklog(pollConn) : null;
    if (afterB) console.log(`${t}     backlog after (b) and its probes: ${backlogLine(afterB)}`);
    const peakRss = Math.round(rss.stop());
    console.log(`${t}     ${loadLine()} after (a), catch-up and (b)`);
    console.log(`${t} (c) server RSS: ${Math.round(idleRss)} MB idle after start, peak ${peakRss} MB during (a), catch-up and (b)`);
    const h = heap.stop();
    if (h)
      console.log(
        `${t}     its make-up at the largest of ${h.samples} /health samples (1 s apart): RSS ${h.peak.rssMb} MB, JavaScript heap ${h.peak.heapUsedMb} MB used of ${h.peak.heapTotalMb} MB reserved, outside the heap ${h.peak.externalMb} MB; largest heap used ${h.maxHeapUsedMb} MB`,
      );
    if (h) console.log(`${t}     the server's event loop (its /health, 10 s windows): worst window p99 ${h.loopP99Ms} ms, longest wait ${h.loopMaxMs} ms`);
    const probeAcked = lag ? (lag.probes - lag.probeErrors) * PROBE_EVENTS : 0;
    return { max, catchUp, fixed, lag, backlogAfterB: afterB, idleRssMb: Math.round(idleRss), peakRssMb: peakRss, acked: a.result.tally.ackedEvents + b.result.tally.ackedEvents + probeAcked };
  } finally {
    rss.stop();
    heap.stop();
    close();
    await monitor?.close();
    await pollConn?.close();
  }
}

function percentile99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] ?? NaN;
}

/** (e) Every acknowledged event is in `events`, exactly once (Tenure's own timeline events — stage and segment changes — beside them are counted apart); what the journeys made. */
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
  const { rows: runs } = await conn.query(`SELECT journey_id, count(*)::int AS n FROM journey_runs GROUP BY 1 ORDER BY 1`);
  const { rows: msgs } = await conn.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY 1 ORDER BY 1`);
  const { rows: moves } = await conn.query(`SELECT count(*)::int AS n FROM stage_transitions`);
  const { rows: entries } = await conn.query(`SELECT count(*)::int AS n FROM segment_members`);
  const journeyRuns = Object.fromEntries(runs.map((r) => [String(r.journey_id), Number(r.n)]));
  const messages = Object.fromEntries(msgs.map((r) => [String(r.status), Number(r.n)]));
  console.log(
    `${store.target}     what the workers made: ${fmt(Number(moves[0]!.n))} stage moves, ${fmt(Number(entries[0]!.n))} segment memberships, journey runs ${runs.length ? runs.map((r) => `${r.journey_id} ${r.n}`).join(', ') : 'none'}; ` +
      `messages ${msgs.length ? msgs.map((r) => `${r.status} ${r.n}`).join(', ') : 'none'}`,
  );
  return { stored, acked, ok, customers: Number(rows[0]!.c), stageMoves: Number(moves[0]!.n), segmentMembers: Number(entries[0]!.n), journeyRuns, messages };
}

/** (d) The same rows straight into a copy of `events`, in the two statement shapes. */
async function rawPhase(store: Store, conns: Conn[], maxBodies: Buffer[]) {
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
    console.log(`${store.target} (d) raw insert, ${v.label}: ${r.rowsPerSec} rows/s (${r.rows} rows in ${r.seconds.toFixed(1)} s); ${loadLine()}`);
  }
  await dropRawTable(conns[0]!);
  return { rowsPerSec: results, copy1: results[variants[0]!.label]!, best: Math.max(...Object.values(results)) };
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

type HttpResult = Awaited<ReturnType<typeof httpPhases>>;

/** The figures of issue #27's item 1, each beside its target. */
function targetsSummary(t: Target, http: HttpResult, raw: Awaited<ReturnType<typeof rawPhase>>) {
  const ratio = Math.round((100 * http.max.eventsPerSec) / raw.copy1) / 100;
  const lagP99 = http.lag ? Math.max(...http.lag.kinds.filter((k) => k.key !== 'journeyRun').map((k) => k.p99)) : null;
  const lagMissed = http.lag ? http.lag.kinds.some((k) => k.unseen > 0) : false;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(`\n${t} == issue #27 item 1, this run (${loadLine()})${t === 'pglite' ? "; the targets are PostgreSQL's" : ''} ==`);
  console.log(
    `${t}   (a) ÷ raw COPY 1 connection = ${http.max.eventsPerSec} ÷ ${raw.copy1} = ${ratio.toFixed(2)} (target ≥ 0.5: ${met(ratio >= 0.5)}); ÷ best raw ${raw.best} rows/s = ${(http.max.eventsPerSec / raw.best).toFixed(2)}`,
  );
  console.log(
    `${t}   (b) at ${http.fixed.auto ? 'half the max' : 'the given rate'} (${http.fixed.targetRate} events/s, achieved ${http.fixed.achievedRate}): p99 ${http.fixed.p99} ms (target < 100 ms: ${met(http.fixed.p99 < 100 && http.fixed.errors === 0)})`,
  );
  console.log(`${t}   (c) server peak RSS ${http.peakRssMb} MB (target < 300 MB: ${met(http.peakRssMb < 300)})`);
  if (http.lag) {
    console.log(
      `${t}   lag p99 at (b): ${http.lag.kinds.map((k) => `${k.key} ${k.p99} ms`).join(', ')} (target < 1 s for stage, segment entry and first step: ${met(lagP99 !== null && lagP99 < 1000 && !lagMissed)}${lagMissed ? '; some probes never seen' : ''})`,
    );
  }
  if (http.catchUp)
    console.log(
      `${t}   caught up ${http.catchUp.allS === null ? 'NOT within the limit' : `${http.catchUp.allS} s`} after the burst (target ≤ 60 s: ${met(http.catchUp.allS !== null && http.catchUp.allS <= 60)})`,
    );
  return { ratioToCopy1: ratio, ratioToBest: Math.round((100 * http.max.eventsPerSec) / raw.best) / 100, lagP99Ms: lagP99 };
}

async function benchTarget(o: Options, target: Target) {
  const events = o.events ?? (target === 'postgres' ? 300_000 : 150_000);
  console.log(`\n== ${target} == (${loadLine()} before the run)`);
  const traffic = generateTraffic(o, events);
  const store = await openStore(target);
  const keepProfile = process.env.BENCH_PROFILE_DIR;
  const profileDir = o.profile ? (keepProfile ?? mkdtempSync(join(tmpdir(), 'tenure-bench-prof-'))) : '';
  try {
    const { workspaceId, live } = await setup(o, store);
    // (d) first: the database's ceiling for the same rows, before the server runs.
    let conns = await store.connect(target === 'postgres' ? 2 : 1);
    let raw: Awaited<ReturnType<typeof rawPhase>>;
    try {
      raw = await rawPhase(store, conns, traffic.max);
    } finally {
      for (const c of conns) await c.close();
    }

    const server = await startServer({
      databaseUrl: store.databaseUrl,
      dataDir: store.dataDir,
      writeKey: WRITE_KEY,
      adminKey: ADMIN_KEY,
      nodeArgs: [...o.nodeArgs, ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    });
    let http: HttpResult;
    try {
      http = await httpPhases(o, store, server, traffic, workspaceId);
    } finally {
      await stopServer(server);
      if (server.output().trim()) console.log(`  server output:\n${server.output().trim().split('\n').slice(0, 20).join('\n')}`);
    }
    let profile: ProfileSummary | null = null;
    if (o.profile && (profile = summariseProfileDir(profileDir))) console.log(formatProfile(profile));

    conns = await store.connect(1);
    try {
      const verified = await verify(store, conns[0]!, http.acked);
      const summary = targetsSummary(target, http, raw);
      return { events, concurrency: o.concurrency, bare: o.bare, live, ...http, raw: { ...raw, ...summary }, verified, profile: profile ?? undefined };
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
const results: Record<string, unknown> = { machine: machineInfo(), options };
for (const target of options.targets) results[target] = await benchTarget(options, target);
if (options.json) console.log(JSON.stringify(results));

interface HealthMemory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

/** The server's own memory figures (GET /health), polled: the sample with the largest RSS and the largest heap in use. */
function watchHeap(port: number, ms: number): { stop(): { peak: HealthMemory; maxHeapUsedMb: number; loopP99Ms: number; loopMaxMs: number; samples: number } | null } {
  let peak: HealthMemory | null = null;
  let maxHeap = 0;
  let loopP99 = 0;
  let loopMax = 0;
  let samples = 0;
  let stopped = false;
  const sample = async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
      const body = (await r.json()) as { memory?: HealthMemory; eventLoop?: { p99Ms: number; maxMs: number } };
      const m = body.memory;
      if (!m || stopped) return;
      loopP99 = Math.max(loopP99, body.eventLoop?.p99Ms ?? 0);
      loopMax = Math.max(loopMax, body.eventLoop?.maxMs ?? 0);
      samples++;
      if (!peak || m.rssMb > peak.rssMb) peak = m;
      maxHeap = Math.max(maxHeap, m.heapUsedMb);
    } catch {
      /* a slow answer under load: skip this sample */
    }
  };
  const timer = setInterval(() => void sample(), ms);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return peak ? { peak, maxHeapUsedMb: maxHeap, loopP99Ms: loopP99, loopMaxMs: loopMax, samples } : null;
    },
  };
}

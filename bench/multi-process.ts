/**
 * Many processes on one PostgreSQL: the same Segment traffic into three topologies of the
 * real server (child processes of `node dist/server/main.js`), each on a fresh database:
 *   A  one all-in-one process (`serve`, roles api,worker: what `npm start` ships)
 *   B  one api process (`serve --roles api`) + one worker (`worker`)
 *   C  two api processes + two workers
 * The workspace is live like the demo's: its example segments, RFM groups and example
 * journeys (welcome on `Signed Up` sends an email at once; loyalty → referral email;
 * at-risk → win-back; order → review request in 7 days), sending over SMTP to a real
 * smtp-server in this process that records every message's Message-ID and X-Tenure-Message.
 *
 * For each: the load (`--events`, batches of 100, `--concurrency` requests in flight,
 * round robin over the api processes, retried until acknowledged as SDKs do) as fast as it
 * is taken (events/s acknowledged, latency percentiles); then the catch-up: the time from the
 * last acknowledgement until all derived work is done (no derived_work row left, the
 * journeys' trigger cursor at the newest event, no message queued or sending, no run active,
 * no signal pending; ids the cursor skipped, its gaps, only count once such an event exists:
 * the id of a rolled-back insert never will, and waits out the scanner's give-up time
 * without being work). Then the correctness check (bench/lib/multi-check.ts): every
 * acknowledged event stored once; no duplicate stage move, segment stay, journey entry or
 * email; stages equal to a fresh replay and dynamic segments to a full computation; every
 * sign-up / order / move to loyalty or at-risk in its journey; nothing parked or left.
 * Any violation prints a MISMATCH line and the run exits 1.
 * The database's own ceiling: the same rows COPYed straight into a copy of `events`
 * (bench/lib/raw-insert.ts) on 1, 2 and 4 connections, measured once on the first database.
 *
 *   node --import tsx bench/multi-process.ts [--events N] [--topologies A,B,C] [--concurrency N]
 *        [--users N] [--catchup-timeout S] [--json]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): the server on which
 * a database `tenure_bench_<ts>` is made per topology and dropped after it.
 */
import { parseArgs } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../src/server/db/client.js';
import { seedExampleSegments } from '../src/server/segments/examples.js';
import { runRfm } from '../src/server/segments/rfm.js';
import { seedExampleJourneys } from '../src/server/demo/example-journeys.js';
import { EV } from '../src/contracts/events.js';
import { backendCpu, backendCpuDelta, createBenchDatabase, dropBenchDatabase, pgConnections } from './lib/bench-db.js';
import { segmentClient, Tally, round1, type Post } from './lib/http-load.js';
import { build, cpuSeconds, loadLine, machine, machineInfo, watchRss } from './lib/proc.js';
import { rowsOf, timeRawInsert, type RawRow } from './lib/raw-insert.js';
import { callsOf, makeCall, seeded, type Call } from './lib/segment-load.js';
import { stopServer, type ServerChild } from './lib/server-child.js';
import { startServe, startWorker } from './lib/multi-procs.js';
import { startSink } from './lib/multi-smtp.js';
import { checkAll, type Finding } from './lib/multi-check.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    topologies: { type: 'string', default: 'A,B,C' },
    concurrency: { type: 'string', default: '16' },
    users: { type: 'string' },
    'catchup-timeout': { type: 'string', default: '900' },
    json: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const totalEvents = Number(values.events);
const concurrency = Number(values.concurrency);
const users = Number(values.users ?? Math.max(1_000, Math.round(totalEvents / 10)));
const catchupTimeoutMs = Number(values['catchup-timeout']) * 1000;
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PER_BATCH = 100;

type Topology = 'A' | 'B' | 'C';
const TOPOLOGIES: Record<Topology, { label: string; api: number; workers: number }> = {
  A: { label: 'A: 1 all-in-one', api: 1, workers: 0 },
  B: { label: 'B: 1 api + 1 worker', api: 1, workers: 1 },
  C: { label: 'C: 2 api + 2 worker', api: 2, workers: 2 },
};
const topologies = values.topologies.split(',').map((t) => t.trim().toUpperCase()) as Topology[];
for (const t of topologies) if (!TOPOLOGIES[t]) throw new Error(`unknown topology ${t} (A, B or C)`);

const log = (s: string) => {
  if (!values.json) console.log(s);
};

/**
 * The traffic, made once and sent to every topology: the ingestion benchmark's shop traffic
 * (bench/lib/segment-load.ts) plus, in 4% of the slots, a new customer signing up (identify
 * with an email, then `Signed Up`, in the same batch), which the welcome journey mails at once.
 */
function traffic(): { bodies: Buffer[]; signups: number; calls: number } {
  const shape = { rand: seeded(27), users };
  const bodies: Buffer[] = [];
  let signups = 0;
  let calls = 0;
  while (calls < totalEvents) {
    const now = Date.now();
    const batch: Call[] = [];
    const size = Math.min(PER_BATCH, totalEvents - calls);
    while (batch.length < size) {
      if (size - batch.length >= 2 && shape.rand() < 0.02) {
        const k = signups++;
        const userId = `new-${k}`;
        const at = now - Math.floor(shape.rand() * 10_000);
        batch.push({ type: 'identify', userId, messageId: randomUUID(), timestamp: new Date(at).toISOString(), traits: { email: `new${k}@example.test`, name: `New customer ${k}` } });
        batch.push({ type: 'track', userId, event: EV.signedUp, messageId: randomUUID(), timestamp: new Date(at + 1).toISOString(), properties: { method: 'email' } });
      } else batch.push(makeCall(shape, now));
    }
    calls += batch.length;
    bodies.push(Buffer.from(JSON.stringify({ batch, sentAt: new Date(now).toISOString() })));
  }
  return { bodies, signups, calls };
}

/** Send every body once acknowledged: `concurrency` in flight, body i to api i mod n; a refused or failed request is retried after 50 ms. */
async function load(posts: Post[], bodies: Buffer[]): Promise<{ tally: Tally; seconds: number; retries: number }> {
  const tally = new Tally();
  let next = 0;
  let retries = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const body = bodies[i]!;
      const n = callsOf(body).length;
      for (let attempt = 0; ; attempt++) {
        const r = await posts[(i + attempt) % posts.length]!(body);
        tally.record(r, n);
        if (r.status === 200) break;
        retries++;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { tally, seconds: (performance.now() - t0) / 1000, retries };
}

/** What is still to do, in one snapshot. */
async function backlog(db: Db): Promise<{ work: number; behind: number; gaps: number; queued: number; active: number; signals: number; jobs: number }> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM derived_work WHERE parked_at IS NULL) AS work,
            (SELECT coalesce(max(id), 0) FROM events) - (SELECT coalesce(max(high_water), 0) FROM journey_cursor) AS behind,
            (SELECT count(*) FROM journey_cursor jc CROSS JOIN LATERAL jsonb_to_recordset(jc.gaps) AS g("from" bigint, "to" bigint)
               JOIN events e ON e.id BETWEEN g."from" AND g."to") AS gaps,
            (SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')) AS queued,
            (SELECT count(*) FROM journey_runs WHERE status = 'active') AS active,
            (SELECT count(*) FROM journey_signals) AS signals,
            (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')) AS jobs`,
  );
  const r = rows[0]!;
  return { work: +r.work!, behind: Math.max(0, +r.behind!), gaps: +r.gaps!, queued: +r.queued!, active: +r.active!, signals: +r.signals!, jobs: +r.jobs! };
}

// (jobs are shown, not waited for: the prediction schedule queues its own now and then)
const done = (b: Awaited<ReturnType<typeof backlog>>) => b.work + b.behind + b.gaps + b.queued + b.active + b.signals === 0;

interface Result {
  topology: Topology;
  label: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  retries: number;
  latencyMs: ReturnType<Tally['percentiles']>;
  catchupSeconds: number | null;
  backlogAtLoadEnd: Awaited<ReturnType<typeof backlog>>;
  processes: Array<{ role: string; pid: number; cpuSeconds: number; peakRssMb: number }>;
  postgresCpuSeconds: number;
  loadGeneratorCpuSeconds: number;
  loadAverage: { atLoadEnd: number; atCatchupEnd: number };
  mails: number;
  findings: Finding[];
  pass: boolean;
  rawCopy?: Array<{ connections: number; rowsPerSec: number }>;
}

async function runTopology(t: Topology, bodies: Buffer[], sent: { messageIds: number; signups: number }, measureRaw: boolean): Promise<Result> {
  const spec = TOPOLOGIES[t];
  const url = await createBenchDatabase(base);
  const dbName = new URL(url).pathname.slice(1);
  const sink = await startSink();
  const writeKey = `tw_multi_${randomBytes(16).toString('hex')}`;
  const adminKey = `ta_multi_${randomBytes(16).toString('hex')}`;
  const opts = {
    databaseUrl: url,
    writeKey,
    adminKey,
    env: {
      SMTP_URL: sink.url,
      // One secret for every process (unsubscribe links, sealed credentials).
      TENURE_SECRET: 'multi-process-bench-secret-0123456789abcdef',
      // The benchmark's one client IP is not an abuser.
      TENURE_RATE_LIMIT_INGEST_IP_PER_SECOND: '0',
      TENURE_RATE_LIMIT_INGEST_PER_SECOND: '0',
    },
  };
  const procs: Array<{ role: string; s: ServerChild }> = [];
  let db: Db | null = null;
  // A failing check keeps its database and the servers' logs for inspection.
  let keep = false;
  try {
    // The first api process migrates the new database; the workspace is then made live like the demo's.
    procs.push({ role: spec.workers === 0 ? 'api,worker' : 'api', s: await startServe(opts, spec.workers === 0 ? undefined : ['api']) });
    db = await openDb({ databaseUrl: url, poolSize: 2 });
    const ws = Number((await db.query<{ id: number }>(`SELECT id FROM workspaces ORDER BY id LIMIT 1`)).rows[0]!.id);
    const now = new Date();
    await seedExampleSegments(db, ws, now);
    await runRfm(db, ws, now);
    await seedExampleJourneys(db, ws, now);
    for (let i = 1; i < spec.api; i++) procs.push({ role: 'api', s: await startServe(opts, ['api']) });
    for (let i = 0; i < spec.workers; i++) procs.push({ role: 'worker', s: await startWorker(opts) });
    // A running process re-reads the live journeys at most a second later.
    await new Promise((r) => setTimeout(r, 1_500));

    const apis = procs.filter((p) => p.s.port > 0).map((p) => segmentClient(p.s.port, writeKey, concurrency));
    const rss = procs.map((p) => watchRss(p.s.pid));
    const cpu0 = procs.map((p) => cpuSeconds(p.s.pid));
    const pg0 = await backendCpu({ query: (q, p) => db!.query(q, p), copyFrom: () => Promise.resolve(0), close: () => Promise.resolve() }, dbName);
    const self0 = process.cpuUsage();
    log(`\n== ${spec.label}: ${procs.map((p) => `${p.role} (pid ${p.s.pid})`).join(', ')}; ${loadLine()}`);

    const { tally, seconds, retries } = await load(
      apis.map((a) => a.post),
      bodies,
    );
    const loadEnd = Date.now();
    const loadAvgAtLoadEnd = os.loadavg()[0]!;
    const atEnd = await backlog(db);
    const eventsPerSec = Math.round(tally.ackedEvents / seconds);
    const latency = tally.percentiles();
    log(
      `load: ${tally.ackedEvents.toLocaleString('en-US')} events acknowledged in ${seconds.toFixed(1)} s = ${eventsPerSec.toLocaleString('en-US')} events/s; request p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; ${retries} retried; ${loadLine()}`,
    );
    log(`  backlog at the end of the load: ${JSON.stringify(atEnd)}`);

    // The catch-up: until everything derived is done (twice in a row, 200 ms apart).
    let catchupSeconds: number | null = null;
    let last = atEnd;
    let lastPrint = Date.now();
    for (let zeros = done(atEnd) ? 1 : 0; ;) {
      if (zeros >= 2) {
        catchupSeconds = (Date.now() - loadEnd) / 1000;
        break;
      }
      if (Date.now() - loadEnd > catchupTimeoutMs) break;
      await new Promise((r) => setTimeout(r, 200));
      last = await backlog(db);
      zeros = done(last) ? zeros + 1 : 0;
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        log(`  catching up, ${((Date.now() - loadEnd) / 1000).toFixed(0)} s: ${JSON.stringify(last)}; ${loadLine()}`);
      }
    }
    if (catchupSeconds !== null) catchupSeconds -= 0.2; // the confirming poll
    const loadAvgAtCatchupEnd = os.loadavg()[0]!;
    const cpu1 = procs.map((p) => cpuSeconds(p.s.pid));
    const pg1 = await backendCpu({ query: (q, p) => db!.query(q, p), copyFrom: () => Promise.resolve(0), close: () => Promise.resolve() }, dbName);
    const self = process.cpuUsage(self0);
    // Let the dispatcher's last SMTP conversations finish before the log is read.
    await new Promise((r) => setTimeout(r, 500));
    log(
      catchupSeconds === null
        ? `catch-up: NOT DONE after ${catchupTimeoutMs / 1000} s: ${JSON.stringify(last)}`
        : `catch-up: ${catchupSeconds.toFixed(1)} s after the last acknowledgement; ${loadLine()}`,
    );
    const processes = procs.map((p, i) => ({ role: p.role, pid: p.s.pid, cpuSeconds: round1(cpu1[i]! - cpu0[i]!), peakRssMb: Math.round(rss[i]!.stop()) }));
    const postgresCpuSeconds = round1(backendCpuDelta(pg0, pg1));
    log(
      `CPU over load + catch-up: ${processes.map((p) => `${p.role} ${p.cpuSeconds} s`).join(', ')}; PostgreSQL backends ${postgresCpuSeconds} s; this process (load generator, SMTP sink) ${round1((self.user + self.system) / 1e6)} s`,
    );
    log(`peak RSS: ${processes.map((p) => `${p.role} ${p.peakRssMb} MB`).join(', ')}`);

    for (const a of apis) a.close();
    // The check reads a quiescent database: the processes stop first (SIGTERM: a clean shutdown).
    for (const p of procs) await stopServer(p.s);
    const findings = await checkAll(db, sent, sink.mails);
    const pass = catchupSeconds !== null && findings.every((f) => f.ok);
    keep = !pass;
    log(`check (${sink.mails.length.toLocaleString('en-US')} emails received):`);
    for (const f of findings) log(`  ${f.ok ? 'ok      ' : 'MISMATCH'} ${f.what}: ${f.detail}`);
    if (catchupSeconds === null) log(`  MISMATCH catch-up did not finish in ${catchupTimeoutMs / 1000} s`);
    const errorLines = procs.flatMap((p) =>
      p.s
        .output()
        .split('\n')
        // (the prediction schedule failing on a workspace with minutes of history is expected)
        .filter((l) => /"level":(50|60)/.test(l) && !/at predict\./.test(l))
        .map((l) => `${p.role} ${p.s.pid}: ${l.slice(0, 300)}`),
    );
    if (errorLines.length > 0) log(`  server log lines at error or fatal: ${errorLines.length}\n${errorLines.slice(0, 5).join('\n')}`);

    let rawCopy: Result['rawCopy'];
    if (measureRaw) {
      rawCopy = await rawCeiling(url, bodies);
    }
    return {
      topology: t,
      label: spec.label,
      events: tally.ackedEvents,
      seconds: round1(seconds),
      eventsPerSec,
      retries,
      latencyMs: latency,
      catchupSeconds: catchupSeconds === null ? null : round1(catchupSeconds),
      backlogAtLoadEnd: atEnd,
      processes,
      postgresCpuSeconds,
      loadGeneratorCpuSeconds: round1((self.user + self.system) / 1e6),
      loadAverage: { atLoadEnd: round1(loadAvgAtLoadEnd * 100) / 100, atCatchupEnd: round1(loadAvgAtCatchupEnd * 100) / 100 },
      mails: sink.mails.length,
      findings,
      pass,
      rawCopy,
    };
  } finally {
    for (const p of procs) await stopServer(p.s);
    await db?.close();
    await sink.close();
    if (keep) {
      const name = new URL(url).pathname.slice(1);
      for (const p of procs) writeFileSync(join(tmpdir(), `${name}-${p.role.replace(/,/g, '+')}-${p.s.pid}.log`), p.s.output());
      log(`  kept for inspection: the database ${url} (drop it with DROP DATABASE ${name}) and the servers' logs ${join(tmpdir(), `${name}-*.log`)}`);
    } else await dropBenchDatabase(base, url);
  }
}

/** The same rows COPYed into a copy of `events` on 1, 2 and 4 connections (the servers stopped). */
async function rawCeiling(url: string, bodies: Buffer[]): Promise<Array<{ connections: number; rowsPerSec: number }>> {
  const customers = new Map<string, number>();
  const receivedAt = new Date().toISOString();
  const batches: RawRow[][] = bodies.map((b) => rowsOf(callsOf(b), receivedAt, receivedAt, customers));
  const conns = await pgConnections(url, 4);
  const out: Array<{ connections: number; rowsPerSec: number }> = [];
  try {
    for (const k of [1, 2, 4]) {
      const r = await timeRawInsert(conns.slice(0, k), batches, 'copy');
      out.push({ connections: k, rowsPerSec: r.rowsPerSec });
      log(`raw COPY of the same rows into a copy of events, ${k} connection${k > 1 ? 's' : ''}: ${r.rowsPerSec.toLocaleString('en-US')} rows/s (${r.seconds.toFixed(1)} s); ${loadLine()}`);
    }
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
  return out;
}

if (!values['no-build']) build();
log(machine());
const made = traffic();
log(
  `traffic: ${made.calls.toLocaleString('en-US')} events in ${made.bodies.length.toLocaleString('en-US')} batches of ${PER_BATCH}, ${users.toLocaleString('en-US')} users, ${made.signups.toLocaleString('en-US')} sign-ups; ${concurrency} requests in flight`,
);
const results: Result[] = [];
let raw: Result['rawCopy'];
for (const t of topologies) {
  const r = await runTopology(t, made.bodies, { messageIds: made.calls, signups: made.signups }, raw === undefined);
  raw ??= r.rawCopy;
  results.push(r);
}

const raw1 = raw?.[0]?.rowsPerSec ?? NaN;
if (values.json) console.log(JSON.stringify({ machine: machineInfo(), events: made.calls, users, signups: made.signups, concurrency, rawCopy: raw, results }, null, 2));
else {
  console.log(`\n===== many processes on one PostgreSQL: ${made.calls.toLocaleString('en-US')} events, ${concurrency} requests in flight =====`);
  console.log(`raw COPY ceiling (same rows, copy of events): ${(raw ?? []).map((r) => `${r.connections} conn ${r.rowsPerSec.toLocaleString('en-US')} rows/s`).join(', ')}`);
  const head = ['topology', 'events/s', '÷ raw COPY (1 conn)', 'p99 ms', 'catch-up s', 'peak RSS MB per process', 'CPU s (processes | PostgreSQL)', 'load avg (load end)', 'emails', 'check'];
  const rows = results.map((r) => [
    r.label,
    r.eventsPerSec.toLocaleString('en-US'),
    (r.eventsPerSec / raw1).toFixed(2),
    String(r.latencyMs.p99),
    r.catchupSeconds === null ? 'not done' : r.catchupSeconds.toFixed(1),
    r.processes.map((p) => `${p.role} ${p.peakRssMb}`).join(', '),
    `${r.processes.map((p) => p.cpuSeconds).join(' + ')} | ${r.postgresCpuSeconds}`,
    r.loadAverage.atLoadEnd.toFixed(2),
    String(r.mails),
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(machine());
}
process.exit(results.every((r) => r.pass) ? 0 : 1);

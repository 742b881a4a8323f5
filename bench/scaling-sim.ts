/**
 * The path past one PostgreSQL, simulated on this machine (docs/scaling.md):
 *
 *   node --import tsx bench/scaling-sim.ts [--cells 3] [--buckets 12] [--people 4000] [--batch 500] [--seed 1] [--ack all|explicit]
 *
 * 1. Cells: N databases on the local PostgreSQL, each migrated with Tenure's schema, and a
 *    directory database (workspace → cell; for the big workspace, customer bucket → cell;
 *    the canonical bucket of a device that joined a customer of another bucket).
 * 2. A durable log in front: a JetStream stream (file storage, 2-minute duplicate window);
 *    every call is published twice with msgID = messageId (stored once). Baselines, cell 0's
 *    calls alone: straight from a file into `ingestEvents` (no log), then through the log with
 *    one consumer, each into a fresh database. Then one durable pull consumer per cell, each
 *    its own process, all at once, feeding `ingestEvents` in batches and acknowledging after
 *    the commit; cell 0's consumer is killed between a commit and its acks and started
 *    again; every cell is then checked: every messageId stored exactly once.
 * 3. Cross-cell merges: each device that identified as a customer of another cell has its
 *    anonymous history republished to that cell through the log and erased from the old one
 *    (scaling-rehome.ts); distinct customers are counted before and after.
 * 4. Partial aggregates: each cell's KPI facts (synced by `syncFacts`) summarised per day as
 *    an hll of active customers and a tdigest of order values; merged by a coordinator and
 *    compared with exact figures over all cells' rows.
 * Scratch databases (`tenure_scaling_<ts>_*`) and the stream are removed at the end.
 * Needs: PostgreSQL with the hll and tdigest extensions (Debian: postgresql-15-hll,
 * postgresql-15-tdigest) and nats-server -js on 127.0.0.1:4222. Not part of `npm test`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AckPolicy, connect, nanos, StorageType, type PubAck } from 'nats';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { createWorkspace } from '../src/server/workspaces/workspaces.repo.js';
import { syncFacts } from '../src/server/analytics/facts.js';
import { cpuSeconds, loadLine, machine } from './lib/proc.js';
import { DIRECTORY_DDL, generateTraffic, Router, type SimCall, type WorkspacePlan } from './lib/scaling-traffic.js';
import { mergePartials, PARTIALS_DDL, shipPartials, type PartialSizes } from './lib/scaling-partials.js';
import type { ConsumerOptions } from './lib/scaling-consumer.js';
import { eraseMoved, publishRehomes } from './lib/scaling-rehome.js';

const { values: args } = parseArgs({
  options: {
    cells: { type: 'string', default: '3' },
    buckets: { type: 'string', default: '12' },
    people: { type: 'string', default: '4000' },
    batch: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    ack: { type: 'string', default: 'all' },
  },
});
const CELLS = Number(args.cells);
const BUCKETS = Number(args.buckets);
const PEOPLE = Number(args.people);
const BATCH = Number(args.batch);
// `all`: one ack per batch (the batch commits as a whole, one consumer per cell); `explicit`: one per message.
const ACK_ALL = args.ack === 'all';
const ACK_POLICY = ACK_ALL ? AckPolicy.All : AckPolicy.Explicit;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TAG = `tenure_scaling_${Date.now()}`;
const SUBJECT = (cell: number) => `${TAG.replace(/_/g, '-')}.events.cell${cell}`;
const STREAM = TAG.toUpperCase();

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (est: number, exact: number) => `${(((est - exact) / exact) * 100).toFixed(2)}%`;
const line = (s: string) => console.log(`${s}  [${loadLine()}]`);

function urlOf(name: string): string {
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const created: string[] = [];
async function createDb(suffix: string): Promise<string> {
  const name = `${TAG}_${suffix}`;
  await admin(`CREATE DATABASE ${name}`);
  created.push(name);
  return name;
}

/** A migrated cell with the simulation's workspaces, created in the same order everywhere so their ids agree. */
async function openCell(name: string, plans: WorkspacePlan[]): Promise<Db> {
  const db = await openDb({ databaseUrl: urlOf(name), poolSize: 4 });
  await migrate(db);
  await db.query('CREATE EXTENSION IF NOT EXISTS hll; CREATE EXTENSION IF NOT EXISTS tdigest');
  for (const p of plans) {
    const { workspace } = await createWorkspace(db, { slug: p.slug, name: p.slug });
    if (workspace.id !== p.id) throw new Error(`workspace ${p.slug} got id ${workspace.id} in ${name}, expected ${p.id}`);
  }
  return db;
}

/**
 * CPU seconds of the PostgreSQL backends serving some databases, sampled every 200 ms while
 * they live (backends exit with their pool): a backend there at the start counts from its
 * CPU then, one that appears later from 0.
 */
async function backendSampler(db: Db, names: string[]): Promise<{ stop(): Promise<Map<string, number>> }> {
  const seen = new Map<number, { name: string; first: number; last: number }>();
  let initial = true;
  const sample = async () => {
    const { rows } = await db.query<{ pid: number; datname: string }>(`SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`, [names]);
    for (const r of rows) {
      const s = cpuSeconds(r.pid);
      const e = seen.get(r.pid);
      if (e) e.last = Math.max(e.last, s);
      else seen.set(r.pid, { name: r.datname, first: initial ? s : 0, last: s });
    }
  };
  await sample();
  initial = false;
  const timer = setInterval(() => void sample().catch(() => undefined), 200);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      const by = new Map<string, number>();
      for (const e of seen.values()) by.set(e.name, (by.get(e.name) ?? 0) + e.last - e.first);
      return by;
    },
  };
}

interface ConsumerRun {
  events: number;
  inserted: number;
  duplicates: number;
  redelivered: number;
  cpu: number;
  seconds: number;
  killed: boolean;
}

/** Run a consumer process to its end; resolves with its last totals and the CPU seconds it used after start-up. */
function runConsumer(opts: ConsumerOptions): Promise<ConsumerRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/scaling-consumer.ts', JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last: Record<string, number> = {};
    let killed = false;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i)) as Record<string, number | string>;
        buf = buf.slice(i + 1);
        if (msg.type === 'killed') killed = true;
        last = msg as Record<string, number>;
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && !(killed && signal === 'SIGKILL')) return reject(new Error(`consumer exited with ${code ?? signal}`));
      resolve({
        events: last.events ?? 0,
        inserted: last.inserted ?? 0,
        duplicates: last.duplicates ?? 0,
        redelivered: last.redelivered ?? 0,
        cpu: last.cpu ?? 0,
        seconds: (performance.now() - t0) / 1000,
        killed,
      });
    });
  });
}

function natsPid(): number | null {
  const r = spawnSync('pgrep', ['-x', 'nats-server'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : null;
}

async function main(): Promise<void> {
  console.log(machine());
  console.log(
    `cells ${CELLS}, buckets ${BUCKETS} for the big workspace, ${fmt(PEOPLE)} people in it (+${fmt(PEOPLE / 10)} in each of 2 small workspaces), batch ${BATCH}, ack policy ${ACK_ALL ? 'all (one ack per batch)' : 'explicit (one ack per message)'}`,
  );
  const plans: WorkspacePlan[] = [
    { id: 1, slug: 'big', people: PEOPLE, buckets: BUCKETS, cell: -1 },
    { id: 2, slug: 'small-a', people: Math.round(PEOPLE / 10), buckets: 1, cell: 1 % CELLS },
    { id: 3, slug: 'small-b', people: Math.round(PEOPLE / 10), buckets: 1, cell: 2 % CELLS },
  ];
  const cellOfBucket = (_ws: number, bucket: number) => bucket % CELLS;

  // Cells and the directory.
  const t0 = performance.now();
  const cellNames: string[] = [];
  for (let c = 0; c < CELLS; c++) cellNames.push(await createDb(`cell${c}`));
  const directName = await createDb('direct');
  const soloName = await createDb('solo');
  const dirName = await createDb('dir');
  const cells = await Promise.all(cellNames.map((n) => openCell(n, plans)));
  const direct = await openCell(directName, plans);
  const solo = await openCell(soloName, plans);
  const dir = await openDb({ databaseUrl: urlOf(dirName), poolSize: 2 });
  await dir.query(DIRECTORY_DDL + PARTIALS_DDL);
  for (let c = 0; c < CELLS; c++) await dir.query(`INSERT INTO cells VALUES ($1, $2)`, [c, urlOf(cellNames[c]!)]);
  for (const p of plans) {
    await dir.query(`INSERT INTO workspace_cells VALUES ($1, $2, $3)`, [p.id, p.buckets, p.buckets === 1 ? p.cell : null]);
    if (p.buckets > 1) for (let b = 0; b < p.buckets; b++) await dir.query(`INSERT INTO bucket_cells VALUES ($1, $2, $3)`, [p.id, b, cellOfBucket(p.id, b)]);
  }
  line(`setup: ${CELLS} cells + 2 baseline databases + directory created and migrated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const nc = await connect({ servers: '127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  const tmpFile = join(tmpdir(), `${TAG}-cell0.jsonl`);
  try {
    // Traffic, routed through the directory.
    const { calls, truth } = generateTraffic(plans, Number(args.seed));
    const router = new Router(new Map(plans.map((p) => [p.id, p])), cellOfBucket);
    const tr = performance.now();
    const routed = calls.map((c) => ({ c, cell: router.route(c) }));
    const routeMs = performance.now() - tr;
    const homes = await router.flushHomes(dir);
    const perCell = Array.from({ length: CELLS }, (_, c) => routed.filter((r) => r.cell === c).map((r) => r.c));
    const s = router.stats;
    line(`traffic: ${fmt(calls.length)} calls; routed in ${fmt(routeMs)} ms (${fmt(calls.length / (routeMs / 1000))} calls/s); per cell ${perCell.map((l) => fmt(l.length)).join(' / ')}`);
    line(
      `identity: ${fmt(s.anonymousThenKnown)} people browsed anonymously then identified in the big workspace; ${fmt(s.crossBucket)} (${((s.crossBucket / s.anonymousThenKnown) * 100).toFixed(1)}%) had their anonymousId in another bucket, ` +
        `${fmt(s.crossCell)} in another cell; ${fmt(homes)} canonical-bucket rows in the directory; ${fmt(s.eventsLeftBehind)} anonymous events left in the first cell (pointer, not moved)`,
    );

    // The log: a file-backed stream with a duplicate window, one subject per cell.
    await jsm.streams.add({ name: STREAM, subjects: [`${TAG.replace(/_/g, '-')}.events.>`], storage: StorageType.File, duplicate_window: nanos(120_000) });
    const js = nc.jetstream();
    const publishAll = async (): Promise<{ seconds: number; duplicates: number; cpu: number; natsCpu: number }> => {
      const tp = performance.now();
      const cpu0 = process.cpuUsage();
      const npid0 = natsPid();
      const nats0 = npid0 ? cpuSeconds(npid0) : NaN;
      let duplicates = 0;
      const inflight = new Set<Promise<PubAck>>();
      for (const { c, cell } of routed) {
        const p = js.publish(SUBJECT(cell), JSON.stringify(c), { msgID: String(c.call.messageId) });
        inflight.add(p);
        void p.then((a) => {
          if (a.duplicate) duplicates++;
          inflight.delete(p);
        });
        if (inflight.size >= 1000) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      const u = process.cpuUsage(cpu0);
      return { seconds: (performance.now() - tp) / 1000, duplicates, cpu: (u.user + u.system) / 1e6, natsCpu: npid0 ? cpuSeconds(npid0) - nats0 : NaN };
    };
    const first = await publishAll();
    const second = await publishAll();
    const stored = (await jsm.streams.info(STREAM)).state;
    line(
      `log publish (new): ${fmt(calls.length)} in ${first.seconds.toFixed(2)} s = ${fmt(calls.length / first.seconds)} msgs/s, acks flagged duplicate: ${first.duplicates}; CPU per message: publisher ${fmt((first.cpu / calls.length) * 1e6)} µs, nats-server ${fmt((first.natsCpu / calls.length) * 1e6)} µs`,
    );
    line(
      `log publish (again, same msgIDs): ${fmt(calls.length)} in ${second.seconds.toFixed(2)} s = ${fmt(calls.length / second.seconds)} msgs/s, acks flagged duplicate: ${fmt(second.duplicates)}; CPU per message: publisher ${fmt((second.cpu / calls.length) * 1e6)} µs, nats-server ${fmt((second.natsCpu / calls.length) * 1e6)} µs`,
    );
    line(`log stored: ${fmt(stored.messages)} messages (${fmt(stored.bytes / 1e6, 1)} MB, ${fmt(stored.bytes / stored.messages)} bytes/message) of ${fmt(2 * calls.length)} published`);

    // Baseline: cell 0's calls straight into a database, the same batches, no log.
    writeFileSync(tmpFile, perCell[0]!.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const bs = await backendSampler(dir, [directName]);
    const base = await runConsumer({ databaseUrl: urlOf(directName), source: 'file', file: tmpFile, batch: BATCH, ackAll: ACK_ALL });
    const baseBackends = (await bs.stop()).get(directName) ?? 0;
    line(
      `direct (no log), cell 0's ${fmt(base.events)} calls alone: ${fmt(base.events / base.seconds)} events/s; CPU per event: consumer ${fmt((base.cpu / base.events) * 1e6)} µs, PostgreSQL ${fmt((baseBackends / base.events) * 1e6)} µs`,
    );

    // The same calls through the log, one consumer alone, into another fresh database.
    await jsm.consumers.add(STREAM, { durable_name: 'solo', ack_policy: ACK_POLICY, filter_subject: SUBJECT(0), ack_wait: nanos(5_000), max_ack_pending: 10 * BATCH });
    const ss = await backendSampler(dir, [soloName]);
    const npidSolo = natsPid();
    const natsSolo0 = npidSolo ? cpuSeconds(npidSolo) : NaN;
    const soloRun = await runConsumer({ databaseUrl: urlOf(soloName), source: 'log', stream: STREAM, durable: 'solo', batch: BATCH, ackAll: ACK_ALL });
    const natsSolo = npidSolo ? cpuSeconds(npidSolo) - natsSolo0 : NaN;
    const soloBackends = (await ss.stop()).get(soloName) ?? 0;
    await jsm.consumers.delete(STREAM, 'solo');
    line(
      `through the log, the same calls alone: ${fmt(soloRun.events / soloRun.seconds)} events/s; CPU per event: consumer ${fmt((soloRun.cpu / soloRun.events) * 1e6)} µs, PostgreSQL ${fmt((soloBackends / soloRun.events) * 1e6)} µs, nats-server ${fmt((natsSolo / soloRun.events) * 1e6)} µs`,
    );

    // The log's consumers: one durable pull consumer and one process per cell, all at once.
    for (let c = 0; c < CELLS; c++) {
      await jsm.consumers.add(STREAM, { durable_name: `cell${c}`, ack_policy: ACK_POLICY, filter_subject: SUBJECT(c), ack_wait: nanos(5_000), max_ack_pending: 10 * BATCH });
    }
    const npid = natsPid();
    const natsCpu0Consume = npid ? cpuSeconds(npid) : 0;
    const sampler = await backendSampler(dir, cellNames);
    const tc = performance.now();
    const killAt = Math.floor((perCell[0]!.length * 0.4) / BATCH) * BATCH || BATCH;
    const runs = await Promise.all(
      cellNames.map(async (name, c) => {
        const opts: ConsumerOptions = { databaseUrl: urlOf(name), source: 'log', stream: STREAM, durable: `cell${c}`, batch: BATCH, ackAll: ACK_ALL };
        if (c !== 0) return [await runConsumer(opts)];
        const killedRun = await runConsumer({ ...opts, killAfter: killAt });
        await new Promise((r) => setTimeout(r, 500));
        return [killedRun, await runConsumer(opts)];
      }),
    );
    const wall = (performance.now() - tc) / 1000;
    const natsCpu = npid ? cpuSeconds(npid) - natsCpu0Consume : NaN;
    const backends = await sampler.stop();

    // Exactly once, per cell: every routed messageId stored, none twice, none foreign.
    let total = 0;
    let ok = true;
    for (let c = 0; c < CELLS; c++) {
      const expected = new Set(perCell[c]!.map((x) => `${x.ws}:${String(x.call.messageId)}`));
      const { rows } = await cells[c]!.query<{ k: string }>(`SELECT workspace_id || ':' || message_id AS k FROM events`);
      const got = new Set(rows.map((r) => r.k));
      const missing = [...expected].filter((k) => !got.has(k)).length;
      const foreign = [...got].filter((k) => !expected.has(k)).length;
      const twice = rows.length - got.size;
      if (missing || foreign || twice) ok = false;
      total += rows.length;
      const rs = runs[c]!;
      const events = rs.reduce((a, r) => a + r.events, 0);
      const cpu = rs.reduce((a, r) => a + r.cpu, 0);
      const seconds = rs.reduce((a, r) => Math.max(a, r.seconds), 0);
      const end = c === 0 ? rs[0]!.seconds + 0.5 + rs[1]!.seconds : seconds;
      line(
        `cell ${c}: ${fmt(rows.length)} stored (expected ${fmt(expected.size)}; missing ${missing}, twice ${twice}, foreign ${foreign}); ${fmt(events)} delivered, ${rs.reduce((a, r) => a + r.redelivered, 0)} redelivered, ` +
          `${rs.reduce((a, r) => a + r.duplicates, 0)} skipped as stored; ${fmt(rows.length / end)} events/s over ${end.toFixed(1)} s; CPU per event: consumer ${fmt((cpu / events) * 1e6)} µs, ` +
          `PostgreSQL ${fmt(((backends.get(cellNames[c]!) ?? 0) / rows.length) * 1e6)} µs` +
          (c === 0 ? ` (killed after a commit of ${fmt(rs[0]!.events)} events, before its acks; restarted 0.5 s later)` : ''),
      );
    }
    line(
      `all cells in parallel: ${fmt(total)} events in ${wall.toFixed(1)} s = ${fmt(total / wall)} events/s; nats-server CPU ${Number.isNaN(natsCpu) ? '?' : `${fmt((natsCpu / total) * 1e6, 1)} µs per message delivered and acked`}`,
    );
    line(`exactly once: ${ok ? 'yes' : 'NO'} (every cell holds each of its messageIds once)`);
    if (!ok) process.exitCode = 1;

    // KPI facts per cell; customers counted while the anonymous histories are only pointed at.
    const tf = performance.now();
    await Promise.all(cells.map((db) => syncFacts(db)));
    line(`KPI facts synced in every cell in ${((performance.now() - tf) / 1000).toFixed(1)} s`);
    const customersIn = async () => {
      let n = 0;
      for (const db of cells) n += (await db.query<{ n: number }>(`SELECT count(DISTINCT customer_id)::int AS n FROM analytics_days WHERE workspace_id = 1`)).rows[0]!.n;
      return n;
    };
    const pointerOnly = await customersIn();

    // Cross-cell merges: move each device's anonymous history to its customer's cell, through the log.
    const th = performance.now();
    const moved = await publishRehomes(dir, cells, js, 1, cellOfBucket, SUBJECT);
    await Promise.all(cellNames.map((name, c) => runConsumer({ databaseUrl: urlOf(name), source: 'log', stream: STREAM, durable: `cell${c}`, batch: BATCH, ackAll: ACK_ALL })));
    const tIngested = performance.now();
    const erased = await eraseMoved(cells, 1, moved.plans);
    let after = 0;
    let distinct = 0;
    for (const db of cells) {
      const r = (await db.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT workspace_id || ':' || message_id)::int AS d FROM events`)).rows[0]!;
      after += r.n;
      distinct += r.d;
    }
    await Promise.all(cells.map((db) => syncFacts(db)));
    const rehomed = await customersIn();
    line(
      `cross-cell merges moved: ${fmt(moved.plans.length)} anonymous profiles, ${fmt(moved.events)} events republished and ingested in ${((tIngested - th) / 1000).toFixed(1)} s, erased from the old cells: ${erased.single.people} one transaction each (erasePerson) at ${fmt(erased.single.ms / Math.max(1, erased.single.people), 1)} ms a profile, ` +
        `${fmt(erased.chunked.people)} by the same plan in chunks of 200 at ${fmt(erased.chunked.ms / Math.max(1, erased.chunked.people), 1)} ms a profile; events in all cells ${fmt(after)} (${fmt(distinct)} distinct, of ${fmt(calls.length)} calls)`,
    );
    line(`customers active in the big workspace, all cells: ${fmt(pointerOnly)} with pointers only, ${fmt(rehomed)} after the moves; people in the generator ${fmt(truth.activeInRange.get(1)!.size)}`);
    if (after !== calls.length || distinct !== calls.length) process.exitCode = 1;

    // Partials: hll / tdigest per day in each cell, merged by the coordinator.
    const sizes: { days: PartialSizes; orders: PartialSizes }[] = [];
    for (let c = 0; c < CELLS; c++) sizes.push(await shipPartials(c, cells[c]!, dir, 1));
    const m = await mergePartials(dir);
    const errs = m.dailyActive.map((d) => Math.abs(d.estimate - d.exact) / d.exact);
    const sum = (k: 'days' | 'orders', f: keyof PartialSizes) => sizes.reduce((a, x) => a + x[k][f], 0);
    const truthRange = truth.activeInRange.get(1)!.size;
    line(
      `distinct active customers per day (hll_union_agg of ${CELLS} cells' daily hll): mean |error| ${((errs.reduce((a, b) => a + b, 0) / errs.length) * 100).toFixed(2)}%, ` +
        `max ${(Math.max(...errs) * 100).toFixed(2)}% over ${errs.length} days (exact ${fmt(Math.min(...m.dailyActive.map((d) => d.exact)))}–${fmt(Math.max(...m.dailyActive.map((d) => d.exact)))} a day)`,
    );
    line(
      `distinct active customers over the 30 days: hll ${fmt(m.rangeActive.estimate)} vs exact ${fmt(m.rangeActive.exact)} (${pct(m.rangeActive.estimate, m.rangeActive.exact)}); ` +
        `adding daily counts would say ${fmt(m.rangeActive.sumOfDaily)}; people in the generator ${fmt(truthRange)}`,
    );
    for (const p of m.percentiles) line(`order value p${Math.round(p.q * 100)}: tdigest ${fmt(p.estimate, 2)} vs exact ${fmt(p.exact, 2)} (${pct(p.estimate, p.exact)})`);
    line(`orders ${fmt(m.orders.merged)} merged vs ${fmt(m.orders.exact)} exact; revenue ${fmt(m.revenue.merged, 2)} vs ${fmt(m.revenue.exact, 2)} (sums merge exactly)`);
    line(
      `partial sizes: ${sum('days', 'partialRows')} daily hll = ${fmt(sum('days', 'partialBytes') / 1024, 1)} KiB for ${fmt(sum('days', 'rawRows'))} analytics_days rows = ${fmt(sum('days', 'rawBytes') / 1024, 1)} KiB; ` +
        `${sum('orders', 'partialRows')} daily tdigest = ${fmt(sum('orders', 'partialBytes') / 1024, 1)} KiB for ${fmt(sum('orders', 'rawRows'))} analytics_orders rows = ${fmt(sum('orders', 'rawBytes') / 1024, 1)} KiB`,
    );
  } finally {
    await jsm.streams.delete(STREAM).catch(() => undefined);
    await nc.close();
    rmSync(tmpFile, { force: true });
    await Promise.all([...cells, direct, solo, dir].map((d) => d.close()));
  }
}

try {
  await main();
} finally {
  for (const name of created) if (name.startsWith('tenure_scaling_')) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * From ingestion of an event to the stage change being stored, through the real HTTP
 * server (in this process) on PostgreSQL or PGlite.
 *
 *   node --import tsx bench/stages-latency.ts [--rate EVENTS_PER_S] [--seconds S] [--customers N]
 *        [--background-users N] [--batch N] [--session N] [--pglite] [--no-maintain] [--json]
 *
 * Setup (COPY, not timed): `--customers` probe customers (default 2,000) who visited and
 * signed up weeks ago (stage engagement), and `--background-users` (default 10,000) with
 * a few dozen events each; then a full recompute settles every stage, and (unless
 * --no-maintain) `maintainTables` refreshes the planner statistics, as autovacuum or the
 * embedded maintenance of `tenure serve` would have by then (the latter also runs
 * during the run on PGlite, as in `serve`).
 * Run: for `--seconds` (default 60) Segment batches of `--batch` (default 20) events at
 * `--rate` events/s (default 1,000; open loop: sessions of `--session` (default 5)
 * events of one visitor: page and product views, e-mail clicks, a few orders; one
 * session in ten from an anonymous visitor), and, spread evenly over the same
 * time, one `Order Completed` per probe customer via /v1/track. A probe's latency runs
 * from just before its request is sent to the stage worker's `stage` change on the bus that
 * includes its customer (after that customer was handed to the worker, i.e. the
 * evaluation that read the committed order). Afterwards every probe customer must have
 * a stored transition to `conversion` at its order's timestamp.
 * PostgreSQL: a scratch database on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a temporary data directory.
 * Target: p99 under 200 ms.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type Db } from '../src/server/db/client.js';
import { maintainTables, startMaintenance } from '../src/server/db/maintenance.js';
import { migrate } from '../src/server/db/migrate.js';
import { Rng } from '../src/server/lib/rng.js';
import { buildServer } from '../src/server/roles/server.js';
import { ChangeBus } from '../src/server/lib/change-bus.js';
import { ModelCache } from '../src/server/lifecycle/models.repo.js';
import { recomputeStages } from '../src/server/lifecycle/stage-service.js';
import { StageWorker } from '../src/server/lifecycle/stage-worker.js';
import { createLogger } from '../src/server/log.js';
import { basic, createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';
import { runFixedRate, segmentClient } from './lib/http-load.js';
import { timedDb, Timings } from './lib/timed-db.js';
import { STAGE_LABELS } from './stages-recompute.js';
import { loadLine, machine, machineInfo, watchRss } from './lib/proc.js';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;

interface Options {
  rate: number;
  seconds: number;
  customers: number;
  backgroundUsers: number;
  batch: number;
  session: number;
  pglite: boolean;
  maintain: boolean;
  json: boolean;
}

function parseOptions(): Options {
  const { values: v } = parseArgs({
    options: {
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      customers: { type: 'string', default: '2000' },
      'background-users': { type: 'string', default: '10000' },
      batch: { type: 'string', default: '20' },
      session: { type: 'string', default: '5' },
      pglite: { type: 'boolean', default: false },
      'no-maintain': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: string, s: string | undefined): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  return {
    rate: num('rate', v.rate),
    seconds: num('seconds', v.seconds),
    customers: Math.round(num('customers', v.customers)),
    backgroundUsers: Math.round(num('background-users', v['background-users'])),
    batch: Math.round(num('batch', v.batch)),
    session: Math.round(num('session', v.session)),
    pglite: v.pglite!,
    maintain: !v['no-maintain'],
    json: v.json!,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const round1 = (x: number) => Math.round(x * 10) / 10;

function percentiles(xs: number[]): { count: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => round1(s[Math.min(s.length - 1, Math.ceil((s.length * p) / 100) - 1)] ?? NaN);
  return { count: s.length, p50: at(50), p95: at(95), p99: at(99), max: round1(s[s.length - 1] ?? NaN) };
}

/**
 * Probe customers (`probe-<i>`: a visit 30 days ago, signed up 20 days ago, a few product
 * views since) and background users (`bg-<i>`: 10–60 views and clicks over 90 days, a
 * third signed up, some ordered), written with COPY like an event store that filled up
 * over time.
 */
async function seed(db: Db, workspaceId: number, o: Options, now: number): Promise<void> {
  const total = o.customers + o.backgroundUsers;
  const { rows } = await db.query<{ base: number }>(`SELECT setval('customers_id_seq', coalesce((SELECT max(id) FROM customers), 0) + $1::int) - $1::int AS base`, [total]);
  const base = rows[0]!.base;
  const ws = String(workspaceId);
  const r = new Rng(11);
  let customers = '';
  let identities = '';
  let events = '';
  let n = 0;
  const iso = (t: number) => new Date(Math.floor(t)).toISOString();
  const flush = async () => {
    await db.copyFrom('customers (id, workspace_id, user_id, traits, trait_times, created_at, updated_at)', customers);
    await db.copyFrom('identities (workspace_id, kind, value, customer_id, created_at)', identities);
    await db.copyFrom('events (workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context)', events);
    customers = identities = events = '';
  };
  for (let i = 0; i < total; i++) {
    const id = base + i + 1;
    const userId = i < o.customers ? `probe-${i}` : `bg-${i - o.customers}`;
    const first = i < o.customers ? now - 30 * DAY - r.next() * DAY : now - 90 * DAY * r.next();
    customers += `${id}\t${ws}\t${userId}\t{}\t{}\t${iso(first)}\t${iso(first)}\n`;
    identities += `${ws}\tuser\t${userId}\t${id}\t${iso(first)}\n`;
    const timeline: Array<[number, string, string]> = [[first, 'Page Viewed', '{"path":"/"}']];
    if (i < o.customers) {
      timeline.push([first + 10 * DAY, 'Signed Up', '{}']);
      for (let k = 0; k < 3; k++) timeline.push([first + (11 + r.next() * 15) * DAY, 'Product Viewed', `{"product_id":"sku-${r.int(1, 500)}"}`]);
    } else {
      const count = r.int(10, 60);
      for (let k = 0; k < count; k++) {
        const name = r.weighted([
          ['Page Viewed', 0.6],
          ['Product Viewed', 0.3],
          ['Email Link Clicked', 0.1],
        ] as const);
        timeline.push([first + r.next() * (now - first - 60_000), name, '{}']);
      }
      if (r.chance(0.33)) timeline.push([first + r.next() * (now - first - 60_000), 'Signed Up', '{}']);
      if (r.chance(0.15)) timeline.push([first + r.next() * (now - first - 60_000), 'Order Completed', `{"revenue":${r.int(10, 200)}}`]);
    }
    timeline.sort((a, b) => a[0] - b[0]);
    timeline.forEach(([t, name, props], k) => {
      events += `${ws}\t${id}\tseed-${id}-${k}\ttrack\t${name}\t${userId}\t${iso(t)}\t${iso(t + 1500)}\t${props}\t{}\n`;
      n++;
    });
    if ((i + 1) % 5_000 === 0) await flush();
  }
  await flush();
  await db.query('ANALYZE');
  console.log(`seeded ${fmt(o.customers)} probe customers and ${fmt(o.backgroundUsers)} background users with ${fmt(n)} events`);
}

/**
 * Request bodies of the background traffic: Segment batches as SDKs send them, made of
 * sessions (`--session` consecutive events of one visitor: a known background user, or
 * one time in ten an anonymous visitor, most of them new).
 */
function backgroundBodies(o: Options): { bodies: Buffer[]; customers: number } {
  const r = new Rng(23);
  const count = Math.ceil((o.rate * o.seconds) / o.batch);
  const bodies: Buffer[] = [];
  const visitors = new Set<string>();
  const names = [
    ['Page Viewed', 0.6],
    ['Product Viewed', 0.3],
    ['Email Link Clicked', 0.05],
    ['Order Completed', 0.05],
  ] as const;
  let who: { userId: string } | { anonymousId: string } = { userId: 'bg-0' };
  let left = 0;
  for (let b = 0; b < count; b++) {
    const batch = [];
    for (let k = 0; k < o.batch; k++) {
      if (left-- <= 0) {
        who = r.chance(0.1) ? { anonymousId: `anon-${r.int(1, 1_000_000)}` } : { userId: `bg-${r.int(0, o.backgroundUsers - 1)}` };
        visitors.add(JSON.stringify(who));
        left = o.session - 1;
      }
      const event = r.weighted(names);
      batch.push({ type: 'track', event, ...who, messageId: randomUUID(), properties: event === 'Order Completed' ? { revenue: r.int(10, 200) } : { path: `/p/${r.int(1, 300)}` } });
    }
    bodies.push(Buffer.from(JSON.stringify({ batch, sentAt: new Date().toISOString() })));
  }
  return { bodies, customers: visitors.size };
}

/** POST one Segment track call; resolves with the status and the ms until the response ended. */
function postTrack(agent: http.Agent, port: number, auth: string, body: unknown): Promise<{ status: number; ms: number }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/track', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: auth } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(data);
  });
}

interface Probe {
  userId: string;
  customerId: number;
  sentAt: number;
  timestamp: string;
  /** The worker got the customer after the order committed. */
  touched: boolean;
  ackMs?: number;
  status?: number;
  doneMs?: number;
}

async function main(): Promise<void> {
  const o = parseOptions();
  console.log(machine());
  const target = o.pglite ? 'pglite' : 'postgres';
  const url = o.pglite ? null : await createScratchDatabase(BASE_URL);
  // PGlite on disk, as `tenure serve` runs it (its `memory://` file system copies a whole
  // table file every time the table grows by a page).
  const dataDir = url ? null : mkdtempSync(join(tmpdir(), 'tenure-bench-latency-'));
  const db = await openDb(url ? { databaseUrl: url, poolSize: 10 } : { dataDir: dataDir! });
  try {
    await migrate(db);
    const { rows: v } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const serverVersion = `${o.pglite ? 'PGlite, PostgreSQL ' : 'PostgreSQL '}${v[0]!.v}`;
    console.log(`database: ${serverVersion}${url ? ` (${url})` : ''}`);
    const { rows: av } = await db.query<{ v: string }>(`SELECT current_setting('autovacuum') AS v`);
    if (!o.pglite && av[0]!.v !== 'on') console.log(`note: autovacuum is ${av[0]!.v} on this server: planner statistics change only by explicit ANALYZE`);
    const { workspace, writeKey } = await makeWorkspace(db, 'bench-latency');
    await seed(db, workspace.id, o, Date.now());
    const t0 = performance.now();
    const settled = await recomputeStages(db, workspace.id, { now: new Date(), models: new ModelCache() });
    console.log(`settled: recompute of ${fmt(settled.subjects)} customers (${fmt(settled.moves)} moves) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (o.maintain) {
      // What autovacuum (PostgreSQL) or the embedded maintenance (PGlite) would have done
      // by now: statistics that know the stage tables are no longer empty.
      const done = await maintainTables(db);
      console.log(`maintenance after settling: ${done.map((d) => `${d.action} ${d.table}`).join(', ') || 'nothing due'}`);
    }

    const { rows: idRows } = await db.query<{ value: string; customer_id: number }>(`SELECT value, customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value LIKE 'probe-%'`, [
      workspace.id,
    ]);
    const rng = new Rng(5);
    const probes: Probe[] = idRows.map((r) => ({ userId: r.value, customerId: r.customer_id, sentAt: 0, timestamp: '', touched: false }));
    for (let i = probes.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [probes[i], probes[j]] = [probes[j]!, probes[i]!];
    }
    const byCustomer = new Map(probes.map((p) => [p.customerId, p]));
    const { rows: before } = await db.query<{ stage: string; n: number }>(
      `SELECT stage, count(*)::int AS n FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = ANY($2::bigint[]) GROUP BY stage`,
      [workspace.id, probes.map((p) => p.customerId)],
    );
    console.log(`probe customers before: ${before.map((r) => `${r.stage} ${fmt(r.n)}`).join(', ')}`);

    // The worker: learn when each probe customer's evaluation committed.
    const evaluations = { calls: 0, subjects: 0, moves: 0, maxBatch: 0 };
    // The worker gets its own timed handle on the same database: its statements by kind.
    const workerTimes = new Timings(STAGE_LABELS);
    const stages = new StageWorker(timedDb(db, workerTimes).db);
    const bus = new ChangeBus();
    bus.on('stage', (c) => {
      const now = performance.now();
      evaluations.calls++;
      evaluations.subjects += c.subjectIds.length;
      evaluations.moves += c.moves;
      evaluations.maxBatch = Math.max(evaluations.maxBatch, c.subjectIds.length);
      if (c.scope !== 'customer') return;
      for (const id of c.subjectIds) {
        const p = byCustomer.get(id);
        if (p && p.touched && p.doneMs === undefined) p.doneMs = now - p.sentAt;
      }
    });
    const touch = stages.touch.bind(stages);
    stages.touch = (ws, ids, scope) => {
      const list = [...ids];
      for (const id of list) {
        const p = byCustomer.get(id);
        if (p && p.sentAt > 0) p.touched = true;
      }
      touch(ws, list, scope);
    };

    const log = createLogger('silent');
    const app = await buildServer({ db, log, stages, bus });
    const stopMaintenance = o.maintain ? await startMaintenance(db, log) : () => {}; // as `tenure serve` does
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const { bodies, customers: visitors } = backgroundBodies(o);
    const { post, close } = segmentClient(port, writeKey, 64);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const auth = basic(writeKey);
    const rss = watchRss(process.pid, 250);
    console.log(
      `running ${o.seconds} s: background ${fmt(o.rate)} events/s in batches of ${o.batch} (/v1/batch), ${fmt(probes.length)} probes (/v1/track Order Completed) evenly spread; ${loadLine()}`,
    );

    const interval = (o.seconds * 1000) / probes.length;
    const start = performance.now();
    const probeRuns: Array<Promise<void>> = [];
    const probing = new Promise<void>((done) => {
      let next = 0;
      const tick = () => {
        const now = performance.now();
        while (next < probes.length && start + next * interval <= now) {
          const p = probes[next++]!;
          p.timestamp = new Date().toISOString();
          const body = { userId: p.userId, event: 'Order Completed', messageId: `probe-order-${p.customerId}`, timestamp: p.timestamp, properties: { revenue: 42, currency: 'USD' } };
          p.sentAt = performance.now();
          probeRuns.push(
            postTrack(agent, port, auth, body).then((r) => {
              p.ackMs = r.ms;
              p.status = r.status;
            }),
          );
        }
        if (next < probes.length) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
        else done();
      };
      tick();
    });
    const progress = setInterval(() => {
      const s = (performance.now() - start) / 1000;
      const done = probes.filter((p) => p.doneMs !== undefined).length;
      process.stderr.write(`  ${s.toFixed(0)} s: ${fmt(done)} probes staged, ${fmt(evaluations.calls)} evaluations of ${fmt(evaluations.subjects)} customers\n`);
    }, 10_000);
    const background = await runFixedRate(post, bodies, o.batch, o.rate);
    await probing;
    await Promise.all(probeRuns);
    // Give the last probes' evaluations time to land.
    const deadline = performance.now() + 15_000;
    while (probes.some((p) => p.doneMs === undefined && p.status === 200) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    clearInterval(progress);
    const wall = (performance.now() - start) / 1000;
    const peakRss = Math.round(rss.stop());
    close();
    agent.destroy();
    stopMaintenance();
    await app.close(); // stops the worker after its work in hand

    const { rows: moved } = await db.query<{ subject_id: number; at: Date }>(
      `SELECT subject_id, at FROM stage_transitions WHERE workspace_id = $1 AND scope = 'customer' AND to_stage = 'conversion' AND subject_id = ANY($2::bigint[])`,
      [workspace.id, probes.map((p) => p.customerId)],
    );
    const movedAt = new Map(moved.map((r) => [r.subject_id, r.at.getTime()]));
    const verified = probes.filter((p) => movedAt.get(p.customerId) === Date.parse(p.timestamp)).length;
    const measured = probes.filter((p) => p.doneMs !== undefined).map((p) => p.doneMs!);
    const lat = percentiles(measured);
    const ack = percentiles(probes.filter((p) => p.ackMs !== undefined).map((p) => p.ackMs!));
    const bg = background.tally.percentiles();
    const achieved = Math.round(background.tally.ackedEvents / background.seconds);
    const probeErrors = probes.filter((p) => p.status !== 200).length;
    const m = machineInfo();

    console.log(`\n===== stage latency: ${target} =====`);
    console.log(`machine              ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}; ${serverVersion}; server, worker and load generator in one process`);
    console.log(
      `background           ${fmt(achieved)} events/s achieved of ${fmt(o.rate)} asked (${fmt(background.tally.ackedEvents)} events in ${background.seconds.toFixed(1)} s, batches of ${o.batch}, sessions of ${o.session}: ${fmt(visitors)} distinct visitors, ${fmt(o.rate / o.session)} customer touches/s); request latency p50 ${bg.p50} ms, p99 ${bg.p99} ms, max ${bg.max} ms; errors ${background.tally.errors}${background.tally.firstError ? ` (${background.tally.firstError.slice(0, 120)})` : ''}`,
    );
    console.log(`probes               ${fmt(probes.length)} sent (${(probes.length / o.seconds).toFixed(1)}/s), ${probeErrors} errors; HTTP ack p50 ${ack.p50} ms, p99 ${ack.p99} ms`);
    console.log(
      `event → stage stored count ${fmt(lat.count)}, p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms, max ${lat.max} ms${lat.count < probes.length ? ` (${probes.length - lat.count} never staged)` : ''}`,
    );
    console.log(`verified             ${fmt(verified)}/${fmt(probes.length)} probe customers have a stored transition to conversion at their order's timestamp`);
    console.log(
      `stage worker         ${fmt(evaluations.calls)} evaluations, ${fmt(evaluations.subjects)} customers (mean ${(evaluations.subjects / Math.max(1, evaluations.calls)).toFixed(1)}, max ${evaluations.maxBatch} per evaluation), ${fmt(evaluations.moves)} moves`,
    );
    console.log(
      `  worker transactions: ${fmt(workerTimes.transactions)}, mean ${(workerTimes.transactionMs / Math.max(1, workerTimes.transactions)).toFixed(1)} ms each (statements ${(workerTimes.statementMs / Math.max(1, workerTimes.transactions)).toFixed(1)} ms; the rest is BEGIN/COMMIT, pool wait and JS):`,
    );
    for (const l of workerTimes.lines(true)) console.log(l);
    console.log(`process              peak RSS ${peakRss} MB during the run; wall ${wall.toFixed(1)} s; ${loadLine()}`);
    console.log(`target               p99 < 200 ms: ${lat.p99 < 200 && lat.count === probes.length ? 'met' : 'MISSED'}`);
    if (o.json)
      console.log(
        JSON.stringify({
          target,
          machine: m,
          serverVersion,
          options: o,
          latency: lat,
          ack,
          background: { achieved, visitors, ...bg, errors: background.tally.errors },
          verified,
          evaluations,
          peakRssMb: peakRss,
        }),
      );
  } finally {
    await db.close();
    if (url) await dropScratchDatabase(BASE_URL, url);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

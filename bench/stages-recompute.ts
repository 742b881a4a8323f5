/**
 * Full lifecycle-stage recompute at scale (`recomputeStages`), on PostgreSQL or PGlite.
 *
 *   node --import tsx bench/stages-recompute.ts [--customers N] [--events N] [--pglite]
 *        [--keep-url postgres://…/db] [--chunk N] [--concurrency N] [--vacuum] [--maintain] [--no-sample] [--json]
 *
 * 1. Load: N customers (user_id, an email trait, one `user` identity each) and their
 *    track events, written straight into the tables with COPY (not through ingestion),
 *    spread over the 18 months before `now`. Each customer follows a persona (browser,
 *    signed up, one order, repeat buyer, loyal, subscriber) with NPS answers, referrals,
 *    cancellations and an activity lifetime after which they go quiet, so every stage
 *    of the default preset is reached; events per customer are heavy-tailed (log-normal
 *    weights) and average events ÷ customers. Then ANALYZE (VACUUM ANALYZE with --vacuum).
 * 2. Recompute twice: the first on an empty history, the second deleting and
 *    rebuilding it, right after the first (with --maintain, `maintainTables` runs in
 *    between: the ANALYZE/VACUUM autovacuum's thresholds call for by then). Per run: seconds, customers/s, moves, the CPU of this process and
 *    (PostgreSQL) of its backends, and the time of every statement kind.
 * 3. Unless --no-sample: a few chunks of the workspace taken apart phase by phase
 *    (events SQL, JSON parse, replay, delete, COPY out; the writes rolled back), which
 *    says where a chunk's time goes without a profiler.
 *
 * PostgreSQL: a scratch database on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. With --keep-url the
 * given database is used and kept: loaded (and migrated) on the first run, reused as it
 * is when it already holds the bench workspace. PGlite: a temporary data directory on disk.
 * Target: 100,000 customers / 5,000,000 events recomputed in under 60 s on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Db, Queryable } from '../src/server/db/client.js';
import { openDb } from '../src/server/db/client.js';
import { maintainTables } from '../src/server/db/maintenance.js';
import { timedDb, timedQueryable, Timings, type Labels } from './lib/timed-db.js';
import { migrate } from '../src/server/db/migrate.js';
import { Rng } from '../src/server/lib/rng.js';
import { FactIndex } from '../src/server/rules/evaluate.js';
import { ModelCache } from '../src/server/lifecycle/models.repo.js';
import { replay, type Move } from '../src/server/lifecycle/replay.js';
import { compileModel } from '../src/server/lifecycle/stage-engine.js';
import { recomputeStages } from '../src/server/lifecycle/stage-service.js';
import { clearStages, factNeeds, loadFacts, resolveTriggers, saveOutcomes, type StageOutcome } from '../src/server/lifecycle/stages.repo.js';
import { createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';
import { backendCpu, backendCpuDelta, pgConnections, type Conn } from './lib/bench-db.js';
import { loadLine, machine, machineInfo, watchRss } from './lib/proc.js';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SLUG = 'bench-stages';
const DAY = 86_400_000;
const SPAN_DAYS = 548; // 18 months

export interface Options {
  customers: number;
  events: number;
  pglite: boolean;
  keepUrl?: string;
  chunk?: number;
  concurrency?: number;
  vacuum: boolean;
  maintain: boolean;
  sample: boolean;
  json: boolean;
}

function parseOptions(): Options {
  const { values: v } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      events: { type: 'string', default: '5000000' },
      pglite: { type: 'boolean', default: false },
      'keep-url': { type: 'string' },
      chunk: { type: 'string' },
      concurrency: { type: 'string' },
      vacuum: { type: 'boolean', default: false },
      maintain: { type: 'boolean', default: false },
      'no-sample': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: string, s: string | undefined): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  if (v.pglite && v['keep-url']) throw new Error('--keep-url is a PostgreSQL database; it cannot be combined with --pglite');
  return {
    customers: num('customers', v.customers),
    events: num('events', v.events),
    pglite: v.pglite!,
    keepUrl: v['keep-url'],
    chunk: v.chunk === undefined ? undefined : num('chunk', v.chunk),
    concurrency: v.concurrency === undefined ? undefined : num('concurrency', v.concurrency),
    vacuum: v.vacuum!,
    maintain: v.maintain!,
    sample: !v['no-sample'],
    json: v.json!,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(1);

/** A line on stderr at most every `everyMs` (progress without a terminal dependency). */
function ticker(label: string, everyMs = 5_000) {
  const t0 = performance.now();
  let last = t0;
  return (done: number, total: number, unit: string, force = false) => {
    const now = performance.now();
    if (!force && now - last < everyMs) return;
    last = now;
    const s = (now - t0) / 1000;
    process.stderr.write(`  ${label}: ${fmt(done)}/${fmt(total)} ${unit} (${total ? Math.round((100 * done) / total) : 100}%), ${s.toFixed(1)} s, ${fmt(done / Math.max(s, 1e-3))} ${unit}/s\n`);
  };
}

// ---------------------------------------------------------------------------------------
// Data: personas and timelines

type Persona = 'browser' | 'signup' | 'buyer' | 'repeat' | 'loyal' | 'subscriber';
const PERSONAS: ReadonlyArray<readonly [Persona, number]> = [
  ['browser', 0.3],
  ['signup', 0.24],
  ['buyer', 0.2],
  ['repeat', 0.13],
  ['loyal', 0.06],
  ['subscriber', 0.07],
];
/** Mean days a persona stays active after its first visit (then it goes quiet). */
const LIFETIME_DAYS: Record<Persona, number> = { browser: 20, signup: 60, buyer: 110, repeat: 220, loyal: 320, subscriber: 200 };
/** How much more than average a persona does (scales its share of the filler events). */
const ACTIVITY: Record<Persona, number> = { browser: 0.35, signup: 0.8, buyer: 1, repeat: 1.7, loyal: 3, subscriber: 1.5 };
const FILLERS: ReadonlyArray<readonly [string, number]> = [
  ['Page Viewed', 0.55],
  ['Product Viewed', 0.33],
  ['Email Link Clicked', 0.12],
];

interface Milestone {
  at: number;
  event: string;
  /** properties as JSON text (COPY-safe: no backslashes, tabs or newlines) */
  props: string;
}

interface Plan {
  start: number;
  end: number;
  weight: number;
  milestones: Milestone[];
}

/** One customer's persona, active period and milestone events: deterministic in (seed, index). */
function planCustomer(i: number, now: number): Plan {
  const r = new Rng(0x5eed ^ Math.imul(i + 1, 0x9e3779b1));
  const persona = r.weighted(PERSONAS);
  const latest = now - 60_000;
  // Growth: more customers arrived recently than 18 months ago.
  const start = latest - SPAN_DAYS * DAY * Math.pow(r.next(), 1.25);
  const end = Math.min(latest, start + r.exp(LIFETIME_DAYS[persona]) * DAY + r.next() * DAY);
  const at = (t: number) => Math.min(end, Math.max(start, t));
  const between = (a: number, b: number) => at(a + r.next() * Math.max(0, b - a));
  const weight = r.logNormal(1, 1.1) * ACTIVITY[persona];
  const m: Milestone[] = [];

  const signsUp = persona !== 'browser' && (persona === 'signup' || persona === 'subscriber' || r.chance(0.85));
  const signedAt = at(start + r.exp(2) * DAY);
  if (signsUp) m.push({ at: signedAt, event: 'Signed Up', props: '{"method":"email"}' });
  const orders = persona === 'buyer' ? 1 : persona === 'repeat' ? r.int(2, 4) : persona === 'loyal' ? r.int(5, 12) : persona === 'subscriber' && r.chance(0.3) ? r.int(1, 2) : 0;
  const firstOrder = at((signsUp ? signedAt : start) + r.exp(7) * DAY);
  for (let k = 0; k < orders; k++) {
    const t = k === 0 ? firstOrder : persona === 'loyal' ? between(firstOrder, Math.min(end, firstOrder + 330 * DAY)) : between(firstOrder, end);
    const revenue = Math.round(r.logNormal(45, 0.6) * 100) / 100;
    m.push({ at: t, event: 'Order Completed', props: `{"order_id":"o${i}-${k}","revenue":${revenue},"currency":"USD"}` });
  }
  if (persona === 'subscriber') {
    const started = at(signedAt + r.exp(5) * DAY);
    m.push({ at: started, event: 'Subscription Started', props: '{"plan":"monthly"}' });
    if (r.chance(0.45)) m.push({ at: between(started, end), event: 'Subscription Cancelled', props: '{"plan":"monthly"}' });
  }
  if (persona !== 'browser' && r.chance(0.15)) {
    const score = r.weighted<number>([
      [r.int(9, 10), 0.4],
      [r.int(7, 8), 0.3],
      [r.int(0, 6), 0.3],
    ]);
    m.push({ at: between(start, end), event: 'Survey Responded', props: `{"type":"nps","score":${score}}` });
  }
  if ((persona === 'loyal' && r.chance(0.35)) || (persona === 'repeat' && r.chance(0.05))) {
    m.push({ at: between(firstOrder, end), event: 'Referral Sent', props: '{"channel":"link"}' });
  }
  return { start, end, weight, milestones: m };
}

/**
 * Events per customer: each gets its milestones, a first visit and (when it has at
 * least two events) a last one at the end of its active period, plus a share of the
 * rest proportional to its heavy-tailed weight; the sum is exactly `events` unless the
 * milestones alone exceed it.
 */
function eventCounts(customers: number, events: number, now: number): Uint32Array {
  const base = new Uint32Array(customers);
  const weights = new Float64Array(customers);
  let fixed = 0;
  let total = 0;
  for (let i = 0; i < customers; i++) {
    const p = planCustomer(i, now);
    base[i] = p.milestones.length + 1;
    fixed += base[i]!;
    weights[i] = p.weight;
    total += p.weight;
  }
  const rest = Math.max(0, events - fixed);
  const cap = (200 * events) / customers;
  const counts = new Uint32Array(customers);
  let assigned = 0;
  for (let i = 0; i < customers; i++) {
    const extra = Math.min(cap, Math.floor((rest * weights[i]!) / total));
    counts[i] = base[i]! + extra;
    assigned += extra;
  }
  const r = new Rng(42);
  for (let left = rest - assigned; left > 0; left--) counts[r.int(0, customers - 1)]!++;
  return counts;
}

/** Where written rows go: COPY text in chunks, `inFlight` at once. */
class CopyPipe {
  private pending = new Set<Promise<unknown>>();
  constructor(
    private readonly db: Db,
    private readonly target: string,
    private readonly inFlight: number,
  ) {}

  async write(data: string): Promise<void> {
    const p = this.db.copyFrom(this.target, data);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    if (this.pending.size >= this.inFlight) await Promise.race(this.pending);
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/** Load `o.customers` customers and their `o.events` events (see the header) with COPY, then ANALYZE. */
export async function loadData(db: Db, workspaceId: number, o: Options, now: number) {
  const t0 = performance.now();
  const counts = eventCounts(o.customers, o.events, now);
  const totalEvents = counts.reduce((a, b) => a + b, 0);
  const { rows } = await db.query<{ base: number }>(`SELECT setval('customers_id_seq', coalesce((SELECT max(id) FROM customers), 0) + $1::int) - $1::int AS base`, [o.customers]);
  const base = rows[0]!.base;
  const inFlight = db.kind === 'pglite' ? 1 : 2;
  const ws = String(workspaceId);

  // Customers and identities.
  const customersPipe = new CopyPipe(db, 'customers (id, workspace_id, user_id, traits, trait_times, first_touch, created_at, updated_at)', inFlight);
  const identitiesPipe = new CopyPipe(db, 'identities (workspace_id, kind, value, customer_id, created_at)', inFlight);
  let cust = '';
  let ids = '';
  for (let i = 0; i < o.customers; i++) {
    const id = base + i + 1;
    const p = planCustomer(i, now);
    const first = new Date(p.start).toISOString();
    cust += `${id}\t${ws}\tu${id}\t{"email":"u${id}@example.com"}\t{"email":["${first}","${first}"]}\t{"source":"organic","at":"${first}"}\t${first}\t${first}\n`;
    ids += `${ws}\tuser\tu${id}\t${id}\t${first}\n`;
    if ((i + 1) % 20_000 === 0 || i === o.customers - 1) {
      await customersPipe.write(cust);
      await identitiesPipe.write(ids);
      cust = ids = '';
    }
  }
  await customersPipe.flush();
  await identitiesPipe.flush();
  const customersMs = performance.now() - t0;

  // Events, in customer and time order (as an event store fills per customer over time).
  const pipe = new CopyPipe(db, 'events (workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context)', inFlight);
  const progress = ticker('load events', 10_000);
  const fillerProps: Record<string, (r: Rng) => string> = {
    'Page Viewed': (r) => `{"path":"/p/${r.int(1, 400)}"}`,
    'Product Viewed': (r) => `{"product_id":"sku-${r.int(1, 2000)}"}`,
    'Email Link Clicked': (r) => `{"campaign":"c${r.int(1, 40)}"}`,
  };
  let data = '';
  let rowsInChunk = 0;
  let written = 0;
  const times: number[] = [];
  const names: string[] = [];
  const props: string[] = [];
  for (let i = 0; i < o.customers; i++) {
    const id = base + i + 1;
    const p = planCustomer(i, now);
    const r = new Rng(0xfeed ^ Math.imul(i + 1, 0x85ebca6b));
    times.length = names.length = props.length = 0;
    for (const m of p.milestones) {
      times.push(m.at);
      names.push(m.event);
      props.push(m.props);
    }
    const fillers = counts[i]! - p.milestones.length;
    for (let k = 0; k < fillers; k++) {
      const name = k === 0 ? 'Page Viewed' : r.weighted(FILLERS);
      times.push(k === 0 ? p.start : k === 1 ? p.end : p.start + r.next() * (p.end - p.start));
      names.push(name);
      props.push(fillerProps[name]!(r));
    }
    const order = times.map((_, k) => k).sort((a, b) => times[a]! - times[b]!);
    for (let k = 0; k < order.length; k++) {
      const j = order[k]!;
      const t = Math.floor(times[j]!);
      data += `${ws}\t${id}\tb${id}-${k}\ttrack\t${names[j]}\tu${id}\t${new Date(t).toISOString()}\t${new Date(t + 1500).toISOString()}\t${props[j]}\t{}\n`;
    }
    rowsInChunk += order.length;
    if (rowsInChunk >= 25_000 || i === o.customers - 1) {
      await pipe.write(data);
      written += rowsInChunk;
      data = '';
      rowsInChunk = 0;
      progress(written, totalEvents, 'events');
    }
  }
  await pipe.flush();
  const eventsMs = performance.now() - t0 - customersMs;

  const t1 = performance.now();
  await db.query(o.vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE');
  const analyzeMs = performance.now() - t1;
  return { customers: o.customers, events: totalEvents, customersMs, eventsMs, analyzeMs };
}

// ---------------------------------------------------------------------------------------
// Timing statements by kind

/** Names of the stage engine's statements (also used by bench/stages-latency.ts for the stage worker). */
export const STAGE_LABELS: Labels = [
  [/json_agg\(json_build_array/, 'loadFacts: events → json_agg (per customer)'],
  [/^SELECT id, traits, user_id, first_touch FROM customers/, 'loadFacts: customers'],
  [/^SELECT subject_id, stage, since/, 'loadStarts: stage_states'],
  [/^SELECT subject_id, to_stage FROM stage_transitions/, 'loadStarts: history'],
  [/FROM stage_states WHERE next_check_at/, 'sweep: due subjects'],
  [/^SELECT pg_advisory_xact_lock/, 'lockSubjects: advisory locks'],
  [/^DELETE FROM stage_transitions/, 'clearStages: DELETE stage_transitions'],
  [/^DELETE FROM stage_states/, 'clearStages/saveOutcomes: DELETE stage_states'],
  [/^DELETE FROM events/, 'clearStages: DELETE stage events'],
  [/^SELECT id, message_id FROM events/, 'resolveTriggers: SELECT message_id'],
  [/^COPY stage_states/, 'saveOutcomes: COPY stage_states'],
  [/^COPY stage_transitions/, 'saveOutcomes: COPY stage_transitions'],
  [/^COPY events/, 'saveOutcomes: COPY stage events'],
  [/^SELECT id FROM customers WHERE workspace_id/, 'recompute: page customer ids'],
  [/FROM lifecycle_models/, 'ModelCache: model version'],
];

// ---------------------------------------------------------------------------------------
// Recompute

interface RunResult {
  label: string;
  seconds: number;
  subjects: number;
  moves: number;
  customersPerSec: number;
  peakRssMb: number;
  cpu: { thisProcess: number; postgresBackends: number | null };
  statementSeconds: number;
  transactionSeconds: number;
}

async function timedRecompute(label: string, db: Db, workspaceId: number, now: Date, o: Options, monitor: Conn | null, dbName: string | null): Promise<RunResult> {
  const times = new Timings(STAGE_LABELS);
  const progress = ticker(label);
  const rss = watchRss(process.pid, 250);
  const cpu0 = process.cpuUsage();
  const backends0 = monitor && dbName ? await backendCpu(monitor, dbName) : null;
  const t0 = performance.now();
  const r = await recomputeStages(timedDb(db, times).db, workspaceId, {
    now,
    models: new ModelCache(),
    chunk: o.chunk,
    concurrency: o.concurrency,
    onProgress: (done, total) => progress(done, total, 'customers', done === total),
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const backends = backends0 && monitor && dbName ? backendCpuDelta(backends0, await backendCpu(monitor, dbName)) : null;
  const peakRssMb = Math.round(rss.stop());
  const result: RunResult = {
    label,
    seconds: Math.round(ms / 100) / 10,
    subjects: r.subjects,
    moves: r.moves,
    customersPerSec: Math.round(r.subjects / (ms / 1000)),
    peakRssMb,
    cpu: { thisProcess: Math.round((cpu.user + cpu.system) / 1e4) / 100, postgresBackends: backends === null ? null : Math.round(backends * 100) / 100 },
    statementSeconds: Math.round(times.statementMs / 100) / 10,
    transactionSeconds: Math.round(times.transactionMs / 100) / 10,
  };
  console.log(`\n${label}: ${fmt(r.subjects)} customers, ${fmt(r.moves)} moves written in ${result.seconds} s = ${fmt(result.customersPerSec)} customers/s; peak RSS ${peakRssMb} MB`);
  console.log(
    `  CPU: this process ${result.cpu.thisProcess} s${db.kind === 'pglite' ? ' (includes the PGlite worker thread)' : ''}` +
      `${result.cpu.postgresBackends === null ? '' : `, PostgreSQL backends ${result.cpu.postgresBackends} s`} over ${result.seconds} s wall (${machineInfo().cpus} cores)`,
  );
  console.log(
    `  statements (time waited per kind; summed over the chunks in flight, so it can exceed wall time): ${result.statementSeconds} s in ${fmt(times.transactions)} transactions totalling ${result.transactionSeconds} s`,
  );
  for (const l of times.lines()) console.log(l);
  return result;
}

class Rollback extends Error {}

/**
 * A few chunks taken apart: the events SQL, JSON parse (the rest of loadFacts), replay in
 * JS, and the writes (delete the old history, resolve triggers, COPY out), rolled back.
 */
async function samplePhases(db: Db, workspaceId: number, now: Date, chunk: number) {
  const stored = await new ModelCache().get(db, workspaceId);
  const program = compileModel(stored.model);
  const needs = factNeeds(stored.model);
  const { rows: all } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [workspaceId]);
  const n = all[0]!.n;
  const phases = { sqlMs: 0, parseMs: 0, replayMs: 0, writeMs: 0, jsonBytes: 0, events: 0, customers: 0 };
  for (const at of [0.1, 0.5, 0.9]) {
    const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 ORDER BY id OFFSET $2 LIMIT $3`, [workspaceId, Math.floor(n * at), chunk]);
    const ids = rows.map((r) => r.id);
    const times = new Timings(STAGE_LABELS);
    const q = timedQueryable(db, times);
    const t0 = performance.now();
    const facts = await loadFacts(q, workspaceId, 'customer', ids, needs);
    const loadMs = performance.now() - t0;
    const sqlMs = times.statementMs;
    const t1 = performance.now();
    const outcomes: StageOutcome[] = [];
    const moves: Move[] = [];
    for (const id of ids) {
      const f = facts.get(id);
      if (!f) continue;
      phases.events += f.events.length;
      const r = replay(program, new FactIndex(f), now, null);
      outcomes.push({ subjectId: id, userId: f.userId, stage: r.stage, since: r.since, reason: r.reason, evaluatedAt: now, nextCheckAt: r.nextCheckAt, moves: r.moves });
      moves.push(...r.moves);
    }
    const t2 = performance.now();
    await db
      .transaction(async (tx) => {
        await clearStages(tx, workspaceId, 'customer', ids);
        await resolveTriggers(tx, moves);
        await saveOutcomes(tx, workspaceId, 'customer', stored.version, stored.model.name, outcomes, now);
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    phases.writeMs += performance.now() - t2;
    phases.sqlMs += sqlMs;
    phases.parseMs += loadMs - sqlMs;
    phases.replayMs += t2 - t1;
    phases.jsonBytes += [...times.statements.values()].reduce((s, k) => s + k.bytes, 0);
    phases.customers += ids.length;
  }
  const per = (ms: number) => Math.round((ms / phases.customers) * 1000 * 10) / 10;
  const total = phases.sqlMs + phases.parseMs + phases.replayMs + phases.writeMs;
  const share = (ms: number) => `${Math.round((100 * ms) / total)}%`;
  console.log(
    `\nphases, sampled on 3 chunks of ${fmt(chunk)} customers (${fmt(phases.events)} events, ${fmt(phases.jsonBytes / 2 ** 20)} MB of events JSON), one chunk at a time, ms per 1,000 customers:`,
  );
  console.log(`  events SQL (json_agg in the database)      ${String(per(phases.sqlMs)).padStart(8)}  ${share(phases.sqlMs)}`);
  console.log(`  JSON.parse + FactEvent objects (loadFacts) ${String(per(phases.parseMs)).padStart(8)}  ${share(phases.parseMs)}`);
  console.log(`  replay in JS (FactIndex + replay)          ${String(per(phases.replayMs)).padStart(8)}  ${share(phases.replayMs)}`);
  console.log(`  writes (clearStages, triggers, COPY ×3)    ${String(per(phases.writeMs)).padStart(8)}  ${share(phases.writeMs)}  (rolled back)`);
  return {
    msPer1000: { eventsSql: per(phases.sqlMs), parse: per(phases.parseMs), replay: per(phases.replayMs), writes: per(phases.writeMs) },
    jsonMb: Math.round(phases.jsonBytes / 2 ** 20),
    events: phases.events,
  };
}

// ---------------------------------------------------------------------------------------

/** An open bench database and how to put it away (a scratch database is dropped, a kept one only closed). */
export interface Target {
  db: Db;
  name: 'postgres' | 'pglite';
  url?: string;
  cleanup(): Promise<void>;
}

/** The database to run on: PGlite in a temporary data directory, `--keep-url`, or a scratch PostgreSQL database; migrated. */
export async function openTarget(o: Options): Promise<Target> {
  if (o.pglite) {
    // A data directory on disk, as `tenure serve` uses: PGlite's `memory://` file system
    // copies a whole table file each time the table grows by a page (seen: 30 ms per page
    // at 500 MB), which makes writes to a large table crawl.
    const dir = mkdtempSync(join(tmpdir(), 'tenure-bench-stages-'));
    const db = await openDb({ dataDir: dir });
    await migrate(db);
    return {
      db,
      name: 'pglite',
      cleanup: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = o.keepUrl ?? (await createScratchDatabase(BASE_URL));
  if (o.keepUrl) await ensureDatabase(o.keepUrl);
  const db = await openDb({ databaseUrl: url, poolSize: 8 });
  await migrate(db);
  return {
    db,
    name: 'postgres',
    url,
    cleanup: async () => {
      await db.close();
      if (!o.keepUrl) await dropScratchDatabase(BASE_URL, url);
    },
  };
}

/** Create the database `url` names when its server does not have it yet (a first --keep-url run). */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** The bench workspace and its `now`: reused when --keep-url names a database already loaded. */
export async function prepare(t: Target, o: Options) {
  const { rows } = await t.db.query<{ id: number; name: string }>(`SELECT id, name FROM workspaces WHERE slug = $1`, [SLUG]);
  const found = rows[0];
  if (found) {
    const now = new Date(found.name.replace(/^.*now=/, ''));
    const { rows: c } = await t.db.query<{ customers: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM customers WHERE workspace_id = $1) AS customers, (SELECT count(*)::int FROM events WHERE workspace_id = $1 AND type = 'track') AS events`,
      [found.id],
    );
    console.log(`reusing workspace ${SLUG} in ${t.url}: ${fmt(c[0]!.customers)} customers, ${fmt(c[0]!.events)} track events, now = ${now.toISOString()} (flags --customers/--events ignored)`);
    return { workspaceId: found.id, now, load: null, customers: c[0]!.customers, events: c[0]!.events };
  }
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const { workspace } = await makeWorkspace(t.db, SLUG);
  await t.db.query(`UPDATE workspaces SET name = $2 WHERE id = $1`, [workspace.id, `stages bench, now=${now.toISOString()}`]);
  console.log(`loading ${fmt(o.customers)} customers and ${fmt(o.events)} events into ${t.name}${t.url ? ` (${t.url})` : ''} …`);
  const load = await loadData(t.db, workspace.id, o, now.getTime());
  const loadSec = (load.customersMs + load.eventsMs) / 1000;
  console.log(
    `loaded ${fmt(load.customers)} customers + identities in ${secs(load.customersMs)} s, ${fmt(load.events)} events in ${secs(load.eventsMs)} s ` +
      `(${fmt(load.events / (load.eventsMs / 1000))} events/s); ${o.vacuum ? 'VACUUM ANALYZE' : 'ANALYZE'} ${secs(load.analyzeMs)} s; load total ${loadSec.toFixed(1)} s`,
  );
  return { workspaceId: workspace.id, now, load, customers: load.customers, events: load.events };
}

async function distribution(db: Db, workspaceId: number): Promise<Array<{ stage: string; n: number }>> {
  const { rows } = await db.query<{ stage: string; n: number }>(`SELECT stage, count(*)::int AS n FROM stage_states WHERE workspace_id = $1 GROUP BY stage ORDER BY n DESC`, [workspaceId]);
  return rows;
}

async function main(): Promise<void> {
  const o = parseOptions();
  console.log(machine());
  const t = await openTarget(o);
  let monitor: Conn | null = null;
  try {
    const { rows: v } = await t.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const serverVersion = `${t.name === 'pglite' ? 'PGlite, PostgreSQL ' : 'PostgreSQL '}${v[0]!.v}`;
    console.log(`database: ${serverVersion}`);
    const p = await prepare(t, o);
    if (t.url) monitor = (await pgConnections(t.url, 1))[0]!;
    const dbName = t.url ? new URL(t.url).pathname.slice(1) : null;

    const { rows: av } = await t.db.query<{ v: string }>(`SELECT current_setting('autovacuum') AS v`);
    if (t.name === 'postgres' && av[0]!.v !== 'on') console.log(`note: autovacuum is ${av[0]!.v} on this server: planner statistics change only by explicit ANALYZE`);
    console.log(`\nrecompute (chunk ${o.chunk ?? 2000}, ${t.name === 'pglite' ? 1 : (o.concurrency ?? 2)} in flight), now = ${p.now.toISOString()}; ${loadLine()}`);
    const first = await timedRecompute('recompute #1 (history empty or as stored)', t.db, p.workspaceId, p.now, o, monitor, dbName);
    const stages = await distribution(t.db, p.workspaceId);
    const { rows: tr } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_transitions WHERE workspace_id = $1`, [p.workspaceId]);
    if (o.maintain) {
      const t1 = performance.now();
      const done = await maintainTables(t.db);
      console.log(`\nmaintenance between the runs (--maintain): ${done.map((d) => `${d.action} ${d.table}`).join(', ') || 'nothing due'} in ${secs(performance.now() - t1)} s`);
    }
    const second = await timedRecompute('recompute #2 (deletes and rebuilds the history)', t.db, p.workspaceId, p.now, o, monitor, dbName);
    const stagesAfter = await distribution(t.db, p.workspaceId);
    const same = JSON.stringify(stages) === JSON.stringify(stagesAfter);
    const sample = o.sample ? await samplePhases(t.db, p.workspaceId, p.now, o.chunk ?? 2000) : null;

    const m = machineInfo();
    const peakRss = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(`\n===== stages recompute: ${t.name} =====`);
    console.log(`machine            ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}; ${serverVersion}`);
    console.log(`data               ${fmt(p.customers)} customers, ${fmt(p.events)} track events${p.load ? '' : ' (reused)'}`);
    if (p.load)
      console.log(
        `load               ${secs(p.load.customersMs + p.load.eventsMs)} s (customers ${secs(p.load.customersMs)} s, events ${secs(p.load.eventsMs)} s), ${o.vacuum ? 'VACUUM ANALYZE' : 'ANALYZE'} ${secs(p.load.analyzeMs)} s`,
      );
    for (const r of [first, second]) {
      console.log(
        `${r.label.slice(0, 12).padEnd(19)}${r.seconds} s, ${fmt(r.subjects)} customers, ${fmt(r.moves)} moves written, ${fmt(r.customersPerSec)} customers/s, ${fmt(p.events / r.seconds)} events/s`,
      );
    }
    console.log(`transitions stored ${fmt(tr[0]!.n)} after #1 (${tr[0]!.n === first.moves ? 'equals' : 'DIFFERS FROM'} moves written)`);
    console.log(`stages             ${stages.map((s) => `${s.stage} ${fmt(s.n)}`).join(', ')}${same ? '' : ' — DIFFERENT after #2: ' + stagesAfter.map((s) => `${s.stage} ${fmt(s.n)}`).join(', ')}`);
    console.log(`peak RSS           ${peakRss} MB for the whole process (recompute #1 ${first.peakRssMb} MB, #2 ${second.peakRssMb} MB)`);
    if (t.name === 'postgres')
      console.log(
        `target             < 60 s for 100,000 customers / 5,000,000 events: ${p.customers >= 100_000 && p.events >= 5_000_000 ? (first.seconds < 60 && second.seconds < 60 ? 'met' : 'MISSED') : 'n/a at this size'}`,
      );
    if (o.json) console.log(JSON.stringify({ machine: m, serverVersion, customers: p.customers, events: p.events, load: p.load, runs: [first, second], stages, sample, peakRssMb: peakRss }));
  } finally {
    await monitor?.close();
    await t.cleanup();
  }
}

// Run only as a script: bench/stages-latency.ts imports the statement timing from here.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

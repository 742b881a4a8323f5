/**
 * Do live segments slow ingestion? Segment `/v1/batch` requests of 100 events, 16 in
 * flight, into the real server (built by `buildServer` in this process, on PostgreSQL, with
 * its stage worker and segment worker on, as `tenure serve` runs them, and its table
 * maintenance), (a) with no segments and (b) with 50 computed dynamic segments.
 *
 *   node --import tsx bench/stages-recompute.ts --keep-url postgres://postgres@127.0.0.1:5432/tenure_bench_stages   # once: 100k customers / 5M events
 *   node --import tsx bench/segments-ingest.ts [--from postgres://…/tenure_bench_stages] [--events N] [--warmup N]
 *        [--rounds N] [--concurrency N] [--existing N] [--new N] [--segment-sweep | --as-shipped] [--keep-templates]
 *        [--only none|live]   (one of the two measurements, to look at it: no slowdown is worked out)
 *
 * Data: a copy of the workspace of bench/stages-recompute.ts (--from, never written to:
 * 100,000 customers `u1…` with 18 months of events and their lifecycle stages), with its
 * segments (the RFM groups) and scores removed, its KPI facts folded in, its events moved
 * into their months' partitions and its predictions (CLV, churn, health, recommendations)
 * computed, as a running server has them: template (a). Template (b) is (a) plus 50
 * segments of mixed kinds (windowed counts, traits, aggregates, last performed / seen,
 * stages, segment references, nested all/any/not), created and computed (the time of
 * that is printed: it is also what one sweep costs when all are due). The templates are
 * databases on the same server (`tenure_segbench_none`, `tenure_segbench_live`), built
 * once and dropped at the end unless --keep-templates (then reused by the next run).
 * Each measurement runs on a fresh copy (CREATE DATABASE … TEMPLATE), so (a) and (b)
 * start from the same data and get the very same requests.
 *
 * Traffic (bench/lib/segment-load.ts, pre-serialised): page views, product views, orders,
 * feature use and identifies from known users, three in four of them existing customers
 * (the `--existing` most recently active, default 30,000: about those seen in the last 30
 * days), the rest `--new` new people (default 10,000), plus anonymous visitors (15% of
 * calls), half of them devices of known users that link up (merges). Per measurement: a warm-up
 * of `--warmup` events (default 20,000, not timed) and a wait until both workers are
 * idle; then `--events` (default 200,000) events, timed from the first request to the
 * last answer; then the time until `SegmentWorker.idle()` resolves (and the stage
 * worker's): how far behind the segment engine fell. The segment worker's sweep (full
 * recomputation of time-based segments every 5 minutes) is off unless --segment-sweep:
 * the comparison is of the per-event work. After each (b) measurement the memberships
 * the worker kept are checked against the SQL compiler: `syncMembers` of every segment for
 * every customer the worker evaluated, rolled back, must change nothing (a few may differ
 * by the seconds the windows moved since).
 * The database's ceiling, per measurement and before its server starts: the timed events'
 * rows COPYed straight into an empty copy of `events` on 1 connection, 1,000 rows per
 * statement (bench/lib/raw-insert.ts, as bench/ingest.ts phase (d)); each measurement's
 * throughput is also given as a ratio to it (issue #27: figures as ratios to the same
 * run's raw COPY, so a loaded machine shows as a lower ceiling too).
 * Workers: everything `buildServer` wires for all roles (stage, segment and journey
 * workers, job runner, KPI facts sync every 2 s, loyalty, referrals, housekeeping, privacy,
 * prediction schedule) and the table maintenance, as `tenure serve`; the one difference is
 * the segment sweep, off by default (see above): `--as-shipped` (= --segment-sweep) runs it.
 * Rounds (default 3) alternate the order of (a) and (b); figures are medians.
 * Target (issue "Segments", issue #27 item 2): 50 live segments slow ingestion by no more than 30%.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { ConditionSchema, type Condition } from '../src/contracts/condition.js';
import { openDb, type Db } from '../src/server/db/client.js';
import { splitGaps, type Gap } from '../src/server/jobs/event-cursor.js';
import { startMaintenance } from '../src/server/db/maintenance.js';
import { prepareEventPartitions } from '../src/server/db/event-partitions.js';
import { migrate } from '../src/server/db/migrate.js';
import { syncFacts } from '../src/server/analytics/facts.js';
import { trainChurn } from '../src/server/predict/churn/churn-train.js';
import { scoreClv } from '../src/server/predict/clv/clv-scores.js';
import { computeHealth } from '../src/server/predict/health/health-compute.js';
import { computeRecommendations } from '../src/server/predict/recommend.js';
import { PREDICTION_SCHEDULE } from '../src/server/roles/prediction-schedule.js';
import { buildServer } from '../src/server/roles/server.js';
import { ChangeBus } from '../src/server/lib/change-bus.js';
import { PriorityGate, type GateReading } from '../src/server/lib/priority-gate.js';
import { backgroundSlots } from '../src/server/roles/wiring.js';
import { StageWorker } from '../src/server/lifecycle/stage-worker.js';
import { createLogger } from '../src/server/log.js';
import { computeSegment, syncMembers } from '../src/server/segments/segment-sync.js';
import { dependencyOrder } from '../src/server/segments/segment-reads.js';
import { SegmentWorker } from '../src/server/segments/segment-worker.js';
import { insertSegment, listSegments } from '../src/server/segments/segments.repo.js';
import { setWorkspaceKeys } from '../src/server/workspaces/workspaces.repo.js';
import { backendCpu, backendCpuDelta, pgConnections, type Conn } from './lib/bench-db.js';
import { dropRawTable, rowsOf, timeRawInsert, type RawRow } from './lib/raw-insert.js';
import { round1, runMax, segmentClient } from './lib/http-load.js';
import { loadLine, machine, machineInfo, watchRss } from './lib/proc.js';
import { callsOf, makeBodies, seeded } from './lib/segment-load.js';
import { SEGMENT_LABELS } from './lib/segment-labels.js';
import { timedDb, Timings } from './lib/timed-db.js';

const PER_BATCH = 100;
const WRITE_KEY = 'tw_bench_segments_ingest';
const ADMIN_KEY = 'ta_bench_segments_ingest';
const SLUG = 'bench-stages'; // the workspace bench/stages-recompute.ts loads
const TEMPLATES = { none: 'tenure_segbench_none', live: 'tenure_segbench_live' } as const;
type Mode = keyof typeof TEMPLATES;

const { values: v } = parseArgs({
  options: {
    from: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/tenure_bench_stages' },
    events: { type: 'string', default: '200000' },
    warmup: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    existing: { type: 'string', default: '30000' },
    new: { type: 'string', default: '10000' },
    'segment-sweep': { type: 'boolean', default: false },
    'as-shipped': { type: 'boolean', default: false },
    'keep-templates': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
if (v.only !== undefined && v.only !== 'none' && v.only !== 'live') throw new Error(`--only: none or live, not ${v.only}`);
const events = Number(v.events);
const warmup = Number(v.warmup);
const rounds = Number(v.rounds);
const concurrency = Number(v.concurrency);
const existing = Number(v.existing);
const newUsers = Number(v.new);
const segmentSweep = v['segment-sweep']! || v['as-shipped']!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${Math.round(x * 100)}%`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const days = (amount: number) => ({ amount, unit: 'days' as const });

// ---------------------------------------------------------------------------------------
// Databases: templates and per-measurement copies on the server of --from

const fromUrl = new URL(v.from!);
const urlOf = (name: string) => Object.assign(new URL(fromUrl.toString()), { pathname: `/${name}` }).toString();

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urlOf('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function exists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1);
}

/** A file copy of `template` (nobody may be connected to it); returns the seconds it took. */
async function copyDatabase(template: string, name: string): Promise<number> {
  const t0 = performance.now();
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`));
  return (performance.now() - t0) / 1000;
}

async function dropDatabase(name: string): Promise<void> {
  if (!name.startsWith('tenure_segbench_')) throw new Error(`refusing to drop ${name}`);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function workspaceOf(db: Db): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM workspaces WHERE slug = $1`, [SLUG]);
  if (!rows[0]) throw new Error(`${v.from} holds no workspace ${SLUG}: load it with bench/stages-recompute.ts --keep-url first`);
  return rows[0].id;
}

/** 50 conditions of the kinds lifecycle teams write, over the seeded events and the traffic's. */
function segmentConditions(): Array<[string, Condition]> {
  const out: Array<[string, Condition]> = [];
  const names = ['Order Completed', 'Product Viewed', 'Page Viewed', 'Email Link Clicked', 'Feature Used'];
  for (let i = 0; i < 10; i++) out.push([`count ${i}`, { performed: { event: names[i % 5]!, count: { op: 'gte', value: 1 + (i % 4) }, window: { within: days(7 + i * 9) } } }]);
  const traits: Condition[] = [
    { trait: { path: 'plan', op: 'eq', value: 'pro' } },
    { trait: { path: 'plan', op: 'eq', value: 'free' } },
    { trait: { path: 'plan', op: 'neq', value: 'pro' } },
    { trait: { path: 'email', op: 'contains', value: '7@' } },
    { trait: { path: 'name', op: 'exists' } },
    { trait: { path: 'createdAt', op: 'exists' } },
  ];
  traits.forEach((c, i) => out.push([`trait ${i}`, c]));
  for (let i = 0; i < 8; i++) {
    out.push([
      `aggregate ${i}`,
      { aggregate: { event: 'Order Completed', property: 'revenue', fn: (['sum', 'avg', 'max', 'min'] as const)[i % 4]!, op: 'gte', value: 30 + i * 20, window: { within: days(30 + i * 45) } } },
    ]);
  }
  for (let i = 0; i < 3; i++) out.push([`last performed ${i}`, { lastPerformed: { event: names[i]!, op: i % 2 ? 'before' : 'within', duration: days(14 + i * 30) } }]);
  out.push(['last seen within 7 d', { lastSeen: { op: 'within', duration: days(7) } }]);
  out.push(['last seen before 60 d', { lastSeen: { op: 'before', duration: days(60) } }]);
  out.push(['first seen within 30 d', { firstSeen: { op: 'within', duration: days(30) } }]);
  for (const [i, key] of ['engagement', 'conversion', 'retention', 'at_risk'].entries()) out.push([`stage ${key}`, { stage: { key, ...(i % 2 ? { atLeast: days(14) } : {}) } }]);
  out.push(['ios feature users', { performed: { event: 'Feature Used', where: [{ path: 'surface', op: 'eq', value: 'ios' }], count: { op: 'gte', value: 2 } } }]);
  out.push(['big orders', { performed: { event: 'Order Completed', where: [{ path: 'revenue', op: 'gt', value: 80 }], window: { within: days(180) } } }]);
  for (let i = 0; i < 8; i++) {
    out.push([
      `nested ${i}`,
      {
        all: [
          i % 2 ? { performed: { event: 'Signed Up' } } : { trait: { path: 'email', op: 'exists' } },
          {
            any: [
              { performed: { event: 'Order Completed', window: { within: days(14 + i * 10) } } },
              { performed: { event: 'Product Viewed', count: { op: 'gte', value: 3 }, window: { within: days(7 + i) } } },
            ],
          },
          { not: { performed: { event: i % 2 ? 'Subscription Cancelled' : 'Email Link Clicked', window: { within: days(30) } } } },
        ],
      },
    ]);
  }
  // Segments on segments (created after the ones they read: ids bench_seg_00 …).
  out.push(['in count 0 and trait 0', { all: [{ inSegment: { id: 'bench_seg_00' } }, { inSegment: { id: 'bench_seg_10' } }] }]);
  out.push(['in aggregate 0, not stage at_risk', { all: [{ inSegment: { id: 'bench_seg_16' } }, { not: { inSegment: { id: 'bench_seg_33' } } }] }]);
  out.push(['any of last seen / nested 0', { any: [{ inSegment: { id: 'bench_seg_27' } }, { inSegment: { id: 'bench_seg_36' } }] }]);
  out.push([
    'high value and recent',
    { all: [{ aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 150 } }, { lastSeen: { op: 'within', duration: days(30) } }] },
  ]);
  out.push([
    'window browsers',
    { all: [{ performed: { event: 'Product Viewed', count: { op: 'gte', value: 5 }, window: { within: days(30) } } }, { not: { performed: { event: 'Order Completed' } } }] },
  ]);
  out.push(['ordered this week', { performed: { event: 'Order Completed', window: { within: days(7) } } }]);
  if (out.length !== 50) throw new Error(`${out.length} segments, not 50`);
  return out.map(([name, c]) => [name, ConditionSchema.parse(c)]);
}

/** Template (a): the loaded workspace without segments or scores, with known keys. (b): plus the 50 segments, computed. */
async function buildTemplates(): Promise<void> {
  const source = fromUrl.pathname.slice(1);
  if (!(await exists(TEMPLATES.none))) {
    console.log(`template (a): copying ${source} …`);
    const s = await copyDatabase(source, TEMPLATES.none);
    const db = await openDb({ databaseUrl: urlOf(TEMPLATES.none), poolSize: 2 });
    try {
      await migrate(db);
      const ws = await workspaceOf(db);
      for (const table of ['segment_members', 'segment_history', 'segments', 'customer_scores', 'rfm_runs']) await db.query(`DELETE FROM ${table} WHERE workspace_id = $1`, [ws]);
      await setWorkspaceKeys(db, ws, { writeKey: WRITE_KEY, adminKey: ADMIN_KEY });
      await db.query('VACUUM ANALYZE segment_members, segment_history, segments, customer_scores');
      // The KPI facts of the loaded history, as a server that has been running has them: the
      // events were COPYed in, not ingested, so without this the KPI sync would fold all
      // 5,000,000 of them during the measurements (minutes of database time, in (a) and (b)).
      const t0 = performance.now();
      const synced = await syncFacts(db, { onProgress: (n) => n % 1_000_000 < 20_000 && console.log(`template (a): KPI facts of ${fmt(n)} events …`) });
      // Planner statistics for every month's partition (migration 0028 moved the rows; a copy
      // of a database starts with no activity counts, so table maintenance would not see them).
      await db.query('ANALYZE events; ANALYZE analytics_days; ANALYZE analytics_months; ANALYZE analytics_customers; ANALYZE analytics_orders');
      console.log(`template (a): KPI facts of ${fmt(synced.events)} events folded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await db.close();
    }
    console.log(`template (a) ${TEMPLATES.none}: copied in ${s.toFixed(1)} s, segments and scores removed`);
  }
  if (!(await exists(TEMPLATES.live))) {
    const s = await copyDatabase(TEMPLATES.none, TEMPLATES.live);
    const db = await openDb({ databaseUrl: urlOf(TEMPLATES.live), poolSize: 2 });
    try {
      const ws = await workspaceOf(db);
      const t0 = performance.now();
      const now = new Date();
      let members = 0;
      const slow: string[] = [];
      for (const [i, [name, condition]] of segmentConditions().entries()) {
        const id = `bench_seg_${String(i).padStart(2, '0')}`;
        await insertSegment(db, ws, id, { name, description: 'bench/segments-ingest.ts', condition });
        const t1 = performance.now();
        const r = await computeSegment(db, ws, id, now);
        members += r!.entered;
        const ms = performance.now() - t1;
        if (ms > 2000) slow.push(`${name} ${(ms / 1000).toFixed(1)} s`);
      }
      const computeS = (performance.now() - t0) / 1000;
      await db.query('ANALYZE segment_members; ANALYZE segment_history; ANALYZE events');
      console.log(
        `template (b) ${TEMPLATES.live}: copied in ${s.toFixed(1)} s; 50 segments created and computed in ${computeS.toFixed(1)} s ` +
          `(${fmt(members)} memberships${slow.length ? `; over 2 s: ${slow.join(', ')}` : ''})`,
      );
    } finally {
      await db.close();
    }
  }
  for (const name of Object.values(TEMPLATES)) await ensureSteadyState(name);
}

/**
 * A template as a server that has been running for a while leaves its database, so that a
 * measurement times the per-event work and not one-off catch-up:
 * - events in their months' partitions: the source's history was COPYed in before those
 *   partitions existed, so all of it sits in `events_default`, and housekeeping would move it
 *   month by month under an ACCESS EXCLUSIVE lock on `events` as the measured server starts
 *   (seen: every append and read waiting behind it for seconds at a time);
 * - the prediction schedule's results (CLV and churn models, health scores, recommendations):
 *   without them the schedule finds every one due as the server starts, and its jobs run
 *   inside (a) and (b).
 */
async function ensureSteadyState(name: string): Promise<void> {
  const db = await openDb({ databaseUrl: urlOf(name), poolSize: 2 });
  try {
    const ws = await workspaceOf(db);
    const t0 = performance.now();
    const made = await prepareEventPartitions(db, new Date());
    if (made.length > 0) {
      await db.query('ANALYZE events');
      console.log(`template ${name}: events moved into ${made.length} monthly partitions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // Templates moved before prepareEventPartitions vacuumed the default (a no-op otherwise).
    await db.query('VACUUM (ANALYZE) events_default');
    const { rows } = await db.query<{ clv: boolean; churn: boolean; health: boolean; products: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM prediction_models WHERE workspace_id = $1 AND kind = 'clv') AS clv,
              EXISTS (SELECT 1 FROM prediction_models WHERE workspace_id = $1 AND kind = 'churn') AS churn,
              EXISTS (SELECT 1 FROM health_scorecards WHERE workspace_id = $1) AS health,
              EXISTS (SELECT 1 FROM products WHERE workspace_id = $1) AS products`,
      [ws],
    );
    const have = rows[0]!;
    const now = new Date();
    const steps: Array<[string, boolean, () => Promise<unknown>]> = [
      ['CLV', have.clv, () => scoreClv(db, ws, { now })],
      ['churn', have.churn, () => trainChurn(db, ws, { now })],
      ['health', have.health, () => computeHealth(db, ws, { now })],
      ['recommendations', have.products, () => computeRecommendations(db, ws, { now })],
    ];
    for (const [label, done, run] of steps) {
      if (done) continue;
      const t0 = performance.now();
      await run();
      console.log(`template ${name}: ${label} computed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await db.close();
  }
}

/**
 * In a measurement's copy: the prediction schedule's jobs ran just now (their results are in
 * the template, see ensureSteadyState), so none is due during the measurement. Without it a
 * job whose result the template cannot hold comes due at every start: the template's orders
 * carry no `products`, so it has no recommendations, and their rebuild over the traffic's
 * orders ran for minutes inside (a) and (b).
 */
async function scheduledJustNow(db: Db): Promise<void> {
  const ws = await workspaceOf(db);
  for (const job of PREDICTION_SCHEDULE)
    await db.query(`INSERT INTO jobs (workspace_id, kind, status, params, created_at, finished_at) VALUES ($1, $2, 'done', '{"scheduled": true}', now(), now())`, [ws, job.kind]);
}

// ---------------------------------------------------------------------------------------
// Traffic

/** The user ids of the `n` customers of template (a) seen most recently (the ones still active). */
async function recentUsers(n: number): Promise<string[]> {
  const db = await openDb({ databaseUrl: urlOf(TEMPLATES.none), poolSize: 1 });
  try {
    const ws = await workspaceOf(db);
    const { rows } = await db.query<{ user_id: string }>(
      `SELECT c.user_id FROM customers c WHERE c.workspace_id = $1 AND c.user_id IS NOT NULL
        ORDER BY (SELECT max(e.timestamp) FROM events e WHERE e.customer_id = c.id AND e.type <> 'tenure') DESC NULLS LAST, c.id LIMIT $2`,
      [ws, n],
    );
    return rows.map((r) => r.user_id);
  } finally {
    await db.close();
  }
}

/**
 * The bodies of every measurement: analytics.js-like calls whose known users `user-k` are
 * the `existing` most recently active customers for k < existing, new people `new-k` beyond.
 */
function trafficBodies(count: number, recent: string[]): Buffer[] {
  return makeBodies(count, PER_BATCH, { rand: seeded(20261124), users: recent.length + newUsers }).map((body) => {
    const parsed = JSON.parse(body.toString('utf8')) as { batch: Array<Record<string, unknown>> };
    for (const call of parsed.batch) {
      const m = typeof call.userId === 'string' ? /^user-(\d+)$/.exec(call.userId) : null;
      if (m) call.userId = Number(m[1]) < recent.length ? recent[Number(m[1])]! : `new-${m[1]}`;
    }
    return Buffer.from(JSON.stringify(parsed));
  });
}

// ---------------------------------------------------------------------------------------
// One measurement

class Rollback extends Error {}

/**
 * What the SQL compiler says the memberships of `ids` should be, against what the worker
 * stored: `syncMembers` of every computed segment for those customers, in dependency
 * order, rolled back. Returns the changes it would make, per segment.
 */
async function verify(db: Db, ids: number[]): Promise<{ changes: number; bySegment: Array<[string, number, number]> }> {
  const ws = await workspaceOf(db);
  const bySegment: Array<[string, number, number]> = [];
  const sorted = [...ids].sort((x, y) => x - y);
  await db
    .transaction(async (tx) => {
      const now = new Date();
      const segs = dependencyOrder((await listSegments(tx, ws)).filter((s) => s.kind === 'dynamic' && s.computedVersion === s.version));
      for (const seg of segs) {
        const r = await syncMembers(tx, seg, now, sorted);
        if (r.entered + r.exited > 0) bySegment.push([seg.name, r.entered, r.exited]);
      }
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  bySegment.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
  return { changes: bySegment.reduce((n, [, e, x]) => n + e + x, 0), bySegment };
}

interface Measurement {
  mode: Mode;
  rate: number;
  /** The database's ceiling on this copy just before: raw COPY, 1,000 rows, 1 connection (rows/s). */
  rawCopy: number;
  seconds: number;
  p50: number;
  p99: number;
  segmentLagS: number;
  stageLagS: number;
  evaluations: number;
  evaluated: number;
  entered: number;
  exited: number;
  cpuProcess: number;
  cpuBackends: number;
  peakRssMb: number;
  statements: string[];
  statementS: number;
  transactions: number;
  /** Background batches held back by the priority gate during the timed load: seconds held in all, and holds. */
  heldS: number;
  holds: number;
  /** What the priority gate saw during the timed load (`watchGate`). */
  gate: { busy: number; queued: number; inFlight: number; loop: number; held: number };
  /** The most gaps (and ids in them) each event reader's cursor held at once during the timed load (jobs/event-cursor.ts). */
  gaps: Record<string, { gaps: number; ids: number; lookedUpIds: number; ranges: number }>;
}

/** The event readers' cursor tables (jobs/event-cursor.ts; as jobs/pipeline-lag.ts names them). */
const CURSOR_TABLES = ['journey_cursor', 'analytics_cursor', 'loyalty_cursor', 'referral_cursor'] as const;

/**
 * Runs `sample` every `ms`, one at a time (a slow sample delays the next; a failed one is
 * skipped); `stop` ends it once the sample under way is done.
 */
function sampleEvery(ms: number, sample: () => Promise<void>): { stop(): Promise<void> } {
  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => (sampling = sampling.then(sample).catch(() => undefined)), ms);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
    },
  };
}

/**
 * Samples, once a second, the gaps each event reader holds (jobs/event-cursor.ts): `stop`
 * gives the peaks of the gaps, of the ids in them, and of what a pass looks them up as (ids
 * one by one, ranges).
 */
function watchGaps(monitor: Conn): { stop(): Promise<Measurement['gaps']> } {
  const peak: Measurement['gaps'] = {};
  const sampler = sampleEvery(1_000, async () => {
    for (const table of CURSOR_TABLES) {
      const { rows } = await monitor.query(`SELECT gaps FROM ${table}`);
      const gaps = rows.flatMap((r) => r.gaps as Gap[]);
      const split = splitGaps(gaps);
      const p = (peak[table] ??= { gaps: 0, ids: 0, lookedUpIds: 0, ranges: 0 });
      p.gaps = Math.max(p.gaps, gaps.length);
      p.ids = Math.max(
        p.ids,
        gaps.reduce((n, g) => n + g.to - g.from + 1, 0),
      );
      p.lookedUpIds = Math.max(p.lookedUpIds, split.ids.length);
      p.ranges = Math.max(p.ranges, split.ranges.length);
    }
  });
  return {
    async stop() {
      await sampler.stop();
      return peak;
    },
  };
}

/**
 * Samples what the priority gate sees every 100 ms: `stop` gives the medians of the writers'
 * busy share, the events queued and in flight and the event loop's busy share, and the
 * share of samples in which the gate held the background back.
 */
function watchGate(gate: PriorityGate): { stop(): Measurement['gate'] } {
  const samples: GateReading[] = [];
  const timer = setInterval(() => samples.push(gate.reading()), 100);
  const mid = (f: (r: GateReading) => number) => (samples.length === 0 ? 0 : median(samples.map(f)));
  const held = () => (samples.length === 0 ? 0 : samples.filter((r) => r.saturated).length / samples.length);
  return {
    stop() {
      clearInterval(timer);
      return { busy: mid((r) => r.busy), queued: mid((r) => r.queued), inFlight: mid((r) => r.inFlight), loop: mid((r) => r.loop), held: held() };
    },
  };
}

/**
 * Samples, every 100 ms, what the bench database's sessions are doing (pg_stat_activity):
 * running (CPU), waiting on something (its wait event: a lock, I/O, WAL), or idle in a
 * transaction, that is waiting for this process (its thread, or the JavaScript between two
 * statements). `stop` gives the average number of sessions in each state per statement
 * kind, the largest first, and the event loop's delay (what a reply waits for the thread).
 */
function watchWaits(monitor: Conn, name: string): { stop(): Promise<{ waits: Array<[string, number]>; loopDelay: { p50: number; p99: number; max: number } }> } {
  const counts = new Map<string, number>();
  let samples = 0;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const sampler = sampleEvery(100, async () => {
    const { rows } = await monitor.query(
      `SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (waits for Node)' WHEN wait_event IS NULL THEN 'running' ELSE wait_event_type || ':' || wait_event END AS w,
                  left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
      [name],
    );
    samples++;
    for (const r of rows) {
      const key = `${r.w as string} — ${r.q as string}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  });
  return {
    async stop() {
      await sampler.stop();
      delay.disable();
      const ms = (ns: number) => ns / 1e6;
      return {
        waits: [...counts].map(([k, n]): [string, number] => [k, n / Math.max(1, samples)]).sort((a, b) => b[1] - a[1]),
        loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      };
    },
  };
}

/** The timed events as rows of `events`, 1,000 per COPY (built once, before any timing). */
function rawBatches(bodies: Buffer[]): RawRow[][] {
  const customers = new Map<string, number>();
  const receivedAt = new Date().toISOString();
  const rows = bodies.map((b) => rowsOf(callsOf(b), (JSON.parse(b.toString('utf8')) as { sentAt: string }).sentAt, receivedAt, customers));
  const out: RawRow[][] = [];
  for (let i = 0; i < rows.length; i += 10) out.push(rows.slice(i, i + 10).flat());
  return out;
}

/** Raw COPY of the timed rows into an empty copy of `events` in database `url`, 1 connection; the table is dropped and a checkpoint taken after. */
async function rawCopy(url: string, batches: RawRow[][]): Promise<number> {
  const [conn] = await pgConnections(url, 1);
  try {
    const r = await timeRawInsert([conn!], batches, 'copy');
    await dropRawTable(conn!);
    await conn!.query('CHECKPOINT');
    return r.rowsPerSec;
  } finally {
    await conn!.close();
  }
}

async function measure(mode: Mode, round: number, bodies: Buffer[], raw: RawRow[][]): Promise<Measurement> {
  const name = `tenure_segbench_run_${Date.now()}`;
  const copyS = await copyDatabase(TEMPLATES[mode], name);
  const url = urlOf(name);
  const rawRate = await rawCopy(url, raw);
  const db = await openDb({ databaseUrl: url }); // the server's default pool
  await scheduledJustNow(db);
  const [monitor] = await pgConnections(url, 1);
  const log = createLogger('silent');
  const counts = { evaluations: 0, evaluated: 0, entered: 0, exited: 0 };
  const evaluatedIds = new Set<number>(); // every customer the worker evaluated, warm-up included
  const times = new Timings(SEGMENT_LABELS);
  // Wired as roles/wiring.ts wires them: one priority gate (with as many background slots) for the request path and both workers; the segment worker after the stage worker.
  const gate = new PriorityGate({ slots: backgroundSlots(db, true, {}) });
  const segments = new SegmentWorker(timedDb(db, times).db, { log, sweepMs: segmentSweep ? undefined : 0, gate, afterStages: true });
  const bus = new ChangeBus();
  bus.on('segment', (c) => {
    counts.evaluations++;
    counts.evaluated += c.customerIds.length;
    counts.entered += c.entered;
    counts.exited += c.exited;
    for (const id of c.customerIds) evaluatedIds.add(id);
  });
  const stages = new StageWorker(db, { log, gate });
  const app = await buildServer({ db, log, stages, segments, bus, gate });
  const stopMaintenance = await startMaintenance(db, log);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { post, close } = segmentClient((app.server.address() as AddressInfo).port, WRITE_KEY, concurrency);
  try {
    const w = await runMax(post, bodies.slice(0, warmup / PER_BATCH), PER_BATCH, concurrency);
    if (w.tally.errors > 0) throw new Error(`warm-up: ${w.tally.errors} errors (${w.tally.firstError})`);
    await Promise.all([stages.idle(), segments.idle()]);
    Object.assign(counts, { evaluations: 0, evaluated: 0, entered: 0, exited: 0 });
    times.statements.clear();
    times.transactions = times.transactionMs = 0;

    const rss = watchRss(process.pid, 250);
    const cpu0 = process.cpuUsage();
    const backends0 = await backendCpu(monitor!, name);
    const held0 = { ...gate.held };
    const gapWatch = watchGaps(monitor!);
    const gateWatch = watchGate(gate);
    const waitWatch = watchWaits(monitor!, name);
    const r = await runMax(post, bodies.slice(warmup / PER_BATCH), PER_BATCH, concurrency);
    const end = performance.now();
    const gateSeen = gateWatch.stop();
    const waits = await waitWatch.stop();
    const gaps = await gapWatch.stop();
    const held = { ms: gate.held.ms - held0.ms, times: gate.held.times - held0.times };
    if (r.tally.errors > 0) throw new Error(`${mode}: ${r.tally.errors} errors (${r.tally.firstError})`);
    // Caught up: the stage worker is idle and so is the segment worker, with what the stage worker's last moves handed it.
    const stageLag = stages.idle().then(() => performance.now() - end);
    await segments.idle();
    await stageLag;
    await segments.idle();
    const lags = [performance.now() - end, await stageLag] as const;
    const cpu = process.cpuUsage(cpu0);
    const backends = backendCpuDelta(backends0, await backendCpu(monitor!, name));
    const p = r.tally.percentiles();
    const m: Measurement = {
      mode,
      rate: r.tally.ackedEvents / r.seconds,
      rawCopy: rawRate,
      seconds: r.seconds,
      p50: p.p50,
      p99: p.p99,
      segmentLagS: lags[0] / 1000,
      stageLagS: lags[1] / 1000,
      ...counts,
      cpuProcess: (cpu.user + cpu.system) / 1e6,
      cpuBackends: backends,
      peakRssMb: Math.round(rss.stop()),
      statements: times.lines(),
      statementS: times.statementMs / 1000,
      transactions: times.transactions,
      heldS: held.ms / 1000,
      holds: held.times,
      gate: gateSeen,
      gaps,
    };
    console.log(
      `round ${round} ${mode === 'none' ? '(a) no segments      ' : '(b) 50 live segments '} ${fmt(m.rate).padStart(6)} events/s (${fmt(r.tally.ackedEvents)} in ${m.seconds.toFixed(1)} s; request p50 ${p.p50} ms, p99 ${p.p99} ms); ` +
        `raw COPY 1 connection just before ${fmt(rawRate)} rows/s, ratio ${(m.rate / rawRate).toFixed(2)}; ` +
        `segment worker idle ${m.segmentLagS.toFixed(1)} s after the load, stage worker ${m.stageLagS.toFixed(1)} s; ` +
        `CPU s: this process ${m.cpuProcess.toFixed(1)}, PostgreSQL backends ${m.cpuBackends.toFixed(1)}; copy ${copyS.toFixed(0)} s; ${loadLine()}`,
    );
    console.log(
      `  background held back by the priority gate during the load: ${m.heldS.toFixed(1)} s in ${fmt(m.holds)} holds; ` +
        `the gate saw (medians) writers busy ${pct(m.gate.busy)}, ${fmt(m.gate.queued)} events queued, ${fmt(m.gate.inFlight)} in flight, event loop busy ${pct(m.gate.loop)}; ` +
        `saturated (background held) ${pct(m.gate.held)} of the time; ` +
        `event readers' gaps at most (gaps / ids in them / looked up as ids one by one + ranges): ${CURSOR_TABLES.map((t) => {
          const g = gaps[t];
          return `${t.replace('_cursor', '')} ${fmt(g?.gaps ?? 0)} / ${fmt(g?.ids ?? 0)} / ${fmt(g?.lookedUpIds ?? 0)} + ${fmt(g?.ranges ?? 0)}`;
        }).join(', ')}`,
    );
    console.log(
      `  event loop delay during the load: p50 ${waits.loopDelay.p50.toFixed(1)} ms, p99 ${waits.loopDelay.p99.toFixed(1)} ms, max ${waits.loopDelay.max.toFixed(0)} ms; ` +
        `the database's sessions, on average (pg_stat_activity every 100 ms), by state and statement:\n` +
        waits.waits
          .slice(0, 14)
          .map(([k, n]) => `    ${n.toFixed(2).padStart(5)}  ${k}`)
          .join('\n'),
    );
    if (mode === 'live') {
      const t0 = performance.now();
      const check = await verify(db, [...evaluatedIds]);
      console.log(
        `  verified against the SQL compiler for the ${fmt(evaluatedIds.size)} customers evaluated (${((performance.now() - t0) / 1000).toFixed(1)} s): ` +
          (check.changes === 0
            ? 'every membership as it should be'
            : `${fmt(check.changes)} memberships differ: ${check.bySegment
                .slice(0, 6)
                .map(([n, e, x]) => `${n} +${e}/−${x}`)
                .join(', ')}`),
      );
    }
    return m;
  } finally {
    close();
    stopMaintenance();
    await app.close();
    await monitor!.close();
    await db.close();
    await dropDatabase(name);
  }
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(machine());
  await buildTemplates();
  const recent = await recentUsers(existing);
  const bodies = trafficBodies(Math.ceil((warmup + events) / PER_BATCH), recent);
  const raw = rawBatches(bodies.slice(warmup / PER_BATCH));
  console.log(
    `traffic: ${fmt(warmup)} warm-up + ${fmt(events)} timed events in batches of ${PER_BATCH}, ${concurrency} in flight; known users: the ${fmt(recent.length)} most recently active customers and ${fmt(newUsers)} new people; 15% anonymous calls`,
  );
  console.log(
    `workers as \`tenure serve\` wires them (stage worker with its 30 s sweep, segment worker, journey worker, job runner, KPI facts sync every 2 s, loyalty, referrals, housekeeping, privacy, prediction schedule, table maintenance), ` +
      (segmentSweep
        ? 'segment sweep on (every 60 s, time-based segments recomputed after 5 min): as shipped'
        : 'EXCEPT the segment sweep: off (the comparison is of the per-event work; --as-shipped runs it)') +
      '; server, workers and load generator in this one process\n',
  );
  const all: Measurement[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: Mode[] = v.only ? [v.only as Mode] : round % 2 === 1 ? ['none', 'live'] : ['live', 'none'];
      for (const mode of order) all.push(await measure(mode, round, bodies, raw));
    }
  } finally {
    if (!v['keep-templates']) for (const t of Object.values(TEMPLATES)) await dropDatabase(t);
  }

  const of = (mode: Mode) => all.filter((m) => m.mode === mode);
  if (v.only) return; // one measurement: printed above, nothing to compare it with
  const a = median(of('none').map((m) => m.rate));
  const b = median(of('live').map((m) => m.rate));
  const slowdown = (100 * (a - b)) / a;
  const rawMedian = median(all.map((m) => m.rawCopy));
  const ratioA = median(of('none').map((m) => m.rate / m.rawCopy));
  const ratioB = median(of('live').map((m) => m.rate / m.rawCopy));
  const list = (mode: Mode, f: (m: Measurement) => number, d = 0) =>
    of(mode)
      .map((m) => f(m).toFixed(d))
      .join(' / ');
  const mc = machineInfo();
  console.log(`\n===== live segments and ingestion: postgres =====`);
  console.log(`machine             ${mc.cpus} × ${mc.cpuModel}, ${mc.memoryGiB} GiB, node ${mc.node}; server, workers and load generator in one process`);
  console.log(`(a) no segments     median ${fmt(a)} events/s (${list('none', (m) => m.rate)}); segment worker idle after ${list('none', (m) => m.segmentLagS, 1)} s`);
  console.log(
    `(b) 50 segments     median ${fmt(b)} events/s (${list('live', (m) => m.rate)}); segment worker idle after ${list('live', (m) => m.segmentLagS, 1)} s, stage worker ${list('live', (m) => m.stageLagS, 1)} s`,
  );
  console.log(`raw COPY            median ${fmt(rawMedian)} rows/s (1,000 rows, 1 connection, before each measurement: ${all.map((m) => fmt(m.rawCopy)).join(' / ')})`);
  console.log(
    `÷ raw COPY          (a) ${ratioA.toFixed(2)} (${list('none', (m) => m.rate / m.rawCopy, 2)}), (b) ${ratioB.toFixed(2)} (${list('live', (m) => m.rate / m.rawCopy, 2)}); ` +
      `slowdown by ratios ${round1((100 * (ratioA - ratioB)) / ratioA)}%`,
  );
  console.log(`slowdown            ${round1(slowdown)}% (target ≤ 30%: ${slowdown <= 30 ? 'met' : 'MISSED'})${segmentSweep ? '' : ' — segment sweep off; --as-shipped runs it'}`);
  const last = of('live').at(-1)!;
  console.log(
    `(b) last run        ${fmt(last.evaluations)} segment evaluations of ${fmt(last.evaluated)} customers (${fmt(last.entered)} entries, ${fmt(last.exited)} exits); ` +
      `CPU this process ${last.cpuProcess.toFixed(1)} s, PostgreSQL backends ${last.cpuBackends.toFixed(1)} s (vs (a) ${of('none').at(-1)!.cpuProcess.toFixed(1)} s / ${of('none').at(-1)!.cpuBackends.toFixed(1)} s); peak RSS ${last.peakRssMb} MB`,
  );
  console.log(`  segment worker statements (time waited; ${fmt(last.transactions)} transactions, ${last.statementS.toFixed(1)} s in statements), from the end of the warm-up until idle:`);
  for (const l of last.statements) console.log(l);
  console.log(loadLine());
}

await main();

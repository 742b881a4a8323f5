import { applyStoredEmailSpecEvents } from '../ingest/email-spec.js';
import cliProgress from 'cli-progress';
import type { Db, Queryable } from '../db/client.js';
import type { Logger } from '../log.js';
import { CHANNELS } from './catalog.js';
import { Rng } from '../lib/rng.js';
import { acquisitionTimes, simulateCustomer, type SimulationEnv } from './simulate.js';
import { DemoWriter } from './write.js';
import { maintainTables } from '../db/maintenance.js';
import { checkpoint, checkpointIfDue } from '../db/checkpoint.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { seedExampleSegments } from '../segments/examples.js';
import { runRfm } from '../segments/rfm.js';
import { computeRecommendations } from '../predict/recommend.js';
import { scoreClv } from '../predict/clv/clv-scores.js';
import { syncFacts } from '../analytics/facts.js';
import { trainChurn } from '../predict/churn/churn-train.js';
import { computeHealth } from '../predict/health/health-compute.js';
import { seedDemoFraud, seedDemoLoyalty } from './demo-loyalty.js';
import { seedExampleJourneys } from './example-journeys.js';
import type { DemoProgress } from './demo-status.js';
import { EV } from '../../contracts/events.js';

export interface DemoOptions {
  /** Known (signed-up) customers; anonymous-only visitors come on top (15%). Default 10,000. */
  customers?: number;
  seed?: number;
  /** Draw progress bars on standard error (the CLI on a terminal). */
  progress?: boolean;
  log?: Logger;
  /** End of the generated 18 months (default: now). */
  now?: Date;
  /** Fit CLV, train churn risk and score health at the end, as the schedule would (default true). */
  predictions?: boolean;
  /** Run the loyalty and referral programmes over the last months and plant the self-referral attempts (default true). */
  loyalty?: boolean;
  /** Called as each step advances (see DemoTracker). */
  onProgress?: DemoProgress;
  /** Stops the preparation between two batches (the batches already committed stay). */
  signal?: AbortSignal;
  /**
   * The database serves other work meanwhile (a server that is already listening): load
   * in short transactions, one per batch, with the indexes in place, so ingestion, the
   * admin API and /health are never held up by more than one batch. Default false: one
   * transaction, indexes rebuilt at the end (faster, all or nothing; `tenure demo`).
   */
  shared?: boolean;
}

const DAY = 86_400_000;
/** The demo covers the 18 months before `now`. */
export const DEMO_MONTHS = 18;

/** True when the workspace has no events yet. */
export async function isEmpty(db: Queryable, workspaceId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM events WHERE workspace_id = $1 LIMIT 1`, [workspaceId]);
  return rows.length === 0;
}

/**
 * Generate a seeded demo business — a coffee brand with a shop, a subscription and B2B
 * office plans — into an empty workspace: ~100 events per customer over 18 months
 * (anonymous visits, sign-ups, orders, subscriptions, support, email, NPS/CSAT/CES,
 * referrals, B2B leads and accounts, churn) plus daily marketing spend per channel.
 * The same seed and `now` give the same data.
 */
export async function seedDemo(db: Db, workspaceId: number, opts: DemoOptions = {}): Promise<{ customers: number; events: number; stageMoves: number }> {
  // A shared load is started by a server that found the workspace empty before it listened (events may arrive since).
  if (!opts.shared && !(await isEmpty(db, workspaceId))) throw new Error('the workspace already has events; the demo only loads into an empty workspace');
  const n = opts.customers ?? 10_000;
  const seed = opts.seed ?? 42;
  const now = (opts.now ?? new Date()).getTime();
  const at = new Date(now);
  const bars = new PhaseBars(opts.progress === true, opts.onProgress);
  const report = bars.report;
  const stopIfAsked = () => opts.signal?.throwIfAborted();
  const loaded = opts.shared ? await loadShared(db, workspaceId, n, seed, now, report, opts) : await loadExclusive(db, workspaceId, n, seed, now, report);
  opts.log?.info({ customers: loaded.customers, events: loaded.events }, 'demo data loaded');
  stopIfAsked();
  // Fresh statistics for the planner (PGlite has no autovacuum to gather them). Shared: only
  // ANALYZE (it samples; a VACUUM of the new events would hold the one PGlite session for
  // seconds: the server's maintenance does it once the database is idle).
  const maintain = () => (opts.shared ? db.query('ANALYZE').then(() => undefined) : maintainTables(db).then(() => undefined));
  await maintain();
  await checkpoint(db);
  stopIfAsked();
  // The history's unsubscribes (another tool's) are honoured, as ingestion does for live events.
  await applyStoredEmailSpecEvents(db, workspaceId);
  // Three attempts at self-referral for the review queue, through real ingestion (before the
  // stages are replayed, so these customers are placed like the others).
  const heldOrBlocked = opts.loyalty === false ? 0 : await seedDemoFraud(db, workspaceId, at, seed);
  // Every customer's lifecycle history, replayed from the 18 months of events.
  const t1 = Date.now();
  report('stages', 0, loaded.customers);
  // Shared: small chunks, so each transaction is short.
  const stages = await recomputeStages(db, workspaceId, {
    now: at,
    models: new ModelCache(),
    chunk: opts.shared ? 250 : undefined,
    maintain: !opts.shared,
    onProgress: (done, total) => (stopIfAsked(), report('stages', done, total)),
  });
  if (opts.shared) await maintain();
  opts.log?.info({ customers: stages.subjects, moves: stages.moves, seconds: (Date.now() - t1) / 1000 }, 'lifecycle stages computed');
  await checkpoint(db);
  stopIfAsked();
  const t2 = Date.now();
  report('segments', 0, 3);
  const segments = await seedExampleSegments(db, workspaceId, at);
  report('segments', 1, 3);
  const rfm = await runRfm(db, workspaceId, at);
  report('segments', 2, 3);
  const recommended = await computeRecommendations(db, workspaceId, { now: at });
  report('segments', 3, 3);
  opts.log?.info({ segments, rfmBuyers: rfm.buyers, products: recommended.products, seconds: (Date.now() - t2) / 1000 }, 'example segments, RFM groups and recommendations computed');
  stopIfAsked();
  // Predictions, as the schedule would make them: CLV and churn risk, then health (which reads churn risk).
  if (opts.predictions !== false) {
    const t3 = Date.now();
    // The KPI facts first (CLV reads them), with progress: on the full demo this is most of the step.
    // Progress in hundredths of the step: facts 0–40, CLV 40–50, churn 50–80, health 80–100.
    report('predictions', 0, 100);
    await syncFacts(db, { batch: opts.shared ? 5_000 : 20_000, onProgress: (n) => (stopIfAsked(), report('predictions', 40 * Math.min(1, n / Math.max(1, loaded.events)), 100)) });
    await checkpoint(db);
    report('predictions', 40, 100);
    const clv = await scoreClv(db, workspaceId, { now: at });
    report('predictions', 50, 100);
    stopIfAsked();
    const churn = await trainChurn(db, workspaceId, { now: at, onProgress: (done, total) => report('predictions', 50 + 30 * (total ? Math.min(1, done / total) : 0), 100) });
    report('predictions', 80, 100);
    stopIfAsked();
    const health = await computeHealth(db, workspaceId, {
      now: at,
      batch: opts.shared ? 1_000 : undefined,
      onProgress: (done, total) => report('predictions', 80 + 20 * (total ? Math.min(1, done / total) : 0), 100),
    });
    report('predictions', 100, 100);
    opts.log?.info(
      { clv: clv.ok ? clv.value.customers : clv.message, churnAuc: churn.ok ? churn.value.model.metrics.auc : churn.message, health: health.customers, seconds: (Date.now() - t3) / 1000 },
      'predictions computed',
    );
  }
  report('journeys', 0, 1);
  const journeys = await seedExampleJourneys(db, workspaceId, at);
  report('journeys', 1, 1);
  opts.log?.info({ journeys }, 'example journeys published');
  stopIfAsked();
  if (opts.loyalty !== false) {
    const t4 = Date.now();
    report('loyalty', 0, 1);
    const loyalty = await seedDemoLoyalty(db, workspaceId, at, { seed, onProgress: (done, total) => (stopIfAsked(), report('loyalty', done, total)) });
    opts.log?.info({ ...loyalty, heldOrBlocked, seconds: (Date.now() - t4) / 1000 }, 'loyalty and referral programmes run');
  }
  await maintain();
  await checkpoint(db);
  bars.stop();
  return { ...loaded, stageMoves: stages.moves };
}

/** The customers to simulate: acquisition times, and which are anonymous visitors only. */
function plan(n: number, seed: number, now: number) {
  const start = now - Math.round((DEMO_MONTHS * 365.25 * DAY) / 12);
  const rng = new Rng(seed);
  const visitors = Math.round(n * 0.15);
  const times = acquisitionTimes(rng, n + visitors, start, now);
  const visitorSlots = new Set<number>();
  while (visitorSlots.size < visitors) visitorSlots.add(Math.floor(rng.next() * times.length));
  const env: SimulationEnv = { start, now, companies: Math.max(1, Math.round(n / 20)), promoters: [], referralCompletions: [] };
  return { start, rng, times, visitorSlots, env };
}

/** Simulate every customer into `writer`; `afterEach` runs after each (flushes, checkpoints, progress). */
async function simulateAll(p: ReturnType<typeof plan>, writer: DemoWriter, seed: number, afterEach: (i: number) => Promise<void>): Promise<Map<string, number>> {
  const acquired = new Map<string, number>();
  for (let i = 0; i < p.times.length; i++) {
    const c = simulateCustomer(p.rng, i, p.times[i]!, p.env, p.visitorSlots.has(i));
    if (c.promoter && c.userId) p.env.promoters.push({ userId: c.userId, index: i, since: c.acquiredAt + 31 * DAY });
    if (c.userId) {
      const key = `${new Date(c.acquiredAt).toISOString().slice(0, 10)}|${c.channel}`;
      acquired.set(key, (acquired.get(key) ?? 0) + 1);
    }
    await writer.add(c);
    await afterEach(i);
  }
  for (const [k, r] of p.env.referralCompletions.entries()) {
    await writer.addLate(r.referrerIndex, `demo-${seed}-ref-${k}`, `cus_${String(r.referrerIndex).padStart(6, '0')}`, EV.referralCompleted, r.ts, { referred_user_id: r.referredUserId });
  }
  await writer.finish();
  return acquired;
}

/**
 * All or nothing: one transaction. On an empty embedded database the event indexes are
 * dropped for the load and rebuilt at the end (a sorted build is several times cheaper
 * than 1M incremental inserts); a crash rolls the drop back with everything else.
 */
async function loadExclusive(db: Db, workspaceId: number, n: number, seed: number, now: number, report: DemoProgress): Promise<{ customers: number; events: number }> {
  return db.transaction(async (tx) => {
    const p = plan(n, seed, now);
    const rebuild = db.kind === 'pglite' && (await tableIsEmpty(tx, 'events')) ? await dropIndexes(tx, 'events') : null;
    const writer = new DemoWriter(tx, db.kind === 'pglite', workspaceId, seed);
    report('data', 0, p.times.length);
    const acquired = await simulateAll(p, writer, seed, async (i) => {
      if (i % 50 === 0) report('data', i, p.times.length);
    });
    await writeSpend(tx, workspaceId, p.rng, acquired, p.start, now);
    if (rebuild) await rebuild();
    report('data', p.times.length, p.times.length);
    return { customers: writer.customersWritten, events: writer.eventsWritten };
  });
}

/** Batch by batch, each in its own short transaction, while the server serves (see DemoOptions.shared). */
async function loadShared(db: Db, workspaceId: number, n: number, seed: number, now: number, report: DemoProgress, opts: DemoOptions): Promise<{ customers: number; events: number }> {
  const p = plan(n, seed, now);
  const writer = new DemoWriter(db, db.kind === 'pglite', workspaceId, seed, 2000, (write) => db.transaction(write));
  report('data', 0, p.times.length);
  const acquired = await simulateAll(p, writer, seed, async (i) => {
    if (i % 50 === 0) {
      opts.signal?.throwIfAborted();
      report('data', i, p.times.length);
      // Let requests waiting for the database in before the next batch.
      await new Promise((r) => setImmediate(r));
    }
    if (i % 200 === 0) await checkpointIfDue(db);
    // Planner statistics as the tables grow (PGlite has no autovacuum): without them the
    // admin API's queries pick plans made for empty tables while the demo loads.
    if (i === 200 || (i > 0 && i % 2000 === 0)) await db.query('ANALYZE events, customers, identities');
  });
  await writeSpend(db, workspaceId, p.rng, acquired, p.start, now);
  report('data', p.times.length, p.times.length);
  return { customers: writer.customersWritten, events: writer.eventsWritten };
}

/** Progress bars on a terminal (one per step) and the caller's progress callback. */
class PhaseBars {
  private bar: cliProgress.SingleBar | null = null;
  private phase: string | null = null;
  constructor(
    private readonly draw: boolean,
    private readonly onProgress?: DemoProgress,
  ) {}
  readonly report: DemoProgress = (phase, done, total) => {
    this.onProgress?.(phase, done, total);
    if (!this.draw) return;
    if (phase !== this.phase) {
      this.bar?.stop();
      this.phase = phase;
      this.bar = new cliProgress.SingleBar({ format: `${phase.padEnd(11)} |{bar}| {percentage}% | {value}/{total} | {eta_formatted} left` }, cliProgress.Presets.shades_classic);
      this.bar.start(total, done);
    } else this.bar?.update(Math.round(done));
  };
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

async function tableIsEmpty(db: Queryable, table: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM ${table} LIMIT 1`)).rows.length === 0;
}

/**
 * Drop a table's secondary indexes (not its constraints); returns a function that recreates
 * them from their saved definitions. On a partitioned table (events, migration 0028) the saved
 * definition reads `CREATE INDEX … ON ONLY events`, which would make an invalid index on the
 * parent alone and none on its partitions (every per-customer read of the demo's events then
 * scanned them all: 160 ms a customer on 250,000 events instead of 0.05 ms). Without ONLY it
 * builds the index on every partition, as migration 0028 did.
 */
async function dropIndexes(db: Queryable, table: string): Promise<() => Promise<void>> {
  const { rows } = await db.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = $1
        AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass)`,
    [table],
  );
  for (const r of rows) await db.query(`DROP INDEX ${r.name}`);
  return async () => {
    for (const r of rows) await db.query(r.def.replace(/^(CREATE (?:UNIQUE )?INDEX \S+ ON )ONLY /, '$1'));
  };
}

/** Daily spend per paid channel: customers acquired that day × the channel's CAC, with noise and an always-on baseline. */
async function writeSpend(db: Queryable, workspaceId: number, rng: Rng, acquired: Map<string, number>, start: number, now: number): Promise<void> {
  const rows: Array<{ day: string; channel: string; campaign: string; amount: number }> = [];
  for (let t = start; t < now; t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    for (const ch of CHANNELS) {
      if (ch.cac === 0) continue;
      const count = acquired.get(`${day}|${ch.key}`) ?? 0;
      const baseline = ch.cac >= 20 ? ch.cac * 0.5 : 0;
      const amount = Math.round((count * ch.cac * rng.logNormal(1, 0.25) + baseline) * 100) / 100;
      if (amount > 0) rows.push({ day, channel: ch.key, campaign: ch.campaign?.names[0] ?? '', amount });
    }
  }
  for (let i = 0; i < rows.length; i += 2000) {
    await db.query(
      `INSERT INTO marketing_spend (workspace_id, day, channel, campaign, amount, currency)
       SELECT $1, x.day::date, x.channel, x.campaign, x.amount, 'USD' FROM jsonb_to_recordset($2::jsonb) AS x(day text, channel text, campaign text, amount numeric)
       ON CONFLICT DO NOTHING`,
      [workspaceId, JSON.stringify(rows.slice(i, i + 2000))],
    );
  }
}

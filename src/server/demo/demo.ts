import { applyStoredEmailSpecEvents } from '../ingest/email-spec.js';
import cliProgress from 'cli-progress';
import type { Db, Queryable } from '../db/client.js';
import type { Logger } from '../log.js';
import { CHANNELS } from './catalog.js';
import { Rng } from './rng.js';
import { acquisitionTimes, simulateCustomer, type SimulationEnv } from './simulate.js';
import { DemoWriter } from './write.js';
import { maintainTables } from '../db/maintenance.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { seedExampleSegments } from '../segments/examples.js';
import { runRfm } from '../segments/rfm.js';
import { computeRecommendations } from '../predict/recommend.js';
import { scoreClv } from '../predict/clv-scores.js';
import { trainChurn } from '../predict/churn-train.js';
import { computeHealth } from '../predict/health-compute.js';
import { seedExampleJourneys } from './example-journeys.js';

export interface DemoOptions {
  /** Known (signed-up) customers; anonymous-only visitors come on top (15%). Default 10,000. */
  customers?: number;
  seed?: number;
  progress?: boolean;
  log?: Logger;
  /** End of the generated 18 months (default: now). */
  now?: Date;
  /** Fit CLV, train churn risk and score health at the end, as the schedule would (default true). */
  predictions?: boolean;
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
  if (!(await isEmpty(db, workspaceId))) throw new Error('the workspace already has events; the demo only loads into an empty workspace');
  const n = opts.customers ?? 10_000;
  const seed = opts.seed ?? 42;
  const now = (opts.now ?? new Date()).getTime();
  const start = now - Math.round((DEMO_MONTHS * 365.25 * DAY) / 12);
  const rng = new Rng(seed);
  const visitors = Math.round(n * 0.15);
  const times = acquisitionTimes(rng, n + visitors, start, now);
  const visitorSlots = new Set<number>();
  while (visitorSlots.size < visitors) visitorSlots.add(Math.floor(rng.next() * times.length));

  const env: SimulationEnv = { start, now, companies: Math.max(1, Math.round(n / 20)), promoters: [], referralCompletions: [] };
  // All or nothing: one transaction. On an empty embedded database the event indexes are
  // dropped for the load and rebuilt at the end (a sorted build is several times cheaper
  // than 1M incremental inserts); a crash rolls the drop back with everything else.
  const loaded = await db.transaction(async (tx) => {
    const rebuild = db.kind === 'pglite' && (await tableIsEmpty(tx, 'events')) ? await dropIndexes(tx, 'events') : null;
    const writer = new DemoWriter(tx, db.kind === 'pglite', workspaceId, seed);
  const acquired = new Map<string, number>();
  const bar = opts.progress ? new cliProgress.SingleBar({ format: 'demo data |{bar}| {percentage}% | {value}/{total} customers | {events} events | {eta_formatted} left' }, cliProgress.Presets.shades_classic) : null;
  bar?.start(times.length, 0, { events: 0 });
  const t0 = Date.now();
  for (let i = 0; i < times.length; i++) {
    const c = simulateCustomer(rng, i, times[i]!, env, visitorSlots.has(i));
    if (c.promoter && c.userId) env.promoters.push({ userId: c.userId, index: i, since: c.acquiredAt + 31 * DAY });
    if (c.userId) {
      const key = `${new Date(c.acquiredAt).toISOString().slice(0, 10)}|${c.channel}`;
      acquired.set(key, (acquired.get(key) ?? 0) + 1);
    }
    await writer.add(c);
    if (bar && i % 50 === 0) bar.update(i, { events: writer.eventsWritten });
    else if (!bar && opts.log && i > 0 && i % 2000 === 0) opts.log.info({ customers: i, of: times.length, events: writer.eventsWritten }, 'demo data');
  }
  for (const [k, r] of env.referralCompletions.entries()) {
    await writer.addLate(r.referrerIndex, `demo-${seed}-ref-${k}`, `cus_${String(r.referrerIndex).padStart(6, '0')}`, 'Referral Completed', r.ts, { referred_user_id: r.referredUserId });
  }
  await writer.finish();
  await writeSpend(tx, workspaceId, rng, acquired, start, now);
  if (rebuild) await rebuild();
  bar?.update(times.length, { events: writer.eventsWritten });
  bar?.stop();
  opts.log?.info({ customers: writer.customersWritten, events: writer.eventsWritten, seconds: (Date.now() - t0) / 1000 }, 'demo data loaded');
  return { customers: writer.customersWritten, events: writer.eventsWritten };
  });
  // Fresh statistics for the planner (PGlite has no autovacuum to gather them).
  await maintainTables(db);
  // The history's unsubscribes (another tool's) are honoured, as ingestion does for live events.
  await applyStoredEmailSpecEvents(db, workspaceId);
  // Every customer's lifecycle history, replayed from the 18 months of events.
  const stageBar = opts.progress ? new cliProgress.SingleBar({ format: 'lifecycle stages |{bar}| {percentage}% | {value}/{total} customers | {eta_formatted} left' }, cliProgress.Presets.shades_classic) : null;
  const t1 = Date.now();
  const stages = await recomputeStages(db, workspaceId, {
    now: new Date(now),
    models: new ModelCache(),
    onProgress: (done, total) => (done === 0 ? stageBar?.start(total, 0) : stageBar?.update(done)),
  });
  stageBar?.stop();
  opts.log?.info({ customers: stages.subjects, moves: stages.moves, seconds: (Date.now() - t1) / 1000 }, 'lifecycle stages computed');
  const t2 = Date.now();
  const segments = await seedExampleSegments(db, workspaceId, new Date(now));
  const rfm = await runRfm(db, workspaceId, new Date(now));
  const recommended = await computeRecommendations(db, workspaceId, { now: new Date(now) });
  opts.log?.info({ segments, rfmBuyers: rfm.buyers, products: recommended.products, seconds: (Date.now() - t2) / 1000 }, 'example segments, RFM groups and recommendations computed');
  // Predictions, as the schedule would make them: CLV and churn risk, then health (which reads churn risk).
  if (opts.predictions !== false) {
    const t3 = Date.now();
    const clv = await scoreClv(db, workspaceId, { now: new Date(now) });
    const churn = await trainChurn(db, workspaceId, { now: new Date(now) });
    const health = await computeHealth(db, workspaceId, { now: new Date(now) });
    opts.log?.info(
      { clv: clv.ok ? clv.value.customers : clv.message, churnAuc: churn.ok ? churn.model.metrics.auc : churn.message, health: health.customers, seconds: (Date.now() - t3) / 1000 },
      'predictions computed',
    );
  }
  const journeys = await seedExampleJourneys(db, workspaceId, new Date(now));
  opts.log?.info({ journeys }, 'example journeys published');
  await maintainTables(db);
  return { ...loaded, stageMoves: stages.moves };
}

async function tableIsEmpty(db: Queryable, table: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM ${table} LIMIT 1`)).rows.length === 0;
}

/** Drop a table's secondary indexes (not its constraints); returns a function that recreates them from their saved definitions. */
async function dropIndexes(db: Queryable, table: string): Promise<() => Promise<void>> {
  const { rows } = await db.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = $1
        AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass)`,
    [table],
  );
  for (const r of rows) await db.query(`DROP INDEX ${r.name}`);
  return async () => {
    for (const r of rows) await db.query(r.def);
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

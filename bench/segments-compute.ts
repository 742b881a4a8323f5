/**
 * Computing a new segment over a large workspace: `computeSegment` end to end (the
 * condition compiled to SQL, diffed against the stored members; members, history and a
 * `Segment Entered` event per member written; one transaction), on PostgreSQL or PGlite.
 *
 *   node --import tsx bench/stages-recompute.ts --keep-url postgres://postgres@127.0.0.1:5432/tenure_bench_stages   # once: 100k customers / 5M events
 *   node --import tsx bench/segments-compute.ts [--url postgres://…/tenure_bench_stages] [--runs N] [--explain] [--json]
 *   node --import tsx bench/segments-compute.ts --pglite [--pglite-dir DIR] [--customers N] [--events N] [--runs N]
 *
 * Data: the workspace of bench/stages-recompute.ts (customers with personas, 18 months of
 * events; its `now` is the moment it was loaded, and the segments are computed at that
 * `now`). PostgreSQL: the database of --url, used as it is (loaded first if it does not hold
 * that workspace yet) and kept. PGlite: loaded (with the same loader) into a temporary data
 * directory on disk, removed at the end, or into --pglite-dir, kept and reused next time.
 *
 * Per condition and run: the segment is created (`insertSegment`), computed (timed: its
 * first computation, every member enters), computed again with nothing changed (timed:
 * the diff alone), its members counted, and everything it wrote removed again (segment,
 * members, history, timeline events) so the next run starts alike. Per condition, once:
 * the condition alone (`SELECT count(*)` of the compiled SQL, warm), which tells the
 * evaluation from the writes, and with --explain its plan (EXPLAIN ANALYZE, BUFFERS).
 * Figures: medians over --runs (default 3), each run listed; statement times of the last
 * first computation.
 * Target (issue "Segments"): a new windowed event-count segment over 100,000 customers /
 * 5,000,000 events computed in under 5 s on PostgreSQL.
 */
import { parseArgs } from 'node:util';
import type { Condition } from '../src/contracts/condition.js';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { compileCondition } from '../src/server/rules/compile-sql.js';
import { computeSegment } from '../src/server/segments/segment-sync.js';
import { deleteSegment, insertSegment } from '../src/server/segments/segments.repo.js';
import { machine, machineInfo, loadLine } from './lib/proc.js';
import { SEGMENT_LABELS } from './lib/segment-labels.js';
import { timedDb, Timings } from './lib/timed-db.js';
import { openTarget, prepare, type Options as LoadOptions, type Target } from './stages-recompute.js';

const { values: v } = parseArgs({
  options: {
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/tenure_bench_stages' },
    pglite: { type: 'boolean', default: false },
    'pglite-dir': { type: 'string' },
    customers: { type: 'string', default: '100000' },
    events: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
    explain: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(v.runs);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const days = (amount: number) => ({ amount, unit: 'days' as const });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const s2 = (ms: number) => (ms / 1000).toFixed(2);

/** The conditions computed: the issue's windowed counts first. */
const CASES: Array<{ id: string; name: string; condition: Condition }> = [
  {
    id: 'bench_compute_orders',
    name: "performed 'Order Completed' count ≥ 2 within 90 days",
    condition: { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: days(90) } } },
  },
  {
    id: 'bench_compute_views',
    name: "performed 'Page Viewed' count ≥ 3 within 30 days",
    condition: { performed: { event: 'Page Viewed', count: { op: 'gte', value: 3 }, window: { within: days(30) } } },
  },
  {
    id: 'bench_compute_nested',
    name: 'all[signed up, any[ordered within 60 d, ≥5 product views within 14 d], not cancelled]',
    condition: {
      all: [
        { performed: { event: 'Signed Up' } },
        { any: [{ performed: { event: 'Order Completed', window: { within: days(60) } } }, { performed: { event: 'Product Viewed', count: { op: 'gte', value: 5 }, window: { within: days(14) } } }] },
        { not: { performed: { event: 'Subscription Cancelled' } } },
      ],
    },
  },
  {
    id: 'bench_compute_spend',
    name: "sum of 'Order Completed' revenue ≥ 200 within 365 days",
    condition: { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 200, window: { within: days(365) } } },
  },
  { id: 'bench_compute_lapsed', name: 'last seen before 90 days (no activity since)', condition: { lastSeen: { op: 'before', duration: days(90) } } },
];

/** Everything a bench segment wrote: the segment, members, history and its timeline events. */
async function removeSegment(db: Db, ws: number, id: string): Promise<void> {
  await db.transaction((tx) => deleteSegment(tx, ws, id));
  await db.query(`DELETE FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event IN ('Segment Entered', 'Segment Exited') AND properties->>'segmentId' = $2`, [ws, id]);
}

/** The target database: --url kept as it is, or PGlite (temporary, or --pglite-dir kept). */
async function open(): Promise<Target> {
  const o: LoadOptions = {
    customers: Number(v.customers),
    events: Number(v.events),
    pglite: v.pglite!,
    keepUrl: v.pglite ? undefined : v.url,
    vacuum: false,
    maintain: false,
    sample: false,
    json: false,
  };
  if (!v.pglite || !v['pglite-dir']) return openTarget(o);
  const db = await openDb({ dataDir: v['pglite-dir'] });
  await migrate(db);
  return { db, name: 'pglite', cleanup: () => db.close() };
}

interface CaseResult {
  id: string;
  name: string;
  members: number;
  firstMs: number[];
  againMs: number[];
  againChanges: number;
  conditionOnlyMs: number;
  statements: string[];
}

async function main(): Promise<void> {
  console.log(machine());
  const t = await open();
  const loadOptions: LoadOptions = { customers: Number(v.customers), events: Number(v.events), pglite: v.pglite!, vacuum: false, maintain: false, sample: false, json: false };
  try {
    const { rows: ver } = await t.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const serverVersion = `${t.name === 'pglite' ? 'PGlite, PostgreSQL ' : 'PostgreSQL '}${ver[0]!.v}`;
    console.log(`database: ${serverVersion}${t.url ? ` (${t.url})` : v['pglite-dir'] ? ` (${v['pglite-dir']})` : ' (temporary data directory)'}`);
    const p = await prepare(t, loadOptions);
    const ws = p.workspaceId;
    const now = p.now;
    for (const c of CASES) await removeSegment(t.db, ws, c.id); // leftovers of an interrupted run
    await t.db.query('ANALYZE segment_members; ANALYZE segment_history');
    console.log(`computing at now = ${now.toISOString()}, ${runs} run(s) per condition; ${loadLine()}\n`);

    const results: CaseResult[] = [];
    for (const c of CASES) {
      const r: CaseResult = { id: c.id, name: c.name, members: 0, firstMs: [], againMs: [], againChanges: 0, conditionOnlyMs: 0, statements: [] };
      for (let run = 1; run <= runs; run++) {
        const times = new Timings(SEGMENT_LABELS);
        const { db } = timedDb(t.db, times);
        await insertSegment(t.db, ws, c.id, { name: c.name, description: 'bench/segments-compute.ts', condition: c.condition });
        const t0 = performance.now();
        const first = await computeSegment(db, ws, c.id, now);
        r.firstMs.push(performance.now() - t0);
        const t1 = performance.now();
        const again = await computeSegment(t.db, ws, c.id, now);
        r.againMs.push(performance.now() - t1);
        const { rows: m } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`, [ws, c.id]);
        const { rows: e } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = 'Segment Entered' AND properties->>'segmentId' = $2`,
          [ws, c.id],
        );
        r.members = m[0]!.n;
        r.againChanges = again!.entered + again!.exited;
        if (first!.entered !== r.members || e[0]!.n !== r.members) console.log(`  ! ${c.id}: ${first!.entered} entered, ${r.members} members, ${e[0]!.n} Segment Entered events`);
        console.log(`${c.name.padEnd(84)} run ${run}: first ${s2(r.firstMs[run - 1]!)} s (${fmt(first!.entered)} entered), again ${s2(r.againMs[run - 1]!)} s (${r.againChanges} changes)`);
        r.statements = times.lines();
        await removeSegment(t.db, ws, c.id);
        await t.db.query('ANALYZE segment_members; ANALYZE segment_history');
      }
      // The condition alone, as compiled, without the diff and the writes.
      const params: unknown[] = [ws];
      const sql = `SELECT count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND ${compileCondition(c.condition, { now, params })}`;
      const t2 = performance.now();
      const { rows: n } = await t.db.query<{ n: number }>(sql, params);
      r.conditionOnlyMs = performance.now() - t2;
      if (n[0]!.n !== r.members) console.log(`  ! ${c.id}: the condition alone counts ${n[0]!.n}, computeSegment stored ${r.members}`);
      if (v.explain) {
        const { rows: plan } = await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        console.log(plan.map((x) => `    ${x['QUERY PLAN']}`).join('\n'));
      }
      results.push(r);
    }

    const m = machineInfo();
    console.log(`\n===== new segment computation: ${t.name} =====`);
    console.log(`machine   ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}; ${serverVersion}`);
    console.log(`data      ${fmt(p.customers)} customers, ${fmt(p.events)} track events${p.load ? '' : ' (reused)'}; medians of ${runs} run(s)`);
    for (const r of results) {
      console.log(`${r.name}`);
      console.log(
        `    members ${fmt(r.members)}; first computation ${s2(median(r.firstMs))} s (${r.firstMs.map(s2).join(' / ')}); again, nothing changed ${s2(median(r.againMs))} s (${r.againMs.map(s2).join(' / ')}); the condition alone ${s2(r.conditionOnlyMs)} s`,
      );
      console.log(`    statements of the last first computation:`);
      for (const l of r.statements) console.log(l);
    }
    const windowed = results.slice(0, 2).map((r) => median(r.firstMs));
    const full = p.customers >= 100_000 && p.events >= 5_000_000;
    console.log(
      `target    windowed event-count segment < 5 s at 100,000 customers / 5,000,000 events: ${full ? (Math.max(...windowed) < 5000 ? 'met' : 'MISSED') : `n/a at this size`} (${windowed.map(s2).join(' s, ')} s)`,
    );
    console.log(loadLine());
    if (v.json) console.log(JSON.stringify({ target: t.name, machine: m, serverVersion, customers: p.customers, events: p.events, runs, results: results.map(({ statements: _s, ...r }) => r) }));
  } finally {
    await t.cleanup();
  }
}

await main();

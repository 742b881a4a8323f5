/**
 * Where the background work's time goes: the traffic of bench/ingest.ts ingested in this
 * process with the work it causes recorded (as the server does), the demo's segments, RFM
 * groups and journeys live, then the worker role's loops (stage, segment, journeys, KPI
 * sync, loyalty, referrals) started, with the table maintenance `tenure serve` runs, and
 * timed until everything is caught up. Every SQL statement is timed by kind, and the CPU of
 * this process and of the database's backends is counted per ingested event.
 *
 *   node --import tsx bench/background-breakdown.ts [--events N] [--users N] [--top N]
 *
 * Prints ingestion's statement time and the background's, per event, and the background's
 * largest statements. PostgreSQL only (BENCH_DATABASE_URL, default the local `test` server).
 */
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { startMaintenance } from '../src/server/db/maintenance.js';
import { IngestQueue } from '../src/server/ingest/ingest-queue.js';
import { parseRequest } from './lib/parse-request.js';
import { ensureDefaultWorkspace } from '../src/server/workspaces/workspaces.repo.js';
import { seedExampleSegments } from '../src/server/segments/examples.js';
import { runRfm } from '../src/server/segments/rfm.js';
import { seedExampleJourneys } from '../src/server/demo/example-journeys.js';
import { wire } from '../src/server/roles/wiring.js';
import { createLogger } from '../src/server/log.js';
import { backendCpu, backendCpuDelta, createBenchDatabase, dropBenchDatabase, pgConnections } from './lib/bench-db.js';
import { loadLine, machine } from './lib/proc.js';
import { makeBodies, seeded } from './lib/segment-load.js';
import { timedDb, type Timings } from './lib/timed-db.js';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    users: { type: 'string', default: '50000' },
    top: { type: 'string', default: '25' },
    keep: { type: 'boolean', default: false },
  },
});

function report(title: string, t: Timings, events: number, wallS: number, top: number): void {
  const rows = [...t.statements.values()].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((n, r) => n + r.ms, 0);
  console.log(`\n${title}: ${wallS.toFixed(1)} s wall, ${(total / 1000).toFixed(1)} s in statements = ${((1000 * total) / events).toFixed(1)} µs per ingested event`);
  for (const r of rows.slice(0, top)) {
    console.log(`  ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${(r.ms / 1000).toFixed(2).padStart(7)} s ×${String(r.calls).padStart(6)}  ${r.label}`);
  }
}

const events = Number(args.events);
console.log(machine());
const url = await createBenchDatabase(BASE_URL);
const inner = await openDb({ databaseUrl: url, poolSize: 10 });
try {
  await migrate(inner);
  const ws = (await ensureDefaultWorkspace(inner, {})).workspace;
  const now = new Date();
  await seedExampleSegments(inner, ws.id, now);
  await runRfm(inner, ws.id, now);
  const journeys = await seedExampleJourneys(inner, ws.id, now);
  const { rows: segs } = await inner.query<{ n: number }>(`SELECT count(*)::int AS n FROM segments WHERE workspace_id = $1 AND kind = 'dynamic'`, [ws.id]);
  console.log(`workspace ${ws.id}: ${segs[0]!.n} dynamic segments, ${journeys} example journeys; ${loadLine()}`);

  const bodies = makeBodies(Math.ceil(events / 100), 100, { rand: seeded(7), users: Number(args.users) });
  const [monitor] = await pgConnections(url, 1);
  const dbName = new URL(url).pathname.slice(1);
  const cpuOf = async () => ({ pg: await backendCpu(monitor!, dbName), self: process.cpuUsage() });
  const cpuSince = async (before: Awaited<ReturnType<typeof cpuOf>>) => {
    const now = await cpuOf();
    const self = process.cpuUsage(before.self);
    return { pg: backendCpuDelta(before.pg, now.pg), self: (self.user + self.system) / 1e6 };
  };
  const cpuLine = (c: { pg: number; self: number }) =>
    `CPU: PostgreSQL backends ${c.pg.toFixed(1)} s (${((1e6 * c.pg) / events).toFixed(0)} µs/event), this process ${c.self.toFixed(1)} s (${((1e6 * c.self) / events).toFixed(0)} µs/event)`;
  const ingestCpu = await cpuOf();
  const ingestT = timedDb(inner);
  const queue = new IngestQueue(ingestT.db, { derivedWork: true });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < bodies.length) {
        const r = await queue.submit(ws.id, parseRequest(bodies[next++]!));
        if (!r.ok) throw new Error(r.message);
      }
    }),
  );
  const ingestS = (performance.now() - t0) / 1000;
  report(`ingestion alone (${Math.round(events / ingestS)} events/s)`, ingestT.timings, events, ingestS, 12);
  console.log(`ingestion ${cpuLine(await cpuSince(ingestCpu))}`);

  const { rows: backlog } = await inner.query<{ rows: number; subjects: number }>(`SELECT count(*)::int AS rows, coalesce(sum(cardinality(subject_ids)), 0)::int AS subjects FROM derived_work`);
  console.log(`backlog: ${backlog[0]!.rows} derived-work rows, ${backlog[0]!.subjects} subjects; ${loadLine()}`);

  // As `tenure serve` does: fresh planner statistics on a server with autovacuum off (this CI server's setting).
  const stopMaintenance = await startMaintenance(inner, createLogger('warn'));
  const bgT = timedDb(inner);
  const wiring = wire(bgT.db, createLogger('warn'), { roles: new Set(['worker']), publicUrl: 'http://127.0.0.1:3000', predictionSchedule: false, sweepMs: 0, segmentSweepMs: 0 });
  const t1 = performance.now();
  const bgCpu = await cpuOf();
  wiring.start();
  const { rows: maxRow } = await inner.query<{ id: string }>(`SELECT max(id)::text AS id FROM events`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const { rows } = await inner.query<{ work: number; behind: number }>(
      `SELECT (SELECT count(*)::int FROM derived_work WHERE parked_at IS NULL) AS work,
              (SELECT max(id) FROM events) - least((SELECT high_water FROM analytics_cursor LIMIT 1), (SELECT high_water FROM journey_cursor LIMIT 1),
                 (SELECT high_water FROM loyalty_cursor LIMIT 1), (SELECT high_water FROM referral_cursor LIMIT 1)) AS behind`,
    );
    if (rows[0]!.work === 0 && Number(rows[0]!.behind ?? 0) <= 0) break;
    if ((performance.now() - t1) / 1000 > 600) {
      console.log(`gave up after 600 s: ${JSON.stringify(rows[0])}`);
      break;
    }
  }
  const bgS = (performance.now() - t1) / 1000;
  const used = await cpuSince(bgCpu);
  await wiring.stop();
  stopMaintenance();
  console.log(`\nlast ingested event id ${maxRow[0]!.id}; background caught up in ${bgS.toFixed(1)} s; background ${cpuLine(used)}; ${loadLine()}`);
  report('background work', bgT.timings, events, bgS, Number(args.top));
  const { rows: made } = await inner.query<{ moves: number; entries: number; runs: number; own: number }>(
    `SELECT (SELECT count(*)::int FROM stage_transitions) AS moves, (SELECT count(*)::int FROM segment_history) AS entries,
            (SELECT count(*)::int FROM journey_runs) AS runs, (SELECT count(*)::int FROM events WHERE type = 'tenure') AS own`,
  );
  console.log(`made: ${JSON.stringify(made[0])}`);
  await monitor!.close();
} finally {
  await inner.close();
  if (!args.keep) await dropBenchDatabase(BASE_URL, url);
  else console.log(`kept ${url}`);
}

/**
 * Where ingestion time goes, without HTTP: the server's own code path (JSON.parse →
 * normalizeCall per event → IngestQueue group commit → ingestEvents) run in this process
 * on the same traffic as bench/ingest.ts, with every SQL statement timed by kind.
 *
 *   node --import tsx bench/ingest-breakdown.ts [--target postgres|pglite|both] [--events N]
 *        [--concurrency N] [--writers N] [--max-batch N] [--users N]
 *
 * Prints events/s of the whole path, the per-request parse/validate cost, and a table of
 * statement time (share of time inside transactions). With several writers, statement
 * times include waiting for row locks held by the other writer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { IngestQueue } from '../src/server/ingest/ingest-queue.js';
import { parseRequest } from './lib/parse-request.js';
import { ensureDefaultWorkspace } from '../src/server/workspaces/workspaces.repo.js';
import { createBenchDatabase, dropBenchDatabase } from './lib/bench-db.js';
import { machine } from './lib/proc.js';
import { makeBodies, seeded } from './lib/segment-load.js';
import { timedDb, type Timings } from './lib/timed-db.js';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'both' },
    events: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    writers: { type: 'string' },
    'max-batch': { type: 'string', default: '5000' },
    users: { type: 'string', default: '50000' },
  },
});

async function openTarget(target: string): Promise<{ db: Db; cleanup: () => Promise<void> }> {
  if (target === 'postgres') {
    const url = await createBenchDatabase(BASE_URL);
    const db = await openDb({ databaseUrl: url, poolSize: 10 });
    return {
      db,
      cleanup: async () => {
        await db.close();
        await dropBenchDatabase(BASE_URL, url);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tenure-bench-breakdown-'));
  const db = await openDb({ dataDir: dir });
  return {
    db,
    cleanup: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function report(target: string, t: Timings, events: number, wallSec: number, parseMs: number, requests: number): void {
  console.log(`${target}: ${Math.round(events / wallSec)} events/s through parse → normalise → queue → ingestEvents (${events} events, ${wallSec.toFixed(1)} s wall)`);
  console.log(
    `  parse + normalise: ${(parseMs / requests).toFixed(2)} ms per 100-event request = ${((1000 * parseMs) / events).toFixed(1)} µs/event (${((100 * parseMs) / 1000 / wallSec).toFixed(0)}% of wall time)`,
  );
  console.log(
    `  ${t.transactions} transactions, ${Math.round(events / t.transactions)} events each on average, ${(t.transactionMs / t.transactions).toFixed(1)} ms each; time inside transactions by statement:`,
  );
  const rows = [...t.statements.values(), { label: 'node between statements (JS of applyBatch)', calls: t.transactions, ms: t.betweenStatementsMs, rows: 0 }].sort((a, b) => b.ms - a.ms);
  for (const s of rows) {
    console.log(
      `    ${((100 * s.ms) / t.transactionMs).toFixed(1).padStart(5)}%  ${(s.ms / s.calls).toFixed(2).padStart(8)} ms × ${String(s.calls).padStart(5)}  ${s.label}${s.rows ? ` (${Math.round(s.rows / s.calls)} rows each)` : ''}`,
    );
  }
}

async function run(target: string): Promise<void> {
  const events = Number(args.events);
  const bodies = makeBodies(Math.ceil(events / 100), 100, { rand: seeded(7), users: Number(args.users) });
  const { db: raw, cleanup } = await openTarget(target);
  try {
    await migrate(raw);
    const { workspace } = await ensureDefaultWorkspace(raw, { writeKey: 'tw_bench_breakdown', adminKey: 'ta_bench_breakdown' });
    const { db, timings } = timedDb(raw);
    const queue = new IngestQueue(db, { maxBatchEvents: Number(args['max-batch']), lanes: args.writers ? Number(args.writers) : undefined });
    let next = 0;
    let parseMs = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Number(args.concurrency) }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const p0 = performance.now();
          const evs = parseRequest(body);
          parseMs += performance.now() - p0;
          const stored = await queue.submit(workspace.id, evs);
          if (!stored.ok) throw new Error(stored.message);
        }
      }),
    );
    report(target, timings, bodies.length * 100, (performance.now() - t0) / 1000, parseMs, bodies.length);
  } finally {
    await cleanup();
  }
}

console.log(machine());
for (const target of args.target === 'both' ? ['postgres', 'pglite'] : [args.target!]) await run(target);

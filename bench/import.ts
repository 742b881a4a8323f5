/**
 * `tenure import events` on a generated CSV: rows/s and peak memory.
 *   node --import tsx bench/import.ts                 # 100 MB file, PGlite in a temp data dir
 *   SIZE_MB=1000 node --import tsx bench/import.ts    # a 1 GB file
 *   DATABASE_URL=postgres://… node --import tsx bench/import.ts   # also into PostgreSQL (a scratch database)
 * The file is written with a stream and read back by importCsv in the same process, so
 * peak RSS includes the database driver (PGlite's WebAssembly heap grows with the data).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { generate } from './lib/events-csv.js';
import os from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { importCsv } from '../src/server/import/csv-import.js';
import { createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';

const sizeMb = Number(process.env.SIZE_MB ?? 100);
const dir = mkdtempSync(join(os.tmpdir(), 'tenure-bench-import-'));
const file = join(dir, 'events.csv');
const cpus = os.cpus();
console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`);

async function run(name: string, db: Db, rows: number): Promise<void> {
  const { workspace } = await makeWorkspace(db, `bench${Date.now()}`);
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  let peakHeap = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  const t0 = performance.now();
  const report = await importCsv(db, workspace.id, 'events', file, { progress: process.stderr.isTTY === true, derivedWork: process.env.DERIVED_WORK !== '0' });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  console.log(
    `${name.padEnd(9)} ${report.accepted} rows stored (${report.rejectedTotal} rejected) in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s, ` +
      `${(statSync(file).size / 2 ** 20 / seconds).toFixed(1)} MB/s; RSS ${mb(rss0)} → peak ${mb(peakRss)}, peak JS heap ${mb(peakHeap)}`,
  );
}

try {
  const rows = await generate(file, sizeMb * 2 ** 20);
  console.log(`file: ${rows} rows, ${(statSync(file).size / 2 ** 20).toFixed(1)} MB`);
  const pglite = await openDb({ dataDir: join(dir, 'data') });
  await migrate(pglite);
  try {
    await run('pglite', pglite, rows);
  } finally {
    await pglite.close();
  }
  if (process.env.DATABASE_URL) {
    const url = await createScratchDatabase(process.env.DATABASE_URL);
    const pg = await openDb({ databaseUrl: url, poolSize: 4 });
    try {
      await migrate(pg);
      await run('postgres', pg, rows);
    } finally {
      await pg.close();
      await dropScratchDatabase(process.env.DATABASE_URL, url);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

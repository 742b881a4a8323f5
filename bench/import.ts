/**
 * `tenure import events` on a generated CSV: rows/s and peak memory.
 *   node --import tsx bench/import.ts                 # 100 MB file, PGlite in a temp data dir
 *   SIZE_MB=1000 node --import tsx bench/import.ts    # a 1 GB file
 *   DATABASE_URL=postgres://… node --import tsx bench/import.ts   # also into PostgreSQL (a scratch database)
 * The file is written with a stream and read back by importCsv in the same process, so
 * peak RSS includes the database driver (PGlite's WebAssembly heap grows with the data).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
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

/** Write an events CSV of about `bytes`: 20,000 customers, half of their first events anonymous. */
async function generate(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const names = ['Product Viewed', 'Product Added', 'Order Completed', 'Signed Up', 'Email Opened'];
  let written = 0;
  let rows = 0;
  const write = async (line: string) => {
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('event,user_id,anonymous_id,timestamp,properties.revenue:number,properties.sku,context.campaign.source\n');
  const t0 = Date.UTC(2024, 0, 1);
  while (written < bytes) {
    const c = rows % 20_000;
    const anonymous = rows < 20_000 && c % 2 === 0;
    const name = names[rows % names.length]!;
    const ts = new Date(t0 + rows * 7_000).toISOString();
    const revenue = name === 'Order Completed' ? ((rows % 97) + 0.99).toFixed(2) : '';
    await write(`${name},${anonymous ? '' : `user-${c}`},anon-${c},${ts},${revenue},SKU-${rows % 500},${rows % 3 === 0 ? 'newsletter' : ''}\n`);
    rows++;
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

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
  const report = await importCsv(db, workspace.id, 'events', file, { progress: process.stderr.isTTY === true });
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

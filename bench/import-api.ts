/**
 * The 100 MB events CSV of bench/import.ts imported through a running server's API
 * (POST /api/imports, then the import job), as `tenure import` does while `npm start` serves:
 * upload time, import rows/s, and the server process's RSS (sampled every 100 ms, and the
 * kernel's high-water mark VmHWM) before, during the upload and during the import.
 *   node --import tsx bench/import-api.ts                      # PGlite data dir in a temp folder
 *   SIZE_MB=20 DATABASE_URL=postgres://… node --import tsx bench/import-api.ts   # also PostgreSQL (a scratch database)
 *   TARGETS=postgres DATABASE_URL=postgres://… node --import tsx bench/import-api.ts   # PostgreSQL only
 * The server runs from the TypeScript sources (tsx) in a child process; the client is the
 * CLI's uploader (src/server/import/api-import.ts) in this process.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { importThroughApi } from '../src/server/import/api-import.js';
import { freePort, killHard, spawnServer } from '../src/test-support/child-server.js';
import { createScratchDatabase, dropScratchDatabase } from '../src/test-support/harness.js';
import { generate } from './lib/events-csv.js';
import { machine } from './lib/proc.js';

const sizeMb = Number(process.env.SIZE_MB ?? 100);
const dir = mkdtempSync(join(os.tmpdir(), 'tenure-bench-import-api-'));
const file = join(dir, 'events.csv');
const ADMIN = 'ta_bench_import_api_0123456789abcdef0123';
console.log(machine());

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function run(name: string, env: Record<string, string>, rows: number): Promise<void> {
  const port = await freePort();
  const server = await spawnServer(
    { ...env, TENURE_ADMIN_KEY: ADMIN, TENURE_WRITE_KEY: 'tw_bench_import_api_0123456789abcdef0123', TENURE_IMPORT_DIR: join(dir, 'spool'), TENURE_ANALYTICS_SYNC_SECONDS: '0' },
    port,
  );
  const pid = server.child.pid!;
  try {
    await new Promise((r) => setTimeout(r, 2_000)); // let start-up work settle
    const idle = status(pid, 'VmRSS');
    let phase: 'upload' | 'import' = 'upload';
    const peak = { upload: idle, import: idle };
    let uploadSeconds = 0;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const rss = status(pid, 'VmRSS');
      peak[phase] = Math.max(peak[phase], rss);
    }, 100);
    // The upload ends when the server answers 202; importThroughApi then follows the job.
    const origWrite = process.stderr.write.bind(process.stderr);
    const r = await importThroughApi({ url: server.url, adminKey: ADMIN }, 'events', file, {
      progress: false,
      out: { write: (s: string) => (process.stdout.write(`  ${s}`), true) } as NodeJS.WritableStream,
      err: { write: (s: string) => (origWrite(`  ${s}`), true) } as NodeJS.WritableStream,
      onUploaded: () => {
        uploadSeconds = (performance.now() - t0) / 1000;
        phase = 'import';
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const hwm = status(pid, 'VmHWM');
    const size = statSync(file).size / 2 ** 20;
    console.log(
      `${name.padEnd(9)} exit ${r.exitCode}; upload ${size.toFixed(0)} MB in ${uploadSeconds.toFixed(1)} s; import in ${(seconds - uploadSeconds).toFixed(1)} s; ` +
        `end to end ${Math.round(rows / seconds)} rows/s; server RSS idle ${Math.round(idle)} MB, peak during upload ${Math.round(peak.upload)} MB, ` +
        `peak during import ${Math.round(peak.import)} MB, VmHWM ${Math.round(hwm)} MB`,
    );
  } finally {
    await killHard(server.child);
  }
}

try {
  const rows = await generate(file, sizeMb * 2 ** 20);
  console.log(`file: ${rows} rows, ${(statSync(file).size / 2 ** 20).toFixed(1)} MB`);
  const targets = (process.env.TARGETS ?? 'pglite,postgres').split(',');
  if (targets.includes('pglite')) await run('pglite', { TENURE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' }, rows);
  if (process.env.DATABASE_URL && targets.includes('postgres')) {
    const url = await createScratchDatabase(process.env.DATABASE_URL);
    try {
      await run('postgres', { DATABASE_URL: url }, rows);
    } finally {
      await dropScratchDatabase(process.env.DATABASE_URL, url);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `tenure demo` at full size (10,000 customers, ~1M events, then every customer's lifecycle
 * history replayed) through the real CLI.
 *   node --import tsx bench/demo.ts            # PGlite in a fresh temp data dir
 *   DATABASE_URL=postgres://… node --import tsx bench/demo.ts   # also into that PostgreSQL (a fresh database on its server)
 * Target (issue #2): under 2 minutes on PGlite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, dropScratchDatabase } from '../src/test-support/harness.js';
import { build, machine, runCli } from './lib/proc.js';

const customers = process.env.CUSTOMERS ?? '10000';
console.log(machine());
build();

async function run(name: string, env: Record<string, string>): Promise<void> {
  const r = await runCli(['demo', '--customers', customers, '--no-progress'], {
    ...env,
    TENURE_WRITE_KEY: 'tw_bench_demo_key_0123456789abcdef',
    TENURE_ADMIN_KEY: 'ta_bench_demo_key_0123456789abcdef',
  });
  if (r.code !== 0) throw new Error(`demo failed:\n${r.output}`);
  const m = /demo data: (\d+) customers, (\d+) events, (\d+) lifecycle moves/.exec(r.output);
  const events = Number(m?.[2] ?? 0);
  console.log(
    `${name.padEnd(10)} ${m?.[1]} customers, ${events} events, ${m?.[3]} lifecycle moves (history replayed) in ${r.seconds.toFixed(1)} s (whole process, incl. start and migrations) = ${Math.round(events / r.seconds)} events/s, peak RSS ${Math.round(r.peakRssMb)} MB`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'tenure-bench-demo-'));
try {
  await run('pglite', { TENURE_DATA_DIR: dir, DATABASE_URL: '' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL) {
  const url = await createScratchDatabase(process.env.DATABASE_URL);
  try {
    await run('postgres', { DATABASE_URL: url });
  } finally {
    await dropScratchDatabase(process.env.DATABASE_URL, url);
  }
}

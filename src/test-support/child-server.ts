import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, dropScratchDatabase } from './harness.js';

const MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url));

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** `tenure serve` (or `command`, e.g. `start`) in a child process (real process, real port), started from the TypeScript sources. */
export async function spawnServer(
  env: Record<string, string>,
  port: number,
  nodeArgs: string[] = [],
  command: 'serve' | 'start' = 'serve',
  /** More arguments for the command (e.g. `--roles api`). */
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN, command, '--port', String(port), ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', TENURE_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy in 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, output: () => out };
}

/** Kill without any chance to clean up (as a crash or power cut would, minus the OS cache). */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Where a child server keeps its data: a PGlite directory, and a scratch PostgreSQL database when TEST_DATABASE_URL is set. */
export interface ServerTarget {
  name: 'pglite' | 'postgres';
  /** Environment for the server; the same storage on every call (so a restart finds its data). */
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

export function serverTargets(prefix: string): ServerTarget[] {
  const dir = mkdtempSync(join(tmpdir(), `tenure-${prefix}-`));
  const targets: ServerTarget[] = [{ name: 'pglite', env: async () => ({ TENURE_DATA_DIR: dir, DATABASE_URL: '' }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) }];
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    let url = '';
    targets.push({
      name: 'postgres',
      env: async () => ({ DATABASE_URL: url || (url = await createScratchDatabase(base)) }),
      cleanup: async () => {
        if (url) await dropScratchDatabase(base, url);
      },
    });
  }
  return targets;
}

/** `tenure worker` in a child process; resolves once it printed "worker ready". */
export async function spawnWorker(env: Record<string, string>, args: string[] = ['--journeys-only']): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', TENURE_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('worker ready')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start in 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, output: () => out };
}

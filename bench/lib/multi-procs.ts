/**
 * The processes of bench/multi-process.ts: `node dist/server/main.js serve [--roles …]` and
 * `node dist/server/main.js worker` as children (as bench/lib/server-child.ts starts
 * `serve`), with extra arguments and environment (SMTP_URL, TENURE_SECRET, rate limits).
 */
import { spawn } from 'node:child_process';
import { freePort, stopServer, type ServerChild } from './server-child.js';

export interface ProcOptions {
  databaseUrl: string;
  writeKey: string;
  adminKey: string;
  /** More environment, e.g. SMTP_URL. */
  env: Record<string, string>;
}

function envOf(o: ProcOptions): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: 'warn', TENURE_DEMO: 'false', TENURE_WRITE_KEY: o.writeKey, TENURE_ADMIN_KEY: o.adminKey, DATABASE_URL: o.databaseUrl, TENURE_DATA_DIR: '', ...o.env };
}

function spawnChild(args: string[], o: ProcOptions, port: number): ServerChild {
  const child = spawn(process.execPath, ['dist/server/main.js', ...args], { env: envOf(o), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, pid: child.pid!, port, output: () => out };
}

async function waitFor(s: ServerChild, ready: () => Promise<boolean>, what: string): Promise<ServerChild> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`${what} exited with code ${s.child.exitCode}:\n${s.output()}`);
    if (await ready()) return s;
    if (Date.now() > deadline) {
      await stopServer(s, 0);
      throw new Error(`${what} did not start in 120 s:\n${s.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `serve` with `roles` (e.g. ['api']; none: the default api,worker) on a free port, once GET /health answers 200. */
export async function startServe(o: ProcOptions, roles?: string[]): Promise<ServerChild> {
  const port = await freePort();
  const s = spawnChild(['serve', '--port', String(port), ...(roles ? ['--roles', roles.join(',')] : [])], o, port);
  return waitFor(
    s,
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      } catch {
        return false;
      }
    },
    'serve',
  );
}

/** `worker` (background roles only, no HTTP; port 0), once it printed "worker ready". */
export async function startWorker(o: ProcOptions): Promise<ServerChild> {
  const s = spawnChild(['worker'], o, 0);
  return waitFor(s, async () => s.output().includes('worker ready'), 'worker');
}

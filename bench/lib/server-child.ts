/**
 * The real Tenure server (`node dist/server/main.js serve`) in a child process, so the
 * load generator's CPU and the server's memory are measured apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface ServerChild {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Everything the server printed (LOG_LEVEL=warn, so normally nothing). */
  output(): string;
}

export interface ServerOptions {
  /** DATABASE_URL (PostgreSQL) or TENURE_DATA_DIR (PGlite). */
  databaseUrl?: string;
  dataDir?: string;
  writeKey: string;
  adminKey: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  nodeArgs?: string[];
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Spawn `serve` on a free port and wait until GET /health answers 200. */
export async function startServer(o: ServerOptions): Promise<ServerChild> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    TENURE_DEMO: 'false',
    TENURE_WRITE_KEY: o.writeKey,
    TENURE_ADMIN_KEY: o.adminKey,
    DATABASE_URL: o.databaseUrl ?? '',
    TENURE_DATA_DIR: o.dataDir ?? '',
  };
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), 'dist/server/main.js', 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const server = { child, pid: child.pid!, port, output: () => out };
  await waitHealthy(server, 120_000);
  return server;
}

async function waitHealthy(s: ServerChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`server exited with code ${s.child.exitCode}:\n${s.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${s.port}/health`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopServer(s, 0);
      throw new Error(`server did not become healthy in ${timeoutMs / 1000} s:\n${s.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM (a clean shutdown: closes the database, writes a --cpu-prof profile), SIGKILL after `graceMs`. */
export async function stopServer(s: ServerChild, graceMs = 30_000): Promise<void> {
  const { child } = s;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

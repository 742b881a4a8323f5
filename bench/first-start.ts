/**
 * A new user's first `npm start`, timed: from a fresh clone to a usable dashboard.
 *
 *   node --import tsx bench/first-start.ts                # clones this repository's HEAD
 *   REPO=/path/to/repo REF=main node --import tsx bench/first-start.ts
 *   CUSTOMERS=5000 node --import tsx bench/first-start.ts  # a smaller demo (TENURE_DEMO_CUSTOMERS)
 *   KEEP=1 …                                              # leave the clone and data dir behind
 *
 * Clones REPO at REF into a temp dir (node_modules linked from this checkout: no install),
 * runs `npm start` there on an empty embedded database, and drives headless Chromium
 * (playwright-core, /usr/bin/chromium) to the overview. Phases, in seconds since `npm start`:
 *   build          the build step finished (tsc + vite on a fresh clone)
 *   migrations     the database is open and migrated
 *   port open      GET /health answers 200
 *   overview drawn the overview shows something true: "Preparing your demo" or the KPIs
 *   demo complete  GET /api/demo/status says ready
 *   overview full  the overview's headline KPIs all answered (performance mark tenure:overview-ready)
 * then the data dir size (and its WAL), and a second `npm start` in the same clone (the
 * build skipped, the demo already there) to the port opening.
 * Goal (issue #21): dashboard usable in under 60 s, data dir ≤ a few hundred MB.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../src/test-support/child-server.js';
import { loadLine, machine } from './lib/proc.js';

const REPO = process.env.REPO ?? process.cwd();
const REF = process.env.REF ?? 'HEAD';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'ta_bench_first_start_0123456789abcdef';
const WRITE_KEY = 'tw_bench_first_start_0123456789abcdef';
const LIMIT_S = 900;

console.log(machine());
const sha = spawnSync('git', ['-C', REPO, 'rev-parse', REF], { encoding: 'utf8' }).stdout.trim();
if (!sha) throw new Error(`${REPO}: no commit ${REF}`);
const dir = mkdtempSync(join(tmpdir(), 'tenure-first-start-'));
const clone = join(dir, 'tenure');
const dataDir = join(clone, '.tenure');
const run = (cmd: string, args: string[], cwd?: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
};
run('git', ['clone', '--quiet', '--no-checkout', REPO, clone]);
run('git', ['checkout', '--quiet', sha], clone);
symlinkSync(realpathSync(join(REPO, 'node_modules')), join(clone, 'node_modules'));
console.log(`fresh clone of ${REPO} at ${sha.slice(0, 10)} in ${clone} (node_modules linked)`);

/** du -sm of a path (MB), or 0 if it is not there. */
function sizeMb(path: string): number {
  if (!existsSync(path)) return 0;
  return Number(spawnSync('du', ['-sm', path], { encoding: 'utf8' }).stdout.split('\t')[0]) || 0;
}

interface Started {
  child: ChildProcess;
  t0: number;
  /** Seconds since start at which a line matching `re` appeared (waits for it). */
  when(re: RegExp): Promise<number>;
  output(): string;
}

function npmStart(port: number): Started {
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: clone,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      TENURE_DATA_DIR: dataDir,
      TENURE_ADMIN_KEY: ADMIN_KEY,
      TENURE_WRITE_KEY: WRITE_KEY,
      LOG_FORMAT: 'json',
      ...(process.env.CUSTOMERS ? { TENURE_DEMO_CUSTOMERS: process.env.CUSTOMERS } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: Array<{ t: number; line: string }> = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    const t = (performance.now() - t0) / 1000;
    for (const line of parts) lines.push({ t, line });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    t0,
    output: () => lines.map((l) => l.line).join('\n'),
    async when(re) {
      const deadline = performance.now() + LIMIT_S * 1000;
      for (;;) {
        const hit = lines.find((l) => re.test(l.line));
        if (hit) return hit.t;
        if (child.exitCode !== null)
          throw new Error(
            `npm start exited (${child.exitCode}) before ${re}:\n${lines
              .map((l) => l.line)
              .join('\n')
              .slice(-3000)}`,
          );
        if (performance.now() > deadline) throw new Error(`no ${re} in ${LIMIT_S} s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function stop(s: Started): Promise<void> {
  const exited = s.child.exitCode !== null ? Promise.resolve() : new Promise((r) => s.child.once('exit', r));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-s.child.pid!, sig);
    } catch {
      /* the group is gone already */
    }
  };
  // npm itself exits on the signal at once; the server under it may still be closing its
  // database, so wait for the whole process group to be gone, not only npm.
  const groupAlive = () => {
    try {
      process.kill(-s.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  signal('SIGTERM');
  await exited;
  const deadline = performance.now() + 20_000;
  while (groupAlive() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive()) signal('SIGKILL');
}

/** An error that ends a wait at once (a process that exited will not answer later). */
class Fatal extends Error {}

async function until<T>(what: string, f: () => Promise<T | undefined>, limitS = LIMIT_S): Promise<T> {
  const deadline = performance.now() + limitS * 1000;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof Fatal) throw e; // not "not yet": give up now
    }
    if (performance.now() > deadline) throw new Error(`${what}: not within ${limitS} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fmt = (s: number) => `${s.toFixed(1).padStart(6)} s`;
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const loads: string[] = [loadLine()];
const s = npmStart(port);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
try {
  const since = () => (performance.now() - s.t0) / 1000;
  const build = await s.when(/^build: (nothing to do|dashboard (built|is up to date))/);
  const migrations = await s.when(/"msg":"database ready/);
  const portOpen = await until('port open', async () => ((await fetch(`${url}/health`)).status === 200 ? since() : undefined));
  loads.push(loadLine());
  console.log(`  … build ${fmt(build)}, migrations ${fmt(migrations)}, port open ${fmt(portOpen)}`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url + '/');
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Drawn: the preparing card, or (demo already done) the headline KPIs.
  await page
    .locator('.ov-demo, [aria-label="Headline KPIs"]')
    .first()
    .waitFor({ timeout: LIMIT_S * 1000 });
  const overviewDrawn = since();
  const preparingShown = (await page.locator('.ov-demo').count()) > 0;
  await page.screenshot({ path: join(dir, 'overview-preparing.png') });
  console.log(`  … overview drawn ${fmt(overviewDrawn)} (${preparingShown ? 'preparing' : 'KPIs'}); ${loadLine()}`);

  const status = async () =>
    (await fetch(`${url}/api/demo/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json() as Promise<{ state: string; steps: Array<{ phase: string; seconds: number | null }> }>;
  const ready = await until('demo complete', async () => {
    const v = await status();
    if (v.state === 'failed') throw new Error(`demo failed: ${JSON.stringify(v)}`);
    return v.state === 'ready' ? { t: since(), v } : undefined;
  });
  loads.push(loadLine());
  console.log(`  … demo complete ${fmt(ready.t)}; ${loadLine()}`);
  // The page turns from "preparing" to the KPIs by itself (it polls the status).
  await page.waitForFunction(() => performance.getEntriesByName('tenure:overview-ready').length > 0, undefined, { timeout: LIMIT_S * 1000, polling: 200 });
  const overviewFull = since();
  await page.screenshot({ path: join(dir, 'overview-ready.png') });
  await stop(s);
  const total = sizeMb(dataDir);
  const wal = sizeMb(join(dataDir, 'pgdata', 'pg_wal'));

  // Second start: nothing to build, demo already there.
  const s2 = npmStart(port);
  const build2 = await s2.when(/^build: nothing to do/);
  const port2 = await until('port open (second start)', async () => {
    if (s2.child.exitCode !== null) throw new Fatal(`second npm start exited (${s2.child.exitCode}):\n${s2.output().slice(-2000)}`);
    return (await fetch(`${url}/health`)).status === 200 ? (performance.now() - s2.t0) / 1000 : undefined;
  });
  await stop(s2);

  const readyLine = s
    .output()
    .split('\n')
    .find((l) => l.includes('"demo ready'));
  const readyLog = readyLine ? (JSON.parse(readyLine) as { customers?: number; events?: number }) : {};
  const demoLine = readyLine ? [readyLine, readyLog.customers, readyLog.events] : null;
  console.log(`\nfirst npm start (fresh clone, empty database; demo ${demoLine ? `${demoLine[1]} customers, ${demoLine[2]} events` : '?'}):`);
  console.log(`  build              ${fmt(build)}`);
  console.log(`  migrations         ${fmt(migrations)}`);
  console.log(`  port open          ${fmt(portOpen)}`);
  console.log(`  overview drawn     ${fmt(overviewDrawn)}   (${preparingShown ? '"Preparing your demo" with progress' : 'KPIs'})`);
  console.log(`  demo complete      ${fmt(ready.t)}   (steps: ${ready.v.steps.map((x) => `${x.phase} ${x.seconds?.toFixed(0) ?? '?'} s`).join(', ')})`);
  console.log(`  overview full      ${fmt(overviewFull)}   (headline KPIs answered)`);
  console.log(`  data dir           ${total} MB (WAL ${wal} MB) after shutdown`);
  console.log(`second npm start (same clone): build check ${fmt(build2)}, port open ${fmt(port2)}`);
  console.log(`load: ${loads.join(' → ')}`);
  console.log(`screenshots: ${join(dir, 'overview-preparing.png')}, ${join(dir, 'overview-ready.png')}`);
} catch (err) {
  console.error(String(err));
  console.error(s.output().slice(-3000));
  process.exitCode = 1;
} finally {
  await browser.close();
  await stop(s);
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}

/**
 * Journey step throughput with several worker processes on one PostgreSQL, and the email
 * delivery rate through the whole pipeline (scanner → runner → dispatcher → SMTP pool).
 *
 *   node --import tsx bench/journeys-steps.ts [--customers 20000] [--emails 5000] [--workers 2] [--phase all|steps|emails]
 *
 * Each phase gets a scratch database on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), dropped at the end. Setup is not timed: the
 * journey is published, then the customers' `identify` + `Signed Up` events are ingested (a
 * backlog: received after publication, before any worker runs). Then `--workers` processes
 * of `tenure worker --journeys-only` (from the TypeScript sources, LOG_LEVEL=error) are
 * spawned at once, and the benchmark waits until every run has completed and every message
 * was delivered, then stops them (SIGTERM: each prints its step and message counts).
 *
 * Phase "steps": `--customers` (default 20,000) runs of split (a/b) → branch on a trait →
 * updateTraits → send in-app (inbox, no provider) → exit: 5 steps a run. Steps = the sum of
 * the workers' printed counts (must equal runs × 5). The window runs from the first run's
 * entry (min journey_runs.entered_at, the scanner's clock) to the moment the benchmark saw
 * every run completed (polled every 50 ms); max(ended_at) is printed too, but it is the
 * clock reading at the start of the runner batch that finished the run, so it leaves out
 * the last batch's own work. Target: ≥ 2,000 steps/s with 2 workers.
 *
 * Phase "emails": `--emails` (default 5,000) runs of send email (a ~5 KB MJML template with
 * Liquid personalisation) → exit, with SMTP_URL pointing at an smtp-server in a child
 * process that only drains each message (reads the Message-ID header, nothing else) and
 * accepts it. Run with 1 worker and with `--workers`. Rate = messages recorded after the
 * first sent_at ÷ (last sent_at − first sent_at) (sent_at is when the dispatcher recorded
 * the SMTP server's answer); the pipeline rate from the first run's entry is printed too.
 * The SMTP server must have received each message exactly once (by Message-ID). Target:
 * ≥ 500 emails/s.
 *
 * Exits non-zero when any check fails (a run not completed, a step count off, a message not
 * sent or sent twice). CPU per process (each worker, this database's PostgreSQL backends,
 * the SMTP server) and the machine's busy share are printed from the moment every worker
 * is ready until the work is done; on a shared machine other sessions show up as "machine
 * busy" beyond what these processes used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JourneyDefinitionSchema, type JourneyDefinitionInput } from '../src/contracts/journey.js';
import { compileTemplate } from '../src/server/channels/templates.js';
import { saveTemplate } from '../src/server/channels/templates.repo.js';
import { openDb, type Db } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { ingestEvents } from '../src/server/ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../src/server/ingest/normalize.js';
import { getJourney, insertJourney, publishJourney } from '../src/server/journeys/journeys.repo.js';
import { spawnWorker } from '../src/test-support/child-server.js';
import { createScratchDatabase, dropScratchDatabase, makeWorkspace } from '../src/test-support/harness.js';
import { cpuSeconds, loadLine, machine } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '20000' },
    emails: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '2' },
    phase: { type: 'string', default: 'all' },
  },
});
const customers = Number(values.customers);
const emails = Number(values.emails);
const workers = Number(values.workers);
const phase = values.phase as 'all' | 'steps' | 'emails';
if (!['all', 'steps', 'emails'].includes(phase) || !(customers > 0) || !(emails > 0) || !(workers >= 1)) {
  console.error('usage: --phase all|steps|emails, --customers N > 0, --emails N > 0, --workers N ≥ 1');
  process.exit(2);
}
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPO = fileURLToPath(new URL('..', import.meta.url));
const STEPS_PER_RUN = 5;
const STEP_TARGET = 2_000;
const EMAIL_TARGET = 500;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(2);
const problems: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) problems.push(what);
  return ok;
};

// ---------------------------------------------------------------- setup helpers

let seq = 0;
/** A Segment call received now (after the journey was published) that happened at `at`. */
function call(type: 'track' | 'identify', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `bench-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: new Date(), bodyBytes: 200 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Zoë', 'José', 'Margaret', 'Tim', 'Håkon'];
const PLANS = ['free', 'free', 'pro', 'team'];

interface Scratch {
  db: Db;
  url: string;
  ws: number;
  close(): Promise<void>;
}

/** A migrated scratch database with a workspace and messaging settings without caps or quiet hours. */
async function scratch(): Promise<Scratch> {
  const url = await createScratchDatabase(BASE_URL);
  const db = await openDb({ databaseUrl: url, poolSize: 4 });
  try {
    await migrate(db);
    const { workspace } = await makeWorkspace(db, 'bench-journeys');
    await db.query(`INSERT INTO messaging_settings (workspace_id, settings) VALUES ($1, $2)`, [
      workspace.id,
      JSON.stringify({ caps: [], quietHours: null, emailFrom: '"Acme" <hello@acme.test>', secret: 'bench-secret' }),
    ]);
    return { db, url, ws: workspace.id, close: async () => (await db.close(), await dropScratchDatabase(BASE_URL, url)) };
  } catch (err) {
    await db.close();
    await dropScratchDatabase(BASE_URL, url);
    throw err;
  }
}

async function template(s: Scratch, id: string, input: Parameters<typeof compileTemplate>[0] & { name: string }): Promise<void> {
  const c = await compileTemplate(input);
  if (!c.ok) throw new Error(`template ${id}: ${JSON.stringify(c)}`);
  await saveTemplate(s.db, s.ws, id, { ...input, format: input.format ?? 'mjml' }, c.value);
}

async function publish(s: Scratch, id: string, definition: JourneyDefinitionInput): Promise<void> {
  await insertJourney(s.db, s.ws, id, { name: id, description: '', definition: JourneyDefinitionSchema.parse(definition) });
  await publishJourney(s.db, (await getJourney(s.db, s.ws, id))!, new Date());
}

/** `n` customers who signed up a minute ago: identify (traits) + Signed Up, 1,000 events a batch, 3 batches at a time. */
async function backlog(s: Scratch, prefix: string, n: number): Promise<number> {
  const at = new Date(Date.now() - 60_000);
  const events: NormalizedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const userId = `${prefix}${i}`;
    events.push(
      call('identify', { userId, traits: { email: `${userId}@example.test`, name: `${FIRST[i % FIRST.length]} ${i}`, plan: PLANS[i % PLANS.length], company: `Company ${i % 97}` } }, at),
      call('track', { userId, event: 'Signed Up', properties: { method: i % 3 === 0 ? 'google' : 'email' } }, at),
    );
  }
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (;;) {
        const from = next;
        next += 1000;
        if (from >= events.length) return;
        await ingestEvents(s.db, s.ws, events.slice(from, from + 1000));
      }
    }),
  );
  return performance.now() - t0;
}

// ---------------------------------------------------------------- processes and CPU

interface Worker {
  child: ChildProcess;
  output: () => string;
  readyMs: number;
}

/** Every worker process started, so a failed run leaves none behind. */
const spawned = new Set<ChildProcess>();

/** Spawn `count` workers at once; ready times are from `t0`. */
async function startWorkers(count: number, env: Record<string, string>, t0: number): Promise<Worker[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const w = await spawnWorker({ LOG_LEVEL: 'error', ...env });
      spawned.add(w.child);
      return { ...w, readyMs: performance.now() - t0 };
    }),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return started.map((r) => (r as PromiseFulfilledResult<Worker>).value);
}

/** SIGKILL any worker still running (after a failure; a normal run has stopped them all). */
async function killLeftovers(): Promise<void> {
  await Promise.all(
    [...spawned].map(async (child) => {
      spawned.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }),
  );
}

/** SIGTERM each worker; their printed counts. */
async function stopWorkers(list: Worker[]): Promise<Array<{ steps: number; sent: number }>> {
  return Promise.all(
    list.map(async (w) => {
      if (w.child.exitCode === null) {
        const exited = new Promise((r) => w.child.once('exit', r));
        w.child.kill('SIGTERM');
        await exited;
      }
      const m = /worker stopped: (\d+) journey steps, (\d+) messages sent/.exec(w.output());
      if (!m) throw new Error(`worker ${w.child.pid} did not report its counts:\n${w.output().slice(-2000)}`);
      return { steps: Number(m[1]), sent: Number(m[2]) };
    }),
  );
}

/**
 * CPU used from `watchCpu` to `stop()`: each worker, this database's PostgreSQL backends
 * (sampled every 250 ms, so a backend that exits meanwhile still counts up to its last
 * sample), an extra process (the SMTP server), and the whole machine's busy share.
 */
function watchCpu(s: Scratch, list: Worker[], extra?: { name: string; pid: number }): { stop(): Promise<string> } {
  const name = new URL(s.url).pathname.slice(1);
  const machineJiffies = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!, total: f.reduce((a, b) => a + b, 0) };
  };
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let initial = true;
  const sample = async () => {
    const { rows } = await s.db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
    for (const r of rows) {
      const pid = Number(r.pid);
      const c = cpuSeconds(pid);
      if (c === 0) continue;
      if (!first.has(pid)) first.set(pid, initial ? c : 0);
      last.set(pid, c);
    }
    initial = false;
  };
  const t0 = performance.now();
  const m0 = machineJiffies();
  const w0 = list.map((w) => cpuSeconds(w.child.pid!));
  const x0 = extra ? cpuSeconds(extra.pid) : 0;
  let pending = sample();
  const timer = setInterval(() => (pending = pending.then(sample)), 250);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await sample();
      const seconds = (performance.now() - t0) / 1000;
      const m1 = machineJiffies();
      const w = list.map((wk, i) => cpuSeconds(wk.child.pid!) - w0[i]!);
      let pg = 0;
      for (const [pid, c] of last) pg += c - (first.get(pid) ?? 0);
      const x = extra ? cpuSeconds(extra.pid) - x0 : 0;
      const pct = (v: number) => `${Math.round((100 * v) / seconds)}%`;
      return (
        `CPU (${seconds.toFixed(1)} s from all workers ready to done; % of one core): workers ${w.map((v) => `${v.toFixed(1)} s (${pct(v)})`).join(', ')}; ` +
        `PostgreSQL backends ${pg.toFixed(1)} s (${pct(pg)})${extra ? `; ${extra.name} ${x.toFixed(1)} s (${pct(x)})` : ''}; ` +
        `machine busy ${Math.round((100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total))}% of ${os.cpus().length} cores`
      );
    },
  };
}

async function waitFor(what: string, ms: number, pollMs: number, fn: () => Promise<boolean>, alive: Worker[]): Promise<number> {
  const end = performance.now() + ms;
  for (;;) {
    if (await fn()) return performance.now();
    const dead = alive.find((w) => w.child.exitCode !== null);
    if (dead) throw new Error(`a worker exited (${dead.child.exitCode}) while waiting for ${what}:\n${dead.output().slice(-2000)}`);
    if (performance.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** performance.now() of a wall-clock Date (both clocks of this machine). */
const perfOf = (d: Date) => d.getTime() - (Date.now() - performance.now());

// ---------------------------------------------------------------- phase: steps

async function stepsPhase(): Promise<{ stepsPerS: number } | null> {
  console.log(`\n===== journey steps: ${fmt(customers)} customers, ${workers} worker processes, PostgreSQL =====`);
  const s = await scratch();
  try {
    await template(s, 'welcome-inbox', {
      name: 'welcome inbox',
      channel: 'inapp',
      format: 'text',
      subject: 'Welcome, {{ traits.name }}',
      body: 'Hi {{ traits.name }}, your {{ traits.plan }} workspace is ready. Start here: {{ preferences_url }}',
    });
    await publish(s, 'onboarding', {
      trigger: { event: { name: 'Signed Up' } },
      start: 'split',
      steps: [
        {
          id: 'split',
          type: 'split',
          variants: [
            { key: 'a', weight: 1, next: 'plan' },
            { key: 'b', weight: 1, next: 'plan' },
          ],
        },
        {
          id: 'plan',
          type: 'branch',
          branches: [{ condition: { any: [{ trait: { path: 'plan', op: 'eq', value: 'pro' } }, { trait: { path: 'plan', op: 'eq', value: 'team' } }] }, next: 'tag-paid' }],
          otherwise: 'tag-free',
        },
        { id: 'tag-paid', type: 'updateTraits', set: { onboarding_track: 'assisted', onboarding_started: true }, next: 'inbox' },
        { id: 'tag-free', type: 'updateTraits', set: { onboarding_track: 'self-serve', onboarding_started: true }, next: 'inbox' },
        { id: 'inbox', type: 'send', channel: 'inapp', template: 'welcome-inbox', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    });
    const ingestMs = await backlog(s, 'st', customers);
    console.log(
      `setup: ${fmt(customers * 2)} events ingested in ${sec(ingestMs)} s (not timed); journey split → branch → updateTraits → send in-app → exit (${STEPS_PER_RUN} steps a run); ${loadLine()}`,
    );

    const t0 = performance.now();
    const list = await startWorkers(workers, { DATABASE_URL: s.url }, t0);
    const cpu = watchCpu(s, list);
    const { rows: jr } = await s.db.query<{ id: string }>(`SELECT id FROM journeys WHERE workspace_id = $1`, [s.ws]);
    const timeout = 120_000 + customers * 5;
    await waitFor('every run to enter', timeout, 50, async () => Number((await s.db.query<{ n: string }>(`SELECT count(*) AS n FROM journey_runs`)).rows[0]!.n) >= customers, list);
    const tDone = await waitFor(
      'every run to complete',
      timeout,
      50,
      async () =>
        (await s.db.query<{ open: boolean }>(`SELECT EXISTS (SELECT 1 FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 AND status IN ('active', 'waiting')) AS open`, [s.ws, jr[0]!.id]))
          .rows[0]!.open === false,
      list,
    );
    const cpuText = await cpu.stop();
    const tMsgs = await waitFor(
      'every in-app message to be delivered',
      timeout,
      50,
      async () => Number((await s.db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE status IN ('queued', 'sending')`)).rows[0]!.n) === 0,
      list,
    );
    const counts = await stopWorkers(list);

    const { rows: r } = await s.db.query<{ n: number; completed: number; failed: number; first_in: Date; last_end: Date; a: number; b: number; finished: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              min(entered_at) AS first_in, max(ended_at) AS last_end, count(*) FILTER (WHERE variant = 'a')::int AS a, count(*) FILTER (WHERE variant = 'b')::int AS b,
              count(*) FILTER (WHERE step = 'done' AND state->>'steps' = '${STEPS_PER_RUN}')::int AS finished
         FROM journey_runs`,
    );
    const { rows: ev } = await s.db.query<{ first_run: Date; entered: number; ended: number }>(
      `SELECT min(timestamp) FILTER (WHERE event = 'Journey Entered') AS first_run, count(*) FILTER (WHERE event = 'Journey Entered')::int AS entered, count(*) FILTER (WHERE event = 'Journey Ended')::int AS ended
         FROM events WHERE workspace_id = $1 AND type = 'tenure'`,
      [s.ws],
    );
    const { rows: m } = await s.db.query<{ n: number; delivered: number; customers: number; last_sent: Date }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(DISTINCT customer_id)::int AS customers, max(sent_at) AS last_sent FROM messages`,
    );
    const { rows: t } = await s.db.query<{ assisted: number; self: number }>(
      `SELECT count(*) FILTER (WHERE traits->>'onboarding_track' = 'assisted' AND traits->>'plan' IN ('pro', 'team'))::int AS assisted,
              count(*) FILTER (WHERE traits->>'onboarding_track' = 'self-serve' AND traits->>'plan' = 'free')::int AS self
         FROM customers WHERE workspace_id = $1`,
      [s.ws],
    );
    const runs = r[0]!;
    const steps = counts.reduce((a, c) => a + c.steps, 0);
    const sent = counts.reduce((a, c) => a + c.sent, 0);
    const start = perfOf(runs.first_in);
    const windowMs = tDone - start;
    const dbWindowMs = runs.last_end.getTime() - runs.first_in.getTime();
    const runnerMs = tDone - perfOf(ev[0]!.first_run);

    console.log(
      `workers ready at ${list.map((w) => `${sec(w.readyMs)} s`).join(', ')} after spawn; first run entered ${sec(start - t0)} s after spawn, first runner batch ${sec(perfOf(ev[0]!.first_run) - t0)} s`,
    );
    console.log(
      `steps per worker     ${counts.map((c) => fmt(c.steps)).join(' + ')} = ${fmt(steps)} (runs × ${STEPS_PER_RUN} = ${fmt(runs.completed * STEPS_PER_RUN)}); in-app messages per worker ${counts.map((c) => fmt(c.sent)).join(' + ')}`,
    );
    console.log(
      `window               first entry → all runs completed (seen) ${sec(windowMs)} s; min(entered_at) → max(ended_at) ${sec(dbWindowMs)} s; first runner batch → all completed ${sec(runnerMs)} s; wall from spawn ${sec(tDone - t0)} s (+${sec(tMsgs - tDone)} s until the last in-app message was delivered)`,
    );
    console.log(
      `throughput           ${fmt(steps / (windowMs / 1000))} steps/s, ${fmt(runs.completed / (windowMs / 1000))} runs/s (by ended_at: ${fmt(steps / (dbWindowMs / 1000))} steps/s; runner only: ${fmt(steps / (runnerMs / 1000))} steps/s; from spawn: ${fmt(steps / ((tDone - t0) / 1000))} steps/s)`,
    );
    console.log(`messages             ${fmt(m[0]!.n)} in-app messages queued, ${fmt(m[0]!.delivered)} delivered to the inbox (${fmt(sent)} by the workers' counts)`);
    console.log(cpuText);
    console.log(`split                a ${fmt(runs.a)}, b ${fmt(runs.b)}; traits set by the branch taken: ${fmt(t[0]!.assisted + t[0]!.self)}/${fmt(customers)}`);

    check(runs.n === customers && runs.completed === customers && runs.failed === 0, `steps: ${runs.completed}/${customers} runs completed (${runs.n} runs, ${runs.failed} failed)`);
    check(runs.finished === customers, `steps: ${runs.finished}/${customers} runs ended at "done" after ${STEPS_PER_RUN} steps`);
    check(steps === customers * STEPS_PER_RUN, `steps: the workers executed ${steps} steps, expected ${customers * STEPS_PER_RUN}`);
    check(
      counts.every((c) => c.steps > 0),
      `steps: not every worker executed steps (${counts.map((c) => c.steps).join(', ')})`,
    );
    check(ev[0]!.entered === customers && ev[0]!.ended === customers, `steps: ${ev[0]!.entered} Journey Entered and ${ev[0]!.ended} Journey Ended events for ${customers} runs`);
    check(
      m[0]!.n === customers && m[0]!.delivered === customers && m[0]!.customers === customers && sent === customers,
      `steps: ${m[0]!.n} messages (${m[0]!.delivered} delivered, ${m[0]!.customers} customers, ${sent} by the workers) for ${customers} runs`,
    );
    check(t[0]!.assisted + t[0]!.self === customers, `steps: ${t[0]!.assisted + t[0]!.self}/${customers} customers have the trait of the branch they took`);
    const stepsPerS = steps / (windowMs / 1000);
    console.log(`target               ≥ ${fmt(STEP_TARGET)} steps/s with ${workers} workers: ${stepsPerS >= STEP_TARGET ? 'met' : 'MISSED'}; ${loadLine()}`);
    return { stepsPerS };
  } finally {
    await killLeftovers();
    await s.close();
  }
}

// ---------------------------------------------------------------- phase: emails

/** The SMTP server's child process: drains each message, reads only its Message-ID header, accepts. Counts go back over IPC. */
const SMTP_CHILD = `
const { SMTPServer } = require('smtp-server');
let stats;
const reset = () => (stats = { messages: 0, bytes: 0, connections: 0, ids: new Map(), noId: 0 });
reset();
const server = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], disableReverseLookup: true, logger: false,
  onConnect(_s, cb) { stats.connections++; cb(); },
  onData(stream, _s, cb) {
    let head = '';
    let done = false;
    stream.on('data', (c) => {
      stats.bytes += c.length;
      if (done) return;
      head += c.toString('latin1');
      const end = head.indexOf('\\r\\n\\r\\n');
      if (end >= 0 || head.length > 65536) { done = true; head = end >= 0 ? head.slice(0, end) : head; }
    });
    stream.on('end', () => {
      const m = /^Message-ID:\\s*(<[^>\\r\\n]*>)/im.exec(head);
      if (m) stats.ids.set(m[1], (stats.ids.get(m[1]) || 0) + 1); else stats.noId++;
      stats.messages++;
      cb(null, 'queued as B' + stats.messages);
    });
  },
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
process.on('message', (m) => {
  if (m.cmd === 'take') {
    const u = process.cpuUsage();
    let dup = 0;
    for (const n of stats.ids.values()) if (n > 1) dup++;
    process.send({ stats: { messages: stats.messages, bytes: stats.bytes, connections: stats.connections, distinct: stats.ids.size, duplicated: dup, noId: stats.noId, cpuSeconds: (u.user + u.system) / 1e6 } });
    reset();
  } else server.close(() => process.exit(0));
});
`;
interface SmtpStats {
  messages: number;
  bytes: number;
  connections: number;
  distinct: number;
  duplicated: number;
  noId: number;
  cpuSeconds: number;
}
function ask<T>(child: ChildProcess, cmd: { cmd: 'take' } | null): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`SMTP server child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    if (cmd) child.send(cmd);
  });
}

/** A ~5 KB MJML welcome email: header, hero, three feature blocks, plan-dependent copy, footer with unsubscribe. */
function welcomeMjml(): string {
  const feature = (title: string, copy: string, url: string) => `
      <mj-section background-color="#ffffff" padding="8px 24px">
        <mj-column width="30%"><mj-image src="https://cdn.acme.test/icons/${url}.png" alt="${title}" width="64px" /></mj-column>
        <mj-column width="70%">
          <mj-text font-size="16px" font-weight="700" color="#1f2937">${title}</mj-text>
          <mj-text font-size="14px" line-height="22px" color="#4b5563">${copy}</mj-text>
          <mj-button href="https://app.acme.test/${url}?utm_source=tenure&utm_campaign=welcome&uid={{ customer.userId }}" background-color="#4f46e5" font-size="13px" align="left">Open ${title.toLowerCase()}</mj-button>
        </mj-column>
      </mj-section>`;
  return `<mjml>
  <mj-head>
    <mj-title>Welcome to Acme, {{ traits.name }}</mj-title>
    <mj-preview>Three things to do in your first week on the {{ traits.plan | capitalize }} plan</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text padding="4px 0" /></mj-attributes>
    <mj-style inline="inline">.note a { color: #4f46e5; text-decoration: underline; }</mj-style>
  </mj-head>
  <mj-body background-color="#f3f4f6">
    <mj-section padding="24px"><mj-column><mj-image src="https://cdn.acme.test/logo.png" alt="Acme" width="120px" href="https://acme.test" /></mj-column></mj-section>
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="24px" font-weight="700" color="#111827">Welcome aboard, {{ traits.name | split: " " | first }}!</mj-text>
        <mj-text font-size="15px" line-height="24px" color="#374151">
          Thanks for signing up{% if event.properties.method == "google" %} with Google{% endif %}. Your {{ traits.plan | capitalize }} workspace for
          <strong>{{ traits.company | default: "your team" }}</strong> is ready. {% if traits.plan == "free" %}You can invite up to three teammates for free,
          and upgrade whenever you need more seats, automations or the API.{% else %}Your plan includes unlimited seats, priority support and a
          dedicated onboarding call: reply to this email to pick a time.{% endif %}
        </mj-text>
        <mj-button href="https://app.acme.test/start?uid={{ customer.userId }}" background-color="#111827" font-size="15px" padding="16px 0">Open your workspace</mj-button>
      </mj-column>
    </mj-section>${feature('Import your customers', 'Connect your CRM or upload a CSV: we match people by email and keep their history, so nothing you already know is lost.', 'import')}${feature(
      'Build your first journey',
      'Start from a template (welcome, trial ending, win-back) and edit the steps on the canvas. Every message can be tested on a sample customer first.',
      'journeys',
    )}${feature('Watch what works', 'The dashboard shows who moved between lifecycle stages this week, which messages led to a purchase and where people drop off.', 'dashboard')}
    <mj-section background-color="#ffffff" padding="16px 24px">
      <mj-column>
        <mj-divider border-color="#e5e7eb" border-width="1px" />
        <mj-text css-class="note" font-size="13px" line-height="20px" color="#6b7280">
          You are receiving this because {{ traits.email }} signed up for Acme on {{ "now" | date: "%B %-d, %Y" }}. Questions? Read the
          <a href="https://help.acme.test/getting-started">getting started guide</a> or write to <a href="mailto:help@acme.test">help@acme.test</a>.
        </mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="16px 24px">
      <mj-column>
        <mj-text align="center" font-size="12px" color="#9ca3af">Acme Inc., 548 Market St, San Francisco, CA 94104</mj-text>
        <mj-text align="center" font-size="12px" color="#9ca3af"><a href="{{ preferences_url }}">Email preferences</a> · <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

async function emailRun(count: number, nWorkers: number, smtp: ChildProcess, port: number): Promise<{ perS: number } | null> {
  console.log(`\n===== emails through the pipeline: ${fmt(count)} emails, ${nWorkers} worker process${nWorkers === 1 ? '' : 'es'}, SMTP pool (SMTP_POOL_SIZE default) =====`);
  const s = await scratch();
  try {
    const body = welcomeMjml();
    await template(s, 'welcome-email', { name: 'welcome email', channel: 'email', format: 'mjml', subject: 'Welcome to Acme, {{ traits.name | split: " " | first }}', body });
    await publish(s, 'welcome', {
      trigger: { event: { name: 'Signed Up' } },
      start: 'email',
      steps: [
        { id: 'email', type: 'send', channel: 'email', template: 'welcome-email', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    });
    const ingestMs = await backlog(s, `em${nWorkers}-`, count);
    await ask<{ stats: SmtpStats }>(smtp, { cmd: 'take' }); // reset the server's counts
    console.log(`setup: ${fmt(count * 2)} events ingested in ${sec(ingestMs)} s (not timed); template ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB of MJML with Liquid; ${loadLine()}`);

    const t0 = performance.now();
    const list = await startWorkers(nWorkers, { DATABASE_URL: s.url, SMTP_URL: `smtp://127.0.0.1:${port}` }, t0);
    const cpu = watchCpu(s, list, { name: 'SMTP server', pid: smtp.pid! });
    const timeout = 120_000 + count * 20;
    const tDone = await waitFor(
      'every email to be sent',
      timeout,
      50,
      async () => Number((await s.db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE status NOT IN ('queued', 'sending')`)).rows[0]!.n) >= count,
      list,
    );
    const cpuText = await cpu.stop();
    const counts = await stopWorkers(list);
    const got = (await ask<{ stats: SmtpStats }>(smtp, { cmd: 'take' })).stats;

    const { rows: m } = await s.db.query<{ n: number; sent: number; customers: number; keys: number; first_created: Date; first_sent: Date; last_sent: Date; at_first: number; html: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(DISTINCT customer_id)::int AS customers, count(DISTINCT idempotency_key)::int AS keys,
              min(created_at) AS first_created, min(sent_at) AS first_sent, max(sent_at) AS last_sent,
              count(*) FILTER (WHERE sent_at = (SELECT min(sent_at) FROM messages))::int AS at_first, avg(octet_length(body_html))::int AS html
         FROM messages`,
    );
    const { rows: r } = await s.db.query<{ n: number; completed: number; first_in: Date }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'completed')::int AS completed, min(entered_at) AS first_in FROM journey_runs`,
    );
    const { rows: ev } = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = 'Email Delivered'`, [s.ws]);
    const x = m[0]!;
    const deliveryMs = x.last_sent.getTime() - x.first_sent.getTime();
    const perS = (x.n - x.at_first) / (deliveryMs / 1000);
    const pipelineMs = x.last_sent.getTime() - r[0]!.first_in.getTime();
    const sent = counts.reduce((a, c) => a + c.sent, 0);
    console.log(
      `workers ready at ${list.map((w) => `${sec(w.readyMs)} s`).join(', ')} after spawn; first run entered ${sec(perfOf(r[0]!.first_in) - t0)} s, first message queued ${sec(perfOf(x.first_created) - t0)} s, first sent ${sec(perfOf(x.first_sent) - t0)} s after spawn`,
    );
    console.log(
      `messages per worker  ${counts.map((c) => fmt(c.sent)).join(' + ')} = ${fmt(sent)}; rendered html ${(x.html / 1024).toFixed(1)} KB on average, ${(got.bytes / Math.max(1, got.messages) / 1024).toFixed(1)} KB per message on the wire`,
    );
    console.log(
      `SMTP server          received ${fmt(got.messages)} messages, ${fmt(got.distinct)} distinct Message-IDs (${got.duplicated} received more than once, ${got.noId} without one) over ${got.connections} connections`,
    );
    console.log(
      `delivery rate        ${fmt(perS)} emails/s (first → last sent_at ${sec(deliveryMs)} s, ${fmt(x.n - x.at_first)} recorded after the first); pipeline ${fmt(x.n / (pipelineMs / 1000))} emails/s (first entry → last sent_at ${sec(pipelineMs)} s); ` +
        `wall from spawn ${sec(tDone - t0)} s`,
    );
    console.log(cpuText);

    check(r[0]!.n === count && r[0]!.completed === count, `emails (${nWorkers} w): ${r[0]!.completed}/${count} runs completed (${r[0]!.n} runs)`);
    check(
      x.n === count && x.sent === count && x.customers === count && x.keys === count,
      `emails (${nWorkers} w): ${x.sent}/${count} messages sent (${x.n} messages, ${x.customers} customers, ${x.keys} keys)`,
    );
    check(sent === count, `emails (${nWorkers} w): the workers report ${sent} messages sent, expected ${count}`);
    check(
      got.messages === count && got.distinct === count && got.duplicated === 0 && got.noId === 0,
      `emails (${nWorkers} w): the SMTP server received ${got.messages} messages, ${got.distinct} distinct Message-IDs, expected ${count} once each`,
    );
    check(ev[0]!.n === count, `emails (${nWorkers} w): ${ev[0]!.n} Email Delivered events for ${count} messages`);
    if (nWorkers > 1)
      check(
        counts.every((c) => c.sent > 0),
        `emails (${nWorkers} w): not every worker sent (${counts.map((c) => c.sent).join(', ')})`,
      );
    console.log(`target               ≥ ${fmt(EMAIL_TARGET)} emails/s: ${perS >= EMAIL_TARGET ? 'met' : 'MISSED'}; ${loadLine()}`);
    return { perS };
  } finally {
    await killLeftovers();
    await s.close();
  }
}

async function emailsPhase(): Promise<Array<{ workers: number; perS: number }>> {
  const smtp = spawn(process.execPath, ['-e', SMTP_CHILD], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const out: Array<{ workers: number; perS: number }> = [];
  try {
    const { port } = await ask<{ port: number }>(smtp, null);
    for (const n of [...new Set([1, workers])]) {
      const r = await emailRun(emails, n, smtp, port);
      if (r) out.push({ workers: n, perS: r.perS });
    }
  } finally {
    if (smtp.exitCode === null) {
      const exited = new Promise((r) => smtp.once('exit', r));
      smtp.send({ cmd: 'stop' });
      await exited;
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

console.log(machine());
const started = performance.now();
const summary: string[] = [];
try {
  if (phase === 'all' || phase === 'steps') {
    const r = await stepsPhase();
    if (r) summary.push(`${fmt(r.stepsPerS)} journey steps/s with ${workers} workers (target ${fmt(STEP_TARGET)})`);
  }
  if (phase === 'all' || phase === 'emails') {
    for (const r of await emailsPhase()) summary.push(`${fmt(r.perS)} emails/s with ${r.workers} worker${r.workers === 1 ? '' : 's'} (target ${EMAIL_TARGET})`);
  }
} catch (err) {
  problems.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
}
console.log(`\n===== summary (${sec(performance.now() - started)} s in all) =====`);
for (const line of summary) console.log(line);
if (problems.length > 0) {
  console.log(`FAILED checks:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('checks: every run completed with the expected steps; every message sent (delivered) exactly once');
}

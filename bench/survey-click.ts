/**
 * Issue #24: from a click on a score in a survey email to the `Survey Responded` it records
 * being visible to segments, with the real server in this process (every role on: stage,
 * segment and journey workers, job runner).
 *
 *   node --import tsx bench/survey-click.ts [--pglite] [--customers N] [--clicks N] [--rate CLICKS_PER_S] [--burst N] [--burst-rate CLICKS_PER_S] [--breakdown] [--pool N]
 *
 * Setup (not timed): `--customers` (default 2,000) customers with ~10 events each, over
 * HTTP (/v1/batch); through the admin API an active NPS survey with a follow-up question,
 * the segment "performed Survey Responded where score <= 6 at least once within 30 days"
 * and six other live segments (promoters, any answer, and four usual ones), each computed
 * by its job; one email invitation per customer, sent (rows in `survey_invitations`, as the
 * survey sender leaves them), and its signed link (makeSurveyToken with the workspace's
 * link secret).
 *
 * Run: a steady phase of `--clicks` (default 500) clicks at `--rate` per second (default
 * 20, open loop), then a burst of `--burst` (default 200) clicks at `--burst-rate` per
 * second (default 200), each on a different customer, scores cycling 0…10. A click is what
 * a browser sends after the score link: POST /s/:token with `score=N` as a form, Accept
 * text/html. A click's latency runs from just before the POST is sent to the moment the
 * SegmentWorker publishes, after its commit, the evaluation that included the customer —
 * the same technique as bench/segments-latency.ts (the bus's `segment` change); these
 * customers have no other traffic, so that evaluation is the one their answer caused. For
 * detractors (0–6) that commit is their entry in the segment; every one is checked
 * afterwards (member, one `Segment Entered`), and promoters and passives must not be
 * members. Beside: the POST's own response time, and the moment the answer's transaction
 * had committed (the route's `events` change) to split the time.
 *
 * `--breakdown` times every statement the server and its workers run (bench/lib/timed-db.ts)
 * and prints, per phase, where the time went, per click. `--pool` sets the PostgreSQL pool
 * size (default 10, the server's default).
 *
 * PostgreSQL: a scratch database on BENCH_DATABASE_URL's (or TEST_DATABASE_URL's) server
 * (default postgres://postgres@127.0.0.1:5432/test), dropped at the end. PGlite: a
 * temporary data directory on disk. Target: p99 under 250 ms.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/server/db/client.js';
import { maintainTables } from '../src/server/db/maintenance.js';
import { migrate } from '../src/server/db/migrate.js';
import { buildServer } from '../src/server/roles/server.js';
import { ChangeBus } from '../src/server/lib/change-bus.js';
import { createLogger } from '../src/server/log.js';
import { getMessagingSettings } from '../src/server/channels/settings.repo.js';
import { makeSurveyToken } from '../src/server/surveys/survey-tokens.js';
import { createScratchDatabase, dropScratchDatabase, http as request, makeWorkspace } from '../src/test-support/harness.js';
import { round1, runMax, segmentClient } from './lib/http-load.js';
import { loadLine, machine, watchRss } from './lib/proc.js';
import { makeBodies, seeded } from './lib/segment-load.js';
import { timedDb, Timings } from './lib/timed-db.js';

const { values } = parseArgs({
  options: {
    pglite: { type: 'boolean', default: false },
    customers: { type: 'string', default: '2000' },
    clicks: { type: 'string', default: '500' },
    rate: { type: 'string', default: '20' },
    burst: { type: 'string', default: '200' },
    'burst-rate': { type: 'string', default: '200' },
    breakdown: { type: 'boolean', default: false },
    pool: { type: 'string', default: '10' },
  },
});
const customers = Number(values.customers);
const steadyClicks = Number(values.clicks);
const rate = Number(values.rate);
const burstClicks = Number(values.burst);
const burstRate = Number(values['burst-rate']);
const BASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const days = (amount: number) => ({ amount, unit: 'days' as const });
const pct = (xs: number[], p: number) => round1([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)] ?? NaN);
const summary = (xs: number[]) => `p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, p99 ${pct(xs, 99)} ms, max ${pct(xs, 100)} ms`;

interface Click {
  customerId: number;
  token: string;
  score: number;
  phase: 'steady' | 'burst';
  sentAt: number;
  /** Response fully received, ms after sentAt. */
  responseMs?: number;
  status?: number;
  /** The answer's transaction committed (the route's `events` change), ms after sentAt. */
  committedMs?: number;
  /** The segment worker's evaluation including the customer committed, ms after sentAt. */
  visibleMs?: number;
}

console.log(machine());
const url = values.pglite ? null : await createScratchDatabase(BASE_URL);
const dataDir = url ? null : mkdtempSync(join(tmpdir(), 'tenure-bench-survey-'));
const db = await openDb(url ? { databaseUrl: url, poolSize: Number(values.pool) } : { dataDir: dataDir! });
try {
  await migrate(db);
  const { workspace, writeKey, adminKey } = await makeWorkspace(db, 'bench-survey-click');
  const ws = workspace.id;
  const bus = new ChangeBus();
  const byCustomer = new Map<number, Click>();
  const synced = { calls: 0, customers: 0 };
  bus.on('events', (c) => {
    const now = performance.now();
    for (const id of c.customerIds) {
      const k = byCustomer.get(id);
      if (k && k.sentAt > 0 && k.committedMs === undefined) k.committedMs = now - k.sentAt;
    }
  });
  bus.on('segment', (c) => {
    const now = performance.now();
    synced.calls++;
    synced.customers += c.customerIds.length;
    for (const id of c.customerIds) {
      const k = byCustomer.get(id);
      if (k && k.sentAt > 0 && k.visibleMs === undefined) k.visibleMs = now - k.sentAt;
    }
  });
  const times = values.breakdown ? new Timings([]) : null;
  const app = await buildServer({ db: times ? timedDb(db, times).db : db, log: createLogger('silent'), bus, segmentSweepMs: 0, predictionSchedule: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const admin = { authorization: `Bearer ${adminKey}` };
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await request(`${base}${path}`, { method, body, headers: admin });
    if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const { post, close } = segmentClient(port, writeKey, 16);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    // Customers and their history, over HTTP.
    const t0 = performance.now();
    const seed = makeBodies(Math.ceil((customers * 10) / 100), 100, { rand: seeded(7), users: customers });
    const s = await runMax(post, seed, 100, 8);
    if (s.tally.errors > 0) throw new Error(`setup: ${s.tally.firstError}`);
    await app.wiring.segments!.idle();

    // The survey and the segments, through the admin API.
    await api('POST', '/api/surveys', {
      id: 'nps-bench',
      name: 'NPS (bench)',
      definition: {
        type: 'nps',
        question: 'How likely are you to recommend {{ workspace.name }} to a friend?',
        followUp: { default: 'What is the main reason for your score?' },
        email: { subject: 'One quick question', intro: 'Hi {{ customer.first_name }},' },
      },
    });
    await api('PUT', '/api/surveys/nps-bench', { status: 'active' });
    const responded = (where: unknown[], within: number) => ({ performed: { event: 'Survey Responded', where, window: { within: days(within) } } });
    const segments: Array<[string, unknown]> = [
      ['NPS detractors (30 days)', { performed: { event: 'Survey Responded', where: [{ path: 'score', op: 'lte', value: 6 }], count: { op: 'gte', value: 1 }, window: { within: days(30) } } }],
      [
        'NPS promoters (90 days)',
        responded(
          [
            { path: 'type', op: 'eq', value: 'nps' },
            { path: 'score', op: 'gte', value: 9 },
          ],
          90,
        ),
      ],
      ['Answered a survey (90 days)', responded([], 90)],
      ['Repeat buyers', { performed: { event: 'Order Completed', count: { op: 'gte', value: 2 }, window: { within: days(30) } } }],
      ['Big spenders', { aggregate: { event: 'Order Completed', property: 'revenue', fn: 'sum', op: 'gte', value: 100 } }],
      ['Never ordered', { not: { performed: { event: 'Order Completed' } } }],
      ['Seen in 3 days', { lastSeen: { op: 'within', duration: days(3) } }],
    ];
    const segIds: string[] = [];
    for (const [name, condition] of segments) {
      const saved = (await api('POST', '/api/segments', { name, condition })) as { segment: { id: string } };
      segIds.push(saved.segment.id);
    }
    for (const id of segIds) {
      for (let i = 0; ; i++) {
        const v = (await api('GET', `/api/segments/${id}`)) as { upToDate: boolean };
        if (v.upToDate) break;
        if (i > 600) throw new Error(`segment ${id} was not computed in 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const target = segIds[0]!;

    // One sent email invitation per customer, and its signed link.
    const { rows: people } = await db.query<{ id: string | number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id LIKE 'user-%' ORDER BY id`, [ws]);
    const { rows: survey } = await db.query<{ version: number }>(`SELECT version FROM surveys WHERE workspace_id = $1 AND id = 'nps-bench'`, [ws]);
    const ids = people.map((p) => Number(p.id));
    const { rows: invs } = await db.query<{ id: string | number; customer_id: string | number }>(
      `INSERT INTO survey_invitations (workspace_id, survey_id, version, type, customer_id, channel, source, round, idempotency_key, status, created_at, sent_at)
       SELECT $1, 'nps-bench', $2, 'nps', c, 'email', 'broadcast', 'bench', 'broadcast:nps-bench:bench:' || c, 'sent', now(), now() FROM unnest($3::bigint[]) AS c
       RETURNING id, customer_id`,
      [ws, survey[0]!.version, ids],
    );
    const secret = (await getMessagingSettings(db, ws)).secret;
    const nowSec = Date.now() / 1000;
    const links = invs.map((r) => ({ customerId: Number(r.customer_id), token: makeSurveyToken(secret, { w: ws, i: Number(r.id), c: Number(r.customer_id) }, nowSec) }));
    if (links.length < steadyClicks + burstClicks) throw new Error(`only ${links.length} customers for ${steadyClicks + burstClicks} clicks: raise --customers`);
    // Spread the clicks over the customers (every k-th one), each clicks once.
    const step = Math.floor(links.length / (steadyClicks + burstClicks));
    const clicks: Click[] = Array.from({ length: steadyClicks + burstClicks }, (_, i) => ({
      ...links[i * step]!,
      score: i % 11,
      phase: i < steadyClicks ? 'steady' : 'burst',
      sentAt: 0,
    }));
    for (const k of clicks) byCustomer.set(k.customerId, k);
    await app.wiring.stages!.idle();
    await app.wiring.segments!.idle();
    const maint = await maintainTables(db); // as autovacuum / the embedded maintenance would have by now
    console.log(
      `setup: ${customers.toLocaleString('en-US')} users, ${s.tally.ackedEvents.toLocaleString('en-US')} events, ${people.length.toLocaleString('en-US')} customers invited, ${segIds.length} live segments, in ${((performance.now() - t0) / 1000).toFixed(1)} s; maintenance: ${maint.map((m) => `${m.action} ${m.table}`).join(', ') || 'none'}`,
    );

    // The clicks: a browser's form POST after the score link, open loop.
    const click = (k: Click) =>
      new Promise<void>((resolve) => {
        const body = `score=${k.score}`;
        k.sentAt = performance.now();
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: `/s/${k.token}`,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              k.status = res.statusCode ?? 0;
              k.responseMs = performance.now() - k.sentAt;
              resolve();
            });
          },
        );
        req.on('error', () => {
          k.status = 0;
          resolve();
        });
        req.end(body);
      });
    const breakdowns: string[] = [];
    const phase = async (list: Click[], perSec: number) => {
      if (times) {
        times.statements.clear();
        times.transactions = 0;
        times.transactionMs = 0;
      }
      const interval = 1000 / perSec;
      const start = performance.now();
      const sent: Promise<void>[] = [];
      for (const [i, k] of list.entries()) {
        const wait = start + i * interval - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent.push(click(k));
      }
      await Promise.all(sent);
      // Everything the clicks caused, done (a click not yet visible would otherwise be missed).
      for (let i = 0; i < 3; i++) {
        await app.wiring.stages!.idle();
        await app.wiring.segments!.idle();
      }
      if (times) {
        const n = list.length;
        breakdowns.push(
          `-- statements while ${n} clicks at ${perSec}/s were answered and worked out (server and workers; ms per click): ${(times.statementMs / n).toFixed(1)} ms in statements, ${times.transactions} transactions`,
          ...[...times.statements.values()]
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 20)
            .map((k) => `    ${(k.ms / n).toFixed(2).padStart(7)} ms  ${(k.calls / n).toFixed(2).padStart(6)} calls  ${k.label}`),
        );
      }
      return (performance.now() - start) / 1000;
    };
    const rss = watchRss(process.pid, 250);
    const steady = clicks.filter((k) => k.phase === 'steady');
    const burst = clicks.filter((k) => k.phase === 'burst');
    console.log(`running: ${steady.length} clicks at ${rate}/s, then ${burst.length} at ${burstRate}/s; ${loadLine()}`);
    const steadySec = await phase(steady, rate);
    const loadSteady = loadLine();
    const burstSec = burst.length > 0 ? await phase(burst, burstRate) : 0;
    const peak = rss.stop();

    // Verification: detractors are members with one entry each; nobody else is.
    const { rows: members } = await db.query<{ customer_id: string | number }>(`SELECT customer_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`, [ws, target]);
    const memberSet = new Set(members.map((m) => Number(m.customer_id)));
    const { rows: entered } = await db.query<{ customer_id: string | number; n: number }>(
      `SELECT customer_id, count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = 'Segment Entered' AND properties->>'segmentId' = $2 GROUP BY customer_id`,
      [ws, target],
    );
    const entries = new Map(entered.map((r) => [Number(r.customer_id), r.n]));
    const { rows: answers } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM survey_responses WHERE workspace_id = $1`, [ws]);
    const detractors = clicks.filter((k) => k.score <= 6);
    const wrongIn = clicks.filter((k) => k.score > 6 && memberSet.has(k.customerId)).length;
    const missing = detractors.filter((k) => !memberSet.has(k.customerId) || entries.get(k.customerId) !== 1).length;
    const badStatus = clicks.filter((k) => k.status !== 200).length;

    const line = (label: string, list: Click[], pick: (k: Click) => number | undefined) => {
      const xs = list.flatMap((k) => (pick(k) === undefined ? [] : [pick(k)!]));
      console.log(`${label.padEnd(38)} ${String(xs.length).padStart(4)}/${list.length}  ${summary(xs)}`);
      return xs;
    };
    console.log(`\n===== survey click → segment: ${values.pglite ? 'pglite' : 'postgres'} =====`);
    const out: Record<string, number[]> = {};
    for (const [name, list, sec, perSec] of [
      ['steady', steady, steadySec, rate],
      ['burst', burst, burstSec, burstRate],
    ] as const) {
      if (list.length === 0) continue;
      const det = list.filter((k) => k.score <= 6);
      console.log(`-- ${name}: ${list.length} clicks at ${perSec}/s (${sec.toFixed(1)} s including the drain)`);
      out[name] = line('click → member of the segment (0–6)', det, (k) => k.visibleMs);
      line('click → evaluated by segments (all)', list, (k) => k.visibleMs);
      line('POST response time', list, (k) => k.responseMs);
      line('click → answer committed', list, (k) => k.committedMs);
      line('committed → segment commit (0–6)', det, (k) => (k.visibleMs === undefined || k.committedMs === undefined ? undefined : k.visibleMs - k.committedMs));
    }
    console.log(
      `verified             ${answers[0]!.n}/${clicks.length} answers stored; ${detractors.length - missing}/${detractors.length} detractors members with one Segment Entered; ${wrongIn} others members; ${badStatus} POSTs not 200`,
    );
    for (const b of breakdowns) console.log(b);
    console.log(
      `segment worker       ${synced.calls.toLocaleString('en-US')} evaluations of ${synced.customers.toLocaleString('en-US')} customers (mean ${(synced.customers / Math.max(1, synced.calls)).toFixed(1)})`,
    );
    console.log(`process              peak RSS ${Math.round(peak)} MB; after steady: ${loadSteady}; end: ${loadLine()}`);
    const p99 = pct(out.steady ?? [], 99);
    const ok = missing === 0 && wrongIn === 0 && badStatus === 0;
    console.log(`target               steady p99 < 250 ms: ${p99 < 250 && ok ? 'met' : 'MISSED'} (${p99} ms; burst p99 ${pct(out.burst ?? [], 99)} ms)`);
  } finally {
    close();
    agent.destroy();
    await app.close();
  }
} finally {
  await db.close();
  if (url) await dropScratchDatabase(BASE_URL, url);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

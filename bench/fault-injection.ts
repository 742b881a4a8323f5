/**
 * The longer variant of the fault-injection suite: ingestion under load into a real server
 * (child process) on PostgreSQL, which is SIGKILLed `--kills` times at random moments and
 * restarted, while clients keep sending batches (retrying on errors, as SDKs do). Then:
 * every acknowledged event is stored (0 lost, no duplicates), every customer has a stage,
 * no derived work is left or parked, and the hostile corpus answers 4xx only.
 *
 *   node --import tsx bench/fault-injection.ts [--customers N] [--kills N] [--concurrency N]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): a fresh database
 * `tenure_test_<ts>` on that server, dropped at the end.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { basic, createScratchDatabase, dropScratchDatabase } from '../src/test-support/harness.js';
import { freePort, killHard, spawnServer } from '../src/test-support/child-server.js';
import { hostilePayloads } from '../src/test-support/hostile-payloads.js';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '5000' }, kills: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '4' } } });
const customers = Number(values.customers);
const kills = Number(values.kills);
const concurrency = Number(values.concurrency);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const url = await createScratchDatabase(base);
const writeKey = `tw_fault_${randomBytes(16).toString('hex')}`;
const adminKey = `ta_fault_${randomBytes(16).toString('hex')}`;
const env = { DATABASE_URL: url, TENURE_WRITE_KEY: writeKey, TENURE_ADMIN_KEY: adminKey, TENURE_ANALYTICS_SYNC_SECONDS: '0', LOG_LEVEL: 'warn' };
const port = await freePort();
let server = await spawnServer(env, port);
const logs: string[] = [];
const acked = new Set<string>();
let requests = 0;
let refusedOrFailed = 0;

// Work: `customers` customers, 4 events each, in batches of 100, sent by `concurrency` clients.
const events: Array<Record<string, unknown>> = [];
const t0 = Date.now() - 3_600_000;
for (let i = 0; i < customers; i++) {
  const userId = `fault-${i}`;
  events.push({ type: 'identify', userId, messageId: `${userId}-i`, traits: { email: `${userId}@example.com` }, timestamp: new Date(t0 + i).toISOString() });
  events.push({ type: 'track', userId, event: 'Signed Up', messageId: `${userId}-s`, timestamp: new Date(t0 + i + 1).toISOString() });
  events.push({ type: 'track', userId, event: 'Product Viewed', messageId: `${userId}-v`, timestamp: new Date(t0 + i + 2).toISOString() });
  if (i % 3 === 0) events.push({ type: 'track', userId, event: 'Order Completed', messageId: `${userId}-o`, timestamp: new Date(t0 + i + 3).toISOString(), properties: { revenue: 20 } });
}
const batches: Array<Array<Record<string, unknown>>> = [];
for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));

async function send(batch: Array<Record<string, unknown>>): Promise<void> {
  for (;;) {
    requests++;
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: { authorization: basic(writeKey), 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
      await r.text();
      if (r.status === 200) {
        for (const e of batch) acked.add(e.messageId as string);
        return;
      }
      refusedOrFailed++;
    } catch {
      refusedOrFailed++;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const started = Date.now();
let next = 0;
const clients = Array.from({ length: concurrency }, async () => {
  while (next < batches.length) await send(batches[next++]!);
});
// The killer: at random moments while clients send, SIGKILL and restart.
const killer = (async () => {
  for (let k = 0; k < kills; k++) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1_500));
    if (next >= batches.length) break;
    await killHard(server.child);
    logs.push(server.output());
    server = await spawnServer(env, port);
  }
})();
await Promise.all([...clients, killer]);
const sendSeconds = (Date.now() - started) / 1000;

// Let the restarted server finish the derived work, then check.
const db = new pg.Client({ connectionString: url });
await db.connect();
const deadline = Date.now() + 120_000;
let pending = -1;
for (;;) {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE parked_at IS NULL`);
  pending = rows[0]!.n;
  if (pending === 0 || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 250));
}
const settleSeconds = (Date.now() - started) / 1000 - sendSeconds;
const { rows: stored } = await db.query<{ message_id: string }>(`SELECT message_id FROM events WHERE type <> 'tenure'`);
const storedIds = new Set(stored.map((r) => r.message_id));
const lost = [...acked].filter((id) => !storedIds.has(id)).length;
const duplicates = stored.length - storedIds.size;
const { rows: unstaged } = await db.query<{ n: number }>(
  `SELECT count(*)::int AS n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM stage_states s WHERE s.scope = 'customer' AND s.subject_id = c.id)`,
);
const { rows: parked } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE parked_at IS NOT NULL`);
await db.end();

// The hostile corpus against the survivor.
let corpus = 0;
let corpus5xx = 0;
for (const p of hostilePayloads()) {
  corpus++;
  const headers: Record<string, string> = { authorization: basic(writeKey), 'content-type': 'application/json', ...(p.headers ?? {}) };
  try {
    const r = await fetch(`http://127.0.0.1:${port}${p.path}`, { method: 'POST', headers, body: p.rawBody ?? JSON.stringify(p.body) });
    await r.text();
    if (r.status >= 500) corpus5xx++;
  } catch {
    corpus5xx++;
  }
}
const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status);
logs.push(server.output());
await killHard(server.child);
await dropScratchDatabase(base, url);

const errorLines = logs
  .join('\n')
  .split('\n')
  .filter((l) => /"level":(50|60)/.test(l));
console.log(`fault injection on PostgreSQL: ${customers} customers, ${events.length} events, ${kills} SIGKILLs while sending (${concurrency} clients)`);
console.log(`  sent in ${sendSeconds.toFixed(1)} s (${requests} requests, ${refusedOrFailed} refused or failed and retried); derived work settled ${settleSeconds.toFixed(1)} s later`);
console.log(`  acknowledged ${acked.size}, lost ${lost}, duplicates ${duplicates}`);
console.log(`  customers without a stage ${unstaged[0]!.n}; derived work pending ${pending}, parked ${parked[0]!.n}`);
console.log(`  hostile corpus: ${corpus} requests, ${corpus5xx} answered 5xx or dropped; /health after: ${health}`);
console.log(`  server log lines at error or fatal: ${errorLines.length}`);
for (const l of errorLines.slice(0, 5)) console.log(`    ${l.slice(0, 300)}`);
const ok = lost === 0 && duplicates === 0 && unstaged[0]!.n === 0 && pending === 0 && parked[0]!.n === 0 && corpus5xx === 0 && health === 200;
console.log(ok ? 'PASS' : 'FAIL');
process.exit(ok ? 0 : 1);

/**
 * Privacy: what the suppression check adds to an ingestion batch, and how long erasing one
 * person takes. Batches of 1,000 track calls (new users) into a workspace with no suppressions,
 * then with 10,000; the check alone (two indexed lookups per batch) timed beside it; then a
 * person with a few hundred events erased.
 *
 *   node --import tsx bench/privacy.ts [postgres://…/db]   (PGlite in memory without a URL)
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openDb } from '../src/server/db/client.js';
import { migrate } from '../src/server/db/migrate.js';
import { createWorkspace } from '../src/server/workspaces/workspaces.repo.js';
import { ingestEvents } from '../src/server/ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../src/server/ingest/normalize.js';
import { anySuppressed, dropSuppressed, suppress } from '../src/server/privacy/suppress.js';
import { eraseCustomerNow } from '../src/server/privacy/requests.service.js';

const url = process.argv[2];
const db = await openDb(url ? { databaseUrl: url, poolSize: 4 } : { dataDir: 'memory://' });
await migrate(db);
const { workspace } = await createWorkspace(db, { slug: `bench-${Date.now()}`, name: 'bench', writeKey: `tw_b_${Date.now()}`, adminKey: `ta_b_${Date.now()}` });
const ws = workspace.id;
let seq = 0;
const batch = (n: number, user = () => `u${seq}`): NormalizedEvent[] =>
  Array.from({ length: n }, () => {
    const r = normalizeCall(
      { messageId: `b${seq++}`, userId: user(), event: 'Viewed', context: { traits: { email: `x${seq}@example.test` } } },
      'track',
      { receivedAt: new Date(), bodyBytes: 100 },
      0,
      '',
    );
    if (!r.ok) throw new Error(r.message);
    return r.value;
  });
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run(label: string) {
  const ingest: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < 10; i++) {
    const events = batch(1000);
    let t = performance.now();
    await db.transaction(async (tx) => {
      await dropSuppressed(tx, ws, events);
      await anySuppressed(tx, ws, events);
    });
    check.push(performance.now() - t);
    t = performance.now();
    await ingestEvents(db, ws, events);
    ingest.push(performance.now() - t);
  }
  console.log(`${label}: ingest a batch of 1,000 ${median(ingest).toFixed(1)} ms (median of 10), of which the suppression check ${median(check).toFixed(2)} ms`);
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${db.kind}`);
await run('no suppressions');
await db.transaction((tx) =>
  suppress(
    tx,
    ws,
    Array.from({ length: 10_000 }, (_, i) => ({ kind: 'email' as const, value: `gone${i}@example.test` })),
    null,
  ),
);
await run('10,000 suppressions');

const person = 'erasee';
for (let i = 0; i < 5; i++)
  await ingestEvents(
    db,
    ws,
    batch(100, () => person),
  );
const id = (await db.query<{ customer_id: number }>(`SELECT customer_id FROM identities WHERE value = $1`, [person])).rows[0]!.customer_id;
const t = performance.now();
const receipt = await eraseCustomerNow(db, ws, Number(id), { suppress: true }, { kind: 'system', label: 'bench' });
console.log(`erase one person with ${receipt.tables.find((x) => x.table === 'events')?.rows} events: ${(performance.now() - t).toFixed(0)} ms (${receipt.tables.length} tables touched)`);
await db.close();

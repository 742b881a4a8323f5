/**
 * One cell's consumer in the scaling simulation, run as its own process:
 *
 *   node --import tsx bench/lib/scaling-consumer.ts <json options>
 *
 * Source `log`: a durable JetStream pull consumer; each fetched batch goes through Tenure's
 * own ingestion (`ingestEvents`, the cell's database, deduplicated by messageId) in one
 * transaction, and is acknowledged after the commit. `killAfter` makes it die (SIGKILL)
 * right after a commit and before the acks: the worst moment, whose batch is redelivered.
 * Source `file`: the same calls read from a JSON-lines file, the same batches and
 * ingestion with no log in front (the baseline).
 *
 * Prints one JSON line per batch (`progress`) and one at the end (`done`).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'nats';
import { openDb } from '../../src/server/db/client.js';
import { ingestEvents } from '../../src/server/ingest/ingest.service.js';
import { IdentityCache } from '../../src/server/ingest/identity-cache.js';
import { normalizeCall, type NormalizedEvent } from '../../src/server/ingest/normalize.js';
import type { SimCall } from './scaling-traffic.js';

export interface ConsumerOptions {
  databaseUrl: string;
  source: 'log' | 'file';
  batch: number;
  stream?: string;
  durable?: string;
  file?: string;
  killAfter?: number;
  /** The consumer's ack policy is `all`: one ack, of the batch's last message, acknowledges the batch. */
  ackAll?: boolean;
}

const opts = JSON.parse(process.argv[2]!) as ConsumerOptions;
const db = await openDb({ databaseUrl: opts.databaseUrl, poolSize: 2 });
const cache = new IdentityCache();
const totals = { events: 0, inserted: 0, duplicates: 0, batches: 0, redelivered: 0, rejected: 0 };
// CPU is counted from here: the process's start-up (node, tsx, the imports) is not the consumer's cost per event.
let cpu0 = process.cpuUsage();
const cpu = () => {
  const u = process.cpuUsage(cpu0);
  return (u.user + u.system) / 1e6;
};
const say = (o: object) => process.stdout.write(JSON.stringify({ ...o, cpu: cpu() }) + '\n');

/** Normalise and ingest one batch (grouped by workspace, in arrival order). */
async function ingest(calls: SimCall[]): Promise<void> {
  const receivedAt = new Date();
  const byWs = new Map<number, NormalizedEvent[]>();
  for (const c of calls) {
    const r = normalizeCall(c.call, c.type, { receivedAt, bodyBytes: 1000 }, 0, '');
    if (!r.ok) {
      totals.rejected++;
      continue;
    }
    let list = byWs.get(c.ws);
    if (!list) byWs.set(c.ws, (list = []));
    list.push(r.value);
  }
  for (const [ws, events] of byWs) {
    const r = await ingestEvents(db, ws, events, { cache, derivedWork: true });
    totals.inserted += r.inserted;
    totals.duplicates += r.duplicates;
  }
  totals.events += calls.length;
  totals.batches++;
}

cpu0 = process.cpuUsage();
const t0 = performance.now();
if (opts.source === 'file') {
  const calls = readFileSync(opts.file!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SimCall);
  for (let i = 0; i < calls.length; i += opts.batch) {
    await ingest(calls.slice(i, i + opts.batch));
    say({ type: 'progress', ...totals });
  }
} else {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const js = nc.jetstream();
  const consumer = await js.consumers.get(opts.stream!, opts.durable!);
  for (;;) {
    const fetched = await consumer.fetch({ max_messages: opts.batch, expires: 1000 });
    const msgs = [];
    for await (const m of fetched) msgs.push(m);
    if (msgs.length === 0) {
      const info = await consumer.info();
      if (info.num_pending === 0 && info.num_ack_pending === 0) break;
      continue;
    }
    for (const m of msgs) if (m.info.redeliveryCount > 1) totals.redelivered++;
    await ingest(msgs.map((m) => m.json<SimCall>()));
    if (opts.killAfter !== undefined && totals.events >= opts.killAfter) {
      say({ type: 'killed', ...totals });
      process.kill(process.pid, 'SIGKILL');
    }
    // Committed: now acknowledge, and wait until the server has the acks.
    if (opts.ackAll) msgs[msgs.length - 1]!.ack();
    else for (const m of msgs) m.ack();
    await nc.flush();
    say({ type: 'progress', ...totals });
  }
  await nc.close();
}
say({ type: 'done', seconds: (performance.now() - t0) / 1000, ...totals });
await db.close();

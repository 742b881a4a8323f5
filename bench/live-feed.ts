/**
 * The live debugger's cost on the ingestion path, in process (no HTTP, no database):
 *   node --import tsx bench/live-feed.ts
 * Per 100,000 events in requests of 100: nobody watching (tap returns null), watching with
 * no stream (references recorded), and watching with a stream (each entry presented and
 * framed once, as SSE). Prints µs per event and the machine.
 */
import { cpus } from 'node:os';
import { LiveFeed } from '../src/server/ingest/live-feed.js';
import type { NormalizedEvent } from '../src/server/ingest/normalize.js';

const N = 100_000;
const PER = 100;
const raw = (i: number) => ({
  type: 'track',
  userId: `u${i % 500}`,
  event: 'Song Played',
  properties: { title: 'x'.repeat(200), i },
  context: { library: { name: 'analytics-node', version: '2.1.0' } },
});
const events: NormalizedEvent[] = Array.from({ length: PER }, (_, i) => ({
  messageId: `m${i}`,
  type: 'track',
  event: 'Song Played',
  userId: `u${i}`,
  anonymousId: null,
  groupId: null,
  previousId: null,
  timestamp: new Date(),
  originalTimestamp: null,
  sentAt: null,
  receivedAt: new Date(),
  properties: raw(i).properties,
  traits: null,
  context: raw(i).context,
}));
const raws = events.map((_, i) => raw(i));

async function run(label: string, feed: LiveFeed, ws: number): Promise<void> {
  const t = process.hrtime.bigint();
  for (let r = 0; r < N / PER; r++) {
    const tap = feed.tap(ws, '/v1/batch');
    if (tap) {
      for (const e of events) tap.stored.add(e.messageId);
      tap.record(events, raws);
    }
    if (r % 50 === 0) await new Promise((res) => setImmediate(res));
  }
  await new Promise((res) => setTimeout(res, 100));
  const us = Number(process.hrtime.bigint() - t) / 1000 - 100_000;
  console.log(`${label.padEnd(34)} ${(us / N).toFixed(3)} µs/event`);
}

console.log(`${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`);
await run('nobody watching', new LiveFeed(), 1);
const watched = new LiveFeed();
watched.look(1);
await run('watching, no stream', watched, 1);
const streamed = new LiveFeed({ flushMs: 50 });
let bytes = 0;
const sub = streamed.subscribe(1, { lastId: 0, send: (f) => ((bytes += f.length), true), close: () => {} });
await run('watching, one stream (SSE framing)', streamed, 1);
console.log(`streamed ${(bytes / 1e6).toFixed(1)} MB of frames`);
if (sub.ok) sub.value();
streamed.close();

/** What the ingestion route does before the queue, for benches that skip HTTP: parse a /v1/batch body, validate and normalise each call. */
import type { CallType } from '../../src/contracts/segment.js';
import { normalizeCall, type NormalizedEvent } from '../../src/server/ingest/normalize.js';

export function parseRequest(body: Buffer): NormalizedEvent[] {
  const parsed = JSON.parse(body.toString('utf8')) as { batch: Array<Record<string, unknown>>; sentAt: string };
  const facts = { receivedAt: new Date(), sentAt: parsed.sentAt, context: null, ip: '127.0.0.1', bodyBytes: body.length };
  return parsed.batch.map((call, i) => {
    const r = normalizeCall(call, call.type as CallType, facts, i, `batch.${i}`);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  });
}

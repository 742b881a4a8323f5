import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { timeSpan } from '../jobs/event-cursor.js';
import { syncFacts } from './facts.js';

let seq = 0;
function track(userId: string, event: string, at: string, properties: Record<string, unknown> = {}): NormalizedEvent {
  const r = normalizeCall({ messageId: `span-${seq++}`, userId, event, properties, timestamp: at }, 'track', { receivedAt: new Date(at), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

describe('timeSpan', () => {
  it('runs from the earliest timestamp to 1 ms past the latest (a Date drops the microseconds a stored timestamp may have)', () => {
    const span = timeSpan([{ timestamp: new Date('2026-03-02T10:00:00.500Z') }, { timestamp: new Date('2025-11-30T23:59:59.999Z') }, { timestamp: new Date('2026-01-15T00:00:00.000Z') }]);
    assert.deepEqual(span, ['2025-11-30T23:59:59.999Z', '2026-03-02T10:00:00.501Z']);
  });
});

for (const target of dbTargets()) {
  describe(`KPI facts look events up by id within their batch's span (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('folds events whose timestamps carry microseconds, across months, into orders, days and first seen', async () => {
      const ws = (await makeWorkspace(db, 'facts-span')).workspace.id;
      await syncFacts(db);
      const r = await ingestEvents(db, ws, [
        track('span-a', 'Page Viewed', '2025-01-10T08:00:00.000Z'),
        track('span-a', 'Order Completed', '2026-02-20T09:30:00.250Z', { order_id: 'o-1', revenue: 40 }),
        track('span-b', 'Order Completed', '2026-02-21T18:00:00.750Z', { order_id: 'o-2', revenue: 15 }),
      ]);
      assert.equal(r.inserted, 3);
      // Microseconds past the milliseconds a Date keeps, on the latest and the earliest event.
      await db.query(`UPDATE events SET timestamp = timestamp + interval '456 microseconds' WHERE workspace_id = $1 AND event = 'Order Completed'`, [ws]);
      await db.query(`UPDATE events SET timestamp = timestamp + interval '999 microseconds' WHERE workspace_id = $1 AND event = 'Page Viewed'`, [ws]);
      await syncFacts(db);
      const { rows: orders } = await db.query<{ order_id: string; amount: number }>(`SELECT order_id, amount::float8 AS amount FROM analytics_orders WHERE workspace_id = $1 ORDER BY order_id`, [ws]);
      assert.deepEqual(orders, [
        { order_id: 'o-1', amount: 40 },
        { order_id: 'o-2', amount: 15 },
      ]);
      const { rows: days } = await db.query<{ day: string; events: number }>(`SELECT day::text AS day, events FROM analytics_days WHERE workspace_id = $1 ORDER BY day`, [ws]);
      assert.deepEqual(days, [
        { day: '2025-01-10', events: 1 },
        { day: '2026-02-20', events: 1 },
        { day: '2026-02-21', events: 1 },
      ]);
      const { rows: first } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_customers WHERE workspace_id = $1 AND first_seen_at IS NOT NULL AND first_order_at IS NOT NULL`, [
        ws,
      ]);
      assert.equal(first[0]!.n, 2);
    });
  });
}

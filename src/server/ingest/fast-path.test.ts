import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { findCustomerId, getCustomer } from '../identity/customers.read.js';
import { IdentityCache } from './identity-cache.js';
import { ingestEvents } from './ingest.service.js';
import { normalizeCall, type NormalizedEvent } from './normalize.js';
import type { CallType } from '../../contracts/segment.js';

let n = 0;
function call(type: CallType, fields: Record<string, unknown>): NormalizedEvent {
  const r = normalizeCall({ messageId: `fp-${n++}`, ...fields }, type, { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

for (const target of dbTargets()) {
  describe(`ingestion with the identity cache (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('gives cached customers the same timeline and seen times as the full path', async () => {
      const ws = (await makeWorkspace(db, 'fp1')).workspace.id;
      const cache = new IdentityCache();
      await ingestEvents(db, ws, [call('identify', { userId: 'fp-u', anonymousId: 'fp-a', traits: { plan: 'pro' }, timestamp: '2025-01-05T00:00:00Z' })], { cache });
      assert.equal(cache.get(ws, 'user', 'fp-u'), await findCustomerId(db, ws, 'fp-u'));
      // Known ids only, no traits, no attribution: the fast path.
      await ingestEvents(
        db,
        ws,
        [
          call('track', { userId: 'fp-u', event: 'A', timestamp: '2025-01-07T00:00:00Z' }),
          call('track', { anonymousId: 'fp-a', event: 'B', timestamp: '2025-01-01T00:00:00Z' }),
          call('page', { userId: 'fp-u', anonymousId: 'fp-a', name: 'Home', timestamp: '2025-01-06T00:00:00Z' }),
        ],
        { cache },
      );
      const c = await getCustomer(db, ws, (await findCustomerId(db, ws, 'fp-u'))!);
      assert.equal(c?.firstSeenAt, '2025-01-01T00:00:00.000Z');
      assert.equal(c?.lastSeenAt, '2025-01-07T00:00:00.000Z');
      assert.deepEqual(c?.traits, { plan: 'pro' });
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE customer_id = $1', [c!.customerId]);
      assert.equal(rows[0]!.n, 4);
    });

    it('sends an event through the full path when another call of the batch links or merges its ids', async () => {
      const ws = (await makeWorkspace(db, 'fp2')).workspace.id;
      const cache = new IdentityCache();
      await ingestEvents(db, ws, [call('track', { anonymousId: 'fp2-a', event: 'Visit', timestamp: '2025-01-01T00:00:00Z' })], { cache });
      await ingestEvents(db, ws, [call('track', { userId: 'fp2-u', event: 'Signed Up', timestamp: '2025-01-02T00:00:00Z' })], { cache });
      // Both ids are cached (to different customers); the identify merges them, and the later anonymous event must follow.
      await ingestEvents(
        db,
        ws,
        [
          call('identify', { userId: 'fp2-u', anonymousId: 'fp2-a', traits: {}, timestamp: '2025-01-03T00:00:00Z' }),
          call('track', { anonymousId: 'fp2-a', event: 'After', timestamp: '2025-01-04T00:00:00Z' }),
        ],
        { cache },
      );
      const id = await findCustomerId(db, ws, 'fp2-u');
      assert.equal(await findCustomerId(db, ws, 'fp2-a'), id);
      const { rows } = await db.query<{ event: string | null; customer_id: number }>('SELECT event, customer_id FROM events WHERE workspace_id = $1 ORDER BY timestamp', [ws]);
      assert.deepEqual(
        rows.map((r) => [r.event, r.customer_id]),
        [
          ['Visit', id],
          ['Signed Up', id],
          [null, id],
          ['After', id],
        ],
      );
      assert.equal(cache.get(ws, 'anonymous', 'fp2-a'), id);
    });

    it('recovers when a cached customer was merged away by another process', async () => {
      const ws = (await makeWorkspace(db, 'fp3')).workspace.id;
      const mine = new IdentityCache();
      await ingestEvents(db, ws, [call('track', { userId: 'old-id', event: 'E1', timestamp: '2025-01-01T00:00:00Z' })], { cache: mine });
      await ingestEvents(db, ws, [call('track', { userId: 'new-id', event: 'E2', timestamp: '2025-01-02T00:00:00Z' })], { cache: mine });
      const stale = mine.get(ws, 'user', 'old-id');
      // "Another process" (no shared cache) aliases old-id into new-id: old-id's customer is merged away.
      await ingestEvents(db, ws, [call('alias', { userId: 'new-id', previousId: 'old-id' })]);
      assert.equal(mine.get(ws, 'user', 'old-id'), stale, 'this process still has the stale entry');
      await ingestEvents(db, ws, [call('track', { userId: 'old-id', event: 'E3', timestamp: '2025-01-03T00:00:00Z' })], { cache: mine });
      const survivor = await findCustomerId(db, ws, 'new-id');
      const { rows } = await db.query<{ event: string | null; customer_id: number }>(`SELECT event, customer_id FROM events WHERE workspace_id = $1 AND type = 'track' ORDER BY timestamp`, [ws]);
      assert.deepEqual(
        rows.map((r) => [r.event, r.customer_id]),
        [
          ['E1', survivor],
          ['E2', survivor],
          ['E3', survivor],
        ],
      );
      assert.equal(mine.get(ws, 'user', 'old-id'), survivor);
      const orphans = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events e WHERE e.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id)', [ws]);
      assert.equal(orphans.rows[0]!.n, 0);
    });

    it('never leaves events on a customer merged away while another process appends to it', async () => {
      const ws = (await makeWorkspace(db, 'fp4')).workspace.id;
      const appender = new IdentityCache(); // "process" A: has every old id cached
      const N = 30;
      for (let i = 0; i < N; i++) {
        await ingestEvents(db, ws, [call('track', { userId: `fp4-old-${i}`, event: 'Before', timestamp: '2025-01-01T00:00:00Z' })], { cache: appender });
        await ingestEvents(db, ws, [call('track', { userId: `fp4-new-${i}`, event: 'Before', timestamp: '2025-01-01T00:00:00Z' })]);
      }
      // "Process" B merges each old customer into the new one while A appends to the old one
      // through its cache (on PostgreSQL the two run on separate connections at once).
      await Promise.all(
        Array.from({ length: N }, (_, i) => [
          ingestEvents(db, ws, [call('alias', { userId: `fp4-new-${i}`, previousId: `fp4-old-${i}` })]),
          ingestEvents(db, ws, [call('track', { userId: `fp4-old-${i}`, event: 'During', timestamp: '2025-01-02T00:00:00Z' })], { cache: appender }),
        ]).flat(),
      );
      const orphans = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events e WHERE e.workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id)', [ws]);
      assert.equal(orphans.rows[0]!.n, 0);
      const { rows } = await db.query<{ customers: number; events: number }>(
        `SELECT count(DISTINCT customer_id)::int AS customers, count(*)::int AS events FROM events WHERE workspace_id = $1 AND type = 'track'`,
        [ws],
      );
      assert.deepEqual(rows[0], { customers: N, events: 3 * N });
    });
  });
}

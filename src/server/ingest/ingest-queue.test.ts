import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { IngestQueue, laneOf } from './ingest-queue.js';
import { ok } from '../lib/result.js';
import { normalizeCall, type NormalizedEvent } from './normalize.js';
import { ChangeBus, type ChangeOf } from '../lib/change-bus.js';

function track(userId: string, messageId: string): NormalizedEvent {
  const r = normalizeCall({ userId, event: 'Tick', messageId }, 'track', { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('laneOf', () => {
  it('spreads identities evenly and always gives one identity the same lane', () => {
    for (const lanes of [2, 3]) {
      const counts = new Array<number>(lanes).fill(0);
      for (let i = 0; i < 12_000; i++) counts[laneOf(`anon-${i.toString(36)}`, lanes)]!++;
      for (const n of counts) assert.ok(Math.abs(n - 12_000 / lanes) < (0.05 * 12_000) / lanes, `lane sizes ${counts.join(', ')}`);
    }
    assert.equal(laneOf('user-42', 2), laneOf('user-42', 2));
  });
});

for (const target of dbTargets()) {
  describe(`IngestQueue (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it("tells its load which events are in flight from submission until the request's answer, across lanes", async () => {
      const { workspace } = await makeWorkspace(db, 'q-flight');
      const seen: number[] = [];
      const q = new IngestQueue(db, { load: { setLanes() {}, begin() {}, end() {}, queued() {}, inFlight: (n) => seen.push(n) } });
      // Identities on both lanes (PostgreSQL) so the request is answered only when both committed.
      const events = Array.from({ length: 6 }, (_, i) => track(`flight-${i}`, `flight-m${i}`));
      const a = q.submit(workspace.id, events);
      const b = q.submit(workspace.id, [track('flight-x', 'flight-mx')]);
      assert.deepEqual(seen, [6, 7], 'counted when submitted');
      await Promise.all([a, b]);
      // Each request leaves once, whole: 7 − 6 = 1 or 7 − 1 = 6 after the first answer, then 0.
      assert.equal(seen.length, 4, `reports ${seen.join(', ')}`);
      assert.ok(seen[2] === 1 || seen[2] === 6, `after the first answer ${seen[2]}`);
      assert.equal(seen[3], 0, 'nothing in flight once both are answered');
    });

    it('tells the bus, after each commit, whose events it stored and which event names they were', async () => {
      const { workspace } = await makeWorkspace(db, 'q-bus');
      const bus = new ChangeBus();
      const heard: Array<ChangeOf<'events'>> = [];
      bus.on('events', (c) => heard.push(c));
      const q = new IngestQueue(db, { bus });
      await q.submit(workspace.id, [track('bus-a', 'bus-1'), track('bus-b', 'bus-2')]);
      assert.equal(heard.length, 1);
      assert.equal(heard[0]!.workspaceId, workspace.id);
      assert.equal(heard[0]!.customerIds.length, 2);
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'bus-a'`, [workspace.id]);
      assert.ok(heard[0]!.changes?.get(rows[0]!.id)?.has('Tick'), 'the event name is among what changed');
      // A retried request stores nothing new, and the bus hears nothing.
      await q.submit(workspace.id, [track('bus-a', 'bus-1')]);
      assert.equal(heard.length, 1);
    });

    it('combines concurrent requests into shared transactions and answers each with its own counts', async () => {
      const { workspace } = await makeWorkspace(db, 'q');
      let transactions = 0;
      const inner = db.transaction.bind(db);
      const counting: Db = Object.assign(Object.create(db) as Db, {
        transaction: <T>(fn: Parameters<Db['transaction']>[0]) => {
          transactions++;
          return inner(fn) as Promise<T>;
        },
      });
      const queue = new IngestQueue(counting, { lanes: 1, maxBatchEvents: 1000 });
      const requests = Array.from({ length: 10 }, (_, r) => Array.from({ length: 5 }, (_, i) => track(`q-user-${i}`, `q-${r}-${i}`)));
      requests[9] = [track('q-user-0', 'q-0-0'), track('q-user-0', 'q-9-new')]; // one duplicate of request 0
      const results = await Promise.all(requests.map((events) => queue.submit(workspace.id, events)));
      assert.deepEqual(results.slice(0, 9), Array(9).fill(ok({ inserted: 5, duplicates: 0 })));
      assert.deepEqual(results[9], ok({ inserted: 1, duplicates: 1 }));
      assert.ok(transactions <= 3, `expected the 10 requests to share transactions, got ${transactions}`);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE workspace_id = $1', [workspace.id]);
      assert.equal(rows[0]!.n, 46);
    });

    it('turns requests away when the backlog is full, and stores none of their events', async () => {
      const { workspace } = await makeWorkspace(db, 'full');
      const queue = new IngestQueue(db, { lanes: 1, maxBacklogEvents: 10 });
      const calls = Array.from({ length: 5 }, (_, r) =>
        queue.submit(
          workspace.id,
          Array.from({ length: 4 }, (_, i) => track(`full-${i}`, `full-${r}-${i}`)),
        ),
      );
      const settled = await Promise.all(calls);
      // The first goes straight to the writer; two more fit in the backlog (8 ≤ 10); the rest are refused.
      assert.deepEqual(
        settled.map((s) => (s.ok ? 'stored' : s.code)),
        ['stored', 'stored', 'stored', 'unavailable', 'unavailable'],
      );
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [workspace.id]);
      assert.equal(rows[0]!.n, 12);
      assert.deepEqual(await queue.submit(workspace.id, [track('full-0', 'full-later')]), ok({ inserted: 1, duplicates: 0 }));
    });

    it('splits a request across writer lanes by identity and answers it once with the sum of its lanes', async () => {
      const { workspace } = await makeWorkspace(db, 'lanes');
      const queue = new IngestQueue(db, { lanes: 2 });
      const events = Array.from({ length: 20 }, (_, i) => track(`lane-user-${i % 10}`, `lane-${i}`));
      // The same new user arrives in two lanes at once: by userId alone, and with a device id.
      const id = (call: Record<string, unknown>, type: 'identify' | 'track') => {
        const r = normalizeCall(call, type, { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
        if (!r.ok) throw new Error(r.message);
        return r.value;
      };
      assert.notEqual(laneOf('lane-new', 2), laneOf('lane-device', 2), 'the two calls below must land in different lanes');
      const both = [
        id({ userId: 'lane-new', event: 'A', messageId: 'lane-a' }, 'track'),
        id({ userId: 'lane-new', anonymousId: 'lane-device', traits: { plan: 'pro' }, messageId: 'lane-b' }, 'identify'),
      ];
      assert.deepEqual(await queue.submit(workspace.id, [...events, ...both]), ok({ inserted: 22, duplicates: 0 }));
      assert.deepEqual(await queue.submit(workspace.id, [...events, ...both]), ok({ inserted: 0, duplicates: 22 }));
      const { rows } = await db.query<{ customers: number; events: number }>(
        `SELECT count(DISTINCT customer_id)::int AS customers, count(*)::int AS events FROM events WHERE workspace_id = $1 AND message_id IN ('lane-a', 'lane-b')`,
        [workspace.id],
      );
      assert.deepEqual(rows[0], { customers: 1, events: 2 });
      const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE workspace_id = $1', [workspace.id]);
      assert.equal(stored.rows[0]!.n, 22);
    });

    it('never mixes workspaces in one transaction', async () => {
      const a = await makeWorkspace(db, 'qa');
      const b = await makeWorkspace(db, 'qb');
      const queue = new IngestQueue(db, { lanes: 1 });
      await Promise.all([queue.submit(a.workspace.id, [track('same', 'ws-a-1')]), queue.submit(b.workspace.id, [track('same', 'ws-b-1')]), queue.submit(a.workspace.id, [track('same', 'ws-a-2')])]);
      const { rows } = await db.query<{ workspace_id: number; n: number }>(
        `SELECT e.workspace_id, count(*)::int AS n FROM events e JOIN customers c ON c.id = e.customer_id AND c.workspace_id = e.workspace_id
          WHERE e.message_id LIKE 'ws-%' GROUP BY e.workspace_id ORDER BY e.workspace_id`,
      );
      assert.deepEqual(rows, [
        { workspace_id: a.workspace.id, n: 2 },
        { workspace_id: b.workspace.id, n: 1 },
      ]);
    });
  });
}

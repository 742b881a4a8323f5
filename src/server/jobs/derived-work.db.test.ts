import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { advanceStages } from '../lifecycle/stage-service.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { insertSegment } from '../segments/segments.repo.js';
import { computeSegment } from '../segments/segment-sync.js';
import { claimWork, failWork, MAX_ATTEMPTS, retryParked, workStatus } from './derived-work.repo.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);

let seq = 0;
function track(userId: string, event: string, when: Date, properties: Record<string, unknown> = {}): NormalizedEvent {
  const r = normalizeCall({ messageId: `dw-${seq++}`, userId, event, timestamp: when.toISOString(), properties }, 'track', { receivedAt: when, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r.rejection));
  return r.event;
}

async function pendingRows(db: Db, ws: number, kind: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM derived_work WHERE workspace_id = $1 AND kind = $2`, [ws, kind]);
  return rows[0]!.n;
}

for (const target of dbTargets()) {
  describe(`durable derived work (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('records stage and segment work in the ingestion transaction, and a worker in another "process" does it and deletes it', async () => {
      const ws = (await makeWorkspace(db, 'dw-record')).workspace.id;
      const seg = await insertSegment(db, ws, 'buyers', { name: 'Buyers', description: '', condition: { performed: { event: 'Order Completed', count: { op: 'gte', value: 1 } } } });
      await computeSegment(db, ws, seg.id, at(0));
      const r = await ingestEvents(db, ws, [track('ann', 'Signed Up', at(1)), track('ann', 'Order Completed', at(2), { revenue: 10 }), track('ben', 'Signed Up', at(3))], { derivedWork: true });
      assert.equal(r.inserted, 3);
      // Nothing ran yet: the work is in the table, committed with the events.
      assert.equal(await pendingRows(db, ws, 'stage'), 1);
      assert.equal(await pendingRows(db, ws, 'segment'), 1);
      const status = await workStatus(db, ws);
      assert.deepEqual(status.pending, { stage: 2, segment: 2 });

      // Fresh workers (as a process started after a crash would make) find and do it.
      const stages = new StageWorker(db, { sweepMs: 0, clock: () => at(5) });
      await stages.idle();
      const { rows: st } = await db.query<{ user_id: string; stage: string }>(
        `SELECT c.user_id, s.stage FROM stage_states s JOIN customers c ON c.id = s.subject_id WHERE s.workspace_id = $1 ORDER BY 1`,
        [ws],
      );
      assert.deepEqual(st.map((x) => x.user_id), ['ann', 'ben']);
      assert.equal(await pendingRows(db, ws, 'stage'), 0);
      // Stage moves recorded segment work ($stage) in their own transaction.
      assert.ok((await pendingRows(db, ws, 'segment')) >= 1);

      const segments = new SegmentWorker(db, { sweepMs: 0, clock: () => at(5) });
      await segments.idle();
      const { rows: members } = await db.query<{ user_id: string }>(
        `SELECT c.user_id FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.workspace_id = $1 AND m.segment_id = $2`,
        [ws, seg.id],
      );
      assert.deepEqual(members.map((m) => m.user_id), ['ann']);
      assert.equal(await pendingRows(db, ws, 'segment'), 0);
    });

    it('a row that keeps failing is split until the bad subject is alone, then parked with its error, visible and retryable', async () => {
      const ws = (await makeWorkspace(db, 'dw-fail')).workspace.id;
      await ingestEvents(db, ws, ['a', 'b', 'c', 'd'].map((u, i) => track(u, 'Signed Up', at(i))), { derivedWork: true });
      const { rows: ids } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 ORDER BY id`, [ws]);
      const bad = ids[2]!.id;
      // Fail any claim that holds the bad customer, as a poisoned subject would.
      for (let round = 0; round < 20; round++) {
        await db.query(`UPDATE derived_work SET not_before = now() - interval '1 second' WHERE workspace_id = $1`, [ws]);
        const claimed = await db.transaction((tx) => claimWork(tx, 'stage', 500, { single: true, skipLocked: false }));
        const mine = claimed.filter((r) => r.workspaceId === ws);
        if (mine.length === 0) break;
        if (mine[0]!.subjectIds.includes(bad)) await failWork(db, mine, 'boom: customer is poisoned');
        else await db.query(`DELETE FROM derived_work WHERE id = $1`, [mine[0]!.id]);
      }
      const status = await workStatus(db, ws);
      assert.equal(status.pending.stage, 0, 'every good customer was worked; only the bad one is left');
      assert.equal(status.parked.length, 1);
      assert.deepEqual(status.parked[0]!.subjectIds, [bad]);
      assert.equal(status.parked[0]!.attempts, MAX_ATTEMPTS);
      assert.match(status.parked[0]!.lastError ?? '', /poisoned/);
      // Parked rows are not claimed...
      const none = await db.transaction((tx) => claimWork(tx, 'stage', 500, { skipLocked: false }));
      assert.equal(none.filter((r) => r.workspaceId === ws).length, 0);
      // ...until retried; then a healthy worker does them.
      assert.equal(await retryParked(db, ws), 1);
      const stages = new StageWorker(db, { sweepMs: 0, clock: () => at(10) });
      await stages.idle();
      assert.deepEqual(await workStatus(db, ws), { pending: { stage: 0, segment: (await workStatus(db, ws)).pending.segment }, parked: [] });
      const { rows: st } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_states WHERE workspace_id = $1 AND subject_id = $2`, [ws, bad]);
      assert.equal(st[0]!.n, 1);
    });

    it('an evaluation whose clock was read before a later evaluation records no backward move and no duplicate (the stage race)', async () => {
      const ws = (await makeWorkspace(db, 'dw-race')).workspace.id;
      const models = new ModelCache();
      // Day 0: first seen. Minute 10: an order (conversion) arrives and is evaluated at once.
      await ingestEvents(db, ws, [track('cy', 'Page Viewed', at(0))]);
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1`, [ws]);
      const id = rows[0]!.id;
      await advanceStages(db, ws, 'customer', [id], { now: at(1), models });
      await ingestEvents(db, ws, [track('cy', 'Order Completed', at(10), { revenue: 20 })]);
      await advanceStages(db, ws, 'customer', [id], { now: at(11), models });
      // A sweep that read its clock at minute 5 (before the order) gets to the customer late.
      await advanceStages(db, ws, 'customer', [id], { now: at(5), models });
      // And a later event evaluates them again: before the fix this re-recorded the minute-10
      // move and failed on events_message_uq.
      await ingestEvents(db, ws, [track('cy', 'Page Viewed', at(20))]);
      await advanceStages(db, ws, 'customer', [id], { now: at(21), models });
      const { rows: moves } = await db.query<{ from_stage: string | null; to_stage: string; at: Date }>(
        `SELECT from_stage, to_stage, at FROM stage_transitions WHERE workspace_id = $1 AND subject_id = $2 ORDER BY at, id`,
        [ws, id],
      );
      const brief = moves.map((m) => `${(m.at.getTime() - T0) / MIN}:${m.from_stage ?? '-'}>${m.to_stage}`);
      assert.equal(brief.length, 2, `two moves, none backward: ${brief.join(', ')}`);
      assert.match(brief[0]!, /^0:->/);
      assert.match(brief[1]!, /^10:/);
      const { rows: ev } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Lifecycle Stage Changed'`, [ws]);
      assert.equal(ev[0]!.n, 2);
    });
  });
}

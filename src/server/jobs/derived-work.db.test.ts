import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db, Queryable } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { advanceStages } from '../lifecycle/stage-service.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { insertSegment } from '../segments/segments.repo.js';
import { computeSegment } from '../segments/segment-sync.js';
import { DerivedWorker } from './derived-worker.js';
import { writeMessageEvents } from '../channels/dispatcher.js';
import type { WorkRow } from './derived-work.repo.js';
import { claimWork, compactWork, failWork, MAX_ATTEMPTS, recordWork, retryParked, workStatus } from './derived-work.repo.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);

let seq = 0;
function track(userId: string, event: string, when: Date, properties: Record<string, unknown> = {}): NormalizedEvent {
  const r = normalizeCall({ messageId: `dw-${seq++}`, userId, event, timestamp: when.toISOString(), properties }, 'track', { receivedAt: when, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
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
      assert.deepEqual(
        st.map((x) => x.user_id),
        ['ann', 'ben'],
      );
      assert.equal(await pendingRows(db, ws, 'stage'), 0);
      // Stage moves recorded segment work ($stage) in their own transaction.
      assert.ok((await pendingRows(db, ws, 'segment')) >= 1);

      const segments = new SegmentWorker(db, { sweepMs: 0, clock: () => at(5) });
      await segments.idle();
      const { rows: members } = await db.query<{ user_id: string }>(
        `SELECT c.user_id FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.workspace_id = $1 AND m.segment_id = $2`,
        [ws, seg.id],
      );
      assert.deepEqual(
        members.map((m) => m.user_id),
        ['ann'],
      );
      assert.equal(await pendingRows(db, ws, 'segment'), 0);
    });

    it('two lanes work a backlog side by side: every customer evaluated, each move once, no claim failing', async () => {
      const ws = (await makeWorkspace(db, 'dw-lanes')).workspace.id;
      const users = Array.from({ length: 60 }, (_, i) => `lane-${i}`);
      // Many small ingestion batches: customers named by several rows, as under load.
      for (let i = 0; i < users.length; i += 6) {
        const r = await ingestEvents(db, ws, [...users.slice(i, i + 6).map((u, k) => track(u, 'Signed Up', at(1 + k))), track(users[(i + 7) % users.length]!, 'Page Viewed', at(8))], {
          derivedWork: true,
        });
        assert.ok(r.inserted > 0);
      }
      const { rows: ids } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 ORDER BY id`, [ws]);
      await recordWork(db, ws, 'stage', ids.map((r) => r.id).reverse());
      const failures: unknown[] = [];
      const log = { warn: (o: unknown) => failures.push(o), error: (o: unknown) => failures.push(o), info: () => undefined, debug: () => undefined } as unknown as import('../log.js').Logger;
      const stages = new StageWorker(db, { sweepMs: 0, batch: 8, lanes: 2, log, clock: () => at(30) });
      await stages.idle();
      assert.deepEqual(failures, [], 'no claim failed (a deadlock between lanes would)');
      assert.equal(await pendingRows(db, ws, 'stage'), 0);
      const { rows } = await db.query<{ states: number; moves: number; distinct_moves: number; timeline: number }>(
        `SELECT (SELECT count(*)::int FROM stage_states WHERE workspace_id = $1) AS states,
                (SELECT count(*)::int FROM stage_transitions WHERE workspace_id = $1) AS moves,
                (SELECT count(DISTINCT (subject_id, to_stage, at))::int FROM stage_transitions WHERE workspace_id = $1) AS distinct_moves,
                (SELECT count(*)::int FROM events WHERE workspace_id = $1 AND type = 'tenure') AS timeline`,
        [ws],
      );
      assert.equal(rows[0]!.states, users.length);
      assert.equal(rows[0]!.moves, rows[0]!.distinct_moves, 'no move twice');
      assert.ok(rows[0]!.moves >= users.length, `each customer moved at least once (${rows[0]!.moves})`);
      assert.equal(rows[0]!.timeline, rows[0]!.moves, 'one timeline event per move');
      // The same histories replayed from nothing, in one pass: the lanes decided the same.
      const { rows: before } = await db.query<{ subject_id: number; stage: string }>(`SELECT subject_id, stage FROM stage_states WHERE workspace_id = $1 ORDER BY 1`, [ws]);
      await advanceStages(
        db,
        ws,
        'customer',
        ids.map((r) => r.id),
        { now: at(30), models: new ModelCache(), rebuild: true },
      );
      const { rows: replayed } = await db.query<{ subject_id: number; stage: string }>(`SELECT subject_id, stage FROM stage_states WHERE workspace_id = $1 ORDER BY 1`, [ws]);
      assert.deepEqual(replayed, before);
      const { rows: again } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stage_transitions WHERE workspace_id = $1`, [ws]);
      assert.equal(again[0]!.n, rows[0]!.moves);
    });

    it('a row that keeps failing is split until the bad subject is alone, then parked with its error, visible and retryable', async () => {
      const ws = (await makeWorkspace(db, 'dw-fail')).workspace.id;
      await ingestEvents(
        db,
        ws,
        ['a', 'b', 'c', 'd'].map((u, i) => track(u, 'Signed Up', at(i))),
        { derivedWork: true },
      );
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
      const after = await workStatus(db, ws);
      assert.equal(after.pending.stage, 0);
      assert.deepEqual(after.parked, []);
      assert.deepEqual(after.lag.stage, { waiting: 0, oldestSeconds: null });
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

    it('compaction merges a backlog: each subject once, changes united, the oldest ids kept, failed rows left alone', async () => {
      const ws = (await makeWorkspace(db, 'dw-compact')).workspace.id;
      // Other workspaces' rows (earlier tests) are not part of this; park them for the duration.
      await db.query(`UPDATE derived_work SET parked_at = now() WHERE workspace_id <> $1 AND parked_at IS NULL`, [ws]);
      const { rows: before } = await db.query<{ m: number | null }>(`SELECT max(id)::int AS m FROM derived_work`);
      await db.transaction(async (tx) => {
        await recordWork(tx, ws, 'segment', [1, 2, 3], { changes: new Set(['Signed Up']) });
        await recordWork(tx, ws, 'segment', [2, 3, 4], {
          changes: new Map([
            [2, new Set(['$traits'])],
            [3, new Set(['Order Completed'])],
            [4, new Set(['$traits'])],
          ]),
        });
        await recordWork(tx, ws, 'segment', [4, 5], {}); // everything changed for 4 and 5
        await recordWork(tx, ws, 'segment', [6, 1], { changes: new Set(['$stage']) });
      });
      // A row that failed once keeps its own life (split, counted, parked).
      await recordWork(db, ws, 'segment', [1, 9], { changes: new Set(['x']) });
      const { rows: ids } = await db.query<{ id: number }>(`SELECT id::int FROM derived_work WHERE workspace_id = $1 ORDER BY id`, [ws]);
      assert.ok(ids[0]!.id > (before[0]!.m ?? 0));
      await db.query(`UPDATE derived_work SET attempts = 1 WHERE id = $1`, [ids[4]!.id]);

      // 10 mentions of 6 customers, rows of at most 4: below twice 6 nothing happens.
      assert.equal(await db.transaction((tx) => compactWork(tx, 'segment', 6, { skipLocked: true })), 0);
      assert.equal(await db.transaction((tx) => compactWork(tx, 'segment', 4, { skipLocked: true })), 4);
      const { rows } = await db.query<{ id: number; subject_ids: number[]; compacted: boolean; attempts: number }>(
        `SELECT id::int, subject_ids, compacted, attempts FROM derived_work WHERE workspace_id = $1 ORDER BY id`,
        [ws],
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.subject_ids.map(Number), r.compacted, r.attempts]),
        [
          [ids[0]!.id, [1, 2, 3, 4], true, 0],
          [ids[1]!.id, [5, 6], true, 0],
          [ids[4]!.id, [1, 9], false, 1],
        ],
      );
      // Compacted rows are not merged again.
      assert.equal(await db.transaction((tx) => compactWork(tx, 'segment', 1, { skipLocked: true })), 0);
      await db.query(`UPDATE derived_work SET not_before = now() WHERE workspace_id = $1`, [ws]);
      const claimed = await db.transaction((tx) => claimWork(tx, 'segment', 10, { skipLocked: true }));
      const changes = new Map<number, string[]>();
      for (const r of claimed.filter((c) => c.attempts === 0)) for (const [id, set] of r.changes ?? []) changes.set(id, [...set].sort());
      assert.deepEqual(
        [...changes.entries()].sort((a, b) => a[0] - b[0]),
        [
          [1, ['$stage', 'Signed Up']],
          [2, ['$traits', 'Signed Up']],
          [3, ['Order Completed', 'Signed Up']],
          [4, ['$all']],
          [5, ['$all']],
          [6, ['$stage']],
        ],
      );
      await db.query(`DELETE FROM derived_work WHERE workspace_id = $1`, [ws]);
      await db.query(`UPDATE derived_work SET parked_at = NULL WHERE parked_at IS NOT NULL AND last_error IS NULL`);
    });

    it('stop leaves a sweep that takes long (repeatable work) instead of holding shutdown past its grace', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      class SlowSweep extends DerivedWorker {
        constructor() {
          super(db, 'stage', 'slow sweep', undefined, 10, 60_000);
        }
        protected readonly wakesOn = [] as const;
        protected async process(_tx: unknown, _rows: WorkRow[]): Promise<void> {}
        protected async sweepOnce(): Promise<number> {
          await held;
          return 1;
        }
        begin(): void {
          this.startWorking(0);
        }
      }
      const w = new SlowSweep();
      w.begin();
      const sweep = w.sweep();
      assert.equal(w.sweepInProgress, true);
      const t0 = Date.now();
      await w.stop();
      const ms = Date.now() - t0;
      assert.ok(ms >= 1_500 && ms < 4_000, `stop took ${ms} ms`);
      assert.equal(w.sweepInProgress, true);
      release();
      assert.equal(await sweep, 1);
      assert.equal(w.sweepInProgress, false);
    });

    it('a batch runs with no parallel query workers on PostgreSQL, and the setting ends with its transaction', async () => {
      const ws = (await makeWorkspace(db, 'dw-parallel')).workspace.id;
      const seen: string[] = [];
      class Probe extends DerivedWorker {
        constructor() {
          super(db, 'segment', 'probe', undefined, 10, 60_000);
        }
        protected readonly wakesOn = [] as const;
        protected async process(tx: Queryable, _rows: WorkRow[]): Promise<void> {
          const { rows } = await tx.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather');
          seen.push(rows[0]!.max_parallel_workers_per_gather);
        }
        protected async sweepOnce(): Promise<number> {
          return 0;
        }
        begin(): void {
          this.startWorking(0);
        }
      }
      const { rows: before } = await db.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather');
      await recordWork(db, ws, 'segment', [1, 2, 3]);
      const w = new Probe();
      w.begin();
      w.kick();
      await w.idle();
      await w.stop();
      assert.ok(seen.length >= 1, 'the batch was processed');
      assert.deepEqual(new Set(seen), new Set([target.name === 'postgres' ? '0' : before[0]!.max_parallel_workers_per_gather]));
      const { rows: afterwards } = await db.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather');
      assert.equal(afterwards[0]!.max_parallel_workers_per_gather, before[0]!.max_parallel_workers_per_gather, 'SET LOCAL: not left on the pooled connection');
      if (target.name === 'postgres') assert.notEqual(before[0]!.max_parallel_workers_per_gather, '0', 'the server default allows parallel plans (else this test proves nothing)');
      assert.equal(await pendingRows(db, ws, 'segment'), 0);
    });

    it('events written by tracking and the inbox (opens, clicks, consent) record their stage and segment work in the same statement', async () => {
      const ws = (await makeWorkspace(db, 'dw-message-events')).workspace.id;
      await ingestEvents(
        db,
        ws,
        ['amy', 'bo'].map((u, i) => track(u, 'Signed Up', at(i))),
      );
      const { rows: ids } = await db.query<{ id: number }>(`SELECT id::int FROM customers WHERE workspace_id = $1 ORDER BY id`, [ws]);
      const [amy, bo] = [ids[0]!.id, ids[1]!.id];
      const ev = (customerId: number, name: 'Email Opened' | 'Email Link Clicked', messageId: number) => ({
        workspaceId: ws,
        customerId,
        messageId,
        name,
        properties: { messageId },
        type: 'track' as const,
      });
      assert.equal(await writeMessageEvents(db, [ev(amy, 'Email Opened', 1), ev(bo, 'Email Link Clicked', 2), ev(amy, 'Email Link Clicked', 1)], at(10)), 3);
      const rows = async () =>
        (await db.query<{ kind: string; subject_ids: number[]; changes: unknown }>(`SELECT kind, subject_ids, changes FROM derived_work WHERE workspace_id = $1 ORDER BY id`, [ws])).rows.map((r) => ({
          ...r,
          subject_ids: r.subject_ids.map(Number),
        }));
      const sorted = (await rows()).sort((a, b) => a.kind.localeCompare(b.kind));
      assert.deepEqual(sorted, [
        {
          kind: 'segment',
          subject_ids: [amy, bo],
          changes: [
            [
              ['Email Link Clicked', 'Email Opened'],
              [amy, bo],
            ],
          ],
        },
        { kind: 'stage', subject_ids: [amy, bo], changes: null },
      ]);
      // Written again (same keys): no new events, so no new work.
      assert.equal(await writeMessageEvents(db, [ev(amy, 'Email Opened', 1)], at(11)), 0);
      assert.equal((await rows()).length, 2);
      await db.query(`DELETE FROM derived_work WHERE workspace_id = $1`, [ws]);
    });
  });
}

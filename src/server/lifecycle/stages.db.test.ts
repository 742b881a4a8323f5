import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ModelCache, saveModel } from './models.repo.js';
import { b2bPreset, defaultPreset } from './presets.js';
import { recomputeStages } from './stage-service.js';
import { StageWorker } from './stage-worker.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0 + n * DAY);

let seq = 0;
function call(type: 'track' | 'identify' | 'group', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `st-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

/** Hand-built timelines: [day, userId, event, properties?]. */
const TIMELINE: Array<[number, string, string, Record<string, unknown>?]> = [
  [0, 'ada', 'Page Viewed'],
  [1, 'ada', 'Signed Up'],
  [10, 'ada', 'Order Completed', { revenue: 30 }],
  [40, 'ada', 'Order Completed', { revenue: 25 }],
  [140, 'ada', 'Order Completed', { revenue: 40 }],
  [150, 'ada', 'Survey Responded', { type: 'nps', score: 10 }],
  [3, 'bob', 'Page Viewed'],
  [4, 'bob', 'Order Completed', { revenue: 12 }], // skips engagement
  [20, 'cy', 'Signed Up'],
  [22, 'cy', 'Subscription Started'],
  [60, 'cy', 'Subscription Cancelled'],
];

type Row = { user_id: string; from_stage: string | null; to_stage: string; at: Date; pattern: string; trigger_message_id: string | null };

async function history(db: Db, ws: number): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `SELECT c.user_id, t.from_stage, t.to_stage, t.at, t.pattern, t.trigger_message_id FROM stage_transitions t JOIN customers c ON c.id = t.subject_id
      WHERE t.workspace_id = $1 AND t.scope = 'customer' ORDER BY c.user_id, t.at, t.id`,
    [ws],
  );
  return rows;
}

const brief = (rows: Row[], user: string) => rows.filter((r) => r.user_id === user).map((r) => `${(r.at.getTime() - T0) / DAY}:${r.from_stage ?? '-'}>${r.to_stage}:${r.pattern}`);

for (const target of dbTargets()) {
  describe(`stages in the database (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('the sweep brings customers no work will evaluate to a stage, a batch at a time, and leaves customers whose work waits to the worker', async () => {
      const ws = (await makeWorkspace(db, 'st-sweep')).workspace.id;
      // Five customers stored with no stage work recorded (as by a path that records none)…
      const orphans = ['o1', 'o2', 'o3', 'o4', 'o5'];
      await ingestEvents(
        db,
        ws,
        orphans.map((u, i) => call('track', { userId: u, event: 'Page Viewed' }, day(i))),
      );
      await db.query(`UPDATE customers SET created_at = created_at - interval '1 minute' WHERE workspace_id = $1`, [ws]);
      // …then two whose stage work is recorded with them, and waits.
      await ingestEvents(db, ws, [call('track', { userId: 'w1', event: 'Page Viewed' }, day(6)), call('track', { userId: 'w2', event: 'Page Viewed' }, day(7))], { derivedWork: true });
      const staged = async () =>
        (
          await db.query<{ user_id: string }>(`SELECT c.user_id FROM stage_states s JOIN customers c ON c.id = s.subject_id WHERE s.workspace_id = $1 AND s.scope = 'customer' ORDER BY 1`, [ws])
        ).rows.map((r) => r.user_id);

      const worker = new StageWorker(db, { clock: () => day(10), sweepMs: 0, batch: 2 });
      assert.equal(await worker.sweep(), 5, 'the sweep advanced the five, in batches of two');
      assert.deepEqual(await staged(), orphans);
      const { rows: waiting } = await db.query<{ n: number }>(`SELECT coalesce(sum(cardinality(subject_ids)), 0)::int AS n FROM derived_work WHERE workspace_id = $1 AND kind = 'stage'`, [ws]);
      assert.equal(waiting[0]!.n, 2, 'the two with waiting work are left to it');
      await worker.idle();
      assert.deepEqual(await staged(), [...orphans, 'w1', 'w2']);
    });

    it('follows hand-built timelines in real time, with time-based moves by the sweep, and a full recompute agrees', async () => {
      const ws = (await makeWorkspace(db, 'stages')).workspace.id;
      let now = day(0);
      const worker = new StageWorker(db, { clock: () => now, sweepMs: 0 });
      for (let d = 0; d <= 400; d++) {
        now = new Date(T0 + d * DAY + 3_600_000); // an hour into the day
        const events = TIMELINE.filter(([at]) => at === d).map(([at, userId, event, properties]) => call('track', { userId, event, properties }, new Date(T0 + at * DAY)));
        if (events.length > 0) {
          const r = await ingestEvents(db, ws, events);
          worker.touch(ws, r.customerIds ?? []);
          await worker.idle();
        }
        if (d % 5 === 0) await worker.sweep(); // time passes: nothing happens, yet stages move
      }
      const live = await history(db, ws);
      assert.deepEqual(brief(live, 'ada'), [
        '0:->awareness:entered',
        '1:awareness>engagement:linear',
        '10:engagement>conversion:linear',
        '40:conversion>retention:linear',
        '85:retention>at_risk:regression',
        '130:at_risk>churned:regression',
        '140:churned>retention:recovered',
        '150:retention>loyalty:linear',
        '195:loyalty>at_risk:regression',
        '240:at_risk>churned:regression',
      ]);
      assert.deepEqual(brief(live, 'bob'), ['3:->awareness:entered', '4:awareness>conversion:skip', '49:conversion>at_risk:regression', '94:at_risk>churned:regression']);
      // A cancelled subscription churns at once; the silence after it changes nothing more.
      assert.deepEqual(brief(live, 'cy'), ['20:->engagement:entered', '22:engagement>conversion:linear', '60:conversion>churned:regression']);
      // Moves caused by an event name it; moves caused by time passing name none.
      const adaMoves = live.filter((r) => r.user_id === 'ada');
      assert.ok(adaMoves[1]!.trigger_message_id?.startsWith('st-'));
      assert.equal(adaMoves[4]!.trigger_message_id, null);

      // Every move is on the customer's timeline as a Lifecycle Stage Changed event.
      const { rows: timeline } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = 'Lifecycle Stage Changed'`, [ws]);
      assert.equal(timeline[0]!.n, live.length);
      const { rows: states } = await db.query<{ user_id: string; stage: string; since: Date }>(
        `SELECT c.user_id, s.stage, s.since FROM stage_states s JOIN customers c ON c.id = s.subject_id WHERE s.workspace_id = $1 ORDER BY c.user_id`,
        [ws],
      );
      assert.deepEqual(
        states.map((s) => [s.user_id, s.stage, (s.since.getTime() - T0) / DAY]),
        [
          ['ada', 'churned', 240],
          ['bob', 'churned', 94],
          ['cy', 'churned', 60],
        ],
      );

      // The full recompute rebuilds the same history and states from the events alone.
      const r = await recomputeStages(db, ws, { now, models: new ModelCache(0) });
      assert.equal(r.subjects, 3);
      const rebuilt = await history(db, ws);
      assert.deepEqual(
        rebuilt.map((x) => ({ ...x })),
        live.map((x) => ({ ...x })),
      );
      const { rows: after } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND type = 'tenure'`, [ws]);
      assert.equal(after[0]!.n, live.length, 'the rebuild replaced the timeline events, not added to them');

      // Under an edited model the moves fall on other days: the old timeline events go, and
      // every new move has exactly its own event.
      await saveModel(db, ws, defaultPreset({ churnAfterDays: 60 }));
      await recomputeStages(db, ws, { now, models: new ModelCache(0) });
      const edited = await history(db, ws);
      assert.deepEqual(brief(edited, 'bob'), ['3:->awareness:entered', '4:awareness>conversion:skip', '49:conversion>at_risk:regression', '64:at_risk>churned:regression']);
      const { rows: events } = await db.query<{ user_id: string; at: Date; to: string }>(
        `SELECT user_id, timestamp AS at, properties->>'to' AS to FROM events WHERE workspace_id = $1 AND type = 'tenure' ORDER BY user_id, timestamp, id`,
        [ws],
      );
      assert.deepEqual(
        events.map((e) => [e.user_id, e.at.getTime(), e.to]),
        edited.map((m) => [m.user_id, m.at.getTime(), m.to_stage]),
      );
    });

    it('gives accounts a stage from all their members under the B2B model', async () => {
      const ws = (await makeWorkspace(db, 'b2b')).workspace.id;
      await saveModel(db, ws, b2bPreset());
      const events = [
        call('group', { userId: 'dana', groupId: 'acme', traits: { name: 'Acme' } }, day(0)),
        call('group', { userId: 'eli', groupId: 'acme' }, day(0)),
        call('track', { userId: 'dana', event: 'Lead Created' }, day(1)),
        call('track', { userId: 'eli', event: 'Trial Started' }, day(2)),
        call('track', { userId: 'eli', event: 'Order Completed', properties: { revenue: 900 } }, day(9)),
      ];
      let now = day(10);
      const worker = new StageWorker(db, { clock: () => now, sweepMs: 0 });
      const r = await ingestEvents(db, ws, events);
      worker.touch(ws, r.customerIds ?? []);
      await worker.idle();
      const stages = async () =>
        (
          await db.query<{ who: string; stage: string }>(
            `SELECT COALESCE(c.user_id, a.group_id) AS who, s.stage FROM stage_states s
               LEFT JOIN customers c ON s.scope = 'customer' AND c.id = s.subject_id LEFT JOIN accounts a ON s.scope = 'account' AND a.id = s.subject_id
              WHERE s.workspace_id = $1 ORDER BY s.scope, 1`,
            [ws],
          )
        ).rows.map((x) => `${x.who}:${x.stage}`);
      // The account converted through Eli, though Dana is only a lead.
      assert.deepEqual(await stages(), ['acme:conversion', 'dana:engagement', 'eli:conversion']);
      now = day(200);
      await worker.sweep();
      // 190 quiet days: the account and its buyer churn; a lead who never signed up or bought cannot churn.
      assert.deepEqual(await stages(), ['acme:churned', 'dana:engagement', 'eli:churned']);
    });
  });
}

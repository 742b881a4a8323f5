import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JourneyDefinitionSchema, type JourneyDefinitionInput } from '../../contracts/journey.js';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { updateWorkspace } from '../workspaces/workspaces.repo.js';
import { JourneyDefinitions } from './definitions.js';
import { getJourney, insertJourney, liveJourney, publishJourney } from './journeys.repo.js';
import { audienceNow, enterOnPublish, lastOccurrence, sweepTimeTriggers } from './time-triggers.js';

let seq = 0;
function identify(userId: string, traits: Record<string, unknown>): NormalizedEvent {
  const r = normalizeCall({ messageId: `rn-${seq++}`, userId, traits, timestamp: '2026-11-01T00:00:00Z' }, 'identify', { receivedAt: new Date(), bodyBytes: 80 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

const EXIT = { start: 'e', steps: [{ id: 'e', type: 'exit' as const }] };

for (const target of dbTargets()) {
  describe(`journeys reach the people already there (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const defs = new JourneyDefinitions();
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'reach-now')).workspace.id;
      // Five customers: three in the segment (one in Tokyo, one in New York, one without a zone), two in stage at_risk.
      await ingestEvents(db, ws, [identify('tok', { timezone: 'Asia/Tokyo' }), identify('nyc', { timezone: 'America/New_York' }), identify('none', {}), identify('r1', {}), identify('r2', {})]);
      await db.query(`INSERT INTO segments (workspace_id, id, name, kind) VALUES ($1, 'seg_list', 'List', 'static')`, [ws]);
      await db.query(
        `INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) SELECT $1, 'seg_list', id, now() FROM customers WHERE workspace_id = $1 AND user_id IN ('tok', 'nyc', 'none')`,
        [ws],
      );
      await db.query(
        `INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version)
         SELECT $1, 'customer', id, 'at_risk', now(), 'test', now(), 1 FROM customers WHERE workspace_id = $1 AND user_id IN ('r1', 'r2')`,
        [ws],
      );
    });
    after(() => db.close());

    const publish = async (id: string, d: JourneyDefinitionInput, enterCurrent: boolean, now: Date) => {
      await insertJourney(db, ws, id, { name: id, description: '', definition: JourneyDefinitionSchema.parse(d) });
      defs.invalidate();
      return db.transaction(async (tx) => {
        await publishJourney(tx, (await getJourney(tx, ws, id))!, now);
        return enterOnPublish(tx, (await liveJourney(tx, ws, id))!, { enterCurrent }, now);
      });
    };
    const runs = async (id: string) =>
      (await db.query<{ user_id: string; entry_key: string }>(`SELECT c.user_id, r.entry_key FROM journey_runs r JOIN customers c ON c.id = r.customer_id WHERE r.journey_id = $1 ORDER BY 1`, [id]))
        .rows;

    it('on publish, "also enter the current members" enters a segment’s or a stage’s customers, with the count shown beforehand', async () => {
      const now = new Date('2026-12-01T10:00:00Z');
      assert.deepEqual(await audienceNow(db, ws, { segmentEntered: { segment: 'seg_list' } }), { kind: 'segment', target: 'seg_list', count: 3 });
      assert.deepEqual(await audienceNow(db, ws, { stageEntered: { stage: 'at_risk' } }), { kind: 'stage', target: 'at_risk', count: 2 });
      assert.equal(await publish('future-only', { trigger: { segmentEntered: { segment: 'seg_list' } }, ...EXIT }, false, now), 0);
      assert.equal(await publish('with-current', { trigger: { segmentEntered: { segment: 'seg_list' } }, ...EXIT }, true, now), 3);
      assert.deepEqual(
        (await runs('with-current')).map((r) => r.entry_key),
        Array(3).fill(`publish:${now.toISOString()}`),
      );
      assert.equal(await publish('winback', { trigger: { stageEntered: { stage: 'at_risk' } }, ...EXIT }, true, now), 2);
      assert.deepEqual(
        (await runs('winback')).map((r) => r.user_id),
        ['r1', 'r2'],
      );
    });

    it('a broadcast with no time reaches its segment on publish, once', async () => {
      const now = new Date('2026-12-01T10:00:00Z');
      assert.equal(await publish('now', { trigger: { broadcast: { segment: 'seg_list' } }, ...EXIT }, false, now), 3);
      assert.equal(await sweepTimeTriggers(db, defs, new Date(now.getTime() + 60_000)), 0);
    });

    it('a broadcast at 09:00 workspace time (Europe/Paris) waits for that moment, then reaches everyone once', async () => {
      await updateWorkspace(db, ws, { timezone: 'Europe/Paris' });
      await publish('paris', { trigger: { broadcast: { segment: 'seg_list', at: '2026-12-10T09:00', zone: 'workspace' } }, ...EXIT }, false, new Date('2026-12-01T00:00:00Z'));
      // 09:00 in Paris in December is 08:00 UTC.
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-10T07:59:00Z')), 0);
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-10T08:00:30Z')), 3);
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-10T09:00:00Z')), 0);
      await updateWorkspace(db, ws, { timezone: 'UTC' });
    });

    it("a broadcast in each customer's time zone reaches each at their own 09:00 (the workspace's zone when they have none)", async () => {
      await publish('local', { trigger: { broadcast: { segment: 'seg_list', at: '2026-12-11T09:00', zone: 'customer' } }, ...EXIT }, false, new Date('2026-12-01T00:00:00Z'));
      const users = async () => (await runs('local')).map((r) => r.user_id);
      // Tokyo 09:00 = 00:00 UTC; UTC (no zone) 09:00 = 09:00 UTC; New York 09:00 = 14:00 UTC (EST).
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-11T00:00:30Z')), 1);
      assert.deepEqual(await users(), ['tok']);
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-11T09:00:30Z')), 1);
      assert.deepEqual(await users(), ['none', 'tok']);
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-11T13:59:00Z')), 0);
      assert.equal(await sweepTimeTriggers(db, defs, new Date('2026-12-11T14:00:30Z')), 1);
      assert.deepEqual(await users(), ['none', 'nyc', 'tok']);
    });

    it('schedules run in the workspace time zone', () => {
      // 09:00 every day in New York, on 2026-12-05 at 13:00 UTC (08:00 in New York): the last occurrence was 2026-12-04 14:00 UTC.
      assert.equal(lastOccurrence(new Date('2026-12-05T13:00:00Z'), '09:00', undefined, 'America/New_York')?.toISOString(), '2026-12-04T14:00:00.000Z');
      assert.equal(lastOccurrence(new Date('2026-12-05T14:00:00Z'), '09:00', undefined, 'America/New_York')?.toISOString(), '2026-12-05T14:00:00.000Z');
      // UTC as before.
      assert.equal(lastOccurrence(new Date('2026-12-05T13:00:00Z'), '09:00')?.toISOString(), '2026-12-05T09:00:00.000Z');
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { createLogger } from '../log.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { StageWorker } from '../lifecycle/stage-worker.js';
import { SegmentWorker } from '../segments/segment-worker.js';
import { insertSegment } from '../segments/segments.repo.js';
import { computeSegment } from '../segments/segment-sync.js';
import { JourneyWorker } from '../journeys/journey-worker.js';
import { JourneyDefinitionSchema } from '../../contracts/journey.js';
import { getJourney, insertJourney, publishJourney } from '../journeys/journeys.repo.js';
import { compileTemplate } from '../channels/templates.js';
import { saveTemplate } from '../channels/templates.repo.js';
import { outboxSenders } from '../channels/senders.js';
import { wire, type Wiring } from './wiring.js';
import type { Role } from './roles.js';

/**
 * The wiring connects the workers through the change bus: a commit's change wakes the
 * stage worker, its moves wake the segment worker, the entries wake the journeys — each at
 * once. Here every worker polls only once a minute, so anything that happens within seconds
 * happened because the bus woke it.
 */
let seq = 0;
function call(type: 'track' | 'identify', fields: Record<string, unknown>, when: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `wire-${seq++}`, timestamp: when.toISOString(), ...fields }, type, { receivedAt: new Date(), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const target of dbTargets()) {
  describe(`the wiring's change bus (${target.name})`, () => {
    let db: Db;
    let wiring: Wiring | null = null;
    before(async () => {
      db = await target.open();
    });
    after(async () => {
      await wiring?.stop();
      await db.close();
    });

    it('a stored order moves the stage, the segment and the journey at once, woken by the bus and not by polling', async () => {
      const { workspace } = await makeWorkspace(db, 'wiring-bus');
      const ws = workspace.id;
      await db.query(`INSERT INTO messaging_settings (workspace_id, settings) VALUES ($1, $2)`, [ws, JSON.stringify({ caps: [], quietHours: null, emailFrom: null, secret: 's' })]);
      const seg = await insertSegment(db, ws, 'converted', { name: 'Converted', description: '', condition: { stage: { key: 'conversion' } } });
      await computeSegment(db, ws, seg.id, new Date());
      const c = await compileTemplate({ channel: 'email', subject: 'Thanks {{ traits.name }}', body: 'Thank you for your order.', format: 'text' });
      assert.ok(c.ok);
      await saveTemplate(db, ws, 'thanks', { name: 'thanks', channel: 'email', format: 'text', subject: 'x', body: 'x' }, c.value);
      const definition = JourneyDefinitionSchema.parse({
        trigger: { segmentEntered: { segment: 'converted' } },
        start: 's',
        steps: [
          { id: 's', type: 'send', channel: 'email', template: 'thanks', next: 'e' },
          { id: 'e', type: 'exit' },
        ],
      });
      await insertJourney(db, ws, 'thanks', { name: 'Thanks', description: '', definition });
      await publishJourney(db, (await getJourney(db, ws, 'thanks'))!, new Date());

      const minute = 60_000;
      const roles = new Set<Role>(['worker']);
      wiring = wire(db, createLogger('silent'), {
        roles,
        stages: new StageWorker(db, { pollMs: minute, sweepMs: 0 }),
        segments: new SegmentWorker(db, { pollMs: minute, sweepMs: 0 }),
        journeys: new JourneyWorker(db, { senders: outboxSenders(), publicUrl: 'http://127.0.0.1:3000', pollMs: minute, timeTriggerMs: minute }),
        analyticsSyncMs: 0,
        predictionSchedule: false,
        publicUrl: 'http://127.0.0.1:3000',
      });
      wiring.start();
      // Let the first look of each loop (at start) pass.
      await new Promise((r) => setTimeout(r, 300));

      const stageOf = async () =>
        (
          await db.query<{ stage: string; evaluated_at: Date }>(
            `SELECT s.stage, s.evaluated_at FROM stage_states s JOIN customers c ON c.id = s.subject_id AND c.workspace_id = s.workspace_id WHERE s.workspace_id = $1 AND s.scope = 'customer' AND c.user_id = 'ann'`,
            [ws],
          )
        ).rows[0] ?? null;
      const now = new Date(Date.now() - 1_000);
      const r = await ingestEvents(
        db,
        ws,
        [call('identify', { userId: 'ann', traits: { email: 'ann@example.test', name: 'Ann' } }, now), call('track', { userId: 'ann', event: 'Order Completed', properties: { revenue: 30 } }, now)],
        { derivedWork: true },
      );
      // Stored and its work recorded, but nobody told: the workers (polling once a minute) sleep on.
      await new Promise((res) => setTimeout(res, 1_500));
      assert.equal(await stageOf(), null, 'no worker looked without a change on the bus');

      const told = Date.now();
      wiring.bus.publish({ kind: 'events', workspaceId: ws, customerIds: r.customerIds ?? [] });
      const stage = await waitFor('the stage move', 5_000, async () => {
        const s = await stageOf();
        return s?.stage === 'conversion' ? s : null;
      });
      const entered = await waitFor(
        'the segment entry',
        5_000,
        async () =>
          (
            await db.query<{ entered_at: Date }>(
              `SELECT m.entered_at FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.workspace_id = $1 AND m.segment_id = 'converted' AND c.user_id = 'ann'`,
              [ws],
            )
          ).rows[0] ?? null,
      );
      const message = await waitFor(
        'the journey message',
        5_000,
        async () => (await db.query<{ status: string }>(`SELECT status FROM messages WHERE workspace_id = $1 AND status NOT IN ('queued', 'sending')`, [ws])).rows[0] ?? null,
      );
      const chainMs = Date.now() - told;
      // A minute's poll did none of this.
      assert.ok(chainMs < 10_000, `the chain took ${chainMs} ms`);
      assert.ok(entered.entered_at.getTime() - stage.evaluated_at.getTime() < 5_000, 'the segment entry followed the stage move within seconds');
      assert.equal(message.status, 'outboxed');
    });
  });
}

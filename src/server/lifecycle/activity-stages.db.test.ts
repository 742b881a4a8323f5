import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { listCustomers } from '../identity/customers.read.js';
import { ModelCache } from './models.repo.js';
import { recomputeStages } from './stage-service.js';

// Issue #22, item 1: what is done to or about a customer is not their activity. Every
// customer below bought on days 10 and 40, so the default model moves them to at-risk on
// day 85 (45 days without activity, as stages.db.test.ts shows for `ada`). What comes after
// decides whether they come back.
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
let seq = 0;
function call(type: 'track' | 'identify' | 'page', fields: Record<string, unknown>, day: number): NormalizedEvent {
  const at = new Date(T0 + day * DAY);
  const r = normalizeCall({ messageId: `act-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

const AFTER: Record<string, Array<['track' | 'identify' | 'page', Record<string, unknown>, number]>> = {
  crm: [['identify', { traits: { plan: 'gold', lifetime_value: 900 } }, 100]], // a CRM sync's trait update
  esp: [
    ['track', { event: 'Email Delivered', properties: { campaign: 'news' } }, 100], // another tool's delivery
    ['track', { event: 'Email Bounced', properties: {} }, 101],
    ['track', { event: 'Email Opened', properties: {} }, 102], // opens are off by default
    ['track', { event: 'Unsubscribed', properties: {} }, 103],
  ],
  click: [['track', { event: 'Email Link Clicked', properties: { url: 'https://shop.example/' } }, 100]],
  page: [['page', { name: 'Pricing' }, 100]],
};

for (const target of dbTargets()) {
  describe(`activity moves stages, and nothing else does (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('a trait sync, deliveries, bounces, opens and an unsubscribe leave an at-risk customer at risk; a click or a page view brings them back', async () => {
      const ws = (await makeWorkspace(db, 'activity-stages')).workspace.id;
      const events: NormalizedEvent[] = [];
      for (const [userId, later] of Object.entries(AFTER)) {
        events.push(call('track', { userId, event: 'Signed Up' }, 0));
        events.push(call('track', { userId, event: 'Order Completed', properties: { revenue: 30 } }, 10));
        events.push(call('track', { userId, event: 'Order Completed', properties: { revenue: 25 } }, 40));
        for (const [type, fields, day] of later) events.push(call(type, { userId, ...fields }, day));
      }
      await ingestEvents(db, ws, events);
      await recomputeStages(db, ws, { now: new Date(T0 + 110 * DAY), models: new ModelCache(0) });
      const { rows } = await db.query<{ user_id: string; from_stage: string | null; to_stage: string; day: number }>(
        `SELECT c.user_id, t.from_stage, t.to_stage, round(extract(epoch FROM t.at - $2::timestamptz) / 86400)::int AS day
           FROM stage_transitions t JOIN customers c ON c.id = t.subject_id
          WHERE t.workspace_id = $1 AND t.scope = 'customer' ORDER BY c.user_id, t.at, t.id`,
        [ws, new Date(T0).toISOString()],
      );
      const last = (u: string) => rows.filter((r) => r.user_id === u).at(-1)!;
      for (const u of ['crm', 'esp']) {
        assert.deepEqual({ ...last(u) }, { user_id: u, from_stage: 'retention', to_stage: 'at_risk', day: 85 }, `${u} stays at risk`);
      }
      for (const u of ['click', 'page']) {
        assert.equal(last(u).day, 100, `${u} comes back on day 100`);
        assert.equal(last(u).from_stage, 'at_risk');
        assert.notEqual(last(u).to_stage, 'at_risk');
      }
      // The profile's "last seen" is the last activity too: day 40 for the CRM-synced and
      // the ESP-mailed customers, day 100 for the one who clicked.
      const listed = await listCustomers(db, ws, { limit: 10 });
      const seen = Object.fromEntries(listed.customers.map((c) => [c.userId, c.lastSeenAt]));
      assert.deepEqual(seen, {
        crm: new Date(T0 + 40 * DAY).toISOString(),
        esp: new Date(T0 + 40 * DAY).toISOString(),
        click: new Date(T0 + 100 * DAY).toISOString(),
        page: new Date(T0 + 100 * DAY).toISOString(),
      });
    });
  });
}

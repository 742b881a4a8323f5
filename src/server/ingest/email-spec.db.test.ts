import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ingestEvents } from './ingest.service.js';
import type { CallType } from '../../contracts/segment.js';
import { normalizeCall, type NormalizedEvent } from './normalize.js';
import { applyStoredEmailSpecEvents } from './email-spec.js';

let seq = 0;
function call(type: CallType, body: Record<string, unknown>, at: string): NormalizedEvent {
  const r = normalizeCall({ messageId: `es-${seq++}`, timestamp: at, ...body }, type, { receivedAt: new Date(at), bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

for (const target of dbTargets()) {
  describe(`email-spec events from other tools (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'email-spec')).workspace.id;
      await db.query(`INSERT INTO subscription_groups (workspace_id, id, name, channel) VALUES ($1, 'offers', 'Offers', 'email')`, [ws]);
      await ingestEvents(
        db,
        ws,
        ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'].map((u) => call('identify', { userId: u, traits: { email: `${u.toUpperCase()}@Example.test` } }, '2026-01-01T00:00:00Z')),
      );
    });
    after(() => db.close());

    const consents = async (userId: string) =>
      (
        await db.query<{ group_id: string; subscribed: boolean; source: string }>(
          `SELECT k.group_id, k.subscribed, k.source FROM consents k JOIN customers c ON c.id = k.customer_id WHERE k.workspace_id = $1 AND c.user_id = $2 ORDER BY 1`,
          [ws, userId],
        )
      ).rows;
    const suppressed = async () => (await db.query<{ address: string }>(`SELECT address FROM suppressions WHERE workspace_id = $1 ORDER BY 1`, [ws])).rows.map((r) => r.address);

    it('Unsubscribed withdraws consent: from a known group by list id, from all email for another tool’s list', async () => {
      await ingestEvents(db, ws, [
        call('track', { userId: 'ann', event: 'Unsubscribed', properties: { list_id: 'weekly-newsletter', list_name: 'Newsletter' } }, '2026-02-01T00:00:00Z'),
        call('track', { userId: 'bob', event: 'Unsubscribed', properties: { list_id: 'offers' } }, '2026-02-01T00:00:00Z'),
      ]);
      assert.deepEqual(await consents('ann'), [{ group_id: '$all:email', subscribed: false, source: 'ingested_unsubscribe' }]);
      assert.deepEqual(await consents('bob'), [{ group_id: 'offers', subscribed: false, source: 'ingested_unsubscribe' }]);
    });

    it('a spam complaint suppresses the address (lower-cased) and unsubscribes; a hard bounce suppresses; a soft one does not', async () => {
      await ingestEvents(db, ws, [
        call('track', { userId: 'cy', event: 'Email Marked as Spam', properties: { email_id: 'm1' } }, '2026-02-02T00:00:00Z'),
        call('track', { userId: 'dee', event: 'Email Bounced', properties: { bounce_type: 'soft' } }, '2026-02-02T00:00:00Z'),
        call('track', { userId: 'eve', event: 'Email Bounced', properties: { email: 'Eve.Other@Example.test' } }, '2026-02-02T00:00:00Z'),
      ]);
      assert.deepEqual(await suppressed(), ['cy@example.test', 'eve.other@example.test']);
      assert.deepEqual(await consents('cy'), [{ group_id: '$all:email', subscribed: false, source: 'ingested_complaint' }]);
      assert.deepEqual(await consents('dee'), []);
    });

    it('an old unsubscribe replayed after a later re-subscription changes nothing', async () => {
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'fay'`, [ws]);
      await db.query(`INSERT INTO consents (workspace_id, customer_id, group_id, subscribed, source, updated_at) VALUES ($1, $2, '$all:email', true, 'preferences', '2026-03-01T00:00:00Z')`, [
        ws,
        rows[0]!.id,
      ]);
      await ingestEvents(db, ws, [call('track', { userId: 'fay', event: 'Unsubscribed', properties: {} }, '2026-02-15T00:00:00Z')]);
      assert.deepEqual(await consents('fay'), [{ group_id: '$all:email', subscribed: true, source: 'preferences' }]);
      await ingestEvents(db, ws, [call('track', { userId: 'fay', event: 'Unsubscribed', properties: {} }, '2026-03-02T00:00:00Z')]);
      assert.deepEqual(await consents('fay'), [{ group_id: '$all:email', subscribed: false, source: 'ingested_unsubscribe' }]);
    });

    it('stored history (a bulk load) is applied by applyStoredEmailSpecEvents', async () => {
      await db.query(`DELETE FROM consents WHERE workspace_id = $1`, [ws]);
      await db.query(`DELETE FROM suppressions WHERE workspace_id = $1`, [ws]);
      assert.equal(await applyStoredEmailSpecEvents(db, ws), 7);
      assert.deepEqual(await consents('ann'), [{ group_id: '$all:email', subscribed: false, source: 'ingested_unsubscribe' }]);
      assert.deepEqual(await consents('fay'), [{ group_id: '$all:email', subscribed: false, source: 'ingested_unsubscribe' }]);
      assert.deepEqual(await suppressed(), ['cy@example.test', 'eve.other@example.test']);
    });
  });
}

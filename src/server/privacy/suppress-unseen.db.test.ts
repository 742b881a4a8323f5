/**
 * Ingestion looks for suppressed identifiers first only in workspaces this process has seen
 * suppress someone (privacy/suppress.ts); elsewhere the check before commit must catch a
 * suppression made by another process and retry the batch without its events.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { call } from '../../test-support/metrics-fixture.js';
import { checkSuppressedFirst, forgetSuppressionsSeen, suppressionHash } from './suppress.js';

/** A call of a minute ago. */
const recent = (type: 'track' | 'identify', fields: Record<string, unknown>) => call(type, fields, new Date(Date.now() - 60_000).toISOString(), new Date());

for (const target of dbTargets()) {
  describe(`a suppression this process has not seen (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db)).workspace.id;
    });
    after(() => db?.close());

    it('is caught before commit: the batch is retried without the suppressed person, whose events are counted and stored nowhere', async () => {
      forgetSuppressionsSeen(); // another target's workspace may have had this id
      // Nothing suppressed yet: the early check is skipped and the batch is stored.
      const first = await ingestEvents(db, ws, [recent('track', { userId: 'alice', event: 'Opened App' })], { derivedWork: true });
      assert.equal(first.inserted, 1);
      assert.equal(checkSuppressedFirst(ws), false, 'no suppression seen: ingestion relies on the check before commit');
      // Another process suppresses bob (and an email) by writing the rows this one never saw.
      await db.query(`INSERT INTO privacy_suppressions (workspace_id, kind, value_hash) VALUES ($1, 'user', $2), ($1, 'email', $3)`, [
        ws,
        suppressionHash(ws, 'user', 'bob'),
        suppressionHash(ws, 'email', 'bob@example.com'),
      ]);
      const batch = [
        recent('track', { userId: 'bob', event: 'Came Back' }),
        recent('track', { userId: 'alice', event: 'Checked Out' }),
        recent('identify', { userId: 'carol', traits: { email: 'BOB@example.com' } }),
        recent('track', { userId: 'dave', event: 'Signed Up' }),
      ];
      const r = await ingestEvents(db, ws, batch, { derivedWork: true });
      assert.deepEqual({ inserted: r.inserted, suppressed: r.suppressed, duplicates: r.duplicates }, { inserted: 2, suppressed: 2, duplicates: 0 });
      const { rows } = await db.query<{ user_id: string; event: string | null }>(`SELECT user_id, event FROM events WHERE workspace_id = $1 ORDER BY id`, [ws]);
      assert.deepEqual(
        rows.map((e) => `${e.user_id}:${e.event}`),
        ['alice:Opened App', 'alice:Checked Out', 'dave:Signed Up'],
      );
      const people = await db.query<{ user_id: string }>(`SELECT user_id FROM customers WHERE workspace_id = $1 ORDER BY user_id`, [ws]);
      assert.deepEqual(
        people.rows.map((p) => p.user_id),
        ['alice', 'dave'],
        'no profile made for bob or for carol, whose email is suppressed',
      );
      const dropped = await db.query<{ kind: string; dropped: number }>(`SELECT kind, dropped::int AS dropped FROM privacy_suppressions WHERE workspace_id = $1 ORDER BY kind`, [ws]);
      assert.deepEqual(dropped.rows, [
        { kind: 'email', dropped: 1 },
        { kind: 'user', dropped: 1 },
      ]);
      assert.equal(checkSuppressedFirst(ws), true, 'seen now: later batches drop them first');
      const later = await ingestEvents(db, ws, [recent('track', { userId: 'bob', event: 'Came Back Again' })], { derivedWork: true });
      assert.deepEqual([later.inserted, later.suppressed], [0, 1]);
    });
  });
}

/**
 * An erasure whose run fails in passing (here: its statement cancelled while it waited for a
 * lock another transaction held, SQLSTATE 57014, as a statement timeout is) is not given up:
 * the request goes back to pending with its clear values, and the next claim erases the
 * person. PostgreSQL only: PGlite has one session, so nothing else can hold a lock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ingest } from '../../test-support/privacy-fixture.js';
import { eraseCustomerNow, processPendingErasure } from './requests.service.js';

for (const target of dbTargets().filter((t) => t.name === 'postgres')) {
  describe(`erasure after a failure that passes (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db?.close());

    it('goes back to pending with its clear values and is finished by the next claim', async () => {
      const ws = (await makeWorkspace(db, 'erase-retry')).workspace.id;
      await ingest(db, ws, 'identify', { userId: 'held-person', traits: { email: 'held@example.test' } });
      const { rows } = await db.query<{ id: number }>(`SELECT id::int FROM customers WHERE workspace_id = $1 AND user_id = 'held-person'`, [ws]);
      const customerId = rows[0]!.id;

      // Another transaction holds the person's row; the erasure waits for it, and is cancelled.
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = db.transaction(async (tx) => {
        await tx.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [customerId]);
        locked();
        await released;
      });
      await isLocked;
      try {
        const erasing = eraseCustomerNow(db, ws, customerId, { suppress: false }, { kind: 'user', label: 'dpo@example.test' });
        let cancelled = false;
        for (let i = 0; i < 200 && !cancelled; i++) {
          await new Promise((r) => setTimeout(r, 25));
          const c = await db.query<{ ok: boolean }>(
            `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          cancelled = c.rows.some((r) => r.ok);
        }
        assert.ok(cancelled, 'the erasure waited for the lock');
        await assert.rejects(erasing, (err: { code?: string }) => err.code === '57014');

        const req = async () =>
          (
            await db.query<{ status: string; subject: { pending?: string[] }; receipt: { attempts?: number; lastError?: string } | null }>(
              `SELECT status, subject, receipt FROM privacy_requests WHERE workspace_id = $1`,
              [ws],
            )
          ).rows;
        const [pending] = await req();
        assert.equal(pending!.status, 'pending', 'not failed');
        assert.deepEqual(pending!.subject.pending, [String(customerId)], 'whom to erase is still known');
        assert.equal(pending!.receipt?.attempts, 1);
        assert.match(pending!.receipt?.lastError ?? '', /cancel/);

        release();
        await holder;
        assert.equal(await processPendingErasure(db), true);
        const [done] = await req();
        assert.equal(done!.status, 'done');
        assert.equal(done!.subject.pending, undefined);
      } finally {
        release();
        await holder.catch(() => undefined);
      }
      const left = await db.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId]);
      assert.equal(left.rows.length, 0, 'the person is erased');
    });
  });
}

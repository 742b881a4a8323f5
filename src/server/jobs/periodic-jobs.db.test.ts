import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall } from '../ingest/normalize.js';
import { syncFacts } from '../analytics/facts.js';
import { PREDICTION_SCHEDULE } from '../roles/prediction-schedule.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { enqueueDueJobs } from './periodic-jobs.js';

for (const target of dbTargets()) {
  describe(`periodic jobs (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('enqueues each refit once per period where it applies, never beside a queued one, and retries a failed one next period', async () => {
      const shop = (await makeWorkspace(db, 'periodic-shop')).workspace.id;
      const quiet = (await makeWorkspace(db, 'periodic-quiet')).workspace.id; // no customers at all
      const r = normalizeCall(
        { messageId: 'pj-1', userId: 'u1', event: 'Order Completed', timestamp: '2026-01-01T00:00:00Z', properties: { revenue: 5 } },
        'track',
        { receivedAt: new Date(), bodyBytes: 50 },
        0,
        '',
      );
      assert.ok(r.ok);
      await ingestEvents(db, shop, [r.value]);
      await syncFacts(db);
      const now = new Date(); // jobs are created at the database's clock: the test moves forward from it
      const kinds = async (ws: number) => (await db.query<{ kind: string }>(`SELECT kind FROM jobs WHERE workspace_id = $1 ORDER BY id`, [ws])).rows.map((x) => x.kind);
      // The shop has orders and customers (no lifecycle history, so no churn model yet); the quiet workspace has nothing.
      assert.equal(await enqueueDueJobs(db, PREDICTION_SCHEDULE, now), 3);
      assert.deepEqual(await kinds(shop), ['predict.clv', 'health.compute', 'predict.recommendations']);
      assert.deepEqual(await kinds(quiet), []);
      // Queued already: nothing more.
      assert.equal(await enqueueDueJobs(db, PREDICTION_SCHEDULE, now), 0);
      // The CLV job failed (too few buyers): not again within the day, again the next day.
      await db.query(`UPDATE jobs SET status = 'failed', created_at = $2 WHERE workspace_id = $1`, [shop, now.toISOString()]);
      assert.equal(await enqueueDueJobs(db, PREDICTION_SCHEDULE, new Date(now.getTime() + 3_600_000 - 1)), 0);
      // An hour later the hourly ones are due again; the daily one is not.
      assert.deepEqual((await enqueueDueJobs(db, PREDICTION_SCHEDULE, new Date(now.getTime() + 3_600_001)), await kinds(shop)).slice(-2), ['health.compute', 'predict.recommendations']);
      await db.query(`UPDATE jobs SET status = 'failed' WHERE workspace_id = $1`, [shop]);
      assert.equal(await enqueueDueJobs(db, PREDICTION_SCHEDULE, new Date(now.getTime() + 86_400_001)), 3);
    });
  });
}

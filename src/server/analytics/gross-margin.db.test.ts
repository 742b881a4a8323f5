import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { updateWorkspace } from '../workspaces/workspaces.repo.js';
import { metricSeries } from './metrics.service.js';

let seq = 0;
function order(userId: string, revenue: number, at: string): NormalizedEvent {
  const r = normalizeCall({ messageId: `gm-${seq++}`, userId, event: 'Order Completed', properties: { revenue }, timestamp: at }, 'track', { receivedAt: new Date(at), bodyBytes: 80 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

for (const target of dbTargets()) {
  describe(`the workspace's gross margin in value metrics (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'gross-margin')).workspace.id;
      // Two buyers: 100 and 300 → historical CLV on revenue = 400 / 2 = 200 (by hand).
      await ingestEvents(db, ws, [order('a', 100, '2026-02-10T00:00:00Z'), order('b', 300, '2026-02-11T00:00:00Z')]);
    });
    after(() => db.close());
    const clv = async (params?: Record<string, number>) => {
      const r = await metricSeries(db, ws, 'clv', { from: '2026-02-01', to: '2026-03-01', interval: 'month', params });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    };

    it('without a margin, CLV is revenue and says so', async () => {
      const v = await clv();
      assert.equal(v.total, 200);
      assert.equal(v.basis, 'revenue');
    });

    it('with a 30% gross margin set on the workspace, CLV is profit (60) and says so; a request can still ask for revenue', async () => {
      await updateWorkspace(db, ws, { grossMargin: 0.3 });
      const v = await clv();
      assert.ok(Math.abs(v.total! - 60) < 1e-9, String(v.total));
      assert.deepEqual([v.basis, v.parameters.margin], ['gross_margin', 0.3]);
      const asked = await clv({ margin: 1 });
      assert.deepEqual([asked.total, asked.basis], [200, 'revenue']);
      await updateWorkspace(db, ws, { grossMargin: null });
      assert.equal((await clv()).total, 200);
    });
  });
}

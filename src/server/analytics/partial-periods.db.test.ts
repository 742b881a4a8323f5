import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { cohortRetention } from './cohort-retention.js';
import { metricSeries } from './metrics.service.js';

/** Months as YYYY-MM-01 around today (UTC; the workspace is in UTC). */
function monthStart(offset: number): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

for (const target of dbTargets()) {
  describe(`the period still running is marked partial (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'partial-periods')).workspace.id;
    });
    after(() => db.close());

    it('in a metric series: only the current month', async () => {
      const r = await metricSeries(db, ws, 'orders', { from: monthStart(-2), to: monthStart(1), interval: 'month' });
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(
        r.value.series.map((p) => [p.start, p.partial ?? false]),
        [
          [monthStart(-2), false],
          [monthStart(-1), false],
          [monthStart(0), true],
        ],
      );
      const past = await metricSeries(db, ws, 'orders', { from: monthStart(-3), to: monthStart(-1), interval: 'month' });
      assert.ok(past.ok);
      assert.ok(past.value.series.every((p) => p.partial === undefined));
    });

    it('in cohort retention: the current period, or none', async () => {
      const r = await cohortRetention(db, ws, { from: monthStart(-2), to: monthStart(1), interval: 'month' });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value.currentPeriod, monthStart(0));
      const past = await cohortRetention(db, ws, { from: monthStart(-3), to: monthStart(-1), interval: 'month' });
      assert.ok(past.ok);
      assert.equal(past.value.currentPeriod, null);
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { call, customerIds, identify, ok, track } from '../../test-support/metrics-fixture.js';
import { cohortRetention } from './cohort-retention.js';
import { metricSeries } from './metrics.service.js';

/*
 * The KPI facts count only activity (src/server/rules/activity.ts, docs/activity.md).
 * Four customers sign up in January 2026 (UTC workspace); in February:
 *   buyer    Order Completed                          → active (a track)
 *   clicker  Email Link Clicked                       → active (a click counts by default)
 *   reader   Email Delivered + Email Opened           → not active (a delivery never, an open not by default)
 *   crm      identify with traits (a CRM sync)        → not active
 * So the January cohort is 4 in month 0 (their sign-ups) and 2 in month 1, and February has
 * 2 active customers. Counting every event but Tenure's own would give 4 and 4.
 */
for (const target of dbTargets()) {
  describe(`the KPI facts count only activity (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'activity-kpis')).workspace.id;
      await ingestEvents(db, ws, [
        track('buyer', 'Signed Up', '2026-01-05T10:00:00Z'),
        track('clicker', 'Signed Up', '2026-01-06T10:00:00Z'),
        track('reader', 'Signed Up', '2026-01-07T10:00:00Z'),
        track('crm', 'Signed Up', '2026-01-08T10:00:00Z'),
        track('buyer', 'Order Completed', '2026-02-10T12:00:00Z', { order_id: 'b1', revenue: 40 }),
        track('clicker', 'Email Link Clicked', '2026-02-11T12:00:00Z', { url: 'https://shop.example/' }),
        track('reader', 'Email Delivered', '2026-02-12T12:00:00Z', { email_id: 'm1' }),
        track('reader', 'Email Opened', '2026-02-12T13:00:00Z', { email_id: 'm1' }),
        identify('crm', '2026-02-13T12:00:00Z', { traits: { email: 'crm@example.com', plan: 'pro', lead_score: 80 } }),
      ]);
    });
    after(() => db.close());

    const february = { from: '2026-02-01', to: '2026-03-01', interval: 'month' as const };

    it('cohort retention: 4 signed up in January, 2 of them active in February', async () => {
      const r = ok(await cohortRetention(db, ws, { from: '2026-01-01', to: '2026-03-01', interval: 'month' }));
      const jan = r.cohorts[0]!;
      assert.equal(jan.start, '2026-01-01');
      assert.equal(jan.size, 4);
      assert.deepEqual(jan.values, [4, 2]); // Jan: the 4 sign-ups; Feb: buyer (order) and clicker (click)
      assert.deepEqual(jan.rates, [1, 0.5]); // 4 / 4, 2 / 4
    });

    it('active customers in February: the buyer and the clicker', async () => {
      const r = ok(await metricSeries(db, ws, 'active_customers', february));
      assert.deepEqual(
        r.series.map((p) => p.value),
        [2],
      );
      assert.equal(r.total, 2);
      // By day: Feb 10 (buyer) and Feb 11 (clicker); the 12th and 13th hold no activity.
      const days = ok(await metricSeries(db, ws, 'active_customers', { from: '2026-02-10', to: '2026-02-14', interval: 'day' }));
      assert.deepEqual(
        days.series.map((p) => p.value),
        [1, 1, 0, 0],
      );
    });

    it('first seen is the first activity: a CRM identify before the sign-up does not move it', async () => {
      await ingestEvents(db, ws, [identify('late', '2026-01-20T09:00:00Z'), track('late', 'Signed Up', '2026-01-25T09:00:00Z')]);
      await metricSeries(db, ws, 'active_customers', february); // syncs the facts
      const ids = await customerIds(db, ws);
      const { rows } = await db.query<{ first_seen_at: Date | null }>(`SELECT first_seen_at FROM analytics_customers WHERE customer_id = $1`, [ids.late]);
      assert.equal(rows[0]?.first_seen_at?.toISOString(), '2026-01-25T09:00:00.000Z');
    });

    it('a merge keeps counting activity only: an anonymous profile that only opened mail, merged into the CRM-touched customer', async () => {
      await ingestEvents(db, ws, [call('track', { anonymousId: 'anon-crm', event: 'Email Opened', properties: { email_id: 'm2' } }, '2026-02-20T12:00:00Z')]);
      await ingestEvents(db, ws, [identify('crm', '2026-02-21T12:00:00Z', { anonymousId: 'anon-crm' })]);
      const ids = await customerIds(db, ws);
      const merged = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customer_merges WHERE workspace_id = $1 AND into_customer_id = $2`, [ws, ids.crm]);
      assert.equal(merged.rows[0]!.n, 1); // the anonymous profile was merged into crm
      const r = ok(await metricSeries(db, ws, 'active_customers', february));
      assert.equal(r.total, 2); // still the buyer and the clicker: the open and the identify are not activity
      const days = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_days WHERE customer_id = $1`, [ids.crm]);
      assert.equal(days.rows[0]!.n, 1); // Jan 8, the sign-up only
    });

    it('facts cut under another definition are cut again', async () => {
      const ids = await customerIds(db, ws);
      // What the old definition (every event but Tenure's own) left behind: February days for the reader and the CRM-touched customer.
      for (const [c, day] of [
        [ids.reader, '2026-02-12'],
        [ids.crm, '2026-02-13'],
      ] as const) {
        await db.query(`INSERT INTO analytics_days (workspace_id, day, customer_id, events, sessions, session_seconds) VALUES ($1, $2::date, $3, 1, 1, 0)`, [ws, day, c]);
        await db.query(`INSERT INTO analytics_months (workspace_id, month, customer_id, events, sessions, session_seconds) VALUES ($1, '2026-02-01', $2, 1, 1, 0)`, [ws, c]);
      }
      await db.query(`UPDATE analytics_customers SET first_seen_at = '2026-01-20T09:00:00Z' WHERE customer_id = $1`, [ids.late]);
      await db.query(`UPDATE analytics_timezones SET activity = NULL WHERE workspace_id = $1`, [ws]);
      const r = ok(await metricSeries(db, ws, 'active_customers', february));
      assert.equal(r.total, 2); // buyer and clicker again, not 4
      const { rows } = await db.query<{ first_seen_at: Date | null }>(`SELECT first_seen_at FROM analytics_customers WHERE customer_id = $1`, [ids.late]);
      assert.equal(rows[0]?.first_seen_at?.toISOString(), '2026-01-25T09:00:00.000Z');
    });
  });
}

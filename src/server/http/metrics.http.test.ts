import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';

/**
 * The KPI API over HTTP on a tiny business (numbers worked out by hand below):
 * ann: signed up 2026-01-03 (from a paid search ad), orders 40 on 01-05 and 60 on 02-10;
 * ben: signed up 2026-01-20, order 50 on 02-01, refunded 20 on 02-15;
 * cat: signed up 2026-02-02, never orders.
 */
const ts = (s: string) => `2026-${s}T12:00:00.000Z`;
const BATCH = [
  { type: 'track', userId: 'ann', event: 'Signed Up', timestamp: ts('01-03'), context: { campaign: { source: 'google', medium: 'cpc', name: 'beans' } } },
  { type: 'track', userId: 'ann', event: 'Order Completed', properties: { order_id: 'a1', revenue: 40 }, timestamp: ts('01-05') },
  { type: 'track', userId: 'ann', event: 'Order Completed', properties: { order_id: 'a2', revenue: 60 }, timestamp: ts('02-10') },
  { type: 'track', userId: 'ben', event: 'Signed Up', timestamp: ts('01-20') },
  { type: 'track', userId: 'ben', event: 'Order Completed', properties: { order_id: 'b1', revenue: 50 }, timestamp: ts('02-01') },
  { type: 'track', userId: 'ben', event: 'Order Refunded', properties: { order_id: 'b1', amount: 20 }, timestamp: ts('02-15') },
  { type: 'track', userId: 'cat', event: 'Signed Up', timestamp: ts('02-02') },
];

for (const target of dbTargets()) {
  describe(`metrics API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    const api = (path: string) => http(`${server.url}${path}`, { auth: admin });

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'metrics-http');
      admin = `Bearer ${keys.adminKey}`;
      server = await startServer(db);
      const r = await http(`${server.url}/v1/batch`, { auth: basic(keys.writeKey), body: { batch: BATCH } });
      assert.equal(r.status, 200);
      await until('events stored', async () => ((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'track'`)).rows[0]!.n === BATCH.length ? true : undefined));
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('lists the catalogue: every metric with a unit, a tag and a written definition', async () => {
      const r = await api('/api/metrics');
      assert.equal(r.status, 200);
      const names = r.body.metrics.map((m: { name: string }) => m.name);
      for (const n of ['revenue', 'aov', 'churn_rate', 'retention_rate', 'clv', 'cac', 'clv_cac_ratio', 'nps', 'csat', 'ces', 'lead_response_time', 'feature_adoption'])
        assert.ok(names.includes(n), n);
      for (const m of r.body.metrics) {
        assert.ok(m.definition.length > 60, `${m.name} has a definition`);
        assert.ok(['leading', 'lagging'].includes(m.tag));
      }
      assert.equal((await http(`${server.url}/api/metrics`)).status, 401);
    });

    it('gives a metric per month with the total: revenue net of refunds, AOV, new customers', async () => {
      const rev = await api('/api/metrics/revenue?from=2026-01-01&to=2026-04-01&interval=month');
      assert.equal(rev.status, 200);
      // Jan: 40. Feb: 60 + 50 − 20 = 90. Mar: nothing. Total 130.
      assert.deepEqual(
        rev.body.series.map((p: { start: string; value: number }) => [p.start, p.value]),
        [
          ['2026-01-01', 40],
          ['2026-02-01', 90],
          ['2026-03-01', 0],
        ],
      );
      assert.equal(rev.body.total, 130);
      assert.equal(rev.body.unit, 'currency');
      // AOV: Jan 40 / 1; Feb 90 / 2 orders = 45; Mar no orders → null; total 130 / 3.
      const aov = await api('/api/metrics/aov?from=2026-01-01&to=2026-04-01');
      assert.deepEqual(
        aov.body.series.map((p: { value: number | null }) => p.value),
        [40, 45, null],
      );
      assert.equal(aov.body.total, Math.round((130 / 3) * 1e6) / 1e6);
      // New customers: ann in Jan, ben in Feb.
      const fresh = await api('/api/metrics/new_customers?from=2026-01-01&to=2026-03-01');
      assert.deepEqual(
        fresh.body.series.map((p: { value: number }) => p.value),
        [1, 1],
      );
      // Sliced by channel: only ann came from paid search (40 + 60).
      const paid = await api('/api/metrics/revenue?from=2026-01-01&to=2026-04-01&channel=paid_search');
      assert.equal(paid.body.total, 100);
      assert.deepEqual(paid.body.slice, { channel: 'paid_search' });
    });

    it('breaks a metric down by channel and by sign-up cohort', async () => {
      const r = await api('/api/metrics/revenue/breakdown?by=channel&from=2026-01-01&to=2026-04-01');
      assert.equal(r.status, 200);
      const by = Object.fromEntries(r.body.rows.map((x: { key: string; value: number }) => [x.key, x.value]));
      assert.deepEqual(by, { direct: 30, paid_search: 100 });
      const cohorts = await api('/api/metrics/new_customers/breakdown?by=cohort&from=2026-01-01&to=2026-04-01');
      // January sign-ups (ann, ben) both bought; February's (cat) did not.
      assert.deepEqual(
        cohorts.body.rows.map((x: { key: string; value: number; customers: number }) => [x.key, x.value, x.customers]),
        [
          ['2026-01', 2, 2],
          ['2026-02', 0, 1],
        ],
      );
    });

    it('computes cohort retention and a funnel', async () => {
      const c = await api('/api/cohorts/retention?from=2026-01-01&to=2026-03-01&interval=month&returnEvent=Order%20Completed');
      assert.equal(c.status, 200);
      // January cohort (ann, ben): ordered in January: ann; in February: ann and ben. February cohort (cat): no orders.
      assert.deepEqual(
        c.body.cohorts.map((x: { size: number; values: number[] }) => [x.size, x.values]),
        [
          [2, [1, 2]],
          [1, [0]],
        ],
      );
      assert.deepEqual(c.body.cohorts[0].rates, [0.5, 1]);
      const f = await api('/api/funnels?steps=Signed%20Up,Order%20Completed,Order%20Completed&within=60d&from=2026-01-01&to=2026-03-01');
      assert.equal(f.status, 200);
      // Signed up: 3. Ordered within 60 days: ann (2 d), ben (12 d). Ordered again: ann (36 d after her first).
      assert.deepEqual(
        f.body.steps.map((s: { count: number }) => s.count),
        [3, 2, 1],
      );
      assert.deepEqual(
        f.body.steps.map((s: { dropOff: number }) => s.dropOff),
        [0, 1, 1],
      );
      assert.equal(f.body.steps[1].medianSecondsFromPrevious, 7 * 86_400);
      assert.equal(f.body.steps[2].medianSecondsFromPrevious, 36 * 86_400);
    });

    it('answers bad requests with 400 (404 for a missing segment) naming the field', async () => {
      const cases: Array<[string, number, string, string | undefined]> = [
        ['/api/metrics/revenu?from=2026-01-01&to=2026-02-01', 400, 'unknown_metric', 'name'],
        ['/api/metrics/revenue?from=2026-13-01&to=2026-02-01', 400, 'bad_range', 'from'],
        ['/api/metrics/revenue?from=2026-03-01&to=2026-02-01', 400, 'bad_range', 'to'],
        ['/api/metrics/revenue?from=2000-01-01&to=2026-02-01', 400, 'bad_range', 'to'],
        ['/api/metrics/clv?from=2026-01-01&to=2026-02-01&margin=abc', 400, 'bad_parameter', 'margin'],
        ['/api/metrics/revenue?from=2026-01-01&to=2026-02-01&colour=red', 400, 'bad_parameter', 'colour'],
        ['/api/metrics/churn_rate?from=2026-01-01&to=2026-02-01&churnedStage=gone', 400, 'bad_parameter', 'churnedStage'],
        ['/api/metrics/revenue?from=2026-01-01&to=2026-02-01&stage=nowhere', 400, 'bad_parameter', 'stage'],
        ['/api/metrics/revenue?from=2026-01-01&to=2026-02-01&segment=seg_nope', 404, 'not_found', 'segment'],
        ['/api/metrics/revenue?from=2026-01-01&to=2026-02-01&interval=year', 400, 'validation_failed', undefined],
        ['/api/metrics/revenue?to=2026-02-01', 400, 'validation_failed', undefined],
        ['/api/funnels?steps=Signed%20Up&from=2026-01-01&to=2026-02-01', 400, 'bad_parameter', 'steps'],
        ['/api/funnels?steps=A,B&within=soon&from=2026-01-01&to=2026-02-01', 400, 'bad_parameter', 'within'],
      ];
      for (const [path, status, code, field] of cases) {
        const r = await api(path);
        assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, code, path);
        if (field) assert.equal(r.body.error.field, field, path);
        assert.ok(r.body.error.message.length > 10, path);
      }
    });
  });
}

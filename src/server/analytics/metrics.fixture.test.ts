import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CohortRetention, MetricBreakdown } from '../../contracts/metrics.js';
import type { Db } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import {
  MONTHS,
  assertSeries,
  assertValue,
  assertValues,
  call,
  campaign,
  customerIds,
  failed,
  identify,
  insertSegment,
  insertSpend,
  insertStageStates,
  insertTenureEvent,
  insertTransitions,
  ok,
  track,
} from '../../test-support/metrics-fixture.js';
import { cohortRetention, funnel, metricBreakdown, metricSeries, type MetricRequest } from './metrics.service.js';

/*
 * Every KPI of the catalogue against numbers worked out by hand from the written
 * definitions in catalogue.ts, never from the implementation's output. The arithmetic
 * is beside each expectation. All workspaces are UTC unless said otherwise; ranges are
 * half-open [from, to); "Jan" means [2026-01-01, 2026-02-01) and so on.
 *
 * THE SHOP (most metrics). Five customers, January to April 2026:
 *
 *   ada  paid_search (google/cpc on her sign-up)            cohort 2026-01, stage now: conversion, segment vip
 *     Jan 05 10:00 identify + Signed Up
 *     Jan 10 09:30 Checkout Started
 *     Jan 10 10:00 Order Completed A1  revenue 30
 *     Jan 10 10:05 Survey nps 10
 *     Feb 14 12:00 Order Completed A2  revenue 25
 *     Feb 14 12:10 Referral Sent · 12:20 Feature Used (reorder) · 12:30 Survey nps 6 · 12:40 Survey csat 2
 *     Mar 18 12:00 Checkout Started
 *     Mar 20 12:00 Order Completed A3  total 100 (no revenue)
 *     Mar 20 12:10 Survey csat 3 · 12:20 Survey ces 5
 *     Mar 25 12:00 Order Refunded  A3  amount 10
 *   bob  email (newsletter/email on his sign-up)            cohort 2026-01, stage now: churned
 *     Jan 20 09:00 identify + Signed Up · 09:10 Survey nps 3
 *     Feb 03 09:00 Order Completed B1  revenue 100 · 09:10 Survey csat 5
 *     Apr 02 09:00 Order Refunded  B1  (order_id only: the whole 100)
 *   cy   direct (no campaign)                               cohort 2026-02, stage now: engagement
 *     Feb 10 08:00 identify + Signed Up
 *     Feb 11 08:30 Checkout Started (never ordered) · 08:40 Survey nps 7 · 08:50 Survey csat 4
 *     Apr 15 08:00 page view · 08:10 Feature Used (wishlist) · 08:20 Survey ces 6
 *   dee  paid_search (first touch on her anonymous visit)   cohort 2026-03, stage now: conversion, segment vip
 *     Mar 01 09:00 identify + Signed Up (as dee)
 *     Mar 02 10:00 page view from google/cpc  (anonymousId anon-dee only)
 *     Mar 02 20:00 Checkout Started           (anonymousId anon-dee only)
 *     Mar 02 21:00 Order Completed D1 revenue 60 (anonymousId anon-dee only)
 *     Mar 05 10:00 identify dee + anon-dee (a later batch: merges the anonymous profile into dee)
 *     Mar 05 10:05 Survey nps 10 · 10:10 Survey ces 2
 *     Mar 28 10:00 Order Completed D2 revenue 40
 *   eve  email (newsletter/email on her sign-up)            cohort 2026-01, stage now: churned
 *     Jan 25 10:00 identify + Signed Up
 *     Jan 26 10:00 Order Completed E1 revenue 20 · 10:10 Survey nps 9
 *     Apr 10 00:00 a Tenure timeline entry (type 'tenure', Segment Entered): not an own event
 *
 * Stage history (inserted directly):
 *   ada  → engagement Jan 05 10:00, → conversion Jan 10 10:00
 *   bob  → engagement Jan 20 09:00, → conversion Feb 03 09:00, → churned Apr 20 00:00
 *   cy   → engagement Feb 10 08:00
 *   dee  → engagement Mar 01 09:00, → conversion Mar 02 21:00
 *   eve  → engagement Jan 25 10:00, → conversion Jan 26 10:00, → churned Mar 15, → conversion Mar 18, → churned Mar 22 (00:00 each)
 * Marketing spend: Jan 15 paid_search 100, Jan 20 email 20, Feb 10 paid_search 60, Mar 10 paid_search 90, Apr 05 email 30.
 *
 * Orders by month: Jan A1 30 + E1 20 | Feb B1 100 + A2 25 | Mar D1 60 + A3 100 + D2 40 | Apr none.
 * Refunds by month: Mar −10 (A3) | Apr −100 (B1).
 * Own-event activity by month: Jan ada, bob, eve | Feb ada, bob, cy | Mar ada, dee | Apr bob, cy.
 * First orders: ada Jan 10, eve Jan 26, bob Feb 03, dee Mar 02 (made anonymously). First sign-ups: ada, bob, eve Jan; cy Feb; dee Mar.
 */

const RANGE = { from: '2026-01-01', to: '2026-05-01', interval: 'month' as const };

for (const target of dbTargets()) {
  describe(`KPIs against hand-computed fixtures (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    describe('the shop', () => {
      let ws: number;
      const series = async (name: string, req: Partial<MetricRequest> = {}) => ok(await metricSeries(db, ws, name, { ...RANGE, ...req }));

      before(async () => {
        ws = (await makeWorkspace(db, 'shop')).workspace.id;
        const gcpc = campaign('google', 'cpc');
        const mail = campaign('newsletter', 'email');
        const anon = (type: 'track' | 'page', fields: Record<string, unknown>, at: string) => call(type, { anonymousId: 'anon-dee', ...fields }, at);
        await ingestEvents(db, ws, [
          identify('ada', '2026-01-05T10:00:00Z'),
          track('ada', 'Signed Up', '2026-01-05T10:00:00Z', {}, gcpc),
          track('ada', 'Checkout Started', '2026-01-10T09:30:00Z'),
          track('ada', 'Order Completed', '2026-01-10T10:00:00Z', { order_id: 'A1', revenue: 30 }),
          track('ada', 'Survey Responded', '2026-01-10T10:05:00Z', { type: 'nps', score: 10 }),
          track('ada', 'Order Completed', '2026-02-14T12:00:00Z', { order_id: 'A2', revenue: 25 }),
          track('ada', 'Referral Sent', '2026-02-14T12:10:00Z'),
          track('ada', 'Feature Used', '2026-02-14T12:20:00Z', { feature: 'reorder' }),
          track('ada', 'Survey Responded', '2026-02-14T12:30:00Z', { type: 'nps', score: 6 }),
          track('ada', 'Survey Responded', '2026-02-14T12:40:00Z', { type: 'csat', score: 2 }),
          track('ada', 'Checkout Started', '2026-03-18T12:00:00Z'),
          track('ada', 'Order Completed', '2026-03-20T12:00:00Z', { order_id: 'A3', total: 100 }),
          track('ada', 'Survey Responded', '2026-03-20T12:10:00Z', { type: 'csat', score: 3 }),
          track('ada', 'Survey Responded', '2026-03-20T12:20:00Z', { type: 'ces', score: 5 }),
          track('ada', 'Order Refunded', '2026-03-25T12:00:00Z', { order_id: 'A3', amount: 10 }),

          identify('bob', '2026-01-20T09:00:00Z'),
          track('bob', 'Signed Up', '2026-01-20T09:00:00Z', {}, mail),
          track('bob', 'Survey Responded', '2026-01-20T09:10:00Z', { type: 'nps', score: 3 }),
          track('bob', 'Order Completed', '2026-02-03T09:00:00Z', { order_id: 'B1', revenue: 100 }),
          track('bob', 'Survey Responded', '2026-02-03T09:10:00Z', { type: 'csat', score: 5 }),
          track('bob', 'Order Refunded', '2026-04-02T09:00:00Z', { order_id: 'B1' }),

          identify('cy', '2026-02-10T08:00:00Z'),
          track('cy', 'Signed Up', '2026-02-10T08:00:00Z'),
          track('cy', 'Checkout Started', '2026-02-11T08:30:00Z'),
          track('cy', 'Survey Responded', '2026-02-11T08:40:00Z', { type: 'nps', score: 7 }),
          track('cy', 'Survey Responded', '2026-02-11T08:50:00Z', { type: 'csat', score: 4 }),
          call('page', { userId: 'cy', name: 'Home' }, '2026-04-15T08:00:00Z'),
          track('cy', 'Feature Used', '2026-04-15T08:10:00Z', { feature: 'wishlist' }),
          track('cy', 'Survey Responded', '2026-04-15T08:20:00Z', { type: 'ces', score: 6 }),

          identify('dee', '2026-03-01T09:00:00Z'),
          track('dee', 'Signed Up', '2026-03-01T09:00:00Z'),
          anon('page', { name: 'Landing', ...gcpc }, '2026-03-02T10:00:00Z'),
          anon('track', { event: 'Checkout Started' }, '2026-03-02T20:00:00Z'),
          anon('track', { event: 'Order Completed', properties: { order_id: 'D1', revenue: 60 } }, '2026-03-02T21:00:00Z'),

          identify('eve', '2026-01-25T10:00:00Z'),
          track('eve', 'Signed Up', '2026-01-25T10:00:00Z', {}, mail),
          track('eve', 'Order Completed', '2026-01-26T10:00:00Z', { order_id: 'E1', revenue: 20 }),
          track('eve', 'Survey Responded', '2026-01-26T10:10:00Z', { type: 'nps', score: 9 }),
        ]);
        // A later batch: the anonymous visitor identifies as dee, merging the two stored profiles.
        await ingestEvents(db, ws, [
          call('identify', { userId: 'dee', anonymousId: 'anon-dee', traits: {} }, '2026-03-05T10:00:00Z'),
          track('dee', 'Survey Responded', '2026-03-05T10:05:00Z', { type: 'nps', score: 10 }),
          track('dee', 'Survey Responded', '2026-03-05T10:10:00Z', { type: 'ces', score: 2 }),
          track('dee', 'Order Completed', '2026-03-28T10:00:00Z', { order_id: 'D2', revenue: 40 }),
        ]);
        const { ada, bob, cy, dee, eve } = (await customerIds(db, ws)) as Record<'ada' | 'bob' | 'cy' | 'dee' | 'eve', number>;
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [ws]);
        assert.equal(rows[0]!.n, 5, 'the anonymous profile was merged into dee');
        await insertTenureEvent(db, ws, eve, 'Segment Entered', '2026-04-10T00:00:00Z', { segmentId: 'vip' });
        await insertTransitions(db, ws, [
          { customer: ada, from: null, to: 'engagement', at: '2026-01-05T10:00:00Z' },
          { customer: ada, from: 'engagement', to: 'conversion', at: '2026-01-10T10:00:00Z' },
          { customer: bob, from: null, to: 'engagement', at: '2026-01-20T09:00:00Z' },
          { customer: bob, from: 'engagement', to: 'conversion', at: '2026-02-03T09:00:00Z' },
          { customer: bob, from: 'conversion', to: 'churned', at: '2026-04-20T00:00:00Z' },
          { customer: cy, from: null, to: 'engagement', at: '2026-02-10T08:00:00Z' },
          { customer: dee, from: null, to: 'engagement', at: '2026-03-01T09:00:00Z' },
          { customer: dee, from: 'engagement', to: 'conversion', at: '2026-03-02T21:00:00Z' },
          { customer: eve, from: null, to: 'engagement', at: '2026-01-25T10:00:00Z' },
          { customer: eve, from: 'engagement', to: 'conversion', at: '2026-01-26T10:00:00Z' },
          { customer: eve, from: 'conversion', to: 'churned', at: '2026-03-15T00:00:00Z' },
          { customer: eve, from: 'churned', to: 'conversion', at: '2026-03-18T00:00:00Z' },
          { customer: eve, from: 'conversion', to: 'churned', at: '2026-03-22T00:00:00Z' },
        ]);
        await insertStageStates(db, ws, [
          { customer: ada, stage: 'conversion', since: '2026-01-10T10:00:00Z' },
          { customer: bob, stage: 'churned', since: '2026-04-20T00:00:00Z' },
          { customer: cy, stage: 'engagement', since: '2026-02-10T08:00:00Z' },
          { customer: dee, stage: 'conversion', since: '2026-03-02T21:00:00Z' },
          { customer: eve, stage: 'churned', since: '2026-03-22T00:00:00Z' },
        ]);
        await insertSegment(db, ws, 'vip', [ada, dee]);
        await insertSpend(db, ws, [
          { day: '2026-01-15', channel: 'paid_search', campaign: 'brand', amount: 100 },
          { day: '2026-01-20', channel: 'email', campaign: 'welcome', amount: 20 },
          { day: '2026-02-10', channel: 'paid_search', campaign: 'brand', amount: 60 },
          { day: '2026-03-10', channel: 'paid_search', campaign: 'brand', amount: 90 },
          { day: '2026-04-05', channel: 'email', campaign: 'welcome', amount: 30 },
        ]);
      });

      it('revenue: orders minus refunds in the period they happen; `total` when `revenue` is missing; a whole-order refund by order_id', async () => {
        const s = await series('revenue');
        assert.equal(s.name, 'revenue');
        assert.equal(s.unit, 'currency');
        assert.deepEqual(
          s.series.map((p) => [p.start, p.end]),
          [
            ['2026-01-01', '2026-02-01'],
            ['2026-02-01', '2026-03-01'],
            ['2026-03-01', '2026-04-01'],
            ['2026-04-01', '2026-05-01'],
          ],
        );
        assertSeries(
          s,
          {
            values: [
              50, // Jan: A1 30 + E1 20
              125, // Feb: B1 100 + A2 25
              190, // Mar: D1 60 + A3 100 (its `total`) + D2 40 − A3 refund 10 (its `amount`)
              -100, // Apr: no orders − B1 refunded whole by order_id (100)
            ],
            total: 265, // 50 + 125 + 190 − 100
          },
          'revenue',
        );
      });

      it('orders, AOV and purchase frequency: refunds reduce AOV but not orders; no orders → null', async () => {
        assertSeries(await series('orders'), { starts: MONTHS, values: [2, 2, 3, 0], total: 7 }, 'orders'); // Jan A1 E1 | Feb B1 A2 | Mar D1 A3 D2 | Apr none; 2 + 2 + 3
        assertSeries(
          await series('aov'),
          {
            values: [
              25, // 50 / 2
              62.5, // 125 / 2
              63.333333, // 190 / 3 (the −10 refund is in the numerator)
              null, // −100 / 0 orders: undefined
            ],
            total: 37.857143, // 265 / 7
          },
          'aov',
        );
        assertSeries(
          await series('purchase_frequency'),
          {
            values: [
              1, // 2 orders / 2 customers (ada, eve)
              1, // 2 / 2 (bob, ada)
              1.5, // 3 / 2 (dee twice — once anonymously, merged — and ada)
              null, // nobody ordered
            ],
            total: 1.75, // 7 orders / 4 customers (ada, eve, bob, dee)
          },
          'purchase_frequency',
        );
      });

      it('repeat purchase rate counts orders to date at the end of each period', async () => {
        assertSeries(
          await series('repeat_purchase_rate'),
          {
            values: [
              0, // at Feb 1: ada 1, eve 1 → 0 of 2
              33.333333, // at Mar 1: ada 2, eve 1, bob 1 → 1 of 3
              50, // at Apr 1: ada 3, dee 2, eve 1, bob 1 → 2 of 4
              50, // at May 1: unchanged (a refund does not remove an order) → 2 of 4
            ],
            total: 50, // at the end of the range, May 1: 2 of 4
          },
          'repeat_purchase_rate',
        );
      });

      it('active customers: own events only (not Tenure timeline entries), a merged visitor counted once', async () => {
        assertSeries(
          await series('active_customers'),
          {
            values: [
              3, // Jan: ada, bob, eve
              3, // Feb: ada, bob, cy
              2, // Mar: ada, dee (her anonymous events are hers: not a third customer)
              2, // Apr: bob (his refund), cy — eve's 'tenure' entry on Apr 10 does not count
            ],
            total: 5, // ada, bob, cy, dee, eve
          },
          'active_customers',
        );
      });

      it('new customers and time to convert, with a first order made anonymously before the merge', async () => {
        assertSeries(
          await series('new_customers'),
          {
            values: [
              2, // Jan: ada (Jan 10), eve (Jan 26)
              1, // Feb: bob (Feb 3)
              1, // Mar: dee (D1 on Mar 2 as anon-dee, then D2: one new customer)
              0, // Apr: none
            ],
            total: 4,
          },
          'new_customers',
        );
        assertSeries(
          await series('time_to_convert'),
          {
            values: [
              3, // Jan: median of ada (Jan 5 10:00 → Jan 10 10:00 = 5 d) and eve (Jan 25 10:00 → Jan 26 10:00 = 1 d) = (5 + 1) / 2
              14, // Feb: bob Jan 20 09:00 → Feb 3 09:00 = 14 d
              1.5, // Mar: dee Mar 1 09:00 → Mar 2 21:00 (anonymous order) = 1 d 12 h
              null, // Apr: no first orders
            ],
            total: 3.25, // median of 1, 1.5, 5, 14 = (1.5 + 5) / 2
          },
          'time_to_convert',
        );
      });

      it('churn rate: paying and not churned at the start; a customer who churns twice counts once', async () => {
        assertSeries(
          await series('churn_rate'),
          {
            values: [
              null, // Jan 1: nobody has ordered yet
              0, // Feb: base ada, eve (ordered before Feb 1, not churned) → nobody churns: 0 of 2
              33.333333, // Mar: base ada, eve, bob → eve churns (Mar 15 and again Mar 22, once): 1 of 3
              33.333333, // Apr: paying ada, eve, bob, dee; eve churned at Apr 1 → base ada, bob, dee → bob churns Apr 20: 1 of 3
            ],
            total: null, // over [Jan 1, May 1): nobody was paying on Jan 1
          },
          'churn_rate',
        );
        // Over [Mar 1, May 1): base ada, eve, bob (paying and not churned on Mar 1) → eve and bob churn: 2 of 3.
        assertValue((await series('churn_rate', { from: '2026-03-01' })).total, 66.666667, 'churn_rate Mar–Apr total');
        // A stage nobody entered: base as above, no moves.
        assertValue((await series('churn_rate', { from: '2026-03-01', params: { churnedStage: 'at_risk' } })).total, 0, 'churn_rate to at_risk');
      });

      it('retention rate: of S, paying and not churned at the start, the share not churned at the end', async () => {
        assertSeries(
          await series('retention_rate'),
          {
            values: [
              null, // Jan: S = 0 (nobody paying on Jan 1)
              100, // Feb: S = ada, eve; both still not churned on Mar 1 → 2 / 2
              66.666667, // Mar: S = ada, eve, bob; eve churned on Apr 1 → 2 / 3
              66.666667, // Apr: S = ada, bob, dee; bob churned Apr 20 → 2 / 3
            ],
            total: null, // S on Jan 1 = 0
          },
          'retention_rate',
        );
        // [Feb 1, May 1): S = ada, eve; on May 1 ada is kept, eve churned → 1 / 2. (The classic
        // (E − N) ÷ S gives 0 here: bob, won in Feb and churned in Apr, counts against S.)
        assertValue((await series('retention_rate', { from: '2026-02-01' })).total, 50, 'retention_rate Feb–Apr total');
        // [Mar 1, Mar 20): S = ada, eve, bob; eve churned Mar 15 but was back (conversion) on Mar 18 → 3 / 3.
        assertValue((await series('retention_rate', { from: '2026-03-01', to: '2026-03-20', interval: 'day' })).total, 100, 'retention_rate with a comeback');
        // [Mar 1, Mar 25): eve churned again on Mar 22 → 2 / 3.
        assertValue((await series('retention_rate', { from: '2026-03-01', to: '2026-03-25', interval: 'day' })).total, 66.666667, 'retention_rate after the second churn');
      });

      it('historical and classic CLV, with margin', async () => {
        assertSeries(
          await series('clv'),
          {
            values: [
              25, // at Feb 1: net revenue 50 / 2 buyers (ada, eve)
              58.333333, // at Mar 1: (50 + 125) / 3 buyers = 175 / 3
              91.25, // at Apr 1: (175 + 190) / 4 buyers = 365 / 4
              66.25, // at May 1: (365 − 100) / 4 = 265 / 4
            ],
            total: 66.25, // to the end of the range: 265 / 4
          },
          'clv',
        );
        const margin = await series('clv', { params: { margin: 0.4 } });
        assertValues(
          margin.series.map((p) => p.value),
          [10, 23.333333, 36.5, 26.5],
          'clv margin 0.4',
        ); // 25 × 0.4, 58.33 × 0.4, 91.25 × 0.4, 66.25 × 0.4
        assertValue(margin.total, 26.5, 'clv margin 0.4 total'); // 66.25 × 0.4
        // Classic: AOV × frequency × lifespan × margin over the 365 days before the end of the period.
        // To May 1 the window holds all the data: AOV 265 / 7, frequency 7 orders / 4 buyers → 265/7 × 7/4 = 66.25; × 3 years × 1 = 198.75.
        const classic = await series('clv', { params: { method: 'classic' } });
        assertValue(classic.total, 198.75, 'classic clv total');
        // Jan (to Feb 1): AOV 50 / 2 = 25, frequency 2 / 2 = 1 → 25 × 1 × 3 = 75.
        assertValue(classic.series[0]?.value, 75, 'classic clv Jan');
        // lifespan 2 years, margin 0.5: 66.25 × 2 × 0.5 = 66.25.
        assertValue((await series('clv', { params: { method: 'classic', lifespanYears: 2, margin: 0.5 } })).total, 66.25, 'classic clv 2 y, margin 0.5');
      });

      it('CAC, CPA and CLV:CAC from marketing spend', async () => {
        assertSeries(
          await series('cac'),
          {
            values: [
              60, // Jan: spend 100 + 20 = 120 / 2 new (ada, eve)
              60, // Feb: 60 / 1 (bob)
              90, // Mar: 90 / 1 (dee)
              null, // Apr: spend 30 / 0 new customers
            ],
            total: 75, // 300 / 4
          },
          'cac',
        );
        assertSeries(
          await series('cpa'),
          {
            values: [
              40, // Jan: 120 / 3 sign-ups (ada, bob, eve)
              60, // Feb: 60 / 1 (cy)
              90, // Mar: 90 / 1 (dee)
              null, // Apr: 30 / 0 sign-ups
            ],
            total: 60, // 300 / 5
          },
          'cpa',
        );
        assertSeries(await series('cpa', { params: { event: 'Lead Created' } }), { values: [null, null, null, null], total: null }, 'cpa per lead (none)');
        const ratio = await series('clv_cac_ratio');
        assertSeries(
          ratio,
          {
            values: [
              0.416667, // Jan: CLV 25 / CAC 60
              0.972222, // Feb: 58.333 / 60
              1.013889, // Mar: 91.25 / 90
              null, // Apr: CAC undefined
            ],
            total: 0.883333, // 66.25 / 75
          },
          'clv_cac_ratio',
        );
        assert.equal(ratio.flag, 'below_3_to_1', 'the total 0.88 is under 3');
        assert.equal(ratio.series[0]?.flag, 'below_3_to_1', 'Jan 0.42 is under 3');
        assert.equal(ratio.series[3]?.flag, undefined, 'no flag on an undefined ratio');
        assertValue((await series('clv_cac_ratio', { params: { margin: 0.4 } })).total, 0.353333, 'clv_cac_ratio margin 0.4'); // 66.25 × 0.4 = 26.5 / 75
      });

      it('CAC sliced by channel: the channel’s spend over its new customers', async () => {
        assertSeries(
          await series('cac', { slice: { channel: 'paid_search' } }),
          {
            values: [
              100, // Jan: 100 / 1 (ada)
              null, // Feb: 60 / 0
              90, // Mar: 90 / 1 (dee: her first touch came with the merged anonymous visit)
              null, // Apr: 0 / 0
            ],
            total: 125, // (100 + 60 + 90) / 2
          },
          'cac paid_search',
        );
        assertSeries(
          await series('cac', { slice: { channel: 'email' } }),
          {
            values: [
              20, // Jan: 20 / 1 (eve)
              0, // Feb: 0 spend / 1 (bob)
              null, // Mar: 0 / 0
              null, // Apr: 30 / 0
            ],
            total: 25, // (20 + 30) / 2
          },
          'cac email',
        );
      });

      it('stage conversion and activation rates, with the `within` window', async () => {
        assertSeries(
          await series('conversion_rate'),
          {
            values: [
              100, // Jan entered engagement: ada (→ conversion 5 d later), bob (14 d, in Feb), eve (1 d) → 3 of 3
              0, // Feb: cy, never converts → 0 of 1
              100, // Mar: dee (1.5 d) → 1 of 1
              null, // Apr: nobody entered engagement
            ],
            total: 80, // 4 of 5
          },
          'conversion_rate',
        );
        const week = await series('conversion_rate', { params: { within: 7 } });
        assertValue(week.series[0]?.value, 66.666667, 'conversion_rate within 7 d, Jan'); // ada 5 d, eve 1 d; bob 14 d is too late → 2 of 3
        assertValue(week.total, 60, 'conversion_rate within 7 d'); // ada, eve, dee → 3 of 5
        // conversion → churned within 30 d over Jan–Feb: entered conversion in Jan: ada (never churns), eve (churned Mar 15, 48 d later);
        // Feb: bob (churned Apr 20, 76 d later) → 0 of 2 | 0 of 1. (March is left out: eve enters conversion again on Mar 18.)
        assertSeries(await series('conversion_rate', { to: '2026-03-01', params: { from: 'conversion', to: 'churned' } }), { values: [0, 0], total: 0 }, 'conversion → churned');

        assertSeries(
          await series('activation_rate'),
          {
            values: [
              66.666667, // Jan sign-ups: ada (first order 5 d later), bob (14 d: too late), eve (1 d) → 2 of 3
              0, // Feb: cy never ordered → 0 of 1
              100, // Mar: dee, anonymous order 1.5 d later → 1 of 1
              null, // Apr: no sign-ups
            ],
            total: 60, // 3 of 5
          },
          'activation_rate',
        );
        assertValue((await series('activation_rate', { params: { within: 30 } })).total, 80, 'activation within 30 d'); // bob too → 4 of 5
        // Other events (read from the events, not the facts). Activated = a checkout within 7 d of signing up:
        // ada Jan 5 10:00 → Jan 10 09:30 yes; bob, eve never | cy Feb 10 08:00 → Feb 11 08:30 yes | dee Mar 1 09:00 → Mar 2 20:00 yes
        assertSeries(await series('activation_rate', { params: { event: 'Checkout Started' } }), { values: [33.333333, 100, 100, null], total: 60 }, 'activation by checkout'); // 1/3 | 1/1 | 1/1 | — ; 3/5
        // "Signed up" = first checkout, activated = an order within 1 d: ada Jan 10 09:30 → 10:00 yes | cy Feb 11 never | dee Mar 2 20:00 → 21:00 yes
        assertSeries(await series('activation_rate', { params: { signupEvent: 'Checkout Started', within: 1 } }), { values: [100, 0, 100, null], total: 66.666667 }, 'activation from checkout'); // 1/1 | 0/1 | 1/1 | — ; 2/3
      });

      it('cart abandonment', async () => {
        assertSeries(
          await series('cart_abandonment_rate'),
          {
            values: [
              0, // Jan: ada's checkout 09:30, order 10:00 → 0 of 1 abandoned
              100, // Feb: cy never ordered → 1 of 1
              50, // Mar: dee's (anonymous) checkout 20:00, order 21:00 → kept; ada's Mar 18 12:00, next order Mar 20 12:00 = 48 h → abandoned: 1 of 2
              null, // Apr: no checkouts
            ],
            total: 50, // 2 of 4
          },
          'cart_abandonment_rate',
        );
        const threeDays = await series('cart_abandonment_rate', { params: { within: 72 } });
        assertValue(threeDays.series[2]?.value, 0, 'abandonment within 72 h, Mar'); // ada's order 48 h later now counts → 0 of 2
        assertValue(threeDays.total, 25, 'abandonment within 72 h'); // only cy → 1 of 4
      });

      it('NPS, CSAT and CES from survey responses of their own type', async () => {
        assertSeries(
          await series('nps'),
          {
            values: [
              33.333333, // Jan: ada 10, eve 9 promoters; bob 3 detractor → (2 − 1) / 3 × 100
              -50, // Feb: ada 6 detractor, cy 7 passive → (0 − 1) / 2 × 100
              100, // Mar: dee 10 → (1 − 0) / 1 × 100
              null, // Apr: no nps responses (cy's Apr response is ces)
            ],
            total: 16.666667, // 10, 3, 9, 6, 7, 10 → promoters 3, detractors 2 of 6 → (3 − 2) / 6 × 100
          },
          'nps',
        );
        assertSeries(
          await series('csat'),
          {
            values: [
              null, // Jan: none
              66.666667, // Feb: ada 2, bob 5, cy 4 → 2 of 3 score 4 or 5
              0, // Mar: ada 3 → 0 of 1
              null, // Apr: none
            ],
            total: 50, // 2 of 4
          },
          'csat',
        );
        assertSeries(
          await series('ces'),
          {
            values: [
              null, // Jan: none
              null, // Feb: none
              3.5, // Mar: ada 5, dee 2 → (5 + 2) / 2
              6, // Apr: cy 6
            ],
            total: 4.333333, // (5 + 2 + 6) / 3
          },
          'ces',
        );
      });

      it('referral rate and feature adoption over active customers', async () => {
        assertSeries(
          await series('referral_rate'),
          {
            values: [
              0, // Jan: 0 of 3 active
              33.333333, // Feb: ada of 3 active (ada, bob, cy)
              0, // Mar: 0 of 2
              0, // Apr: 0 of 2
            ],
            total: 20, // 1 of 5
          },
          'referral_rate',
        );
        assertSeries(
          await series('feature_adoption'),
          {
            values: [
              0, // Jan: 0 of 3
              33.333333, // Feb: ada (reorder) of 3
              0, // Mar: 0 of 2
              50, // Apr: cy (wishlist) of 2 (bob, cy)
            ],
            total: 40, // ada, cy: 2 of 5
          },
          'feature_adoption',
        );
        assertSeries(
          await series('feature_adoption', { params: { feature: 'wishlist' } }),
          { values: [0, 0, 0, 50], total: 20 }, // only cy's Apr event: 1 of 2 in Apr; 1 of 5 overall
          'feature_adoption wishlist',
        );
      });

      it('empty periods: 0 for counts and sums, null for rates with a zero denominator, never NaN', async () => {
        const days = { from: '2026-03-19', to: '2026-03-22', interval: 'day' as const };
        const starts = ['2026-03-19', '2026-03-20', '2026-03-21'];
        assertSeries(await series('revenue', days), { starts, values: [0, 100, 0], total: 100 }, 'revenue by day'); // only A3 (total 100) on Mar 20
        assertSeries(await series('orders', days), { starts, values: [0, 1, 0], total: 1 }, 'orders by day');
        assertSeries(await series('active_customers', days), { starts, values: [0, 1, 0], total: 1 }, 'active by day'); // ada on Mar 20
        assertSeries(await series('new_customers', days), { starts, values: [0, 0, 0], total: 0 }, 'new customers by day'); // A3 is ada's third order
        assertSeries(await series('aov', days), { starts, values: [null, 100, null], total: 100 }, 'aov by day'); // 100 / 1
        assertSeries(await series('referral_rate', days), { starts, values: [null, 0, null], total: 0 }, 'referral by day'); // 0 of 0, 0 of 1, 0 of 0
        assertSeries(await series('nps', days), { starts, values: [null, null, null], total: null }, 'nps by day'); // no responses
        assertSeries(await series('cac', days), { starts, values: [null, null, null], total: null }, 'cac by day'); // no spend, no new customers: 0 / 0
        assertSeries(await series('time_to_convert', days), { starts, values: [null, null, null], total: null }, 'time to convert by day');
      });

      it('weeks (ISO, Monday) and quarters are aligned to the calendar and clipped to the range', async () => {
        // 2026-03-18 is a Wednesday: weeks [Mar 18, Mar 23), [Mar 23, Mar 30), [Mar 30, Apr 1).
        const weeks = await series('revenue', { from: '2026-03-18', to: '2026-04-01', interval: 'week' });
        assert.deepEqual(
          weeks.series.map((p) => [p.start, p.end]),
          [
            ['2026-03-18', '2026-03-23'],
            ['2026-03-23', '2026-03-30'],
            ['2026-03-30', '2026-04-01'],
          ],
        );
        assertSeries(weeks, { values: [100, 30, 0], total: 130 }, 'revenue by week'); // A3 100 (Fri 20) | −10 (Wed 25) + D2 40 (Sat 28) | nothing; 100 + 30
        const quarters = await series('revenue', { from: '2026-02-15', to: '2026-05-01', interval: 'quarter' });
        assert.deepEqual(
          quarters.series.map((p) => [p.start, p.end]),
          [
            ['2026-02-15', '2026-04-01'],
            ['2026-04-01', '2026-05-01'],
          ],
        );
        assertSeries(quarters, { values: [190, -100], total: 90 }, 'revenue by quarter'); // Feb 15–Mar 31: March's 190 (A2 Feb 14 and B1 Feb 3 fall before) | −100
      });

      it('slices by segment, stage, channel and sign-up cohort', async () => {
        assertSeries(
          await series('revenue', { slice: { segment: 'vip' } }),
          { values: [30, 25, 190, 0], total: 245 }, // ada and dee: A1 | A2 | D1 60 + A3 100 − 10 + D2 40 | nothing; 30 + 25 + 190
          'revenue, segment vip',
        );
        assertSeries(await series('active_customers', { slice: { segment: 'vip' } }), { values: [1, 1, 2, 0], total: 2 }, 'active, segment vip'); // ada | ada | ada, dee | —
        assertSeries(
          await series('revenue', { slice: { stage: 'churned' } }),
          { values: [20, 100, 0, -100], total: 20 }, // bob and eve (churned now): E1 | B1 | — | B1 refund; 20 + 100 − 100
          'revenue, stage churned',
        );
        assertSeries(await series('orders', { slice: { stage: 'churned' } }), { values: [1, 1, 0, 0], total: 2 }, 'orders, stage churned'); // E1 | B1
        assertSeries(await series('new_customers', { slice: { channel: 'email' } }), { values: [1, 1, 0, 0], total: 2 }, 'new customers, channel email'); // eve | bob
        assertSeries(await series('active_customers', { slice: { channel: 'direct' } }), { values: [0, 1, 0, 1], total: 1 }, 'active, channel direct'); // cy in Feb and Apr
        assertSeries(
          await series('revenue', { slice: { cohort: '2026-01' } }),
          { values: [50, 125, 90, -100], total: 165 }, // ada, bob, eve: A1 + E1 | B1 + A2 | A3 100 − 10 | −B1; 50 + 125 + 90 − 100
          'revenue, cohort 2026-01',
        );
        assertSeries(
          await series('aov', { slice: { cohort: '2026-01' } }),
          { values: [25, 62.5, 90, null], total: 33 }, // 50 / 2 | 125 / 2 | 90 / 1 | no orders; 165 / 5
          'aov, cohort 2026-01',
        );
        assertSeries(await series('new_customers', { slice: { cohort: '2026-03' } }), { values: [0, 0, 1, 0], total: 1 }, 'new customers, cohort 2026-03'); // dee
      });

      it('breakdowns by channel, stage and cohort', async () => {
        const row = (b: MetricBreakdown, key: string) => {
          const r = b.rows.find((x) => x.key === key);
          assert.ok(r, `a row for ${key} in [${b.rows.map((x) => x.key).join(', ')}]`);
          return r;
        };
        const revenue = ok(await metricBreakdown(db, ws, 'revenue', { by: 'channel', from: RANGE.from, to: RANGE.to }));
        assertValue(revenue.total, 265, 'revenue total');
        assertValue(row(revenue, 'paid_search').value, 245, 'revenue paid_search'); // ada 30 + 25 + 100 − 10 = 145, dee 60 + 40 = 100
        assertValue(row(revenue, 'email').value, 20, 'revenue email'); // bob 100 − 100 = 0, eve 20
        assertValue(row(revenue, 'direct').value, 0, 'revenue direct'); // cy never ordered
        assert.deepEqual([row(revenue, 'paid_search').customers, row(revenue, 'email').customers, row(revenue, 'direct').customers], [2, 2, 1]); // ada, dee | bob, eve | cy

        const cac = ok(await metricBreakdown(db, ws, 'cac', { by: 'channel', from: RANGE.from, to: RANGE.to }));
        assertValue(cac.total, 75, 'cac total'); // 300 / 4
        assertValue(row(cac, 'paid_search').value, 125, 'cac paid_search'); // 250 / 2 (ada, dee)
        assertValue(row(cac, 'email').value, 25, 'cac email'); // 50 / 2 (eve, bob)

        const orders = ok(await metricBreakdown(db, ws, 'orders', { by: 'stage', from: RANGE.from, to: RANGE.to }));
        assertValue(orders.total, 7, 'orders total');
        assertValue(row(orders, 'conversion').value, 5, 'orders, conversion'); // ada 3, dee 2
        assertValue(row(orders, 'churned').value, 2, 'orders, churned'); // bob 1, eve 1
        assertValue(row(orders, 'engagement').value, 0, 'orders, engagement'); // cy

        const fresh = ok(await metricBreakdown(db, ws, 'new_customers', { by: 'cohort', from: RANGE.from, to: RANGE.to }));
        assertValue(row(fresh, '2026-01').value, 3, 'new customers, cohort 2026-01'); // ada, bob, eve
        assertValue(row(fresh, '2026-02').value, 0, 'new customers, cohort 2026-02'); // cy never ordered
        assertValue(row(fresh, '2026-03').value, 1, 'new customers, cohort 2026-03'); // dee
        assert.deepEqual([row(fresh, '2026-01').customers, row(fresh, '2026-02').customers, row(fresh, '2026-03').customers], [3, 1, 1]);
      });

      /** The non-empty cohorts, and any empty one shaped as an empty cohort (size 0, rates null). */
      const cohortsOf = (r: CohortRetention) => {
        for (const c of r.cohorts.filter((c) => c.size === 0))
          assert.ok(
            c.rates.every((x) => x === null),
            `an empty cohort has null rates: ${JSON.stringify(c)}`,
          );
        return r.cohorts.filter((c) => c.size > 0);
      };

      it('cohort retention by customers: any own event, or a named return event', async () => {
        const r = ok(await cohortRetention(db, ws, { from: RANGE.from, to: RANGE.to, interval: 'month' }));
        assert.equal(r.cohortEvent, 'Signed Up');
        assert.equal(r.measure, 'customers');
        const cs = cohortsOf(r);
        assert.deepEqual(
          cs.map((c) => [c.start, c.end, c.size]),
          [
            ['2026-01-01', '2026-02-01', 3], // ada, bob, eve
            ['2026-02-01', '2026-03-01', 1], // cy
            ['2026-03-01', '2026-04-01', 1], // dee
          ],
        );
        // Jan cohort, months Jan..Apr: all 3 | ada, bob | ada | bob (eve's Apr 'tenure' entry is not hers)
        assertValues(cs[0]!.values, [3, 2, 1, 1], 'Jan cohort');
        assertValues(cs[0]!.rates, [1, 0.666667, 0.333333, 0.333333], 'Jan cohort rates'); // 3/3, 2/3, 1/3, 1/3
        assertValues(cs[1]!.values, [1, 0, 1], 'Feb cohort'); // cy: Feb | — | Apr page view
        assertValues(cs[1]!.rates, [1, 0, 1], 'Feb cohort rates');
        assertValues(cs[2]!.values, [1, 0], 'Mar cohort'); // dee: Mar | nothing in Apr
        assertValues(cs[2]!.rates, [1, 0], 'Mar cohort rates');

        const buyers = cohortsOf(ok(await cohortRetention(db, ws, { from: RANGE.from, to: RANGE.to, interval: 'month', returnEvent: 'Order Completed' })));
        assertValues(buyers[0]!.values, [2, 2, 1, 0], 'Jan cohort, orders'); // ada, eve | bob, ada | ada | —
        assertValues(buyers[0]!.rates, [0.666667, 0.666667, 0.333333, 0], 'Jan cohort, orders, rates');
        assertValues(buyers[1]!.values, [0, 0, 0], 'Feb cohort, orders'); // cy never ordered
        assertValues(buyers[2]!.values, [1, 0], 'Mar cohort, orders'); // dee's anonymous D1 and D2 | —
      });

      it('cohort retention by revenue: net of refunds in the period they happen', async () => {
        const cs = cohortsOf(ok(await cohortRetention(db, ws, { from: RANGE.from, to: RANGE.to, interval: 'month', measure: 'revenue' })));
        assert.deepEqual(
          cs.map((c) => c.size),
          [3, 1, 1],
        );
        // Jan cohort: A1 30 + E1 20 | B1 100 + A2 25 | A3 100 − 10 | − B1 100
        assertValues(cs[0]!.values, [50, 125, 90, -100], 'Jan cohort revenue');
        assertValues(cs[0]!.rates, [16.666667, 41.666667, 30, -33.333333], 'Jan cohort revenue per member'); // ÷ 3
        assertValues(cs[1]!.values, [0, 0, 0], 'Feb cohort revenue'); // cy
        assertValues(cs[2]!.values, [100, 0], 'Mar cohort revenue'); // dee: D1 60 + D2 40 | —
        assertValues(cs[2]!.rates, [100, 0], 'Mar cohort revenue per member'); // ÷ 1
      });

      it('a 3-step funnel with a merged visitor, and a window nobody makes', async () => {
        const f = ok(await funnel(db, ws, { steps: ['Signed Up', 'Checkout Started', 'Order Completed'], within: '7d', from: RANGE.from, to: RANGE.to }));
        assert.deepEqual(
          f.steps.map((s) => [s.step, s.count, s.dropOff]),
          [
            ['Signed Up', 5, 0], // ada, bob, eve, cy, dee
            ['Checkout Started', 3, 2], // ada (Jan 10 09:30), cy (Feb 11 08:30), dee (Mar 2 20:00, anonymous); bob and eve never checked out
            ['Order Completed', 2, 1], // ada (Jan 10 10:00), dee (Mar 2 21:00); cy never ordered
          ],
        );
        const [s1, s2, s3] = f.steps;
        assertValues([s1!.conversion, s2!.conversion, s3!.conversion], [1, 0.6, 0.666667], 'conversion'); // 1 | 3/5 | 2/3
        assertValues([s1!.overall, s2!.overall, s3!.overall], [1, 0.6, 0.4], 'overall'); // 5/5 | 3/5 | 2/5
        // step 2: ada Jan 5 10:00 → Jan 10 09:30 = 5 d − 30 min = 430200 s; cy Feb 10 08:00 → Feb 11 08:30 = 88200 s; dee Mar 1 09:00 → Mar 2 20:00 = 35 h = 126000 s → median 126000
        // step 3: ada 30 min = 1800 s; dee 1 h = 3600 s → median (1800 + 3600) / 2 = 2700
        assertValues([s1!.medianSecondsFromPrevious, s2!.medianSecondsFromPrevious, s3!.medianSecondsFromPrevious], [null, 126000, 2700], 'median seconds');
        // Step 1 read either way (a probe per customer, as for a common event, or a scan of its rows): the same funnel.
        for (const firstStep of ['probe', 'scan'] as const) {
          const g = ok(await funnel(db, ws, { steps: ['Signed Up', 'Checkout Started', 'Order Completed'], within: '7d', from: RANGE.from, to: RANGE.to, firstStep }));
          assert.deepEqual(g.steps, f.steps, firstStep);
        }

        // Within 1 day nobody checks out (cy 24.5 h, dee 35 h, ada 5 d): step 3 has a zero denominator.
        const tight = ok(await funnel(db, ws, { steps: ['Signed Up', 'Checkout Started', 'Order Completed'], within: '1d', from: RANGE.from, to: RANGE.to }));
        assert.deepEqual(
          tight.steps.map((s) => [s.count, s.dropOff]),
          [
            [5, 0],
            [0, 5],
            [0, 0],
          ],
        );
        assertValues(
          tight.steps.map((s) => s.conversion),
          [1, 0, null], // 1 | 0/5 | 0/0
          'tight conversion',
        );
        assertValues(
          tight.steps.map((s) => s.overall),
          [1, 0, 0],
          'tight overall',
        );
        assertValues(
          tight.steps.map((s) => s.medianSecondsFromPrevious),
          [null, null, null],
          'tight medians',
        );
      });

      it('a funnel of lifecycle stage entries', async () => {
        const f = ok(await funnel(db, ws, { steps: ['stage:engagement', 'stage:conversion', 'stage:churned'], within: '60d', from: RANGE.from, to: RANGE.to }));
        assert.deepEqual(
          f.steps.map((s) => [s.count, s.dropOff]),
          [
            [5, 0], // all five entered engagement in the range
            [4, 1], // ada, bob, eve, dee; not cy
            [1, 3], // eve: engagement Jan 25 10:00 + 60 d = Mar 26 10:00 ≥ churned Mar 15; bob churned Apr 20, after Jan 20 + 60 d = Mar 21
          ],
        );
        assertValues(
          f.steps.map((s) => s.conversion),
          [1, 0.8, 0.25], // 1 | 4/5 | 1/4
          'stage conversion',
        );
        assertValues(
          f.steps.map((s) => s.overall),
          [1, 0.8, 0.2], // 5/5 | 4/5 | 1/5
          'stage overall',
        );
        // step 2: eve 1 d = 86400, dee 36 h = 129600, ada 5 d = 432000, bob 14 d = 1209600 → median (129600 + 432000) / 2 = 280800
        // step 3: eve Jan 26 10:00 → Mar 15 00:00 = 47 d 14 h = 47 × 86400 + 14 × 3600 = 4111200
        assertValues(
          f.steps.map((s) => s.medianSecondsFromPrevious),
          [null, 280800, 4111200],
          'stage medians',
        );
      });

      it('refuses unknown metrics, bad ranges, bad parameters and unknown segments', async () => {
        const err = async (name: string, req: Partial<MetricRequest>) => failed(await metricSeries(db, ws, name, { ...RANGE, ...req }));

        assert.equal((await err('gross_happiness', {})).code, 'unknown_metric');
        assert.equal(failed(await metricBreakdown(db, ws, 'gross_happiness', { by: 'channel', from: RANGE.from, to: RANGE.to })).code, 'unknown_metric');

        const backwards = await err('revenue', { from: '2026-05-01', to: '2026-01-01' });
        assert.equal(backwards.code, 'bad_range');
        assert.ok(backwards.field === 'from' || backwards.field === 'to', `field: ${backwards.field}`);
        const decades = await err('revenue', { from: '1990-01-01', to: '2026-01-01' }); // 36 years
        assert.equal(decades.code, 'bad_range');
        assert.ok(decades.field === 'from' || decades.field === 'to', `field: ${decades.field}`);
        assert.deepEqual(pick(await err('revenue', { from: '2026/01/01' })), { code: 'bad_range', field: 'from' });
        assert.deepEqual(pick(await err('revenue', { to: '2026-02-30' })), { code: 'bad_range', field: 'to' }); // not a calendar date
        assert.deepEqual(pick(await err('revenue', { to: 'soon' })), { code: 'bad_range', field: 'to' });
        assert.equal(failed(await cohortRetention(db, ws, { from: '2026-05-01', to: '2026-01-01' })).code, 'bad_range');
        assert.equal(failed(await funnel(db, ws, { steps: ['Signed Up', 'Order Completed'], within: '7d', from: '2026-13-01', to: RANGE.to })).code, 'bad_range');

        assert.deepEqual(pick(await err('clv', { params: { margin: 'abc' } })), { code: 'bad_parameter', field: 'margin' });
        assert.deepEqual(pick(await err('clv', { params: { method: 'astrology' } })), { code: 'bad_parameter', field: 'method' });
        assert.deepEqual(pick(await err('conversion_rate', { params: { within: -1 } })), { code: 'bad_parameter', field: 'within' });
        assert.deepEqual(pick(await err('revenue', { params: { colour: 'red' } })), { code: 'bad_parameter', field: 'colour' });
        assert.deepEqual(pick(failed(await funnel(db, ws, { steps: ['Signed Up', 'Order Completed'], within: '-1d', from: RANGE.from, to: RANGE.to }))), { code: 'bad_parameter', field: 'within' });

        assert.equal((await err('revenue', { slice: { segment: 'no_such_segment' } })).code, 'not_found');
      });
    });

    it('late-arriving events and a merge after a first read are folded into the next read', async () => {
      const ws = (await makeWorkspace(db, 'late')).workspace.id;
      const req = { from: '2026-01-01', to: '2026-04-01', interval: 'month' as const };
      const read = async (name: string) => ok(await metricSeries(db, ws, name, req));
      await ingestEvents(db, ws, [
        identify('kim', '2026-01-10T10:00:00Z'),
        track('kim', 'Signed Up', '2026-01-10T10:00:00Z'),
        track('kim', 'Order Completed', '2026-01-10T11:00:00Z', { order_id: 'K1', revenue: 40 }),
        track('kim', 'Order Completed', '2026-03-05T10:00:00Z', { order_id: 'K2', revenue: 10 }),
        identify('lou', '2026-02-01T12:00:00Z'),
        track('lou', 'Signed Up', '2026-02-01T12:00:00Z'),
        track('lou', 'Order Completed', '2026-03-10T12:00:00Z', { order_id: 'L1', revenue: 70 }),
        call('track', { anonymousId: 'anon-7', event: 'Order Completed', properties: { order_id: 'X1', revenue: 15 } }, '2026-02-20T15:00:00Z'),
      ]);
      // First read. The anonymous buyer is a customer of their own for now.
      assertSeries(await read('revenue'), { values: [40, 15, 80], total: 135 }, 'revenue before'); // K1 | X1 | K2 10 + L1 70
      assertSeries(await read('new_customers'), { values: [1, 1, 1], total: 3 }, 'new customers before'); // kim | anon-7 | lou
      assertSeries(await read('active_customers'), { values: [1, 2, 2], total: 3 }, 'active before'); // kim | lou, anon-7 | kim, lou

      // Arriving now, dated in the past: an order of lou in February, a whole-order refund of K1 in January,
      // and the anonymous buyer identifying as lou.
      const now = new Date();
      await ingestEvents(db, ws, [
        call('track', { userId: 'lou', event: 'Order Completed', properties: { order_id: 'L0', revenue: 30 } }, '2026-02-05T12:00:00Z', now),
        call('track', { userId: 'kim', event: 'Order Refunded', properties: { order_id: 'K1' } }, '2026-01-20T10:00:00Z', now),
        call('identify', { userId: 'lou', anonymousId: 'anon-7', traits: {} }, '2026-03-20T12:00:00Z', now),
      ]);
      assertSeries(await read('revenue'), { values: [0, 45, 80], total: 125 }, 'revenue after'); // K1 40 − 40 | L0 30 + X1 15 | 80; 0 + 45 + 80
      assertSeries(await read('orders'), { values: [1, 2, 2], total: 5 }, 'orders after'); // K1 | L0, X1 | K2, L1
      assertSeries(await read('new_customers'), { values: [1, 1, 0], total: 2 }, 'new customers after'); // kim | lou (L0 Feb 5; X1 is now his too) | —
      assertSeries(await read('active_customers'), { values: [1, 1, 2], total: 2 }, 'active after'); // kim | lou | kim, lou
      assertSeries(await read('purchase_frequency'), { values: [1, 2, 1], total: 2.5 }, 'purchase frequency after'); // 1/1 | 2 orders / lou | 2 / 2; 5 / 2
    });

    it('periods follow the workspace timezone', async () => {
      const ws = (await makeWorkspace(db, 'newyork')).workspace.id;
      await db.query(`UPDATE workspaces SET timezone = 'America/New_York' WHERE id = $1`, [ws]);
      await ingestEvents(db, ws, [
        track('nat', 'Order Completed', '2026-01-01T03:00:00Z', { order_id: 'N0', revenue: 1000 }), // Dec 31 22:00 EST: before the range
        track('nat', 'Order Completed', '2026-02-01T03:00:00Z', { order_id: 'N1', revenue: 7 }), // Jan 31 22:00 EST
        track('nat', 'Order Completed', '2026-03-01T02:00:00Z', { order_id: 'N2', revenue: 10 }), // Feb 28 21:00 EST
        track('nat', 'Order Completed', '2026-03-01T06:00:00Z', { order_id: 'N3', revenue: 5 }), // Mar 1 01:00 EST
      ]);
      const months = ok(await metricSeries(db, ws, 'revenue', { from: '2026-01-01', to: '2026-04-01', interval: 'month' }));
      assertSeries(months, { starts: ['2026-01-01', '2026-02-01', '2026-03-01'], values: [7, 10, 5], total: 22 }, 'revenue in New York months'); // N1 | N2 | N3; 7 + 10 + 5
      const days = ok(await metricSeries(db, ws, 'revenue', { from: '2026-02-28', to: '2026-03-02', interval: 'day' }));
      assertSeries(days, { starts: ['2026-02-28', '2026-03-01'], values: [10, 5], total: 15 }, 'revenue in New York days');
      // nat's first order ever is N0, on Dec 31 in New York: not new in the range.
      assertSeries(ok(await metricSeries(db, ws, 'new_customers', { from: '2026-01-01', to: '2026-04-01', interval: 'month' })), { values: [0, 0, 0], total: 0 }, 'new customers in New York');
      // Active days are cut in the workspace's timezone: N2 (02:00Z) is Feb 28 in New York, N3 (06:00Z) Mar 1.
      const active = async () => ok(await metricSeries(db, ws, 'active_customers', { from: '2026-02-28', to: '2026-03-02', interval: 'day' }));
      assertSeries(await active(), { values: [1, 1], total: 1 }, 'active days in New York');
      // The workspace moves to UTC: both orders are on Mar 1 now, and the days are cut again.
      await db.query(`UPDATE workspaces SET timezone = 'UTC' WHERE id = $1`, [ws]);
      assertSeries(await active(), { values: [0, 1], total: 1 }, 'active days in UTC');
    });

    it('MRR, revenue churn, net revenue retention and upsell from subscription events', async () => {
      const ws = (await makeWorkspace(db, 'saas')).workspace.id;
      await ingestEvents(db, ws, [
        track('s1', 'Subscription Started', '2026-01-05T00:00:00Z', { mrr: 50 }),
        track('s1', 'Subscription Updated', '2026-03-10T00:00:00Z', { mrr: 80 }), // upgrade
        track('s2', 'Subscription Started', '2026-01-15T00:00:00Z', { mrr: 30 }),
        track('s2', 'Subscription Cancelled', '2026-02-20T00:00:00Z'),
        track('s3', 'Subscription Started', '2026-02-10T00:00:00Z', { mrr: 100 }),
        track('s3', 'Subscription Updated', '2026-03-05T00:00:00Z', { mrr: 60 }), // downgrade
        track('s4', 'Subscription Started', '2026-01-20T00:00:00Z', { subscription_id: 'x1', mrr: 20 }),
        track('s4', 'Subscription Started', '2026-03-15T00:00:00Z', { subscription_id: 'x2', mrr: 40 }),
        track('s4', 'Subscription Cancelled', '2026-04-05T00:00:00Z', { subscription_id: 'x1' }),
      ]);
      const s = async (name: string, from = '2026-01-01') => ok(await metricSeries(db, ws, name, { from, to: '2026-05-01', interval: 'month' }));
      // Active subscriptions at each month's end: Feb 1 s1 50, s2 30, x1 20 | Mar 1 s1 50, s3 100, x1 20 | Apr 1 s1 80, s3 60, x1 20, x2 40 | May 1 s1 80, s3 60, x2 40
      assertSeries(await s('mrr'), { values: [100, 170, 200, 180], total: 180 }, 'mrr'); // 50+30+20 | 50+100+20 | 80+60+20+40 | 80+60+40; total = at the end
      assertSeries(
        await s('revenue_churn_rate'),
        {
          values: [
            null, // Jan 1: no MRR
            30, // Feb: start s1 50, s2 30, x1 20 = 100; s2 cancelled (30 lost) → 30 / 100
            23.529412, // Mar: start s1 50, s3 100, x1 20 = 170; s3 100 → 60 (40 lost), s1 upgraded (no loss), x2 new (left out) → 40 / 170
            10, // Apr: start 80 + 60 + 20 + 40 = 200; x1 cancelled (20 lost) → 20 / 200
          ],
          total: null, // MRR on Jan 1 is 0
        },
        'revenue_churn_rate',
      );
      assertSeries(
        await s('net_revenue_retention'),
        {
          values: [
            null, // Jan 1: no MRR
            70, // Feb: s1 50 + s2 0 + x1 20 = 70 / 100
            94.117647, // Mar: s1 80 + s3 60 + x1 20 = 160 / 170
            90, // Apr: 80 + 60 + 0 + 40 = 180 / 200
          ],
          total: null,
        },
        'net_revenue_retention',
      );
      assertSeries(
        await s('upsell_rate'),
        {
          values: [
            null, // Jan 1: none active
            0, // Feb: s1, s2, x1 — none higher at Mar 1 → 0 of 3
            33.333333, // Mar: s1 50 → 80 higher; s3, x1 not → 1 of 3
            0, // Apr: s1, s3, x1, x2 — none higher → 0 of 4
          ],
          total: null,
        },
        'upsell_rate',
      );
      // [Feb 1, May 1): start s1 50, s2 30, x1 20 = 100. At May 1: s1 80, s2 0, x1 0.
      assertValue((await s('revenue_churn_rate', '2026-02-01')).total, 50, 'revenue churn Feb–Apr'); // lost 30 + 20 (s1's upgrade is not a loss) → 50 / 100
      assertValue((await s('net_revenue_retention', '2026-02-01')).total, 80, 'NRR Feb–Apr'); // 80 / 100
      assertValue((await s('upsell_rate', '2026-02-01')).total, 33.333333, 'upsell Feb–Apr'); // s1 → 1 of 3
    });

    it('email open and click rates: unique per email, id-less events each count', async () => {
      const ws = (await makeWorkspace(db, 'mail')).workspace.id;
      await ingestEvents(db, ws, [identify('m1', '2026-01-01T00:00:00Z'), identify('m2', '2026-01-01T00:00:00Z')]);
      const { m1, m2 } = (await customerIds(db, ws)) as Record<'m1' | 'm2', number>;
      // Deliveries are Tenure's own timeline entries, as the dispatcher writes them.
      for (const [c, messageId, at] of [
        [m1, 1, '2026-01-05T09:00:00Z'],
        [m2, 2, '2026-01-06T09:00:00Z'],
        [m2, 3, '2026-01-20T09:00:00Z'],
        [m1, 4, '2026-02-02T09:00:00Z'],
        [m2, 5, '2026-02-03T09:00:00Z'],
        [m2, 6, '2026-02-04T09:00:00Z'],
      ] as const) {
        await insertTenureEvent(db, ws, c, 'Email Delivered', at, { messageId, channel: 'email' });
      }
      await ingestEvents(db, ws, [
        track('m1', 'Email Opened', '2026-01-05T10:00:00Z', { messageId: 1 }),
        track('m1', 'Email Opened', '2026-01-05T18:00:00Z', { messageId: 1 }), // the same email again
        track('m1', 'Email Link Clicked', '2026-01-05T10:01:00Z', { messageId: 1, url: 'https://shop.example/a' }),
        track('m1', 'Email Link Clicked', '2026-01-05T10:02:00Z', { messageId: 1, url: 'https://shop.example/b' }), // the same email again
        track('m2', 'Email Opened', '2026-01-07T08:00:00Z', { messageId: 2 }),
        track('m1', 'Email Opened', '2026-02-02T10:00:00Z'), // no messageId: counts
        track('m1', 'Email Opened', '2026-02-02T11:00:00Z'), // no messageId: counts too
        track('m2', 'Email Opened', '2026-03-03T08:00:00Z', { messageId: 3 }), // a January email opened in March
      ]);
      const s = async (name: string) => ok(await metricSeries(db, ws, name, RANGE));
      assertSeries(
        await s('email_open_rate'),
        {
          values: [
            66.666667, // Jan: emails 1 (opened twice: once) and 2 of 3 delivered
            66.666667, // Feb: two id-less opens of 3 delivered
            null, // Mar: an open, but nothing delivered
            null, // Apr: nothing delivered
          ],
          total: 83.333333, // opens 1, 2, 3 and two id-less = 5 of 6 delivered
        },
        'email_open_rate',
      );
      assertSeries(
        await s('email_click_rate'),
        {
          values: [
            33.333333, // Jan: email 1 (two clicks: once) of 3
            0, // Feb: no clicks of 3
            null, // Mar
            null, // Apr
          ],
          total: 16.666667, // 1 of 6
        },
        'email_click_rate',
      );
    });

    it('average engagement time: sessions cut at 30-minute gaps and at midnight', async () => {
      const ws = (await makeWorkspace(db, 'sessions')).workspace.id;
      const view = (u: string, at: string) => track(u, 'Product Viewed', at);
      await ingestEvents(db, ws, [
        view('s1', '2026-01-10T10:00:00Z'),
        view('s1', '2026-01-10T10:10:00Z'),
        view('s1', '2026-01-10T10:35:00Z'), // 25 min gap: same session → 10:00–10:35 = 35 min
        view('s1', '2026-01-10T11:10:00Z'), // 35 min gap: a new session
        view('s1', '2026-01-10T11:20:00Z'), // → 11:10–11:20 = 10 min
        view('s1', '2026-01-10T23:50:00Z'), // a session of one event: 0 min
        view('s1', '2026-01-11T00:05:00Z'), // 15 min later, but past midnight: a new session
        view('s1', '2026-01-11T00:15:00Z'), // → 00:05–00:15 = 10 min
        view('s2', '2026-02-03T12:00:00Z'), // one event: 0 min
      ]);
      const s = ok(await metricSeries(db, ws, 'avg_engagement_time', RANGE));
      assertSeries(
        s,
        {
          values: [
            13.75, // Jan: (35 + 10 + 0 + 10) / 4 sessions
            0, // Feb: one 0-minute session
            null, // Mar: no sessions
            null, // Apr
          ],
          total: 11, // (35 + 10 + 0 + 10 + 0) / 5
        },
        'avg_engagement_time',
      );
    });

    it('lead response time, and CPA per lead', async () => {
      const ws = (await makeWorkspace(db, 'leads')).workspace.id;
      await ingestEvents(db, ws, [
        track('l1', 'Lead Created', '2026-01-05T10:00:00Z'),
        track('l1', 'Lead Contacted', '2026-01-05T10:30:00Z'), // 30 min
        track('l2', 'Lead Contacted', '2026-01-19T09:00:00Z'), // before the lead: ignored
        track('l2', 'Lead Created', '2026-01-20T09:00:00Z'),
        track('l2', 'Lead Contacted', '2026-01-20T11:00:00Z'), // 120 min
        track('l2', 'Lead Contacted', '2026-01-21T09:00:00Z'), // not the first contact: ignored
        track('l3', 'Lead Created', '2026-01-28T23:00:00Z'),
        track('l3', 'Lead Contacted', '2026-02-01T01:00:00Z'), // 3 d 2 h = 74 h = 4440 min, counted in the lead's month
        track('l4', 'Lead Created', '2026-02-10T10:00:00Z'), // never contacted: left out
      ]);
      await insertSpend(db, ws, [{ day: '2026-01-10', channel: 'paid_social', campaign: 'abm', amount: 90 }]);
      const s = async (name: string, params?: Record<string, string | number>) => ok(await metricSeries(db, ws, name, { ...RANGE, params }));
      assertSeries(
        await s('lead_response_time'),
        {
          values: [
            120, // Jan: median of 30, 120, 4440
            null, // Feb: l4 never contacted
            null, // Mar
            null, // Apr
          ],
          total: 120,
        },
        'lead_response_time',
      );
      assertSeries(
        await s('cpa', { event: 'Lead Created' }),
        {
          values: [
            30, // Jan: 90 / 3 leads (l1, l2, l3)
            0, // Feb: 0 spend / 1 lead (l4)
            null, // Mar: no leads
            null, // Apr
          ],
          total: 22.5, // 90 / 4
        },
        'cpa per lead',
      );
      assertSeries(await s('cpa'), { values: [null, null, null, null], total: null }, 'cpa per sign-up (none)');
    });
  });
}

/** An error's code and field, for comparing. */
function pick(e: { code: string; field?: string }): { code: string; field?: string } {
  return { code: e.code, field: e.field };
}

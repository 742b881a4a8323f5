import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../db/client.js';
import { dbTargets, makeWorkspace } from '../../../test-support/harness.js';
import { ingestEvents } from '../../ingest/ingest.service.js';
import { call as fixtureCall } from '../../../test-support/metrics-fixture.js';
import { ModelCache } from '../../lifecycle/models.repo.js';
import { recomputeStages } from '../../lifecycle/stage-service.js';
import { compileCondition } from '../../rules/compile-sql.js';
import { seedDemo } from '../../demo/demo.js';
import { findCustomerId } from '../../identity/customers.read.js';
import { strongestFactors } from './churn-classifier.js';
import { churnLabels, churnSnapshot } from './features-history.js';
import { CHURN_SCORE } from '../../../contracts/predictions.js';
import { CHURN_RISK_RAISED, trainChurn } from './churn-train.js';
import { customerPredictions, listModels } from '../predictions.repo.js';
import { rfmGroup } from '../../segments/rfm.js';
import { P_ALIVE, PREDICTED_CLV, scoreClv } from '../clv/clv-scores.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0 + n * DAY);
const DEMO_NOW = new Date('2026-06-01T00:00:00Z');

const call = (type: 'track' | 'identify' | 'page', fields: Record<string, unknown>, at: Date) => fixtureCall(type, fields, at.toISOString());

/** Hand-built histories; the features at day 60 below are worked out by hand from them. */
const EVENTS = () => [
  call('identify', { userId: 'ada', traits: { plan: 'pro', email: 'ada@example.com' } }, day(1)),
  call('track', { userId: 'ada', event: 'Signed Up' }, day(1)),
  call('track', { userId: 'ada', event: 'Order Completed', properties: { revenue: 30 } }, day(10)),
  call('track', { userId: 'ada', event: 'Survey Responded', properties: { type: 'nps', score: 9 } }, day(20)),
  call('page', { userId: 'ada', name: 'Pricing' }, day(25)),
  call('track', { userId: 'ada', event: 'Order Completed', properties: { revenue: 25 } }, day(40)),
  call('track', { userId: 'ada', event: 'Survey Responded', properties: { type: 'nps', score: 6 } }, day(45)),
  call('track', { userId: 'ada', event: 'Support Ticket Created', properties: { topic: 'billing' } }, day(50)),
  call('track', { userId: 'ada', event: 'Email Opened' }, day(55)),
  call('track', { userId: 'ada', event: 'Email Delivered' }, day(58)),
  // After the snapshot: never part of its features.
  call('identify', { userId: 'ada', traits: { plan: 'free' } }, day(65)),
  call('track', { userId: 'ada', event: 'Order Completed', properties: { revenue: 1000 } }, day(70)),
  call('identify', { userId: 'bob', traits: { plan: 'free' } }, day(2)),
  call('track', { userId: 'bob', event: 'Signed Up' }, day(2)),
  // After the snapshot, only things done to bob: not activity, so bob still counts as churned.
  call('track', { userId: 'bob', event: 'Email Delivered' }, day(80)),
  call('track', { userId: 'bob', event: 'Email Opened' }, day(81)),
  call('identify', { userId: 'bob', traits: { plan: 'trial' } }, day(90)),
  // Anonymous only: not a customer who can churn.
  call('page', { anonymousId: 'anon-cy', name: 'Home' }, day(3)),
  // Silent since day −100: churned (day −10) before the snapshot.
  call('track', { userId: 'dee', event: 'Signed Up' }, day(-100)),
];

for (const target of dbTargets()) {
  describe(`churn features and labels from history (${target.name})`, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'churn-hand')).workspace.id;
      await ingestEvents(db, ws, EVENTS());
      await recomputeStages(db, ws, { now: day(200), models: new ModelCache() });
    });
    after(() => db.close());

    it('reads only what was known at the snapshot', async () => {
      const snap = await churnSnapshot(db, ws, day(60), { churnedStage: 'churned' });
      const ada = await findCustomerId(db, ws, 'ada');
      const bob = await findCustomerId(db, ws, 'bob');
      assert.deepEqual(
        snap.customerIds,
        [ada, bob].sort((a, b) => a! - b!),
      );
      assert.deepEqual(snap.traitKeys, ['plan']);
      const row = (id: number | null) => {
        const i = snap.customerIds.indexOf(id!);
        return Object.fromEntries(snap.table.columns.map((c) => [c.name, c.values[i]]));
      };
      const a = row(ada);
      // Her last activity is the ticket on day 50: the open (day 55) and the delivery (day 58) are not hers (rules/activity.ts).
      assert.equal(a.days_since_last_seen, 10);
      assert.equal(a.days_since_last_order, 20);
      assert.equal(a.tenure_days, 59);
      assert.equal(a.orders, 2);
      assert.equal(a.avg_order_value, 27.5);
      // Activities in (day 30, day 60]: order, survey, ticket = 3; in (day 0, day 30]: sign-up, order, survey, page = 4 (the identify is not one).
      assert.equal(a.active_events_30d, 3);
      assert.ok(Math.abs((a.activity_trend as number) - Math.log(4 / 5)) < 1e-12, `trend ${a.activity_trend}`);
      assert.equal(a.support_tickets, 1);
      assert.equal(a.support_tickets_90d, 1);
      assert.equal(a.nps, 6);
      assert.equal(a.csat, null);
      assert.equal(a.email_opens_90d, 1);
      assert.equal(a.email_clicks_90d, 0);
      assert.equal(a['trait.plan'], 'pro');
      const b = row(bob);
      assert.equal(b.days_since_last_seen, 58);
      assert.equal(b.days_since_last_order, null);
      assert.equal(b.avg_order_value, null);
      assert.equal(b.orders, 0);
      assert.equal(b['trait.plan'], 'free');
      assert.ok(!snap.table.columns.some((c) => c.name === 'stage'), 'the stage restates the label: not a feature');
    });

    it('labels no activity within the horizon as churn', async () => {
      const snap = await churnSnapshot(db, ws, day(60), { churnedStage: 'churned' });
      const bob = await findCustomerId(db, ws, 'bob');
      // ada orders on day 70, inside (60, 150] and (60, 90]: not churned. bob only gets mail and a CRM update after day 60: churned.
      const labels = await churnLabels(db, ws, snap.customerIds, day(60), 90);
      assert.deepEqual(
        [...labels],
        snap.customerIds.map((id) => (id === bob ? 1 : 0)),
      );
      assert.deepEqual(
        [...(await churnLabels(db, ws, snap.customerIds, day(60), 30))],
        snap.customerIds.map((id) => (id === bob ? 1 : 0)),
      );
      // (60, 69]: ada has done nothing yet either.
      assert.deepEqual([...(await churnLabels(db, ws, snap.customerIds, day(60), 9))], [1, 1]);
    });

    it('refuses to train on too little history, saying why', async () => {
      const r = await trainChurn(db, ws, { now: day(200) });
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.code === 'not_enough_data' && /training snapshot .* at least 10 churned/.test(r.message), JSON.stringify(r));
    });
  });

  describe(`churn risk on the demo business (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let result: Awaited<ReturnType<typeof trainChurn>>;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'churn-demo')).workspace.id;
      await seedDemo(db, ws, { customers: 2000, seed: 7, now: DEMO_NOW, predictions: false }); // trained below
      result = await trainChurn(db, ws, { now: DEMO_NOW, trainedAt: DEMO_NOW });
    });
    after(() => db.close());

    it('validates well above chance on the later snapshot', (t) => {
      assert.ok(result.ok, JSON.stringify(result));
      const m = result.value.model.metrics;
      const rate = m.validationChurned / m.validationCustomers;
      t.diagnostic(
        `demo churn: AUC ${m.auc.toFixed(3)}, precision@decile ${m.precisionAtDecile.toFixed(3)} (base rate ${rate.toFixed(3)}), Brier ${m.brier.toFixed(4)} (baseline ${m.brierBaseline.toFixed(4)}); ${m.trainChurned}/${m.trainCustomers} churned in training, ${m.validationChurned}/${m.validationCustomers} in validation`,
      );
      assert.equal(m.trainAt, new Date(DEMO_NOW.getTime() - 180 * DAY).toISOString());
      assert.equal(m.validationAt, new Date(DEMO_NOW.getTime() - 90 * DAY).toISOString());
      assert.ok(m.trainChurned >= 50 && m.validationChurned >= 50);
      assert.ok(m.auc > 0.7, `validation AUC ${m.auc}`);
      // The top tenth churns at least twice as often as everyone (or, with a base rate over a third, closes half the gap to 100%).
      assert.ok(m.precisionAtDecile > Math.min(2 * rate, (1 + rate) / 2), `precision@decile ${m.precisionAtDecile}, base rate ${rate}`);
      assert.ok(m.brier < m.brierBaseline, `Brier ${m.brier} vs ${m.brierBaseline}`);
    });

    it('has factors that make sense: long silence raises the risk, recent activity lowers it', (t) => {
      assert.ok(result.ok);
      const factors = strongestFactors(result.value.model.params, 100);
      t.diagnostic(
        `demo churn factors: ${factors
          .slice(0, 8)
          .map((f) => `${f.feature} ${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(2)}`)
          .join(', ')}`,
      );
      const weight = (name: string) => factors.find((f) => f.feature === name)?.weight ?? 0;
      assert.ok(
        factors.slice(0, 3).some((f) => f.feature === 'days_since_last_seen'),
        'recency is among the three strongest',
      );
      assert.ok(weight('days_since_last_seen') > 0.5);
      assert.ok(weight('active_events_30d') < 0);
      assert.ok(!factors.some((f) => f.feature.startsWith('stage')), 'the stage is not a feature');
    });

    it('is calibrated: by decile of the prediction, the share who churned follows the mean predicted', (t) => {
      assert.ok(result.ok);
      const bins = result.value.model.metrics.calibration!;
      t.diagnostic(`calibration (predicted → observed): ${bins.map((b) => `${(b.predicted * 100).toFixed(0)}→${(b.observed * 100).toFixed(0)}`).join(', ')}`);
      assert.equal(bins.length, 10);
      assert.equal(
        bins.reduce((a, b) => a + b.customers, 0),
        result.value.model.metrics.validationCustomers,
      );
      assert.equal(Math.round(bins.reduce((a, b) => a + b.observed * b.customers, 0)), result.value.model.metrics.validationChurned);
      // Observed rises from the lowest to the highest decile, and no decile is off by more than 15 points.
      assert.ok(bins[9]!.observed - bins[0]!.observed > 0.5, `${bins[0]!.observed} → ${bins[9]!.observed}`);
      for (const b of bins) assert.ok(Math.abs(b.predicted - b.observed) < 0.15, `decile ${b.decile}: predicted ${b.predicted}, observed ${b.observed}`);
    });

    it('ranks as a marketer would: RFM "lost" and "hibernating" buyers have a higher mean risk than "champions"', async (t) => {
      assert.ok(result.ok);
      const { rows } = await db.query<{ r: number; f: number; score: number }>(
        `SELECT (r.value)::text::int AS r, (f.value)::text::int AS f, p.score
           FROM customer_predictions p
           JOIN customer_scores r ON r.customer_id = p.customer_id AND r.name = 'rfm_r'
           JOIN customer_scores f ON f.customer_id = p.customer_id AND f.name = 'rfm_f'
          WHERE p.workspace_id = $1 AND p.kind = 'churn'`,
        [ws],
      );
      const byGroup = new Map<string, number[]>();
      for (const row of rows) {
        const g = rfmGroup(row.r, row.f);
        byGroup.set(g, [...(byGroup.get(g) ?? []), row.score]);
      }
      const mean = (g: string) => {
        const v = byGroup.get(g) ?? [];
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
      };
      t.diagnostic(
        `mean churn risk by RFM group: ${[...byGroup.keys()]
          .sort()
          .map((g) => `${g} ${mean(g).toFixed(1)} (${byGroup.get(g)!.length})`)
          .join(', ')}`,
      );
      for (const g of ['champions', 'lost', 'hibernating']) assert.ok((byGroup.get(g)?.length ?? 0) >= 5, `${g} has scored customers`);
      assert.ok(mean('lost') > mean('champions'), `lost ${mean('lost')} vs champions ${mean('champions')}`);
      assert.ok(mean('hibernating') > mean('champions'), `hibernating ${mean('hibernating')} vs champions ${mean('champions')}`);
    });

    it('scores every customer who can churn: reasons in predictions, the number in customer_scores for the rule language', async () => {
      assert.ok(result.ok);
      const { rows } = await db.query<{ n: number; scores: number; bad: number }>(
        `SELECT count(*)::int AS n,
                (SELECT count(*)::int FROM customer_scores s WHERE s.workspace_id = $1 AND s.name = $2) AS scores,
                count(*) FILTER (WHERE s.value IS NULL OR jsonb_typeof(s.value) <> 'number' OR (s.value)::text::float8 <> p.score OR abs(p.score - round((p.probability * 1000)::numeric) / 10) > 1e-9)::int AS bad
           FROM customer_predictions p LEFT JOIN customer_scores s ON s.customer_id = p.customer_id AND s.name = $2
          WHERE p.workspace_id = $1`,
        [ws, CHURN_SCORE],
      );
      assert.equal(rows[0]!.n, result.value.scored);
      assert.equal(rows[0]!.scores, result.value.scored);
      assert.equal(rows[0]!.bad, 0);
      // Nobody already churned is scored.
      const churned = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM customer_predictions p JOIN stage_states s ON s.subject_id = p.customer_id AND s.scope = 'customer' WHERE p.workspace_id = $1 AND s.stage = 'churned'`,
        [ws],
      );
      assert.equal(churned.rows[0]!.n, 0);
      // A `score` condition selects exactly the customers scored that high.
      const params: unknown[] = [ws];
      const where = compileCondition({ score: { name: CHURN_SCORE, op: 'gte', value: 50 } }, { now: DEMO_NOW, params });
      const matched = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND ${where}`, params);
      const high = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customer_predictions WHERE workspace_id = $1 AND score >= 50`, [ws]);
      assert.ok(high.rows[0]!.n > 0);
      assert.equal(matched.rows[0]!.n, high.rows[0]!.n);
    });

    it('stores the model, and each customer’s reasons largest first', async () => {
      assert.ok(result.ok);
      const [stored] = await listModels(db, ws);
      assert.equal(stored!.id, result.value.model.id);
      assert.equal(stored!.kind, 'churn');
      assert.deepEqual(
        stored!.features,
        result.value.model.params.encoding.features.map((f) => f.name),
      );
      assert.equal(stored!.metrics.auc, result.value.model.metrics.auc);
      const { rows } = await db.query<{ id: number }>(`SELECT customer_id::float8 AS id FROM customer_predictions WHERE workspace_id = $1 ORDER BY score DESC LIMIT 1`, [ws]);
      const [p] = await customerPredictions(db, ws, rows[0]!.id);
      assert.ok(p!.score > 50 && p!.factors.length === 5);
      const sizes = p!.factors.map((f) => Math.abs(f.contribution));
      assert.deepEqual(
        sizes,
        [...sizes].sort((a, b) => b - a),
      );
      assert.ok(p!.factors[0]!.contribution > 0, 'the riskiest customer’s top reason pushes the risk up');
    });

    it('predicts a finite CLV and p(alive) for every buyer of the 2,000-customer demo (where the fit once ran to the edge and gave NaN)', async (t) => {
      const r = await scoreClv(db, ws, { now: DEMO_NOW });
      assert.ok(r.ok, JSON.stringify(r));
      const { rows } = await db.query<{ buyers: number; clv: number; alive: number; bad: number }>(
        `WITH b AS (SELECT DISTINCT customer_id FROM analytics_orders WHERE workspace_id = $1 AND kind = 'order' AND at <= $2)
         SELECT (SELECT count(*) FROM b)::int AS buyers,
                count(*) FILTER (WHERE s.name = $3)::int AS clv, count(*) FILTER (WHERE s.name = $4)::int AS alive,
                count(*) FILTER (WHERE jsonb_typeof(s.value) <> 'number' OR (s.value)::text::float8 < 0 OR (s.name = $4 AND (s.value)::text::float8 > 1))::int AS bad
           FROM customer_scores s JOIN b ON b.customer_id = s.customer_id WHERE s.workspace_id = $1 AND s.name IN ($3, $4)`,
        [ws, DEMO_NOW.toISOString(), PREDICTED_CLV, P_ALIVE],
      );
      const { bgnbd } = r.ok ? r.value : ({} as never);
      t.diagnostic(`demo CLV: ${rows[0]!.buyers} buyers; BG/NBD r ${bgnbd.r.toFixed(3)}, alpha ${bgnbd.alpha.toFixed(3)}, a ${bgnbd.a.toExponential(2)}, b ${bgnbd.b.toExponential(2)}`);
      assert.ok(rows[0]!.buyers > 300);
      assert.equal(rows[0]!.clv, rows[0]!.buyers, 'every buyer has a predicted CLV');
      assert.equal(rows[0]!.alive, rows[0]!.buyers, 'every buyer has p(alive)');
      assert.equal(rows[0]!.bad, 0, 'each is a number, CLV ≥ 0 and p(alive) in [0, 1]');
    });

    it('writes Churn Risk Raised for a customer whose risk rose across 70 since the last scoring (none at the first)', async () => {
      const raised = async () =>
        (
          await db.query<{ customer_id: number; p: { score: number; previousScore: number; threshold: number } }>(
            `SELECT customer_id::float8 AS customer_id, properties AS p FROM events WHERE workspace_id = $1 AND event = $2 ORDER BY customer_id`,
            [ws, CHURN_RISK_RAISED],
          )
        ).rows;
      assert.deepEqual(await raised(), [], 'a first scoring is not a crossing');
      // Three of the riskiest were at 10 before this scoring; training again (same data, same answer) moves them back over 70.
      const { rows: top } = await db.query<{ id: number; score: number }>(
        `SELECT customer_id::float8 AS id, score FROM customer_predictions WHERE workspace_id = $1 AND kind = 'churn' AND score >= 70 ORDER BY score DESC, customer_id LIMIT 3`,
        [ws],
      );
      assert.equal(top.length, 3);
      await db.query(`UPDATE customer_scores SET value = '10' WHERE workspace_id = $1 AND name = $2 AND customer_id = ANY($3::bigint[])`, [ws, CHURN_SCORE, top.map((t) => t.id)]);
      const again = await trainChurn(db, ws, { now: DEMO_NOW, trainedAt: DEMO_NOW });
      assert.ok(again.ok);
      const events = await raised();
      assert.deepEqual(
        events.map((e) => e.customer_id),
        top.map((t) => t.id).sort((a, b) => a - b),
      );
      for (const e of events) {
        assert.equal(e.p.previousScore, 10);
        assert.equal(e.p.threshold, 70);
        assert.equal(e.p.score, top.find((t) => t.id === e.customer_id)!.score);
      }
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Scorecard } from '../../../contracts/health.js';
import type { Db } from '../../db/client.js';
import { ingestEvents } from '../../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../../ingest/normalize.js';
import { computeSegment } from '../../segments/segment-sync.js';
import { insertSegment, segmentMembers } from '../../segments/segments.repo.js';
import { dbTargets, makeWorkspace } from '../../../test-support/harness.js';
import { computeHealth, HEALTH_DROPPED_EVENT } from './health-compute.js';
import { healthOf } from './health-read.js';
import { defaultScorecard, loadScorecard, saveScorecard } from './health-scorecard.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0 + n * DAY);
const NOW = day(100);

let seq = 0;
function call(type: 'track' | 'identify' | 'group', fields: Record<string, unknown>, at: Date): NormalizedEvent {
  const r = normalizeCall({ messageId: `hl-${seq++}`, timestamp: at.toISOString(), ...fields }, type, { receivedAt: at, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const viewed = (userId: string, days: number[]) => days.map((d) => call('track', { userId, event: 'Page Viewed' }, day(d)));
const tickets = (userId: string, days: number[]) => days.map((d) => call('track', { userId, event: 'Support Ticket Created' }, day(d)));
const nps = (userId: string, score: number, d: number) => call('track', { userId, event: 'Survey Responded', properties: { type: 'nps', score } }, day(d));

/**
 * The scorecard of the fixture (weights 3 + 2 + 1 + 1 + 3 = 10):
 * usage: active days in (day 70, day 100], 0 → 0 … 10 → 100;
 * nps: the latest answer, 0 → 0, 6 → 40, 10 → 100 (so 9 → 85, 8 → 70);
 * support: tickets in 90 days, 0 → 100, 2 → 50, 4 → 0 (1 → 75, 3 → 25);
 * pro: on the pro plan 100, else 30; churn: churn_risk 0 → 100 … 100 → 0.
 */
const SCORECARD: Scorecard = {
  measures: [
    {
      key: 'usage',
      name: 'Usage',
      weight: 3,
      kind: {
        type: 'events',
        fn: 'days',
        withinDays: 30,
        points: [
          [0, 0],
          [10, 100],
        ],
      },
    },
    {
      key: 'nps',
      name: 'NPS',
      weight: 2,
      kind: {
        type: 'survey',
        surveyType: 'nps',
        withinDays: 365,
        points: [
          [0, 0],
          [6, 40],
          [10, 100],
        ],
      },
    },
    {
      key: 'support',
      name: 'Support',
      weight: 1,
      kind: {
        type: 'events',
        event: 'Support Ticket Created',
        fn: 'count',
        withinDays: 90,
        points: [
          [0, 100],
          [2, 50],
          [4, 0],
        ],
      },
    },
    { key: 'pro', name: 'Pro plan', weight: 1, kind: { type: 'rule', condition: { trait: { path: 'plan', op: 'eq', value: 'pro' } }, ifTrue: 100, ifFalse: 30 } },
    {
      key: 'churn',
      name: 'Churn risk',
      weight: 3,
      kind: {
        type: 'score',
        name: 'churn_risk',
        points: [
          [0, 100],
          [100, 0],
        ],
      },
    },
  ],
  bands: { yellowFrom: 40, greenFrom: 70 },
};

/**
 * Hand-built customers; every event counts as activity, so surveys and tickets are kept
 * before day 70 (outside the 30-day usage window, inside the 90-day ticket window).
 *
 * ada (pro, churn 30): 5 active days → 50; nps 9 → 85; 1 ticket → 75; pro 100; churn 70.
 *   (3·50 + 2·85 + 75 + 100 + 3·70) / 10 = 705 / 10 = 70.5 → green.
 * bob (free, churn 80): 0 days → 0; no NPS → missing; 4 tickets → 0; pro 30; churn 20.
 *   (0 + 0 + 30 + 3·20) / (3 + 1 + 1 + 3) = 90 / 8 = 11.25 → 11.3, red; missing nps.
 * cy (free, churn 60): 4 days → 40; nps 6 → 40; 2 tickets → 50; pro 30; churn 40.
 *   (120 + 80 + 50 + 30 + 120) / 10 = 40.0 → yellow (the edge belongs to yellow).
 * dee (pro, no churn score): 7 days → 70; nps 6 → 40; no tickets → 100; pro 100.
 *   (210 + 80 + 100 + 100) / 7 = 70.0 → green (the edge belongs to green); missing churn.
 * Account acme = ada + bob, per measure the members' mean (bob has no NPS: ada's alone):
 *   usage 25, nps 85, support 37.5, pro 65, churn 45 → (75 + 170 + 37.5 + 65 + 135) / 10 = 48.25 → 48.3, yellow.
 */
const EVENTS = () => [
  call('identify', { userId: 'ada', traits: { plan: 'pro' } }, day(0)),
  call('group', { userId: 'ada', groupId: 'acme', traits: { name: 'Acme' } }, day(1)),
  ...viewed('ada', [72, 80, 85, 90, 95]),
  nps('ada', 9, 60),
  ...tickets('ada', [50]),
  call('identify', { userId: 'bob', traits: { plan: 'free' } }, day(1)),
  call('group', { userId: 'bob', groupId: 'acme' }, day(1)),
  ...tickets('bob', [40, 45, 50, 55]),
  call('identify', { userId: 'cy', traits: { plan: 'free' } }, day(2)),
  ...viewed('cy', [71, 75, 80, 99]),
  nps('cy', 6, 50),
  ...tickets('cy', [20, 30]),
  call('identify', { userId: 'dee', traits: { plan: 'pro' } }, day(3)),
  ...viewed('dee', [71, 73, 76, 82, 88, 93, 97]),
  nps('dee', 6, 65),
];

for (const target of dbTargets()) {
  describe(`health scores (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const ids = new Map<string, number>();
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'health')).workspace.id;
      await ingestEvents(db, ws, EVENTS());
      const { rows } = await db.query<{ user_id: string; id: number }>(`SELECT user_id, id::float8 AS id FROM customers WHERE workspace_id = $1`, [ws]);
      for (const r of rows) ids.set(r.user_id, Number(r.id));
    });
    after(() => db.close());

    const setChurn = async (user: string, value: number) =>
      db.query(
        `INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at) VALUES ($1, $2, 'churn_risk', to_jsonb($3::float8), now())
         ON CONFLICT (customer_id, name) DO UPDATE SET value = EXCLUDED.value`,
        [ws, ids.get(user), value],
      );
    const health = (user: string) => healthOf(db, ws, 'customer', ids.get(user)!);
    const acme = async () => {
      const { rows } = await db.query<{ id: number }>(`SELECT id::float8 AS id FROM accounts WHERE workspace_id = $1 AND group_id = 'acme'`, [ws]);
      return healthOf(db, ws, 'account', Number(rows[0]!.id));
    };
    const historyRows = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM health_history WHERE workspace_id = $1`, [ws])).rows[0]!.n;
    const dropped = async () =>
      (
        await db.query<{ user_id: string; properties: Record<string, unknown> }>(`SELECT user_id, properties FROM events WHERE workspace_id = $1 AND type = 'tenure' AND event = $2 ORDER BY id`, [
          ws,
          HEALTH_DROPPED_EVENT,
        ])
      ).rows;

    it('uses the default scorecard until one is saved; the default adds churn risk once it is scored', async () => {
      const before = await loadScorecard(db, ws);
      assert.equal(before.isDefault, true);
      assert.deepEqual(before.scorecard, defaultScorecard({ paymentFailed: false, churnRisk: false }));
      await setChurn('ada', 30);
      assert.ok((await loadScorecard(db, ws)).scorecard.measures.some((m) => m.key === 'churn_risk'));
      await saveScorecard(db, ws, SCORECARD, NOW);
      const saved = await loadScorecard(db, ws);
      assert.equal(saved.isDefault, false);
      assert.deepEqual(saved.scorecard, SCORECARD);
    });

    it('scores with the default scorecard', async () => {
      const other = (await makeWorkspace(db, 'health-default')).workspace.id;
      await ingestEvents(db, other, EVENTS());
      await computeHealth(db, other, { now: NOW });
      const { rows } = await db.query<{ id: number }>(`SELECT id::float8 AS id FROM customers WHERE workspace_id = $1 AND user_id = 'ada'`, [other]);
      const ada = await healthOf(db, other, 'customer', Number(rows[0]!.id));
      // No Payment Failed events, no churn scores: usage 5 days → 50 (weight 3), no order in 60 days → 0 (2),
      // nps 9 → 85 (2), 1 ticket → 70 (1): (150 + 0 + 170 + 70) / 8 = 48.75 → 48.8, yellow.
      assert.deepEqual(
        ada.measures.map((m) => [m.key, m.score]),
        [
          ['usage', 50],
          ['recent_order', 0],
          ['nps', 85],
          ['support', 70],
        ],
      );
      assert.deepEqual([ada.score, ada.band], [48.8, 'yellow']);
    });

    it('scores customers and accounts by hand-computed weights, interpolation, renormalisation and band edges', async () => {
      await setChurn('ada', 30);
      await setChurn('bob', 80);
      await setChurn('cy', 60);
      const progress: Array<[number, number | null]> = [];
      const run = await computeHealth(db, ws, { now: NOW, batch: 3, onProgress: (d, t) => progress.push([d, t]) });
      assert.deepEqual(run, { customers: 4, accounts: 1, changed: 5, dropped: 0 });
      assert.deepEqual(progress.at(-1), [5, 5], 'four customers in batches of 3, then the account');

      const ada = await health('ada');
      assert.equal(ada.score, 70.5);
      assert.equal(ada.band, 'green');
      assert.deepEqual(
        ada.measures.map((m) => [m.key, m.value, m.score, m.contribution]),
        [
          ['usage', 5, 50, 15],
          ['nps', 9, 85, 17],
          ['support', 1, 75, 7.5],
          ['pro', 1, 100, 10],
          ['churn', 30, 70, 21],
        ],
      );
      const bob = await health('bob');
      assert.equal(bob.score, 11.3);
      assert.equal(bob.band, 'red');
      assert.deepEqual(bob.missing, [{ key: 'nps', name: 'NPS' }]);
      assert.deepEqual(
        bob.measures.map((m) => m.contribution),
        [0, 0, 3.75, 7.5],
        'renormalised over weights 8: 30·1/8, 20·3/8',
      );
      const cy = await health('cy');
      assert.deepEqual([cy.score, cy.band], [40, 'yellow']);
      const dee = await health('dee');
      assert.deepEqual([dee.score, dee.band], [70, 'green']);
      assert.deepEqual(
        dee.missing.map((m) => m.key),
        ['churn'],
      );

      const account = await acme();
      assert.equal(account.score, 48.3);
      assert.equal(account.band, 'yellow');
      assert.deepEqual(
        account.measures.map((m) => [m.key, m.score]),
        [
          ['usage', 25],
          ['nps', 85],
          ['support', 37.5],
          ['pro', 65],
          ['churn', 45],
        ],
      );
      assert.equal(account.measures[0]!.value, 2.5, 'the members’ mean active days');

      // The score is in customer_scores for `score` conditions.
      const { rows } = await db.query<{ v: number }>(`SELECT (value)::float8 AS v FROM customer_scores WHERE customer_id = $1 AND name = 'health'`, [ids.get('ada')]);
      assert.equal(rows[0]!.v, 70.5);

      // A first score is a change: from nothing, the largest contributions moved it.
      assert.equal(ada.history.length, 1);
      assert.deepEqual(
        ada.history[0]!.movers.map((m) => [m.key, m.impact, m.from, m.to]),
        [
          ['churn', 21, null, 21],
          ['nps', 17, null, 17],
          ['usage', 15, null, 15],
        ],
      );
      assert.equal(ada.history[0]!.previousBand, null);
    });

    it('writes history only on change, with the measures that moved it, and a Health Score Dropped event when the band gets worse', async () => {
      const atRisk = await insertSegment(db, ws, 'low_health', { name: 'Low health', description: '', condition: { score: { name: 'health', op: 'lt', value: 40 } } });
      await computeSegment(db, ws, atRisk.id, NOW);
      assert.equal(await historyRows(), 5);
      // Nothing changed: nothing is written.
      assert.deepEqual(await computeHealth(db, ws, { now: NOW }), { customers: 4, accounts: 1, changed: 0, dropped: 0 });
      assert.equal(await historyRows(), 5);

      // ada: two more tickets (3 → 25) and churn 30 → 50 (→ 50):
      //   (150 + 170 + 25 + 100 + 150) / 10 = 59.5, yellow: a drop from green.
      //   Contributions: support 7.5 → 2.5 (−5), churn 21 → 15 (−6); −11 = 59.5 − 70.5.
      // bob: churn 80 → 100 (→ 0): (0 + 0 + 30 + 0) / 8 = 3.75 → 3.8, still red; churn 7.5 → 0.
      // acme: support (25 + 0) / 2 = 12.5, churn (50 + 0) / 2 = 25:
      //   (75 + 170 + 12.5 + 65 + 75) / 10 = 39.75 → 39.8, red; churn 13.5 → 7.5 (−6), support 3.75 → 1.25 (−2.5).
      await ingestEvents(db, ws, tickets('ada', [61, 62]));
      await setChurn('ada', 50);
      await setChurn('bob', 100);
      assert.deepEqual(await computeHealth(db, ws, { now: NOW }), { customers: 4, accounts: 1, changed: 3, dropped: 1 });
      assert.equal(await historyRows(), 8);

      const ada = await health('ada');
      assert.deepEqual([ada.score, ada.band], [59.5, 'yellow']);
      assert.equal(ada.history.length, 2);
      const change = ada.history[0]!;
      assert.deepEqual([change.previousScore, change.previousBand, change.score, change.band], [70.5, 'green', 59.5, 'yellow']);
      assert.deepEqual(
        change.movers.map((m) => [m.key, m.name, m.impact, m.from, m.to]),
        [
          ['churn', 'Churn risk', -6, 21, 15],
          ['support', 'Support', -5, 7.5, 2.5],
        ],
      );

      const bob = await health('bob');
      assert.equal(bob.score, 3.8);
      assert.deepEqual(
        bob.history[0]!.movers.map((m) => [m.key, m.impact]),
        [['churn', -7.5]],
      );

      const account = await acme();
      assert.deepEqual([account.score, account.band], [39.8, 'red']);
      assert.deepEqual(
        account.history[0]!.movers.map((m) => [m.key, m.impact]),
        [
          ['churn', -6],
          ['support', -2.5],
        ],
      );

      // Only ada's band got worse (bob stayed red; accounts have no timeline).
      const events = await dropped();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.user_id, 'ada');
      assert.deepEqual([events[0]!.properties.previousBand, events[0]!.properties.band, events[0]!.properties.score], ['green', 'yellow', 59.5]);

      // Segments reading `health` were worked out again: bob (3.8) is below 40; cy (40.0) is not.
      const members = await segmentMembers(db, ws, atRisk.id, { limit: 10 });
      assert.deepEqual(
        members.map((m) => m.userId),
        ['bob'],
      );
    });
  });
}

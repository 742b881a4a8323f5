import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../lib/rng.js';
import type { CustomerFacts, FactEvent } from '../rules/evaluate.js';
import { activationPreset, b2bPreset, defaultPreset } from './presets.js';
import { replay, type ReplayResult, type StageStart } from './replay.js';
import { compileModel, decideStage } from './stage-engine.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0 + n * DAY);

function facts(timeline: Array<[number, string, Record<string, unknown>?]>): CustomerFacts {
  return { traits: {}, events: timeline.map(([d, event, properties], i) => ({ event, timestamp: day(d), properties: properties ?? {}, messageId: `m${i}` })) };
}

/** The stage a replay's history says the customer held at `t`. */
function stageAt(r: ReplayResult, t: number): string | null {
  let stage: string | null = null;
  for (const m of r.moves) if (m.at.getTime() <= t) stage = m.to;
  return stage;
}

const VOCABULARY: Array<[string, () => Record<string, unknown>]> = [
  ['Page Viewed', () => ({})],
  ['Product Viewed', () => ({})],
  ['Signed Up', () => ({})],
  ['Email Link Clicked', () => ({})],
  ['Order Completed', () => ({ revenue: 20 })],
  ['Order Completed', () => ({ revenue: 35 })],
  ['Subscription Started', () => ({})],
  ['Subscription Cancelled', () => ({})],
  ['Referral Sent', () => ({})],
  ['Trial Started', () => ({})],
  ['Lead Created', () => ({})],
  ['Lead Contacted', () => ({})],
  ['Survey Responded', () => ({ type: 'nps', score: 10 })],
  ['Survey Responded', () => ({ type: 'nps', score: 4 })],
];

/** A random timeline over about 400 days, in bursts with long silences, some events Tenure's own. */
function randomCustomer(r: Rng): CustomerFacts {
  const events: FactEvent[] = [];
  let t = T0 + r.int(0, 30) * DAY;
  const n = r.int(0, 40);
  for (let i = 0; i < n; i++) {
    t += r.chance(0.15) ? r.int(20, 120) * DAY : r.int(0, 72) * 3_600_000;
    const [event, props] = r.pick(VOCABULARY);
    events.push({ event, timestamp: new Date(t), properties: props(), messageId: `e${i}`, type: r.chance(0.05) ? 'tenure' : 'track' });
  }
  return { traits: {}, events };
}

describe('stage replay', () => {
  for (const [name, model] of [
    ['default', defaultPreset()],
    ['activation', activationPreset()],
    ['b2b', b2bPreset()],
  ] as const) {
    it(`${name} preset: the history matches the stage decided directly at 20,000 random moments`, () => {
      const program = compileModel(model);
      const r = new Rng(name.length * 7919);
      let checks = 0;
      const seen = new Set<string>();
      for (let c = 0; c < 400; c++) {
        const f = randomCustomer(r);
        const until = day(600);
        const result = replay(program, f, until);
        for (let k = 0; k < 50; k++) {
          // Random moments, and moments just before and at the moves (where a missed change time would show).
          const m = result.moves[r.int(0, Math.max(0, result.moves.length - 1))];
          const t = r.chance(0.5) || !m ? T0 + r.int(0, 600 * 24) * 3_600_000 : m.at.getTime() - (r.chance(0.5) ? 1 : 0);
          const expected = decideStage(model, f, new Date(t)).stage;
          const got = stageAt(result, t) ?? decideStage(model, { traits: {}, events: [] }, new Date(t)).stage;
          assert.equal(got, expected, `customer ${c} at ${new Date(t).toISOString()}: ${JSON.stringify(f.events.map((e) => [e.timestamp.toISOString().slice(0, 13), e.event]))}`);
          checks++;
        }
        for (const m of result.moves) seen.add(m.pattern);
        assert.equal(result.stage, decideStage(model, f, until).stage);
        // No move repeats the stage it leaves.
        for (const m of result.moves) assert.notEqual(m.from, m.to);
      }
      assert.equal(checks, 20_000);
      for (const p of ['entered', 'linear', 'skip', 'regression', 'recovered']) assert.ok(seen.has(p), `pattern ${p} never seen: ${[...seen].join(', ')}`);
    });
  }

  it('advancing step by step (incremental) gives the same moves as one full replay', () => {
    const program = compileModel(defaultPreset());
    const r = new Rng(42);
    for (let c = 0; c < 300; c++) {
      const f = randomCustomer(r);
      const full = replay(program, f, day(600));
      // Step through time as the engine would: each step sees only the events up to its `now`.
      let start: StageStart | null = null;
      const moves: ReplayResult['moves'] = [];
      const first = f.events.length > 0 ? Math.ceil((f.events[0]!.timestamp.getTime() - T0) / DAY) : 600;
      for (let now = first; now <= 600; now += r.int(1, 40)) {
        const known = { ...f, events: f.events.filter((e) => e.timestamp.getTime() <= day(now).getTime()) };
        const step = replay(program, known, day(now), start);
        moves.push(...step.moves);
        start = { stage: step.stage, since: step.since, reason: step.reason, evaluatedAt: day(now), history: [...((start as StageStart | null)?.history ?? []), ...step.moves.map((m) => m.to)] };
      }
      const last = replay(program, f, day(600), start);
      moves.push(...last.moves);
      assert.deepEqual(
        moves.map((m) => [m.from, m.to, m.at.toISOString(), m.pattern]),
        full.moves.map((m) => [m.from, m.to, m.at.toISOString(), m.pattern]),
        `customer ${c}`,
      );
    }
  });

  it('records each move at the moment it happened, with its trigger, pattern and reason', () => {
    const program = compileModel(defaultPreset());
    const f = facts([
      [0, 'Page Viewed'],
      [1, 'Signed Up'],
      [10, 'Order Completed'],
      [40, 'Order Completed'],
      [140, 'Order Completed'],
      [150, 'Survey Responded', { type: 'nps', score: 10 }],
    ]);
    const r = replay(program, f, day(400));
    assert.deepEqual(
      r.moves.map((m) => [m.from, m.to, (m.at.getTime() - T0) / DAY, m.pattern, m.triggerMessageId]),
      [
        [null, 'awareness', 0, 'entered', 'm0'],
        ['awareness', 'engagement', 1, 'linear', 'm1'],
        ['engagement', 'conversion', 10, 'linear', 'm2'],
        ['conversion', 'retention', 40, 'linear', 'm3'],
        ['retention', 'at_risk', 85, 'regression', null], // 45 quiet days after day 40
        ['at_risk', 'churned', 130, 'regression', null], // 90 quiet days
        ['churned', 'retention', 140, 'recovered', 'm4'], // back, three orders
        ['retention', 'loyalty', 150, 'linear', 'm5'], // NPS promoter
        ['loyalty', 'at_risk', 195, 'regression', null],
        ['at_risk', 'churned', 240, 'regression', null],
      ],
    );
    assert.match(r.moves[4]!.reason, /At risk.*time passed/);
    assert.equal(r.stage, 'churned');
    assert.equal(r.since.getTime(), day(240).getTime());
    // The next moment a rule's value can change: the day-40 order leaves the 365-day loyalty window.
    assert.equal(r.nextCheckAt?.getTime(), day(40 + 365).getTime());
    // Evaluated on day 100 (at risk), the next check is the churn threshold on day 130.
    assert.equal(replay(program, f, day(100)).nextCheckAt?.getTime(), day(130).getTime());
  });

  it('reads a skip and a cyclical move', () => {
    const program = compileModel(defaultPreset({ loyalOrders: 3, loyaltyWindowDays: 200 }));
    const f = facts([
      [0, 'Order Completed'], // straight from nothing to conversion: entered awareness, then a skip
      [5, 'Order Completed'],
      [6, 'Order Completed'], // loyal (3 orders)
      [300, 'Order Completed'], // the loyalty window has closed on the first three: back to retention
    ]);
    const r = replay(program, f, day(301));
    const patterns = r.moves.map((m) => `${m.from}>${m.to}:${m.pattern}`);
    assert.deepEqual(patterns.slice(0, 4), ['null>conversion:entered', 'conversion>retention:linear', 'retention>loyalty:linear', 'loyalty>at_risk:regression']);
    assert.ok(patterns.includes('churned>retention:cyclical'), patterns.join(' '));
  });

  it('notices late events at re-evaluation time', () => {
    const program = compileModel(defaultPreset());
    const early = facts([[0, 'Page Viewed']]);
    const first = replay(program, early, day(20));
    assert.equal(first.stage, 'awareness');
    // An order timed on day 10 arrives on day 30, after the customer was evaluated on day 20.
    const late = facts([
      [0, 'Page Viewed'],
      [10, 'Order Completed'],
    ]);
    const next = replay(program, late, day(30), { stage: first.stage, since: first.since, reason: first.reason, evaluatedAt: day(20), history: ['awareness'] });
    assert.deepEqual(
      next.moves.map((m) => [m.to, (m.at.getTime() - T0) / DAY, m.pattern]),
      [['conversion', 30, 'skip']],
    );
    assert.match(next.moves[0]!.reason, /re-evaluation/);
  });
});

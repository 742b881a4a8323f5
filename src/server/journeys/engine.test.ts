import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGraph, JourneyDefinitionSchema, type JourneyDefinitionInput } from '../../contracts/journey.js';
import { advance, chooseVariant, type EngineInput, type RunState } from './engine.js';

const def = (d: JourneyDefinitionInput) => JourneyDefinitionSchema.parse(d);
const T0 = new Date('2026-03-02T10:00:00Z'); // a Monday
const at = (ms: number) => new Date(T0.getTime() + ms);
const H = 3_600_000;
const D = 24 * H;
const facts = (traits: Record<string, unknown> = {}, events: Array<{ event: string; timestamp: Date; properties?: Record<string, unknown> }> = []) => ({
  traits,
  events: events.map((e) => ({ ...e, properties: e.properties ?? {} })),
});
const ev = (name: string, properties: Record<string, unknown> = {}): EngineInput => ({ kind: 'event', event: { name, properties, messageId: `m-${name}` } });

const welcome = def({
  trigger: { event: { name: 'Signed Up' } },
  goal: { event: { name: 'Order Completed' } },
  start: 'hello',
  steps: [
    { id: 'hello', type: 'send', channel: 'email', template: 'welcome', group: 'marketing', next: 'pause' },
    { id: 'pause', type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'tips' },
    { id: 'tips', type: 'send', channel: 'email', template: 'tips', next: 'done' },
    { id: 'done', type: 'exit' },
  ],
});

describe('journey engine', () => {
  it('enters, sends, waits the duration, and a wake before it is due changes nothing', () => {
    const r = advance(welcome, null, { kind: 'enter' }, T0, { runKey: 'r1' });
    assert.deepEqual(
      r.actions.map((a) => [a.type, a.stepId, a.key]),
      [['send', 'hello', 'r1:hello:0']],
    );
    assert.equal(r.state.status, 'waiting');
    assert.equal(r.state.step, 'pause');
    assert.equal(r.state.wakeAt, at(2 * D).toISOString());
    const early = advance(welcome, r.state, { kind: 'wake' }, at(D), { runKey: 'r1' });
    assert.deepEqual(early.state, r.state);
    assert.equal(early.actions.length, 0);
    const due = advance(welcome, r.state, { kind: 'wake' }, at(2 * D), { runKey: 'r1' });
    assert.deepEqual(
      due.actions.map((a) => a.key),
      ['r1:tips:2'],
    );
    assert.equal(due.state.status, 'completed');
    assert.equal(due.state.endReason, 'exit:done');
    assert.deepEqual(due.executed, ['pause', 'tips', 'done']);
  });

  it('the same run, state and input always give the same actions and keys (replay after a crash acts the same)', () => {
    const a = advance(welcome, null, { kind: 'enter' }, T0, { runKey: 'r9' });
    const b = advance(welcome, null, { kind: 'enter' }, T0, { runKey: 'r9' });
    assert.deepEqual(a, b);
  });

  it('the goal event converts a waiting run and ended runs never move again', () => {
    const r = advance(welcome, null, { kind: 'enter' }, T0, { runKey: 'r1' });
    const c = advance(welcome, r.state, ev('Order Completed'), at(H), { runKey: 'r1' });
    assert.equal(c.state.status, 'converted');
    assert.equal(c.state.endReason, 'goal');
    const again = advance(welcome, c.state, { kind: 'wake' }, at(3 * D), { runKey: 'r1' });
    assert.equal(again.actions.length, 0);
    assert.deepEqual(again.state, c.state);
  });

  it('an event that concerns nothing in the run leaves it waiting', () => {
    const r = advance(welcome, null, { kind: 'enter' }, T0, { runKey: 'r1' });
    const x = advance(welcome, r.state, ev('Page Viewed'), at(H), { runKey: 'r1' });
    assert.deepEqual(x.state, r.state);
  });

  const checkout = def({
    trigger: { event: { name: 'Checkout Started' } },
    exitWhen: { event: { name: 'Account Deleted' } },
    start: 'w',
    steps: [
      { id: 'w', type: 'waitFor', event: { name: 'Order Completed', where: [{ path: 'total', op: 'gte', value: 10 }] }, timeout: { amount: 1, unit: 'hours' }, next: 'thanks', timeoutNext: 'nudge' },
      { id: 'thanks', type: 'send', channel: 'email', template: 'thanks', transactional: true, next: 'end' },
      { id: 'nudge', type: 'send', channel: 'sms', template: 'nudge', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });

  it('wait-for-event takes the event exit when a matching event comes in time', () => {
    const r = advance(checkout, null, { kind: 'enter' }, T0, { runKey: 'a' });
    assert.equal(r.state.wakeAt, at(H).toISOString());
    const small = advance(checkout, r.state, ev('Order Completed', { total: 5 }), at(H / 2), { runKey: 'a' });
    assert.equal(small.state.status, 'waiting', 'a property filter that fails does not end the wait');
    const big = advance(checkout, r.state, ev('Order Completed', { total: 50 }), at(H / 2), { runKey: 'a' });
    assert.deepEqual(
      big.actions.map((a) => [a.stepId, a.type === 'send' && a.transactional]),
      [['thanks', true]],
    );
    assert.equal(big.state.status, 'completed');
  });

  it('wait-for-event takes the timeout exit when time runs out', () => {
    const r = advance(checkout, null, { kind: 'enter' }, T0, { runKey: 'a' });
    const t = advance(checkout, r.state, { kind: 'wake' }, at(H), { runKey: 'a' });
    assert.deepEqual(
      t.actions.map((a) => [a.stepId, a.type === 'send' && a.channel]),
      [['nudge', 'sms']],
    );
  });

  it('exit criteria end a run without converting', () => {
    const r = advance(checkout, null, { kind: 'enter' }, T0, { runKey: 'a' });
    const x = advance(checkout, r.state, ev('Account Deleted'), at(1), { runKey: 'a' });
    assert.equal(x.state.status, 'exited');
    assert.equal(x.state.endReason, 'exit criteria');
    assert.equal(x.actions.length, 0);
  });

  const branching = def({
    trigger: { stageEntered: { stage: 'at_risk' } },
    start: 'b',
    steps: [
      {
        id: 'b',
        type: 'branch',
        branches: [
          { condition: { aggregate: { event: 'Order Completed', property: 'total', fn: 'sum', op: 'gte', value: 500 } }, next: 'human' },
          { condition: { trait: { path: 'plan', op: 'eq', value: 'pro' } }, next: 'pro' },
        ],
        otherwise: 'offer',
      },
      { id: 'human', type: 'task', title: 'Call {{ customer.name }}', assigneeRole: 'csm', due: { amount: 2, unit: 'days' }, next: 'end' },
      { id: 'pro', type: 'updateTraits', set: { winback: 'pro' }, next: 'end' },
      { id: 'offer', type: 'webhook', url: 'https://example.test/hook', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  });

  it('a branch takes the first condition that holds, else otherwise', () => {
    const orders = [
      { event: 'Order Completed', timestamp: at(-10 * D), properties: { total: 300 } },
      { event: 'Order Completed', timestamp: at(-5 * D), properties: { total: 250 } },
    ];
    const big = advance(branching, null, { kind: 'enter' }, T0, { runKey: 'x', facts: facts({ plan: 'pro' }, orders) });
    assert.equal(big.actions[0]!.type, 'task');
    assert.equal(big.actions[0]!.type === 'task' && big.actions[0]!.dueAt.toISOString(), at(2 * D).toISOString());
    const pro = advance(branching, null, { kind: 'enter' }, T0, { runKey: 'x', facts: facts({ plan: 'pro' }, orders.slice(0, 1)) });
    assert.deepEqual(pro.actions[0], { type: 'updateTraits', key: 'x:pro:1', stepId: 'pro', set: { winback: 'pro' } });
    const other = advance(branching, null, { kind: 'enter' }, T0, { runKey: 'x', facts: facts({ plan: 'free' }) });
    assert.equal(other.actions[0]!.type, 'webhook');
  });

  it('a definition with conditions refuses to run without facts (a runner bug, not a silent branch)', () => {
    assert.throws(() => advance(branching, null, { kind: 'enter' }, T0, { runKey: 'x' }), /customer facts/);
  });

  it('a goal condition converts as soon as it holds', () => {
    const d = def({
      trigger: { event: { name: 'Trial Started' } },
      goal: { condition: { trait: { path: 'plan', op: 'eq', value: 'paid' } } },
      start: 'w',
      steps: [
        { id: 'w', type: 'wait', duration: { amount: 3, unit: 'days' }, next: 's' },
        { id: 's', type: 'send', channel: 'email', template: 'nudge', next: 'e' },
        { id: 'e', type: 'exit' },
      ],
    });
    const r = advance(d, null, { kind: 'enter' }, T0, { runKey: 'g', facts: facts({ plan: 'trial' }) });
    assert.equal(r.state.status, 'waiting');
    const c = advance(d, r.state, { kind: 'wake' }, at(3 * D), { runKey: 'g', facts: facts({ plan: 'paid' }) });
    assert.equal(c.state.status, 'converted');
    assert.equal(c.actions.length, 0, 'a converted customer is not nudged');
  });

  it('wait-until waits for the next local time on an allowed weekday, in the customer timezone', () => {
    const d = def({
      trigger: { event: { name: 'X' } },
      start: 'u',
      steps: [
        { id: 'u', type: 'waitUntil', time: '09:00', weekdays: [1, 2, 3, 4, 5], next: 's' },
        { id: 's', type: 'send', channel: 'inapp', template: 't', next: 'e' },
        { id: 'e', type: 'exit' },
      ],
    });
    // Friday 2026-03-06 20:00 in New York (EST, UTC−5) = Saturday 01:00 UTC: next 09:00 on a weekday is Monday 9 March 09:00 EDT (DST began 8 March) = 13:00 UTC.
    const fri = new Date('2026-03-07T01:00:00Z');
    const r = advance(d, null, { kind: 'enter' }, fri, { runKey: 'u', facts: facts({ timezone: 'America/New_York' }) });
    assert.equal(r.state.wakeAt, '2026-03-09T13:00:00.000Z');
    // An unknown zone falls back to UTC: Saturday 01:00 UTC → Monday 09:00 UTC.
    const bad = advance(d, null, { kind: 'enter' }, fri, { runKey: 'u', facts: facts({ timezone: 'Mars/Olympus' }) });
    assert.equal(bad.state.wakeAt, '2026-03-09T09:00:00.000Z');
    // Exactly at 09:00 on a weekday: no wait.
    const now = advance(d, null, { kind: 'enter' }, new Date('2026-03-09T09:00:00Z'), { runKey: 'u', facts: facts({}) });
    assert.equal(now.actions.length, 1);
  });

  it('a split divides runs by weight within statistical tolerance, holdout included, and is stable per run', () => {
    const d = def({
      trigger: { event: { name: 'X' } },
      start: 's',
      steps: [
        {
          id: 's',
          type: 'split',
          variants: [
            { key: 'a', weight: 50, next: 'e' },
            { key: 'b', weight: 30, next: 'e' },
          ],
          holdout: { weight: 20 },
        },
        { id: 'e', type: 'exit' },
      ],
    });
    const n = 20_000;
    const counts: Record<string, number> = { a: 0, b: 0, holdout: 0 };
    for (let i = 0; i < n; i++) {
      const r = advance(d, null, { kind: 'enter' }, T0, { runKey: `r${i}` });
      counts[r.state.variant!]!++;
      if (r.state.variant === 'holdout') assert.equal(r.state.endReason, 'holdout');
    }
    // 4 standard deviations of a binomial count: a fair hash fails this about once in 15,000 runs.
    for (const [k, p] of [
      ['a', 0.5],
      ['b', 0.3],
      ['holdout', 0.2],
    ] as const) {
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(counts[k]! - n * p) < 4 * sd, `${k}: ${counts[k]} of ${n}, expected ${n * p} ± ${Math.round(4 * sd)}`);
    }
    const step = d.steps[0]!;
    assert.equal(step.type === 'split' && chooseVariant(step, 'same')?.key, step.type === 'split' && chooseVariant(step, 'same')?.key);
  });

  it('with a goal, the holdout is watched for conversion for the holdout window and gets nothing', () => {
    const d = def({
      trigger: { event: { name: 'X' } },
      goal: { event: { name: 'Order Completed' }, holdoutWindow: { amount: 7, unit: 'days' } },
      start: 's',
      steps: [
        { id: 's', type: 'split', variants: [{ key: 'a', weight: 1, next: 'm' }], holdout: { weight: 1_000_000 } },
        { id: 'm', type: 'send', channel: 'email', template: 't', next: 'e' },
        { id: 'e', type: 'exit' },
      ],
    });
    const r = advance(d, null, { kind: 'enter' }, T0, { runKey: 'h' });
    assert.equal(r.state.variant, 'holdout');
    assert.equal(r.state.status, 'waiting');
    assert.equal(r.state.wakeAt, at(7 * D).toISOString());
    assert.equal(r.actions.length, 0);
    assert.equal(advance(d, r.state, ev('Order Completed'), at(D), { runKey: 'h' }).state.status, 'converted');
    const late = advance(d, r.state, { kind: 'wake' }, at(7 * D), { runKey: 'h' });
    assert.deepEqual([late.state.status, late.state.endReason, late.actions.length], ['exited', 'holdout', 0]);
  });

  it('a step visited twice (a loop through a wait) gets a new idempotency key each visit', () => {
    const d = def({
      trigger: { event: { name: 'X' } },
      start: 's',
      steps: [
        { id: 's', type: 'send', channel: 'email', template: 't', next: 'w' },
        { id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 's' },
      ],
    });
    let state: RunState | null = null;
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = advance(d, state, state ? { kind: 'wake' } : { kind: 'enter' }, at(i * D), { runKey: 'loop' });
      keys.push(...r.actions.map((a) => a.key));
      state = r.state;
    }
    assert.deepEqual(keys, ['loop:s:0', 'loop:s:2', 'loop:s:4']);
  });
});

describe('journey graph check', () => {
  const base = (steps: JourneyDefinitionInput['steps'], start = 'a') => def({ trigger: { event: { name: 'X' } }, start, steps });

  it('names the step whose next is missing', () => {
    const p = checkGraph(base([{ id: 'a', type: 'send', channel: 'email', template: 't', next: 'nope' }]));
    assert.deepEqual(p, { field: 'definition.steps.0.next', message: 'step "a": next "nope" is not the id of a step' });
  });

  it('rejects duplicate ids, a missing start, unreachable steps and loops with no wait', () => {
    assert.match(
      checkGraph(
        base([
          { id: 'a', type: 'exit' },
          { id: 'a', type: 'exit' },
        ]),
      )!.message,
      /used twice/,
    );
    assert.equal(checkGraph(base([{ id: 'a', type: 'exit' }], 'zz'))!.field, 'definition.start');
    assert.match(
      checkGraph(
        base([
          { id: 'a', type: 'exit' },
          { id: 'b', type: 'exit' },
        ]),
      )!.message,
      /"b" cannot be reached/,
    );
    const loop = checkGraph(
      base([
        { id: 'a', type: 'updateTraits', set: { x: 1 }, next: 'b' },
        { id: 'b', type: 'branch', branches: [{ condition: { trait: { path: 'x', op: 'exists' } }, next: 'a' }], otherwise: 'c' },
        { id: 'c', type: 'exit' },
      ]),
    );
    assert.match(loop!.message, /loop with no wait/);
    const waited = checkGraph(
      base([
        { id: 'a', type: 'updateTraits', set: { x: 1 }, next: 'w' },
        { id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'a' },
      ]),
    );
    assert.equal(waited, null);
  });

  it('the schema names the bad field of a step', () => {
    const r = JourneyDefinitionSchema.safeParse({ trigger: { event: { name: 'X' } }, start: 'a', steps: [{ id: 'a', type: 'wait', duration: { amount: 0, unit: 'days' }, next: 'a' }] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0]!.path, ['steps', 0, 'duration', 'amount']);
  });
});

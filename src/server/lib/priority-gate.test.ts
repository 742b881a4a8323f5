import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PriorityGate } from './priority-gate.js';

/** A gate on a fake clock: `sleep` moves the clock, and may run something at a given time. */
function gateAt(opts: { high?: number; maxWaitMs?: number } = {}) {
  let t = 0;
  const at: Array<[number, () => void]> = [];
  // The event loop: busy `loopBusy` of the time from `loopSince` on (as performance.eventLoopUtilization() counts it).
  const loop = { busy: 0, since: 0, active: 0, idle: 0 };
  const loopTime = () => {
    const dt = t - loop.since;
    loop.since = t;
    loop.active += dt * loop.busy;
    loop.idle += dt * (1 - loop.busy);
    return { active: loop.active, idle: loop.idle };
  };
  const gate = new PriorityGate({
    ...opts,
    tauMs: 500,
    stepMs: 25,
    loopTime,
    now: () => t,
    sleep: async (ms) => {
      const until = t + ms;
      for (const [when, fn] of at.splice(0).sort((a, b) => a[0] - b[0])) {
        if (when <= until) {
          t = Math.max(t, when);
          fn();
        } else at.push([when, fn]);
      }
      t = until;
    },
  });
  return {
    gate,
    advance: (ms: number) => (t += ms),
    now: () => t,
    at: (when: number, fn: () => void) => at.push([when, fn]),
    /** From now on the event loop is busy this share of the time. */
    loopBusy: (share: number) => {
      loopTime();
      loop.busy = share;
    },
  };
}

test('an idle request path never holds the background back', async () => {
  const { gate, advance } = gateAt();
  gate.setLanes(2);
  advance(10_000);
  assert.equal(await gate.wait(), 0);
  assert.equal(gate.busyShare(), 0);
  assert.equal(gate.saturated(), false);
});

test('one of two lanes busy (half the capacity) does not hold the background back', async () => {
  const { gate, advance } = gateAt();
  gate.setLanes(2);
  gate.begin();
  advance(5_000);
  assert.ok(Math.abs(gate.busyShare() - 0.5) < 0.01, `share ${gate.busyShare()}`);
  assert.equal(await gate.wait(), 0);
});

test('saturated writers hold a background batch until they ease, and the share decays as an average', async () => {
  const { gate, advance, at, now } = gateAt({ high: 0.85 });
  gate.setLanes(2);
  gate.begin();
  gate.begin();
  gate.queued(800); // requests waiting behind both transactions
  advance(3_000); // both lanes busy for 3 s: the share is ~1
  assert.ok(gate.busyShare() > 0.99);
  // The burst ends 400 ms from now; the share then decays below 0.85 after tau·ln(1/0.85) ≈ 81 ms.
  const start = now();
  at(start + 400, () => {
    gate.end();
    gate.end();
    gate.queued(0);
  });
  const held = await gate.wait();
  assert.ok(held >= 475 && held <= 525, `held ${held} ms`);
  assert.equal(gate.held.times, 1);
  assert.ok(gate.busyShare() < 0.85);
});

test('a hold never lasts longer than maxWaitMs, so sustained overload still moves the background on', async () => {
  const { gate, advance } = gateAt({ maxWaitMs: 2_000 });
  gate.setLanes(2);
  gate.begin();
  gate.begin();
  gate.queued(1_500);
  advance(10_000);
  assert.equal(await gate.wait(), 2_000);
  assert.equal(gate.saturated(), true, 'released by the longest hold, not by the writers easing');
  assert.equal(await gate.wait(), 2_000);
  assert.equal(gate.held.ms, 4_000);
});

test('a short transaction does not trip the gate: the share is averaged over ~tau', async () => {
  const { gate, advance } = gateAt();
  gate.setLanes(2);
  gate.begin();
  gate.begin();
  advance(100); // 100 ms of both lanes: 1 − e^(−0.2) ≈ 0.18
  gate.end();
  gate.end();
  assert.ok(gate.busyShare() < 0.2);
  assert.equal(await gate.wait(), 0);
});

test('busy writers with no queue behind them (a machine loaded by something else) do not hold the background back', async () => {
  const { gate, advance } = gateAt();
  gate.setLanes(2);
  gate.begin();
  gate.begin();
  gate.queued(100); // a few requests wait for the current transactions, as at any rate with group commit
  advance(5_000);
  assert.ok(gate.busyShare() > 0.99);
  assert.equal(gate.saturated(), false);
  assert.equal(await gate.wait(), 0);
});

test('it reads the events in flight and how busy the event loop is, averaged like the rest', () => {
  const { gate, advance, loopBusy } = gateAt();
  gate.setLanes(2);
  gate.inFlight(1_600);
  loopBusy(0.8);
  advance(5_000);
  assert.ok(Math.abs(gate.reading().inFlight - 1_600) < 1, `in flight ${gate.reading().inFlight}`);
  assert.ok(Math.abs(gate.reading().loop - 0.8) < 0.01, `loop ${gate.reading().loop}`);
  // Half a time constant later at a loop busy 30%: 0.3 + (0.8 − 0.3)·e^(−0.5) ≈ 0.603.
  gate.inFlight(0);
  loopBusy(0.3);
  advance(250);
  assert.ok(Math.abs(gate.reading().loop - 0.603) < 0.01, `loop ${gate.reading().loop}`);
  assert.ok(Math.abs(gate.reading().inFlight - 1_600 * Math.exp(-0.5)) < 1, `in flight ${gate.reading().inFlight}`);
});

test('a busy event loop with requests in flight does not hold the background back while the writers keep up', async () => {
  // Held on this, the stage worker fell seconds behind at half the maximum rate (issue #27).
  const { gate, advance, loopBusy } = gateAt();
  gate.setLanes(2);
  gate.inFlight(1_500);
  loopBusy(1);
  advance(5_000);
  assert.ok(gate.reading().loop > 0.99);
  assert.equal(gate.reading().saturated, false);
  assert.equal(await gate.wait(), 0);
});

test('background slots: at most `slots` batches at once, the rest served in the order they asked', async () => {
  const gate = new PriorityGate({ slots: 2 });
  const order: string[] = [];
  const a = await gate.enter();
  const b = await gate.enter();
  let cIn = false;
  let dIn = false;
  const c = gate.enter().then((leave) => {
    cIn = true;
    order.push('c');
    return leave;
  });
  const d = gate.enter().then((leave) => {
    dIn = true;
    order.push('d');
    return leave;
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(gate.slotUse(), { running: 2, waiting: 2 });
  assert.equal(cIn || dIn, false, 'two batches hold both slots: the others wait');
  a();
  a(); // leaving twice frees one slot only
  const leaveC = await c;
  await new Promise((r) => setImmediate(r));
  assert.equal(dIn, false, 'one slot freed, one waiter let in');
  assert.deepEqual(gate.slotUse(), { running: 2, waiting: 1 });
  b();
  const leaveD = await d;
  assert.deepEqual(order, ['c', 'd']);
  leaveC();
  leaveD();
  assert.deepEqual(gate.slotUse(), { running: 0, waiting: 0 });
});

test('without a slot limit every batch enters at once', async () => {
  const gate = new PriorityGate();
  const leaves = await Promise.all(Array.from({ length: 20 }, () => gate.enter()));
  assert.deepEqual(gate.slotUse(), { running: 20, waiting: 0 });
  for (const l of leaves) l();
  assert.deepEqual(gate.slotUse(), { running: 0, waiting: 0 });
});

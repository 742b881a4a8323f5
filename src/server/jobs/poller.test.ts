import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Poller } from './poller.js';
import { PriorityGate, type BackgroundGate } from '../lib/priority-gate.js';

test('a gated poller runs no batch while the gate holds it, and runs once it is let go', async () => {
  let release!: () => void;
  let holds = 0;
  const gate: BackgroundGate = {
    wait: () => {
      holds++;
      return holds === 1 ? new Promise<number>((r) => (release = () => r(1))) : Promise.resolve(0);
    },
    saturated: () => false,
  };
  let batches = 0;
  const poller = new Poller(
    'test loop',
    async () => {
      batches++;
      return batches < 3; // three batches of work, then nothing
    },
    { pollMs: 60_000, gate },
  );
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(batches, 0, 'held by the gate: no batch yet');
  release();
  await poller.idle();
  assert.equal(batches, 3);
  assert.equal(holds, 3, 'the gate is asked before every batch');
  await poller.stop();
});

test('a poller stopped while held by the gate runs nothing more', async () => {
  let release!: () => void;
  const gate: BackgroundGate = { wait: () => new Promise<number>((r) => (release = () => r(1))), saturated: () => false };
  let batches = 0;
  const poller = new Poller(
    'test loop',
    async () => {
      batches++;
      return false;
    },
    { pollMs: 60_000, gate },
  );
  poller.start();
  await new Promise((r) => setTimeout(r, 20));
  const stopped = poller.stop();
  release();
  await stopped;
  assert.equal(batches, 0);
});

test('pollers sharing a gate with one background slot never run their batches at the same time, and a failing batch gives its slot back', async () => {
  const gate = new PriorityGate({ slots: 1 });
  let inside = 0;
  let most = 0;
  const done = { a: 0, b: 0 };
  let failed = false;
  const loop = (name: 'a' | 'b') =>
    new Poller(
      `loop ${name}`,
      async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        if (name === 'b' && !failed) {
          failed = true;
          throw new Error('a batch that fails');
        }
        done[name]++;
        return done[name] < 4;
      },
      { pollMs: 60_000, gate },
    );
  const a = loop('a');
  const b = loop('b');
  a.start();
  b.start();
  const deadline = Date.now() + 5_000;
  while ((done.a < 4 || done.b < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await a.stop();
  await b.stop();
  assert.equal(most, 1, 'one batch at a time across both loops');
  assert.deepEqual(done, { a: 4, b: 4 }, 'both loops finished their work, the one whose batch failed too');
  assert.deepEqual(gate.slotUse(), { running: 0, waiting: 0 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Poller } from './poller.js';
import type { BackgroundGate } from '../lib/priority-gate.js';

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

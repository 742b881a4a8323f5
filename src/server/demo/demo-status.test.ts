import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DemoTracker, describeDemoStatus } from './demo-status.js';

describe('demo status', () => {
  it('is none until started, then walks the steps to ready with a rising percentage', () => {
    let t = 1_000_000;
    const tr = new DemoTracker(() => t);
    assert.equal(tr.view().state, 'none');
    assert.equal(tr.view().percent, 0);
    tr.start(7);
    tr.progress('data', 0, 1000);
    assert.equal(tr.view().state, 'preparing');
    assert.equal(tr.view().percent, 0);
    tr.progress('data', 500, 1000);
    const half = tr.view();
    assert.equal(half.phase, 'data');
    assert.deepEqual([half.done, half.total], [500, 1000]);
    assert.equal(half.percent, 25, 'half of the data step, which weighs 50 of 100');
    assert.deepEqual(
      half.steps.map((s) => s.status),
      ['running', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'],
    );
    t += 30_000;
    tr.progress('stages', 0, 100);
    const stages = tr.view();
    assert.equal(stages.percent, 50);
    assert.equal(stages.steps[0]!.status, 'done');
    assert.equal(stages.steps[0]!.seconds, 30);
    tr.progress('predictions', 2, 4);
    assert.equal(tr.view().percent, 79, '50 + 14 + 5 done, half of 20');
    t += 5_000;
    tr.finish();
    const ready = tr.view();
    assert.equal(ready.state, 'ready');
    assert.equal(ready.percent, 100);
    assert.equal(ready.phase, null);
    assert.ok(ready.steps.every((s) => s.status === 'done'));
    assert.equal(ready.steps[3]!.seconds, 5);
    assert.equal(ready.finishedAt, new Date(t).toISOString());
    assert.equal(describeDemoStatus(ready), 'demo ready');
  });

  it('answers none for another workspace than the one prepared', () => {
    const tr = new DemoTracker();
    tr.start(7);
    tr.progress('data', 1, 10);
    assert.equal(tr.view(7).state, 'preparing');
    assert.equal(tr.view(8).state, 'none');
  });

  it('keeps the step it failed in, with the error', () => {
    const tr = new DemoTracker();
    tr.start();
    tr.progress('stages', 3, 10);
    tr.finish('disk full');
    const v = tr.view();
    assert.equal(v.state, 'failed');
    assert.equal(v.error, 'disk full');
    assert.equal(tr.preparing, false);
    assert.equal(describeDemoStatus(v), 'demo preparation stopped: disk full');
    tr.progress('segments', 1, 3);
    assert.equal(tr.view().state, 'failed', 'progress after the end changes nothing');
  });

  it('describes progress in one console line', () => {
    const tr = new DemoTracker();
    tr.start();
    tr.progress('data', 2000, 11500);
    assert.equal(describeDemoStatus(tr.view()), 'preparing the demo 9% (step 1/6): Generating 18 months of customers and events (2,000/11,500)');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimeSlice } from './time-slice.js';

/** Busy work of about `ms` milliseconds on this thread. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('TimeSlice', () => {
  it('is due only once its budget of synchronous work is used, and a pause starts a new budget', async () => {
    const slice = new TimeSlice(20);
    assert.equal(slice.due, false);
    spin(25);
    assert.equal(slice.due, true);
    await slice.pause();
    assert.equal(slice.due, false);
  });

  it('lets a timer that came due during a long loop run inside the loop, not after it', async () => {
    // 40 items of ~2 ms: 80 ms of work. A timer set for 1 ms fires at the first pause.
    const run = async (sliced: boolean) => {
      const slice = new TimeSlice(5);
      let firedAt = -1;
      let item = 0;
      const timer = setTimeout(() => (firedAt = item), 1);
      for (item = 0; item < 40; item++) {
        if (sliced && slice.due) await slice.pause();
        spin(2);
      }
      await new Promise((r) => setImmediate(r));
      clearTimeout(timer);
      return firedAt;
    };
    const unsliced = await run(false);
    assert.equal(unsliced, 40, 'without pauses the timer waits for the whole loop');
    const sliced = await run(true);
    assert.ok(sliced > 0 && sliced <= 10, `with a 5 ms budget the timer ran after item ${sliced}`);
  });
});

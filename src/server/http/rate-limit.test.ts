import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBuckets } from './rate-limit.js';

describe('TokenBuckets', () => {
  it('lets a full bucket through, then one per refill, and says how long to wait', () => {
    const b = new TokenBuckets({ perSecond: 10 / 60, capacity: 10 });
    for (let i = 0; i < 10; i++) assert.equal(b.take('ip', 0), 0);
    assert.equal(b.peek('ip', 0), 6, 'one failure back every 6 s');
    assert.equal(b.take('ip', 0), 6);
    assert.equal(b.take('ip', 3_000), 3);
    assert.equal(b.take('ip', 6_000), 0);
    assert.equal(b.take('ip', 6_000), 6);
    assert.equal(b.peek('ip', 60_000 + 6_000), 0);
    assert.equal(b.peek('never-seen', 0), 0);
  });

  it('never holds more than its capacity, however long it was quiet', () => {
    const b = new TokenBuckets({ perSecond: 2, capacity: 4 });
    assert.equal(b.take('k', 0), 0);
    let ok = 0;
    for (let i = 0; i < 10; i++) if (b.take('k', 1_000_000) === 0) ok++;
    assert.equal(ok, 4);
  });

  it('tracks at most maxKeys keys, forgetting the least recently used first', () => {
    const b = new TokenBuckets({ perSecond: 1, capacity: 1 }, 3);
    b.take('a', 0);
    b.take('b', 0);
    b.take('c', 0);
    assert.equal(b.take('a', 0), 1, 'a is drained (and now the most recent)');
    b.take('d', 0); // evicts b, the oldest
    assert.equal(b.size, 3);
    assert.equal(b.take('b', 0), 0, 'b was forgotten: a fresh bucket');
    assert.equal(b.take('a', 0), 1, 'a was kept: still drained');
    for (let i = 0; i < 1_000; i++) b.take(`flood-${i}`, 0);
    assert.equal(b.size, 3);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveFeed } from './live-feed.js';
import { clipForDisplay, CLIPPED_KEY } from './live-clip.js';
import type { NormalizedEvent } from './normalize.js';

const event = (messageId: string, name = 'Played'): NormalizedEvent => ({
  messageId,
  type: 'track',
  event: name,
  userId: 'u',
  anonymousId: null,
  groupId: null,
  previousId: null,
  timestamp: new Date(0),
  originalTimestamp: null,
  sentAt: null,
  receivedAt: new Date(0),
  properties: {},
  traits: null,
  context: {},
});

describe('live feed', () => {
  it('records only while watched: nothing before the first look, nothing once the watch ran out (and forgets the backlog)', () => {
    let now = 1_000;
    const feed = new LiveFeed({ watchMs: 60_000, now: () => now });
    assert.equal(feed.tap(1, '/v1/track'), null, 'nobody looked: no tap, no cost');
    feed.rejected(1, '/v1/track', {}, { code: 'invalid_event', message: 'no' });
    feed.look(1);
    const tap = feed.tap(1, '/v1/track')!;
    tap.stored.add('m1');
    tap.record([event('m1')], [{ event: 'Played' }]);
    assert.equal(feed.recent(1, undefined, 10).events.length, 1);
    now += 60_001;
    assert.equal(feed.tap(1, '/v1/track'), null, 'the watch ran out');
    assert.equal(feed.anyWatched(), false);
    assert.deepEqual(feed.recent(1, undefined, 10).events, [], 'the backlog is dropped with the watch');
  });

  it('keeps recording while a stream is open, whatever the clock says', () => {
    let now = 0;
    const feed = new LiveFeed({ watchMs: 10, now: () => now, flushMs: 1 });
    const sub = feed.subscribe(7, { lastId: 0, send: () => true, close: () => {} });
    assert.ok(sub.ok);
    now = 1_000;
    assert.ok(feed.tap(7, '/v1/track'));
    if (sub.ok) sub.value();
    now = 2_000;
    assert.equal(feed.tap(7, '/v1/track'), null);
    feed.close();
  });

  it('clips long strings, wide objects and long lists, and says how much was left out', () => {
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    const clipped = clipForDisplay({ s: 'y'.repeat(10_000), wide, list: Array.from({ length: 5_000 }, (_, i) => i) }, 2_000) as Record<string, unknown>;
    const text = JSON.stringify(clipped);
    assert.ok(text.length < 3_000, `${text.length} characters`);
    assert.match(clipped.s as string, /\(10000 characters\)$/);
    assert.match(String((clipped.wide as Record<string, unknown>)[CLIPPED_KEY]), /^\d+ more$/);
    const small = { a: 1, b: ['x', null, true], c: { d: 'e' } };
    assert.deepEqual(clipForDisplay(small), small, 'a small payload is shown as it is');
  });
});

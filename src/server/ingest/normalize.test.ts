import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { correctedTimestamp, normalizeCall, MAX_EVENT_BYTES, type RequestFacts } from './normalize.js';

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({ receivedAt: new Date('2025-03-01T12:00:10.000Z'), bodyBytes: 100, ...over });

describe('normalizeCall', () => {
  it('corrects client clock skew the way Segment does', () => {
    // Device clock is 1 hour fast: it stamped the event at 13:00:00 and sent it at 13:00:05 (its clock);
    // the server received it at 12:00:10, so the event happened 5 s before arrival: 12:00:05.
    const r = normalizeCall({ userId: 'u', event: 'E', timestamp: '2025-03-01T13:00:00.000Z', sentAt: '2025-03-01T13:00:05.000Z' }, 'track', facts(), 0, '');
    assert.ok(r.ok);
    assert.equal(r.event.timestamp.toISOString(), '2025-03-01T12:00:05.000Z');
    assert.equal(r.event.originalTimestamp?.toISOString(), '2025-03-01T13:00:00.000Z');
  });

  it('uses the batch-level sentAt for every event of a batch', () => {
    const r = normalizeCall({ userId: 'u', event: 'E', timestamp: '2025-03-01T11:59:00.000Z' }, 'track', facts({ sentAt: '2025-03-01T12:00:00.000Z' }), 3, 'batch.3');
    assert.ok(r.ok);
    assert.equal(r.event.timestamp.toISOString(), '2025-03-01T11:59:10.000Z');
  });

  it('trusts a historical timestamp when no sentAt is given, and defaults to arrival time', () => {
    const a = normalizeCall({ userId: 'u', event: 'E', timestamp: '2020-01-01T00:00:00Z' }, 'track', facts(), 0, '');
    assert.ok(a.ok);
    assert.equal(a.event.timestamp.toISOString(), '2020-01-01T00:00:00.000Z');
    const b = normalizeCall({ userId: 'u', event: 'E' }, 'track', facts(), 0, '');
    assert.ok(b.ok);
    assert.equal(b.event.timestamp.toISOString(), '2025-03-01T12:00:10.000Z');
    assert.equal(correctedTimestamp(new Date(1000), new Date(5000), null).getTime(), 1000);
  });

  it('names the event and field of a bad call', () => {
    const r = normalizeCall({ userId: 'u' }, 'track', facts(), 7, 'batch.7');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.rejection.code, 'invalid_event');
    assert.equal(r.rejection.index, 7);
    assert.equal(r.rejection.field, 'batch.7.event');

    const t = normalizeCall({ userId: 'u', event: 'E', timestamp: 'yesterday-ish' }, 'track', facts(), 0, '');
    assert.equal(t.ok, false);
    if (!t.ok) assert.equal(t.rejection.field, 'timestamp');

    const noId = normalizeCall({ event: 'E' }, 'track', facts(), 0, '');
    assert.equal(noId.ok, false);
    if (!noId.ok) assert.match(noId.rejection.message, /userId.*anonymousId/);
  });

  it('rejects an event over 32 KB with event_too_large', () => {
    const big = { userId: 'u', event: 'E', properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } };
    const r = normalizeCall(big, 'track', facts({ bodyBytes: 40_000 }), 2, 'batch.2');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.rejection.code, 'event_too_large');
      assert.equal(r.rejection.index, 2);
    }
  });

  it('keeps context, adds the caller ip, stringifies numeric ids and generates a messageId', () => {
    const r = normalizeCall(
      { userId: 42, event: 'E', context: { campaign: { source: 'google' }, timezone: 'Europe/Paris', locale: 'fr-FR' } },
      'track',
      facts({ ip: '10.1.2.3', context: { library: { name: 'x' } } }),
      0,
      '',
    );
    assert.ok(r.ok);
    assert.equal(r.event.userId, '42');
    assert.match(r.event.messageId, /^tenure-/);
    assert.deepEqual(r.event.context, { library: { name: 'x' }, campaign: { source: 'google' }, timezone: 'Europe/Paris', locale: 'fr-FR', ip: '10.1.2.3' });
  });
});

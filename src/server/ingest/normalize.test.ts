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
    assert.equal(r.value.timestamp.toISOString(), '2025-03-01T12:00:05.000Z');
    assert.equal(r.value.originalTimestamp?.toISOString(), '2025-03-01T13:00:00.000Z');
  });

  it('uses the batch-level sentAt for every event of a batch', () => {
    const r = normalizeCall({ userId: 'u', event: 'E', timestamp: '2025-03-01T11:59:00.000Z' }, 'track', facts({ sentAt: '2025-03-01T12:00:00.000Z' }), 3, 'batch.3');
    assert.ok(r.ok);
    assert.equal(r.value.timestamp.toISOString(), '2025-03-01T11:59:10.000Z');
  });

  it('trusts a historical timestamp when no sentAt is given, and defaults to arrival time', () => {
    const a = normalizeCall({ userId: 'u', event: 'E', timestamp: '2020-01-01T00:00:00Z' }, 'track', facts(), 0, '');
    assert.ok(a.ok);
    assert.equal(a.value.timestamp.toISOString(), '2020-01-01T00:00:00.000Z');
    const b = normalizeCall({ userId: 'u', event: 'E' }, 'track', facts(), 0, '');
    assert.ok(b.ok);
    assert.equal(b.value.timestamp.toISOString(), '2025-03-01T12:00:10.000Z');
    assert.equal(correctedTimestamp(new Date(1000), new Date(5000), null).getTime(), 1000);
  });

  it('names the event and field of a bad call', () => {
    const r = normalizeCall({ userId: 'u' }, 'track', facts(), 7, 'batch.7');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, 'invalid_event');
    assert.equal(r.index, 7);
    assert.equal(r.field, 'batch.7.event');

    const t = normalizeCall({ userId: 'u', event: 'E', timestamp: 'yesterday-ish' }, 'track', facts(), 0, '');
    assert.equal(t.ok, false);
    if (!t.ok) assert.equal(t.field, 'timestamp');

    const noId = normalizeCall({ event: 'E' }, 'track', facts(), 0, '');
    assert.equal(noId.ok, false);
    if (!noId.ok) assert.match(noId.message, /userId.*anonymousId/);
  });

  it('rejects an event over 32 KB with event_too_large', () => {
    const big = { userId: 'u', event: 'E', properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } };
    const r = normalizeCall(big, 'track', facts({ bodyBytes: 40_000 }), 2, 'batch.2');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.code, 'event_too_large');
      assert.equal(r.index, 2);
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
    assert.equal(r.value.userId, '42');
    assert.match(r.value.messageId, /^tenure-/);
    assert.deepEqual(r.value.context, { library: { name: 'x' }, campaign: { source: 'google' }, timezone: 'Europe/Paris', locale: 'fr-FR', ip: '10.1.2.3' });
  });

  describe('the accepted time window, 1970-01-01 ≤ t < 2100-01-01', () => {
    const refusal = (call: Record<string, unknown>, f = facts(), prefix = '') => {
      const r = normalizeCall({ userId: 'u', event: 'E', ...call }, 'track', f, 2, prefix);
      assert.equal(r.ok, false, JSON.stringify(call));
      return r.ok ? assert.fail() : r;
    };

    it('refuses times outside it in timestamp, originalTimestamp and sentAt, naming the field and the window', () => {
      const micro = refusal({ timestamp: 1.7e15 });
      assert.equal(micro.field, 'timestamp');
      assert.match(micro.message, /^`timestamp` 1700000000000000 \(read as epoch milliseconds: \+055840-.*\) is outside the accepted range 1970-01-01T00:00:00Z … 2100-01-01T00:00:00Z/);
      assert.equal(refusal({ timestamp: '0000-01-01T00:00:00Z' }).field, 'timestamp');
      assert.equal(refusal({ timestamp: '+010000-01-01T00:00:00Z' }).field, 'timestamp');
      assert.equal(refusal({ timestamp: '1969-12-31T23:59:59.999Z' }).field, 'timestamp');
      assert.equal(refusal({ timestamp: '2100-01-01T00:00:00Z' }).field, 'timestamp');
      assert.equal(refusal({ originalTimestamp: -1 }).field, 'originalTimestamp');
      // Both given: the one not used for the event time is checked too.
      assert.equal(refusal({ timestamp: '2025-01-01T00:00:00Z', originalTimestamp: 1.7e15 }).field, 'originalTimestamp');
      assert.equal(refusal({ sentAt: '0000-01-01T00:00:00Z' }, facts(), 'batch.2').field, 'batch.2.sentAt');
      // A batch-level sentAt is named at the top of the body, with the event's index.
      const top = refusal({}, facts({ sentAt: '+275760-09-13T00:00:00Z' }), 'batch.2');
      assert.deepEqual([top.field, top.index], ['sentAt', 2]);
    });

    it('accepts both ends of the window and historical times', () => {
      for (const t of ['1970-01-01T00:00:00Z', '2099-12-31T23:59:59.999Z', '1997-01-01T00:00:00Z', 0]) {
        const r = normalizeCall({ userId: 'u', event: 'E', timestamp: t }, 'track', facts(), 0, '');
        assert.ok(r.ok, String(t));
        assert.equal(r.value.timestamp.getTime(), new Date(t).getTime());
      }
    });

    it('refuses a clock-skew correction that overflows the window, blaming sentAt', () => {
      // The client says it sent the request in 1970 but stamped the event 2099: corrected = arrival + 130 years.
      const late = refusal({ timestamp: '2099-12-01T00:00:00Z', sentAt: '1970-01-02T00:00:00Z' });
      assert.equal(late.field, 'sentAt');
      assert.match(
        late.message,
        /moves `timestamp` 2099-12-01T00:00:00.000Z to 2155-.* outside the accepted range .* the cause is `sentAt` 1970-01-02T00:00:00.000Z, 20148 days before the request arrived/,
      );
      const early = refusal({ timestamp: '1971-01-01T00:00:00Z' }, facts({ sentAt: '2099-01-01T00:00:00Z' }), 'batch.2');
      assert.deepEqual([early.field, early.index], ['sentAt', 2]);
      assert.match(early.message, /to 18\d\d-.*days after the request arrived/);
      // The same skew with a time that stays inside is corrected as usual.
      const ok = normalizeCall({ userId: 'u', event: 'E', timestamp: '2025-03-01T12:00:00Z', sentAt: '1970-01-02T00:00:00Z' }, 'track', facts(), 0, '');
      assert.ok(ok.ok);
      assert.equal(ok.value.timestamp.getUTCFullYear(), 2080);
    });
  });
});

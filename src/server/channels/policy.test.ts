import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessagingSettingsInput } from '../../contracts/messaging.js';
import { decide, type PolicyFacts, type PolicyMessage } from './policy.js';

const settings: MessagingSettingsInput = {
  caps: [{ channel: 'email', max: 2, within: { amount: 7, unit: 'days' } }],
  quietHours: { start: '21:00', end: '08:00', action: 'delay', channels: ['email', 'sms'] },
  emailFrom: null,
};
const NOON_UTC = new Date('2026-06-10T12:00:00Z');
const DAY = 86_400_000;
const facts = (f: Partial<PolicyFacts> = {}): PolicyFacts => ({
  traits: { email: 'Ada@Example.test', timezone: 'UTC' },
  consent: new Map(),
  suppressed: new Set(),
  groups: new Map([
    ['news', { optIn: false, channel: 'email' }],
    ['beta', { optIn: true, channel: 'email' }],
  ]),
  sentTimes: new Map(),
  ...f,
});
const email = (m: Partial<PolicyMessage> = {}): PolicyMessage => ({ channel: 'email', groupId: 'news', transactional: false, toAddress: null, ...m });

describe('send policy', () => {
  it('sends to the lower-cased address when nothing stands in the way', () => {
    assert.deepEqual(decide(email(), facts(), settings, NOON_UTC), { kind: 'send', to: 'ada@example.test' });
  });

  it('skips with a reason: no address, suppressed, unsubscribed (group or all), opt-in without consent, unknown group', () => {
    const code = (m: PolicyMessage, f: PolicyFacts) => {
      const v = decide(m, f, settings, NOON_UTC);
      return v.kind === 'skip' ? v.code : v.kind;
    };
    assert.equal(code(email(), facts({ traits: {} })), 'no_address');
    assert.equal(code(email(), facts({ suppressed: new Set(['ada@example.test']) })), 'suppressed');
    assert.equal(code(email(), facts({ consent: new Map([['news', false]]) })), 'unsubscribed');
    assert.equal(code(email({ groupId: null }), facts({ consent: new Map([['$all:email', false]]) })), 'unsubscribed');
    assert.equal(code(email({ groupId: 'beta' }), facts()), 'not_subscribed');
    assert.equal(code(email({ groupId: 'beta' }), facts({ consent: new Map([['beta', true]]) })), 'send');
    assert.equal(code(email({ groupId: 'gone' }), facts()), 'unknown_group');
  });

  it('counts the cap over the rolling window and exempts transactional messages (but never from suppression)', () => {
    const two = facts({ sentTimes: new Map([['email', [NOON_UTC.getTime() - 6 * DAY, NOON_UTC.getTime() - DAY]]]) });
    const v = decide(email(), two, settings, NOON_UTC);
    assert.equal(v.kind, 'skip');
    assert.equal(v.kind === 'skip' && v.code, 'frequency_cap');
    assert.match(v.kind === 'skip' ? v.reason : '', /2 email messages in the last 7 days \(at most 2\)/);
    // Two days later (noon again) one of the two is older than 7 days: room again.
    assert.equal(decide(email(), two, settings, new Date(NOON_UTC.getTime() + 2 * DAY)).kind, 'send');
    assert.equal(decide(email({ transactional: true }), two, settings, NOON_UTC).kind, 'send');
    assert.equal(decide(email({ transactional: true }), facts({ suppressed: new Set(['ada@example.test']) }), settings, NOON_UTC).kind, 'skip');
  });

  it("holds a message in the customer's quiet hours until they end, or skips it", () => {
    // 12:00 UTC is 22:00 in Sydney (AEST, UTC+10, June): quiet until 08:00 local = 22:00 UTC.
    const sydney = facts({ traits: { email: 'a@b.test', timezone: 'Australia/Sydney' } });
    const v = decide(email(), sydney, settings, NOON_UTC);
    assert.equal(v.kind, 'delay');
    assert.equal(v.kind === 'delay' && v.until.toISOString(), '2026-06-10T22:00:00.000Z');
    assert.equal(v.kind === 'delay' && v.code, 'quiet_hours');
    const skip = decide(email(), sydney, { ...settings, quietHours: { ...settings.quietHours!, action: 'skip' } }, NOON_UTC);
    assert.equal(skip.kind === 'skip' && skip.code, 'quiet_hours');
    assert.equal(decide(email({ transactional: true }), sydney, settings, NOON_UTC).kind, 'send', 'a receipt is not held');
    assert.equal(decide(email(), facts(), settings, NOON_UTC).kind, 'send', 'noon in UTC is not quiet');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgrammeSettingsSchema, type ProgrammeSettings } from '../../contracts/loyalty.js';
import { birthdayEarn, birthdayKeys, earnsFor, floorPoints, isBirthday, periodStart, type EarnContext, type EarnEvent } from './earn-rules.js';

const DAY = 86_400_000;
const settings = (over: Record<string, unknown>): ProgrammeSettings => ProgrammeSettingsSchema.parse(over);
const order = (value: unknown, at = '2026-06-15T12:00:00Z', extra: Record<string, unknown> = {}): EarnEvent => ({
  name: 'Order Completed',
  properties: { order_id: 'o1', revenue: value, ...extra },
  timestamp: new Date(at),
  messageId: 'm1',
});
const ctx = (s: ProgrammeSettings, over: Partial<EarnContext> = {}): EarnContext => ({
  settings: s,
  version: 3,
  tierMultiplier: 1,
  zone: 'UTC',
  prior: [],
  now: new Date('2026-06-20T00:00:00Z'),
  ...over,
});
const perEuro = { id: 'per-euro', name: 'Per euro', kind: 'order', pointsPerUnit: 1 };

describe('earn rules', () => {
  it('€123.45 at 1 pt/€, gold ×1.5, double points: floor(123.45 × 1 × 2 × 1.5) = floor(370.35) = 370, with the rule snapshot', () => {
    const s = settings({ earnRules: [{ ...perEuro, multiplier: 2 }] });
    const [e, ...rest] = earnsFor(ctx(s, { tierMultiplier: 1.5 }), order(123.45));
    assert.equal(rest.length, 0);
    assert.equal(e!.points, 370);
    assert.equal(e!.orderId, 'o1');
    assert.deepEqual(e!.snapshot, { id: 'per-euro', name: 'Per euro', programmeVersion: 3, kind: 'order', pointsPerUnit: 1, multiplier: 2, tierMultiplier: 1.5, orderValue: 123.45 });
    // Default expiry 365 days from the event: 2026-06-15T12:00Z + 365 d = 2027-06-15T12:00Z.
    assert.equal(e!.expiresAt!.toISOString(), '2027-06-15T12:00:00.000Z');
    assert.equal(e!.pending, undefined);
  });

  it("the order value is the KPIs' one: revenue, else total, numeric strings; none or 0 earns nothing", () => {
    const s = settings({ earnRules: [{ ...perEuro, pointsPerUnit: 2 }] });
    // total "49.99" × 2 = 99.98 → 99
    assert.equal(earnsFor(ctx(s), { ...order(undefined), properties: { order_id: 'o', total: '49.99' } })[0]!.points, 99);
    assert.equal(earnsFor(ctx(s), { ...order(undefined), properties: { order_id: 'o' } }).length, 0);
    assert.equal(earnsFor(ctx(s), order(0)).length, 0);
    // a rule with tierMultiplier false ignores the tier: 10 × 2 = 20 (not 30)
    const noTier = settings({ earnRules: [{ ...perEuro, pointsPerUnit: 2, tierMultiplier: false }] });
    assert.equal(earnsFor(ctx(noTier, { tierMultiplier: 1.5 }), order(10))[0]!.points, 20);
  });

  it('a cap of 500 a month after 400 earned this month gives 100; earns of last month do not count; a full cap gives nothing', () => {
    const s = settings({ earnRules: [{ ...perEuro, cap: { points: 500, per: 'month' } }] });
    const prior = [
      { ruleId: 'per-euro', at: new Date('2026-06-02T00:00:00Z'), points: 400 },
      { ruleId: 'per-euro', at: new Date('2026-05-31T23:59:59Z'), points: 450 }, // May: another period
      { ruleId: 'other', at: new Date('2026-06-03T00:00:00Z'), points: 999 }, // another rule
    ];
    assert.equal(earnsFor(ctx(s, { prior }), order(300))[0]!.points, 100); // min(300, 500 − 400)
    assert.equal(earnsFor(ctx(s, { prior: [...prior, { ruleId: 'per-euro', at: new Date('2026-06-10T00:00:00Z'), points: 100 }] }), order(300)).length, 0);
    // Two order rules on one event share nothing: each its own cap.
  });

  it('a monthly cap in the workspace timezone: 00:30 on 1 July in Berlin is July, though UTC still says June', () => {
    const s = settings({ earnRules: [{ ...perEuro, cap: { points: 500, per: 'month' } }] });
    const prior = [{ ruleId: 'per-euro', at: new Date('2026-06-20T00:00:00Z'), points: 500 }];
    // 2026-06-30T22:30Z is 2026-07-01 00:30 CEST (UTC+2): a new month, full 300.
    const ev = order(300, '2026-06-30T22:30:00Z');
    const now = new Date('2026-07-01T00:00:00Z');
    assert.equal(earnsFor(ctx(s, { prior, zone: 'Europe/Berlin', now }), ev)[0]!.points, 300);
    assert.equal(earnsFor(ctx(s, { prior, zone: 'UTC', now }), ev).length, 0);
    // week periods start on Monday: Wed 2026-06-17 → Mon 2026-06-15 00:00 UTC
    assert.equal(periodStart('week', new Date('2026-06-17T10:00:00Z'), 'UTC')!.toISOString(), '2026-06-15T00:00:00.000Z');
    assert.equal(periodStart('day', new Date('2026-06-17T10:00:00Z'), 'Europe/Berlin')!.toISOString(), '2026-06-16T22:00:00.000Z');
    assert.equal(periodStart('lifetime', new Date(), 'UTC'), null);
  });

  it('campaigns earn for events in [startsAt, endsAt): at the start yes, at the end no', () => {
    const s = settings({ earnRules: [{ ...perEuro, id: 'double', multiplier: 2, startsAt: '2026-11-27T00:00:00Z', endsAt: '2026-11-30T00:00:00Z' }] });
    const now = new Date('2026-12-31T00:00:00Z');
    assert.equal(earnsFor(ctx(s, { now }), order(10, '2026-11-26T23:59:59Z')).length, 0);
    assert.equal(earnsFor(ctx(s, { now }), order(10, '2026-11-27T00:00:00Z'))[0]!.points, 20);
    assert.equal(earnsFor(ctx(s, { now }), order(10, '2026-11-29T23:59:59Z'))[0]!.points, 20);
    assert.equal(earnsFor(ctx(s, { now }), order(10, '2026-11-30T00:00:00Z')).length, 0);
  });

  it('event rules: fixed points for a matching event (name and property tests); oncePerMember gives once', () => {
    const s = settings({
      earnRules: [
        { id: 'signup', name: 'Sign-up', kind: 'event', points: 50, event: { name: 'Signed Up' }, oncePerMember: true },
        { id: 'review', name: 'Review', kind: 'event', points: 25, event: { name: 'Review Submitted', where: [{ path: 'rating', op: 'gte', value: 4 }] } },
      ],
    });
    const ev = (name: string, properties: Record<string, unknown> = {}): EarnEvent => ({ name, properties, timestamp: new Date('2026-06-01T00:00:00Z'), messageId: 'x' });
    assert.equal(earnsFor(ctx(s), ev('Signed Up'))[0]!.points, 50);
    assert.equal(earnsFor(ctx(s, { prior: [{ ruleId: 'signup', at: new Date('2020-01-01T00:00:00Z'), points: 50 }] }), ev('Signed Up')).length, 0);
    // review: 25 × tier 2 = 50 for rating 5, nothing for rating 3
    assert.equal(earnsFor(ctx(s, { tierMultiplier: 2 }), ev('Review Submitted', { rating: 5 }))[0]!.points, 50);
    assert.equal(earnsFor(ctx(s), ev('Review Submitted', { rating: 3 })).length, 0);
    assert.equal(earnsFor(ctx(s), order(10)).length, 0);
  });

  it('a disabled rule earns nothing; a condition is the rule language on the member at the event', () => {
    const s = settings({
      earnRules: [
        { ...perEuro, enabled: false },
        { id: 'vip', name: 'VIP', kind: 'order', pointsPerUnit: 3, condition: { trait: { path: 'vip', op: 'eq', value: true } } },
      ],
    });
    assert.equal(earnsFor(ctx(s, { facts: { traits: { vip: false }, events: [] } }), order(10)).length, 0);
    const e = earnsFor(ctx(s, { facts: { traits: { vip: true }, events: [] } }), order(10));
    assert.deepEqual(
      e.map((x) => [x.rule.id, x.points]),
      [['vip', 30]],
    );
    assert.throws(() => earnsFor(ctx(s), order(10)), /facts/);
  });

  it('pending: the programme default for orders (days and/or an event), a rule overrides; expiry per rule or never', () => {
    const s = settings({
      pending: { days: 30, untilEvent: 'Order Delivered' },
      expiresAfterDays: null,
      earnRules: [perEuro, { id: 'bonus', name: 'Bonus', kind: 'order', pointsPerUnit: 1, pending: { untilEvent: 'Order Delivered', maxDays: 60 }, expiresAfterDays: 90 }],
    });
    const [a, b] = earnsFor(ctx(s), order(10, '2026-06-01T00:00:00Z'));
    assert.deepEqual(a!.pending, { until: new Date(Date.parse('2026-06-01T00:00:00Z') + 30 * DAY), event: 'Order Delivered' });
    assert.equal(a!.expiresAt, null);
    assert.deepEqual(b!.pending, { until: new Date(Date.parse('2026-06-01T00:00:00Z') + 60 * DAY), event: 'Order Delivered' });
    assert.equal(b!.expiresAt!.toISOString(), '2026-08-30T00:00:00.000Z'); // June 1 + 90 d = Aug 30
    // event rules do not take the programme's order pending
    const ev = settings({ pending: { days: 30 }, earnRules: [{ id: 'e', name: 'E', kind: 'event', points: 5, event: { name: 'X' } }] });
    assert.equal(earnsFor(ctx(ev), { name: 'X', properties: {}, timestamp: new Date('2026-06-01T00:00:00Z'), messageId: 'x' })[0]!.pending, undefined);
  });

  it('an event stamped in the future earns at now', () => {
    const s = settings({ earnRules: [perEuro] });
    const now = new Date('2026-06-01T00:00:00Z');
    assert.equal(earnsFor(ctx(s, { now }), order(10, '2027-01-01T00:00:00Z'))[0]!.at.toISOString(), now.toISOString());
  });

  it('birthdays: YYYY-MM-DD or MM-DD in the workspace timezone, 29 Feb on 28 Feb in common years, once a year by the sweep', () => {
    // 2026-03-14T23:30Z is 15 March 00:30 in Berlin
    const t = new Date('2026-03-14T23:30:00Z');
    assert.equal(isBirthday('1990-03-15', t, 'Europe/Berlin'), true);
    assert.equal(isBirthday('03-15', t, 'UTC'), false);
    assert.equal(isBirthday('03-14', t, 'UTC'), true);
    assert.equal(isBirthday('2000-02-29', new Date('2026-02-28T12:00:00Z'), 'UTC'), true);
    assert.equal(isBirthday('2000-02-29', new Date('2028-02-28T12:00:00Z'), 'UTC'), false); // 2028 is a leap year
    assert.equal(isBirthday('nonsense', t, 'UTC'), false);
    assert.deepEqual(birthdayKeys(new Date('2026-02-28T12:00:00Z'), 'UTC'), ['02-28', '02-29']);
    const s = settings({ earnRules: [{ id: 'bday', name: 'Birthday', kind: 'birthday', points: 200 }] });
    // gold ×1.5: 200 × 1.5 = 300
    const e = birthdayEarn(ctx(s, { now: t, tierMultiplier: 1.5 }), s.earnRules[0]!);
    assert.equal(e!.points, 300);
  });

  it('floorPoints forgives float noise but not real fractions', () => {
    assert.equal(floorPoints(0.29 * 100), 29); // 28.999999999999996 in binary
    assert.equal(floorPoints(2.9999), 2);
    assert.equal(floorPoints(123.45 * 2 * 1.5), 370);
  });
});

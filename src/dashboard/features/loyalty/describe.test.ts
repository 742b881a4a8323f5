import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EarnRuleSchema } from '../../../contracts/loyalty.js';
import { campaignText, oneUnit, pendingText, pointsText, ruleSummary } from './describe.js';
import { check, dateToIso, defaultSettings, draftPath, isoToDate, newRule } from './programme-form.js';

const rule = (r: object) => EarnRuleSchema.parse({ id: 'r', name: 'r', ...r });

describe('earn rule summaries', () => {
  it('an order rule with a campaign multiplier and a monthly cap reads as one line', () => {
    // The campaign runs [1 Dec, 25 Dec): its last day is 24 Dec.
    const r = rule({ kind: 'order', pointsPerUnit: 1, multiplier: 2, startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-25T00:00:00Z', cap: { points: 500, per: 'month' } });
    assert.equal(ruleSummary(r, { currency: 'EUR', pointsName: 'points' }), '1 point per €1 on Order Completed, ×2 from 1 Dec to 24 Dec, at most 500 a month');
  });

  it('an event rule once per member, pending until an event, never expiring, in the programme’s word', () => {
    const r = rule({ kind: 'event', points: 200, event: { name: 'Signed Up' }, oncePerMember: true, pending: { untilEvent: 'Order Delivered', maxDays: 30 }, expiresAfterDays: null });
    assert.equal(ruleSummary(r, { currency: 'USD', pointsName: 'stars' }), '200 stars on Signed Up, once per member, pending until Order Delivered (at most 30 days), never expire');
  });

  it('a birthday rule without tier multiplier; plural and singular points', () => {
    const r = rule({ kind: 'birthday', points: 1, tierMultiplier: false });
    assert.equal(ruleSummary(r, { currency: 'USD', pointsName: 'points' }), '1 point on the birthday in trait birthday, no tier multiplier');
    assert.equal(pointsText(2.5, 'points'), '2.5 points');
    assert.deepEqual([oneUnit('USD'), oneUnit('EUR'), oneUnit('GBP')], ['$1', '€1', '£1']);
  });

  it('campaign dates across a year show the years; pending days', () => {
    assert.equal(campaignText('2026-12-20T00:00:00Z', '2027-01-03T00:00:00Z'), 'from 20 Dec 2026 to 2 Jan 2027');
    assert.equal(campaignText(undefined, '2027-01-03T00:00:00Z'), 'until 2 Jan 2027');
    assert.equal(pendingText({ days: 14 }), 'pending 14 days');
    assert.equal(pendingText({ days: 0 }), null);
  });
});

describe('programme form', () => {
  it('the default settings pass the contract; a points-per-unit typed as text is refused on its path', () => {
    const d = { ...defaultSettings(), earnRules: [newRule('order', [])] };
    assert.ok(check(d).ok);
    const bad = check({ ...d, earnRules: [{ ...d.earnRules[0]!, pointsPerUnit: 'abc' as unknown as number }], holdoutPercent: 60 });
    assert.ok(!bad.ok);
    assert.ok('earnRules.0.pointsPerUnit' in bad.errors);
    assert.ok('holdoutPercent' in bad.errors);
  });

  it('server fields map onto draft paths; date inputs round-trip with an exclusive end', () => {
    assert.equal(draftPath('body.settings.tiers.tiers.1.entry'), 'tiers.tiers.1.entry');
    assert.equal(dateToIso('2026-12-24', true), '2026-12-25T00:00:00.000Z');
    assert.equal(isoToDate('2026-12-25T00:00:00.000Z', true), '2026-12-24');
    assert.equal(isoToDate(dateToIso('2026-12-01')), '2026-12-01');
  });
});

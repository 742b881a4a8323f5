import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SURVEY_SETTINGS, SurveyDefinitionSchema, type SurveySettings } from '../../contracts/surveys.js';
import { decideInvitation, inSample, type InvitationFacts } from './fatigue.js';

const DAY = 86_400_000;
const now = new Date('2026-12-01T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY);
const def = (fatigue: Record<string, unknown> = {}) => SurveyDefinitionSchema.parse({ type: 'nps', question: 'Q?', fatigue });
const settings: SurveySettings = { globalDays: 14, perTypeDays: { nps: 90, csat: 0, ces: 30 }, perChannelDays: { email: 0, sms: 30, inapp: 0 }, firstSurveyDelayDays: 7 };
const facts = (over: Partial<InvitationFacts> = {}): InvitationFacts => ({ invitationId: 1, surveyId: 'nps-q', type: 'nps', channel: 'email', firstSeenAt: ago(400), sent: [], ...over });

describe('survey fatigue rules', () => {
  it('sends when nothing was sent and the customer is past the first-survey delay', () => {
    assert.deepEqual(decideInvitation(facts(), def(), settings, now), { kind: 'send' });
  });

  it('holds within the global window, until 14 days after the last survey of any kind, and says which', () => {
    const v = decideInvitation(facts({ sent: [{ surveyId: 'csat-x', type: 'csat', channel: 'inapp', sentAt: ago(10) }] }), def(), settings, now);
    assert.equal(v.kind, 'hold');
    assert.ok(v.kind === 'hold');
    assert.equal(v.code, 'fatigue_global');
    assert.equal(v.until.toISOString(), new Date(ago(10).getTime() + 14 * DAY).toISOString()); // 4 days from now
    assert.match(v.reason, /a survey was sent on 2026-11-21 12:00 UTC; the rule allows one every 14 days/);
  });

  it('the rule ending last wins: an NPS 30 days ago holds for the 90-day type rule (60 more days), not the global one', () => {
    const v = decideInvitation(facts({ sent: [{ surveyId: 'other-nps', type: 'nps', channel: 'email', sentAt: ago(30) }] }), def(), settings, now);
    assert.ok(v.kind === 'hold');
    assert.equal(v.code, 'fatigue_type');
    assert.equal(v.until.getTime(), now.getTime() + 60 * DAY);
  });

  it('per survey and per channel windows apply to their own kind only', () => {
    const s: SurveySettings = { ...settings, globalDays: 0, perTypeDays: { nps: 0, csat: 0, ces: 0 } };
    const sentSame = [{ surveyId: 'nps-q', type: 'nps' as const, channel: 'inapp', sentAt: ago(20) }];
    const perSurvey = decideInvitation(facts({ sent: sentSame }), def({ minDaysBetween: 30 }), s, now);
    assert.ok(perSurvey.kind === 'hold' && perSurvey.code === 'fatigue_survey' && perSurvey.until.getTime() === now.getTime() + 10 * DAY);
    // Another survey 20 days ago does not count for the per-survey rule.
    assert.deepEqual(decideInvitation(facts({ sent: [{ ...sentSame[0]!, surveyId: 'else' }] }), def({ minDaysBetween: 30 }), s, now), { kind: 'send' });
    const sms = decideInvitation(facts({ channel: 'sms', sent: [{ surveyId: 'x', type: 'csat', channel: 'sms', sentAt: ago(5) }] }), def(), s, now);
    assert.ok(sms.kind === 'hold' && sms.code === 'fatigue_channel' && sms.until.getTime() === now.getTime() + 25 * DAY);
    assert.deepEqual(decideInvitation(facts({ channel: 'email', sent: [{ surveyId: 'x', type: 'csat', channel: 'sms', sentAt: ago(5) }] }), def(), s, now), { kind: 'send' });
  });

  it('no survey in the first days after the customer was first seen', () => {
    const v = decideInvitation(facts({ firstSeenAt: ago(2) }), def(), settings, now);
    assert.ok(v.kind === 'hold' && v.code === 'first_survey_delay' && v.until.getTime() === now.getTime() + 5 * DAY);
  });

  it('whenHeld "skip" skips with the same reason instead of waiting', () => {
    const v = decideInvitation(facts({ firstSeenAt: ago(2) }), def({ whenHeld: 'skip' }), settings, now);
    assert.ok(v.kind === 'skip' && v.code === 'first_survey_delay' && v.until?.getTime() === now.getTime() + 5 * DAY);
  });

  it('0 switches a rule off (the defaults hold a fresh customer for 7 days)', () => {
    const off: SurveySettings = { globalDays: 0, perTypeDays: { nps: 0, csat: 0, ces: 0 }, perChannelDays: { email: 0, sms: 0, inapp: 0 }, firstSurveyDelayDays: 0 };
    assert.deepEqual(decideInvitation(facts({ firstSeenAt: ago(0), sent: [{ surveyId: 'nps-q', type: 'nps', channel: 'email', sentAt: ago(1) }] }), def(), off, now), { kind: 'send' });
    assert.equal(decideInvitation(facts({ firstSeenAt: ago(1) }), def(), DEFAULT_SURVEY_SETTINGS, now).kind, 'hold');
  });

  it('sampling: a stable draw per invitation, close to the rate over many', () => {
    let kept = 0;
    for (let i = 1; i <= 10_000; i++) if (inSample(i, 'nps-q', 0.25)) kept++;
    assert.ok(kept > 2_300 && kept < 2_700, `kept ${kept} of 10,000 at 25%`);
    assert.equal(inSample(42, 'nps-q', 0.25), inSample(42, 'nps-q', 0.25));
    const skipped = [...Array(50).keys()].map((i) => decideInvitation(facts({ invitationId: i + 1 }), def({ sampleRate: 0.5 }), settings, now)).filter((v) => v.kind === 'skip');
    assert.ok(skipped.length > 10 && skipped.length < 40);
    assert.ok(skipped.every((v) => v.kind === 'skip' && v.code === 'sampled_out'));
  });
});

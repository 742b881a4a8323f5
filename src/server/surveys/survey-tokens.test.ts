import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSurveyToken, peekSurveyToken, SURVEY_LINK_LIFETIME_SEC, verifySurveyToken } from './survey-tokens.js';
import { makeToken } from '../channels/link-tokens.js';

describe('survey link tokens', () => {
  const now = 1_800_000_000;
  it('verifies its own claims, refuses a tampered, foreign-secret or expired one', () => {
    const t = makeSurveyToken('secret-a', { w: 3, i: 77, c: 12 }, now);
    assert.deepEqual(verifySurveyToken('secret-a', t, now + 10), { w: 3, i: 77, c: 12, e: now + SURVEY_LINK_LIFETIME_SEC });
    assert.equal(verifySurveyToken('secret-b', t, now), null);
    assert.equal(verifySurveyToken('secret-a', t, now + SURVEY_LINK_LIFETIME_SEC), null);
    const [p, s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ w: 3, i: 78, c: 12, e: now + 999 })).toString('base64url');
    assert.equal(verifySurveyToken('secret-a', `${forged}.${s}`, now), null);
    assert.equal(verifySurveyToken('secret-a', `${p}.${s!.slice(1)}`, now), null);
  });
  it('a message link token (same secret) is not a survey token', () => {
    const m = makeToken('secret-a', 'click', { w: 3, m: 77, c: 12, u: 'https://x' }, now);
    assert.equal(verifySurveyToken('secret-a', m, now), null);
  });
  it('peek refuses ids out of range and junk', () => {
    assert.equal(peekSurveyToken('%%%'), null);
    assert.equal(peekSurveyToken(`${Buffer.from(JSON.stringify({ w: 2 ** 31, i: 1, c: 1, e: 1 })).toString('base64url')}.x`), null);
  });
});

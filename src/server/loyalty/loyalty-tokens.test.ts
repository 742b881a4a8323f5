import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSurveyToken, verifySurveyToken } from '../surveys/survey-tokens.js';
import { LOYALTY_LINK_LIFETIME_SEC, makeLoyaltyToken, peekLoyaltyToken, verifyLoyaltyToken } from './loyalty-tokens.js';

const S = 'secret-1';
const NOW = 1_800_000_000;

describe('loyalty link tokens', () => {
  it('verify with the secret until 180 days have passed', () => {
    const t = makeLoyaltyToken(S, { w: 3, c: 42 }, NOW);
    assert.deepEqual(verifyLoyaltyToken(S, t, NOW), { w: 3, c: 42, e: NOW + 180 * 86_400 });
    assert.equal(LOYALTY_LINK_LIFETIME_SEC, 15_552_000);
    assert.ok(verifyLoyaltyToken(S, t, NOW + LOYALTY_LINK_LIFETIME_SEC - 1));
    assert.equal(verifyLoyaltyToken(S, t, NOW + LOYALTY_LINK_LIFETIME_SEC), null);
  });
  it('refuse another secret, changed claims, a truncated signature and junk', () => {
    const t = makeLoyaltyToken(S, { w: 3, c: 42 }, NOW);
    const [, sig] = t.split('.');
    assert.equal(verifyLoyaltyToken('other', t, NOW), null);
    const other = Buffer.from(JSON.stringify({ w: 3, c: 43, e: NOW + 100 })).toString('base64url');
    assert.equal(verifyLoyaltyToken(S, `${other}.${sig}`, NOW), null);
    assert.equal(verifyLoyaltyToken(S, t.slice(0, -1), NOW), null);
    assert.equal(verifyLoyaltyToken(S, `${t}.x`, NOW), null);
    for (const junk of ['', '.', 'abc', 'abc.def', '!!!.???']) assert.equal(verifyLoyaltyToken(S, junk, NOW), null);
    assert.equal(peekLoyaltyToken(Buffer.from(JSON.stringify({ w: 0, c: 1, e: 1 })).toString('base64url')), null);
  });
  it('are not survey tokens, nor the other way round (own prefix under the same secret)', () => {
    const survey = makeSurveyToken(S, { w: 3, i: 42, c: 42 }, NOW);
    assert.equal(verifyLoyaltyToken(S, survey, NOW), null);
    const loyalty = makeLoyaltyToken(S, { w: 3, c: 42 }, NOW);
    assert.equal(verifySurveyToken(S, loyalty, NOW), null);
  });
});

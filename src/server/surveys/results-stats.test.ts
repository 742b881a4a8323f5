import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize, type Tally } from './results-stats.js';

const tally = (scores: number[], sentiment: (s: number) => 'positive' | 'neutral' | 'negative'): Tally => ({
  n: scores.length,
  positive: scores.filter((s) => sentiment(s) === 'positive').length,
  neutral: scores.filter((s) => sentiment(s) === 'neutral').length,
  negative: scores.filter((s) => sentiment(s) === 'negative').length,
  sum: scores.reduce((a, b) => a + b, 0),
  sumSquares: scores.reduce((a, b) => a + b * b, 0),
});
const nps = (s: number) => (s >= 9 ? 'positive' : s >= 7 ? 'neutral' : 'negative');

describe('score summaries', () => {
  it('NPS of 4 answers 10, 9, 7, 0: (2 − 1) / 4 = 25; Var = .75 − .0625 = .6875; 1.96 × √(.6875 / 4) × 100 = 81.26', () => {
    const s = summarize('nps', tally([10, 9, 7, 0], nps));
    assert.equal(s.score, 25);
    assert.equal(Math.round(s.marginOfError! * 100) / 100, 81.26);
    assert.equal(s.tooFew, true);
  });
  it('one answer: a score, no margin; none: nulls', () => {
    assert.deepEqual(summarize('nps', tally([3], nps)), { respondents: 1, positive: 0, neutral: 0, negative: 1, score: -100, marginOfError: null, tooFew: true });
    assert.deepEqual(summarize('csat', tally([], nps)), { respondents: 0, positive: 0, neutral: 0, negative: 0, score: null, marginOfError: null, tooFew: true });
    assert.equal(summarize('ces', tally([6], nps)).marginOfError, null);
  });
  it('every answer the same: margin 0 (the normal approximation), and 30 answers are no longer too few', () => {
    const s = summarize('nps', tally(Array(30).fill(10), nps));
    assert.deepEqual([s.score, s.marginOfError, s.tooFew], [100, 0, false]);
    assert.equal(summarize('nps', tally(Array(29).fill(10), nps)).tooFew, true);
    assert.equal(summarize('ces', tally([4, 4, 4], nps)).marginOfError, 0);
  });
});

import { MIN_RESPONDENTS, type ScoreSummary } from '../../contracts/survey-results.js';
import type { SurveyType } from '../../contracts/surveys.js';

/**
 * The score of a group of answers and its 95% margin of error (normal approximation, z = 1.96,
 * respondents only: dismissed and unanswered invitations are not in `n`). See
 * docs/surveys-results.md for a worked example.
 *
 * - NPS = 100 × (P − D) / n. Each answer is X = +1 (promoter), 0 (passive) or −1 (detractor),
 *   and NPS is 100 × the mean of X. With p_P = P/n and p_D = D/n, Var(X) = E[X²] − E[X]² =
 *   p_P + p_D − (p_P − p_D)², so MoE = 1.96 × √(Var(X) / n) × 100 NPS points.
 * - CSAT = 100 × positive / n (the share answering in the positive band, e.g. 4–5 of 1–5);
 *   MoE = 1.96 × √(p(1 − p) / n) × 100 percentage points.
 * - CES = the mean score; MoE = 1.96 × s / √n with s the sample standard deviation (n − 1).
 *
 * The margin is null below 2 answers; it is 0 when every answer is the same (the Wald
 * interval's known blind spot, which `tooFew` covers for small groups).
 */
export interface Tally {
  /** Answers (respondents). */
  n: number;
  positive: number;
  neutral: number;
  negative: number;
  /** Σ score and Σ score² (for the CES mean and its standard deviation). */
  sum: number;
  sumSquares: number;
}

const Z95 = 1.96;

export const EMPTY_TALLY: Tally = { n: 0, positive: 0, neutral: 0, negative: 0, sum: 0, sumSquares: 0 };

/** The summary of a tally for a survey type. */
export function summarize(type: SurveyType, t: Tally): ScoreSummary {
  const { n } = t;
  const base = { respondents: n, positive: t.positive, neutral: t.neutral, negative: t.negative, tooFew: n < MIN_RESPONDENTS };
  if (n === 0) return { ...base, score: null, marginOfError: null };
  if (type === 'nps') {
    const pP = t.positive / n;
    const pD = t.negative / n;
    const variance = Math.max(0, pP + pD - (pP - pD) ** 2);
    return { ...base, score: (pP - pD) * 100, marginOfError: n < 2 ? null : Z95 * Math.sqrt(variance / n) * 100 };
  }
  if (type === 'csat') {
    const p = t.positive / n;
    return { ...base, score: p * 100, marginOfError: n < 2 ? null : Z95 * Math.sqrt((p * (1 - p)) / n) * 100 };
  }
  const mean = t.sum / n;
  if (n < 2) return { ...base, score: mean, marginOfError: null };
  const sampleVariance = Math.max(0, (t.sumSquares - n * mean * mean) / (n - 1));
  return { ...base, score: mean, marginOfError: (Z95 * Math.sqrt(sampleVariance)) / Math.sqrt(n) };
}

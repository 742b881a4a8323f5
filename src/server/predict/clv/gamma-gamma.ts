/**
 * The Gamma-Gamma model of average transaction value (Colombo & Jiang 1999; Fader, Hardie
 * & Lee 2005, "RFM and CLV: using iso-value curves for customer base analysis", JMR 42(4)),
 * fitted by maximum likelihood on the customers with repeat purchases.
 *
 * A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers.
 * For a customer with x repeat transactions of mean value m_x, the density of m_x is
 *
 *   f(m_x | p, q, γ, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m_x^(px−1) x^(px) / (γ + m_x x)^(px+q)
 *
 * and the conditional expected average value is
 *
 *   E[M | p, q, γ, m_x, x] = p (γ + m_x x) / (px + q − 1)
 *
 * — a weighted mean of the population mean pγ/(q−1) and the customer's own m_x. The model
 * assumes value is independent of purchase frequency; check that on the data before use.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { groupByFrequency, permute, type FrequencyGroups } from './frequency-groups.js';
import { nelderMead } from './nelder-mead.js';

/** Gamma-Gamma parameters (γ is in money units). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Inputs prepared for repeated likelihood evaluation: customers with x > 0 and m_x > 0, in frequency order. */
export interface GammaGammaData {
  readonly groups: FrequencyGroups;
  readonly monetary: Float64Array;
  /** Σ ln m_x over each frequency group. */
  readonly lnMonetarySums: Float64Array;
}

/**
 * Keep the customers the model is fitted on (x > 0 and a positive mean value; the others
 * carry no information about value) and prepare them.
 */
export function prepareGammaGamma(frequency: ArrayLike<number>, monetary: ArrayLike<number>): GammaGammaData {
  if (frequency.length !== monetary.length) throw new RangeError('frequency and monetary must have one entry per customer');
  const keptX: number[] = [];
  const keptM: number[] = [];
  for (let i = 0; i < frequency.length; i++) {
    const m = monetary[i]!;
    if (!Number.isFinite(m) || m < 0) throw new RangeError(`customer ${i}: mean value ${m} is not a non-negative number`);
    if (frequency[i]! > 0 && m > 0) {
      keptX.push(frequency[i]!);
      keptM.push(m);
    }
  }
  const groups = groupByFrequency(keptX);
  const m = permute(keptM, groups.order);
  const lnMonetarySums = new Float64Array(groups.values.length);
  for (let k = 0; k < groups.values.length; k++) for (let i = groups.starts[k]!; i < groups.starts[k + 1]!; i++) lnMonetarySums[k]! += Math.log(m[i]!);
  return { groups, monetary: m, lnMonetarySums };
}

/** The log-likelihood (sum of ln f(m_x)) at `params`. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: GammaGammaData): number {
  const { p, q, gamma } = params;
  const { values, starts } = data.groups;
  const m = data.monetary;
  const perCustomer = q * Math.log(gamma) - gammaln(q);
  let total = 0;
  for (let k = 0; k < values.length; k++) {
    const x = values[k]!;
    const px = p * x;
    const from = starts[k]!;
    const to = starts[k + 1]!;
    total += (to - from) * (gammaln(px + q) - gammaln(px) + perCustomer + px * Math.log(x)) + (px - 1) * data.lnMonetarySums[k]!;
    let logs = 0;
    for (let i = from; i < to; i++) logs += Math.log(gamma + m[i]! * x);
    total -= (px + q) * logs;
  }
  return total;
}

/** A maximum-likelihood fit. */
export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  evaluations: number;
  converged: boolean;
  /** Customers fitted on (x > 0, m_x > 0). */
  customers: number;
}

/** Fit p, q, γ by maximum likelihood: Nelder–Mead on their logarithms from p = q = 1, γ = the mean m_x. */
export function fitGammaGamma(data: GammaGammaData): GammaGammaFit {
  const n = data.monetary.length;
  if (n === 0) throw new RangeError('no customers with repeat purchases of positive value to fit the Gamma-Gamma model on');
  let mean = 0;
  for (const m of data.monetary) mean += m / n;
  const fromLog = (v: ArrayLike<number>): GammaGammaParams => ({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) });
  const result = nelderMead((v) => -gammaGammaLogLikelihood(fromLog(v), data), [0, 0, Math.log(mean)]);
  return { params: fromLog(result.x), logLikelihood: -result.fx, evaluations: result.evaluations, converged: result.converged, customers: n };
}

/**
 * E[M | m_x, x]: the expected value of this customer's transactions. For x = 0 (or a mean
 * of 0) it is the population mean pγ/(q−1); NaN when q ≤ 1 (the mean does not exist).
 */
export function expectedAverageValue(params: GammaGammaParams, frequency: number, monetary: number): number {
  const { p, q, gamma } = params;
  if (!(q > 1)) return NaN;
  const x = monetary > 0 ? frequency : 0;
  return (p * (gamma + monetary * x)) / (p * x + q - 1);
}

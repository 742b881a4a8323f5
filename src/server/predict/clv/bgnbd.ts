/**
 * The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers
 * the easy way", Marketing Science 24(2)), fitted by maximum likelihood.
 *
 * While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each repeat purchase
 * they drop out for good with probability p ~ Beta(a, b). A customer is summarised by
 * x (repeat purchases), t_x (time of the last one) and T (time observed), all measured
 * from their first purchase. The likelihood of one customer (the paper's equation 6) is
 *
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x) ]
 *
 * and is evaluated in logs, the bracket by log-sum-exp, so customers with hundreds of
 * purchases neither overflow nor underflow.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { groupByFrequency, permute, type FrequencyGroups } from './frequency-groups.js';
import { nelderMead } from './nelder-mead.js';

/** BG/NBD parameters: r, α (the Gamma for λ; α is in the time unit of the data) and a, b (the Beta for p). */
export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Per-customer inputs, one entry per customer in each column. */
export interface RfmColumns {
  frequency: ArrayLike<number>;
  recency: ArrayLike<number>;
  T: ArrayLike<number>;
}

/** Inputs prepared for repeated likelihood evaluation (customers in frequency order). */
export interface BgnbdData {
  readonly groups: FrequencyGroups;
  readonly recency: Float64Array;
  readonly T: Float64Array;
}

/** Check and prepare the inputs; throws a RangeError naming the first customer at fault. */
export function prepareBgnbd(data: RfmColumns): BgnbdData {
  const n = data.frequency.length;
  if (data.recency.length !== n || data.T.length !== n) throw new RangeError('frequency, recency and T must have one entry per customer');
  for (let i = 0; i < n; i++) {
    const tx = data.recency[i]!;
    const T = data.T[i]!;
    if (!(tx >= 0 && tx <= T && Number.isFinite(T))) throw new RangeError(`customer ${i}: need 0 ≤ recency ≤ T (recency ${tx}, T ${T})`);
  }
  const groups = groupByFrequency(data.frequency);
  return { groups, recency: permute(data.recency, groups.order), T: permute(data.T, groups.order) };
}

/** The log-likelihood of all customers at `params` (the sum of each customer's log L). */
export function bgnbdLogLikelihood(params: BgnbdParams, data: BgnbdData): number {
  const { r, alpha, a, b } = params;
  const { values, starts } = data.groups;
  const { recency, T } = data;
  const lnAlpha = Math.log(alpha);
  const shared = gammaln(r) - r * lnAlpha + betaln(a, b);
  let total = 0;
  for (let k = 0; k < values.length; k++) {
    const x = values[k]!;
    const from = starts[k]!;
    const to = starts[k + 1]!;
    const rx = r + x;
    total += (to - from) * (gammaln(rx) + betaln(a, b + x) - shared);
    if (x === 0) {
      for (let i = from; i < to; i++) total -= rx * Math.log(alpha + T[i]!);
      continue;
    }
    const lnRatio = Math.log(a / (b + x - 1));
    for (let i = from; i < to; i++) {
      const a3 = -rx * Math.log(alpha + T[i]!);
      const a4 = lnRatio - rx * Math.log(alpha + recency[i]!);
      total += a3 > a4 ? a3 + Math.log1p(Math.exp(a4 - a3)) : a4 + Math.log1p(Math.exp(a3 - a4));
    }
  }
  return total;
}

/** A maximum-likelihood fit. */
export interface BgnbdFit {
  params: BgnbdParams;
  logLikelihood: number;
  /** Likelihood evaluations the optimiser used. */
  evaluations: number;
  converged: boolean;
}

/**
 * Fit r, α, a, b by maximum likelihood: Nelder–Mead on their logarithms, started at
 * r = a = b = 1 and α = the mean of T (a scale in the data's time unit).
 */
export function fitBgnbd(data: BgnbdData): BgnbdFit {
  if (data.T.length === 0) throw new RangeError('no customers to fit');
  let meanT = 0;
  for (const t of data.T) meanT += t / data.T.length;
  const fromLog = (v: ArrayLike<number>): BgnbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) });
  const result = nelderMead((v) => -bgnbdLogLikelihood(fromLog(v), data), [0, Math.log(Math.max(meanT, 1e-6)), 0, 0]);
  return { params: fromLog(result.x), logLikelihood: -result.fx, evaluations: result.evaluations, converged: result.converged };
}

/** Past this a + b the fitted dropout probability is the same for every customer (see bgnbd-predict.ts POINT_MASS). */
const SAME_DROPOUT = 1e4;

/**
 * What a fit at the edge of the parameter space means, in words a user can act on (null:
 * an interior fit). The BG/NBD has two such edges that real data reach:
 * - no observed dropout (a/(a+b) → 0): everyone still buys at their usual pace, so the data
 *   cannot say how customers leave; predictions assume nobody does (an upper bound);
 * - the same dropout for everyone (a + b → ∞): customers differ in how often they buy but
 *   not, as far as the data show, in how likely they are to stop; predictions use the one
 *   probability (the model's limit, computed exactly).
 * Purchase rates at an edge (r or α beyond 1e-6…1e6) mean too little data to tell rates apart.
 */
export function bgnbdFitNote(params: BgnbdParams): string | null {
  const { r, alpha, a, b } = params;
  const p = a / (a + b);
  if (!(r > 1e-6 && r < 1e6 && alpha > 1e-6 && alpha < 1e6)) {
    return 'the purchase rates could not be told apart (too few customers or too few purchases each): treat the predictions with care';
  }
  if (p < 1e-6) return 'no customer shows signs of having stopped buying, so the data cannot say how customers leave: predictions assume nobody does, so CLV is an upper bound';
  if (a + b >= SAME_DROPOUT) {
    return `customers differ in how often they buy but not, as far as the data show, in how likely they are to stop: predictions use one dropout probability for everyone (${(p * 100).toPrecision(3)} % after each purchase)`;
  }
  return null;
}

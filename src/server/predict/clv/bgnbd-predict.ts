/**
 * What a fitted BG/NBD model says about one customer (Fader, Hardie & Lee 2005).
 *
 * P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 *
 * E[Y(t) | x, t_x, T] (the paper's equation 10), the expected purchases in (T, T+t]:
 *
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive),  z = t/(α+T+t)
 *
 * For a customer with hundreds of purchases the ₂F₁ term there is a huge series times a
 * tiny power, so it is computed through Euler's transformation
 * ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z), which turns the bracket into
 *
 *   1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z)
 *
 * whose series has small numerator parameters and converges faster the larger x is.
 * (The formula has a removable singularity at a = 1, where it is 0/0; a fit that lands
 * within 1e-9 of it is evaluated at a = 1 ± 1e-6.)
 */
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import type { BgnbdParams } from './bgnbd.js';

/** Probability that a customer with x repeat purchases, the last at t_x, is still alive at T. */
export function probabilityAlive(params: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const lnOdds = Math.log(a / (b + x - 1)) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/** Expected purchases in the next `t` time units, given x, t_x and T (equation 10). */
export function expectedPurchases(params: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  return expectedIfAlive(params, t, x, T) * probabilityAlive(params, x, tx, T);
}

/**
 * Expected purchases in (T, T+t] of a customer alive at T: equation 10 without its
 * P(alive) factor, so a sequence of horizons can share one P(alive).
 */
export function expectedIfAlive(params: BgnbdParams, t: number, x: number, T: number): number {
  const { r, alpha, b } = params;
  if (params.a + b >= POINT_MASS) return expectedIfAliveFixedDropout(params, t, x, T);
  const a = Math.abs(params.a - 1) < 1e-9 ? 1 + (params.a >= 1 ? 1e-6 : -1e-6) : params.a;
  const z = t / (alpha + T + t);
  const lnOneMinusZ = Math.log(alpha + T) - Math.log(alpha + T + t);
  const bracket = 1 - Math.exp((a - 1) * lnOneMinusZ) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const value = ((a + b + x - 1) / (a - 1)) * bracket;
  // The series can fail far from the boundary too (huge parameters): the limit is then the better answer.
  return Number.isFinite(value) ? value : expectedIfAliveFixedDropout(params, t, x, T);
}

/**
 * Past this a + b the Beta distribution of the dropout probability p is, for every purpose
 * here, a point mass at p̄ = a/(a+b) (its standard deviation is below √(p̄/(a+b)) ≤ 1 %):
 * the fit found no variety in dropout between customers. The ₂F₁ series of equation 10
 * fails there (a, b ~ 1e5 and up give NaN), so predictions use that limit instead.
 */
export const POINT_MASS = 1e4;

/**
 * Expected purchases in (T, T+t] of a customer alive at T when every customer drops out with
 * the same probability p after each purchase (the BG/NBD as a, b → ∞ with a/(a+b) = p).
 * Given λ, the customer stays alive for an Exp(λp) time, buying at rate λ meanwhile, so
 * E[Y | λ] = (1 − e^(−λpt)) / p; averaged over the posterior λ ~ Gamma(r+x, α+T):
 *
 *   E[Y(t)] = (1 − ((α+T)/(α+T+pt))^(r+x)) / p
 *
 * and as p → 0 (no dropout at all) this tends to the NBD's (r+x)·t/(α+T).
 */
export function expectedIfAliveFixedDropout(params: BgnbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = params;
  const p = a / (a + b);
  const noDropout = ((r + x) * t) / (alpha + T);
  if (!(p > 1e-12)) return noDropout;
  // −expm1((r+x)·log((α+T)/(α+T+pt))), computed without cancellation for small pt.
  const value = -Math.expm1(-(r + x) * Math.log1p((p * t) / (alpha + T))) / p;
  return Number.isFinite(value) ? value : noDropout;
}

/**
 * Customers drawn from the BG/NBD and Gamma-Gamma models themselves, for benchmarks and
 * for checking that a fit recovers the parameters it was simulated with. Seeded: the same
 * seed gives the same customers. (The random variates come from @stdlib's generators, a
 * development dependency: nothing the server runs imports this file.)
 *
 * Each customer: λ ~ Gamma(r, α) and p ~ Beta(a, b); purchases at Poisson rate λ from the
 * first purchase at 0 until T, dropping out for good after each repeat purchase with
 * probability p. Each repeat purchase's value is Gamma(p_gg, ν), ν ~ Gamma(q, γ).
 */
import randomBeta from '@stdlib/random-base-beta';
import randomExponential from '@stdlib/random-base-exponential';
import randomGamma from '@stdlib/random-base-gamma';
import type { BgnbdParams } from './bgnbd.js';
import type { GammaGammaParams } from './gamma-gamma.js';

/** Simulated calibration summaries, one entry per customer in each column. */
export interface SimulatedCustomers {
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
  monetary: Float64Array;
}

/**
 * Draw `n` customers whose observation lengths T are uniform on [minT, maxT] (a cohort
 * acquired over a span of time, like CDNOW's first quarter of 1997).
 */
export function simulateCustomers(n: number, bgnbd: BgnbdParams, gammaGamma: GammaGammaParams, opts: { minT: number; maxT: number; seed: number }): SimulatedCustomers {
  const gamma = randomGamma.factory({ seed: opts.seed });
  const beta = randomBeta.factory({ seed: opts.seed + 1 });
  const exponential = randomExponential.factory({ seed: opts.seed + 2 });
  const out: SimulatedCustomers = { frequency: new Float64Array(n), recency: new Float64Array(n), T: new Float64Array(n), monetary: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const T = opts.minT + (opts.maxT - opts.minT) * beta(1, 1);
    const lambda = gamma(bgnbd.r, bgnbd.alpha);
    const dropout = beta(bgnbd.a, bgnbd.b);
    const nu = gamma(gammaGamma.q, gammaGamma.gamma);
    let t = 0;
    let x = 0;
    let tx = 0;
    let value = 0;
    for (;;) {
      t += exponential(lambda);
      if (!(t <= T)) break;
      x++;
      tx = t;
      value += gamma(gammaGamma.p, nu);
      if (exponential(1) > -Math.log(dropout)) break; // P(Exp(1) > −ln p) = p: dropped out
    }
    out.frequency[i] = x;
    out.recency[i] = tx;
    out.T[i] = T;
    out.monetary[i] = x > 0 ? value / x : 0;
  }
  return out;
}

/**
 * Nelder–Mead downhill simplex minimisation (Nelder & Mead 1965, with the standard
 * coefficients: reflection 1, expansion 2, contraction ½, shrink ½, as in Lagarias et al.
 * 1998 and scipy's `fmin`). No maintained npm package fitted (fmin and numeric have not
 * been released in years), so this is a small, tested one.
 *
 * Unconstrained: fit positive parameters on their logarithms. The search restarts from its
 * best point until a restart no longer improves the value (a simplex that collapsed early
 * gets a fresh, full-size one), which makes the result reliable for smooth likelihoods.
 */

/** Stopping rules; the defaults suit log-likelihoods of a few thousand customers or more. */
export interface NelderMeadOptions {
  /** Initial simplex step along each coordinate (default 0.5; on log-parameters, a factor of e^0.5). */
  step?: number;
  /** Stop when every vertex is within this of the best, coordinate-wise (default 1e-7). */
  xTolerance?: number;
  /** … and every vertex's value is within fTolerance × (1 + |best value|) of the best value (default 1e-12). */
  fTolerance?: number;
  /** Hard limit on function evaluations, all restarts included (default 5,000). */
  maxEvaluations?: number;
  /** Restarts from the best point after convergence (default 2). */
  restarts?: number;
}

/** Where the search ended. */
export interface NelderMeadResult {
  x: Float64Array;
  fx: number;
  evaluations: number;
  /** False when `maxEvaluations` ran out before the tolerances were met. */
  converged: boolean;
}

/** Minimise `f` from `x0`. `f` may return NaN or Infinity for infeasible points; they count as +Infinity. */
export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, opts: NelderMeadOptions = {}): NelderMeadResult {
  const maxEvaluations = opts.maxEvaluations ?? 5_000;
  let evaluations = 0;
  const value = (x: Float64Array) => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  let best: { x: Float64Array; fx: number } = { x: Float64Array.from(x0), fx: value(Float64Array.from(x0)) };
  let converged = false;
  for (let round = 0; round <= (opts.restarts ?? 2); round++) {
    const r = simplexSearch(value, best.x, opts, maxEvaluations - evaluations);
    const improved = r.fx < best.fx - (opts.fTolerance ?? 1e-12) * (1 + Math.abs(best.fx));
    if (r.fx <= best.fx) best = r;
    converged = r.converged;
    if (!converged || (round > 0 && !improved)) break;
  }
  return { x: best.x, fx: best.fx, evaluations, converged };
}

/** One Nelder–Mead run from a fresh simplex around `start`, within `budget` evaluations. */
function simplexSearch(value: (x: Float64Array) => number, start: Float64Array, opts: NelderMeadOptions, budget: number) {
  const n = start.length;
  const step = opts.step ?? 0.5;
  const xTol = opts.xTolerance ?? 1e-7;
  const fTol = opts.fTolerance ?? 1e-12;
  const points: Float64Array[] = [Float64Array.from(start)];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(start);
    p[i]! += step;
    points.push(p);
  }
  const values = points.map(value);
  let used = n + 1;
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const trial = (towards: Float64Array, coefficient: number) => {
    // centroid + coefficient·(centroid − worst)
    const p = new Float64Array(n);
    for (let j = 0; j < n; j++) p[j] = centroid[j]! + coefficient * (centroid[j]! - towards[j]!);
    used++;
    return { p, v: value(p) };
  };
  for (;;) {
    order.sort((i, j) => values[i]! - values[j]!);
    const b = order[0]!;
    const w = order[n]!;
    if (spread(points, values, b, xTol, fTol)) return { x: points[b]!, fx: values[b]!, converged: true };
    if (used >= budget) return { x: points[b]!, fx: values[b]!, converged: false };
    centroid.fill(0);
    for (const i of order.slice(0, n)) for (let j = 0; j < n; j++) centroid[j]! += points[i]![j]! / n;
    const worst = points[w]!;
    const secondWorst = values[order[n - 1]!]!;
    const reflected = trial(worst, 1);
    let replacement: { p: Float64Array; v: number } | null = null;
    if (reflected.v < values[b]!) {
      const expanded = trial(worst, 2);
      replacement = expanded.v < reflected.v ? expanded : reflected;
    } else if (reflected.v < secondWorst) {
      replacement = reflected;
    } else {
      const outside = reflected.v < values[w]!;
      const contracted = trial(worst, outside ? 0.5 : -0.5);
      if (contracted.v < (outside ? reflected.v : values[w]!)) replacement = contracted;
    }
    if (replacement) {
      points[w] = replacement.p;
      values[w] = replacement.v;
      continue;
    }
    // shrink every vertex halfway towards the best
    for (const i of order.slice(1)) {
      for (let j = 0; j < n; j++) points[i]![j] = points[b]![j]! + 0.5 * (points[i]![j]! - points[b]![j]!);
      values[i] = value(points[i]!);
      used++;
    }
  }
}

/** Whether the simplex is within the tolerances of its best vertex `b`. */
function spread(points: Float64Array[], values: number[], b: number, xTol: number, fTol: number): boolean {
  const fScale = fTol * (1 + Math.abs(values[b]!));
  for (let i = 0; i < points.length; i++) {
    if (i === b) continue;
    if (!(Math.abs(values[i]! - values[b]!) <= fScale)) return false;
    for (let j = 0; j < points[b]!.length; j++) if (Math.abs(points[i]![j]! - points[b]![j]!) > xTol) return false;
  }
  return true;
}

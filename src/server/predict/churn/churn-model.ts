/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted
 * least squares) with a backtracking line search. It minimises
 *
 *   L(b, β) = −Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)] + (λ/2) Σⱼ βⱼ²,   pᵢ = σ(b + xᵢ·β),
 *
 * the intercept b unpenalised. At the optimum the gradient Xᵀ(p − y) + λβ is zero. The
 * design matrix is dense, row-major, without the intercept column.
 */

/** A fitted model on a design matrix's columns. */
export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
  /** The penalised negative log-likelihood at the fit. */
  loss: number;
}

export interface FitOptions {
  /** L2 penalty λ on the coefficients (default 1, as scikit-learn's C = 1). */
  lambda?: number;
  maxIterations?: number;
  /** Stop (after one more full step) when the Newton decrement / 2 falls below this share of the loss (default 1e-10). */
  tolerance?: number;
}

/** log(1 + eᶻ) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Fit on `rows` × `cols` values `x` (row-major) and 0/1 `y`. */
export function fitLogistic(x: Float64Array, rows: number, cols: number, y: ArrayLike<number>, opts: FitOptions = {}): LogisticFit {
  if (x.length !== rows * cols) throw new Error(`fitLogistic: ${x.length} values for ${rows} × ${cols}`);
  if (y.length !== rows) throw new Error(`fitLogistic: ${y.length} labels for ${rows} rows`);
  const lambda = opts.lambda ?? 1;
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-10;
  const q = cols + 1; // parameter 0 is the intercept
  const theta = new Float64Array(q);
  // Start at the base rate: the intercept-only answer when β = 0.
  let positives = 0;
  for (let i = 0; i < rows; i++) positives += y[i]!;
  const rate = Math.min(Math.max(positives / Math.max(rows, 1), 1e-6), 1 - 1e-6);
  theta[0] = Math.log(rate / (1 - rate));

  const eta = new Float64Array(rows);
  const linear = (params: Float64Array, out: Float64Array) => {
    for (let i = 0, o = 0; i < rows; i++, o += cols) {
      let s = params[0]!;
      for (let j = 0; j < cols; j++) s += x[o + j]! * params[j + 1]!;
      out[i] = s;
    }
  };
  const lossAt = (params: Float64Array, z: Float64Array) => {
    let l = 0;
    for (let i = 0; i < rows; i++) l += softplus(z[i]!) - y[i]! * z[i]!;
    let penalty = 0;
    for (let j = 1; j < q; j++) penalty += params[j]! ** 2;
    return l + (lambda / 2) * penalty;
  };

  linear(theta, eta);
  let loss = lossAt(theta, eta);
  const grad = new Float64Array(q);
  const hess = new Float64Array(q * q);
  const xi = new Float64Array(q);
  const trial = new Float64Array(q);
  const trialEta = new Float64Array(rows);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    grad.fill(0);
    hess.fill(0);
    xi[0] = 1;
    for (let i = 0, o = 0; i < rows; i++, o += cols) {
      const p = sigmoid(eta[i]!);
      const r = p - y[i]!;
      const w = p * (1 - p);
      for (let j = 0; j < cols; j++) xi[j + 1] = x[o + j]!;
      for (let a = 0; a < q; a++) {
        const wa = w * xi[a]!;
        grad[a]! += r * xi[a]!;
        if (wa === 0) continue;
        const row = a * q;
        for (let b = 0; b <= a; b++) hess[row + b]! += wa * xi[b]!;
      }
    }
    for (let j = 1; j < q; j++) {
      grad[j]! += lambda * theta[j]!;
      hess[j * q + j]! += lambda;
    }
    for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) hess[b * q + a] = hess[a * q + b]!;
    const step = solveSymmetric(hess, grad, q);
    let decrement = 0;
    for (let a = 0; a < q; a++) decrement += grad[a]! * step[a]!;
    // decrement / 2 estimates how far the loss is above its minimum. Once that is within
    // rounding, one last full Newton step (quadratic convergence) lands on the optimum.
    if (decrement / 2 <= tolerance * (1 + Math.abs(loss))) {
      for (let a = 0; a < q; a++) trial[a] = theta[a]! - step[a]!;
      linear(trial, trialEta);
      const l = lossAt(trial, trialEta);
      if (l <= loss + 1e-12 * (1 + Math.abs(loss))) {
        theta.set(trial);
        loss = l;
      }
      converged = true;
      break;
    }
    // Backtracking (Armijo): halve the Newton step until the loss falls enough.
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 40; k++, t /= 2) {
      for (let a = 0; a < q; a++) trial[a] = theta[a]! - t * step[a]!;
      linear(trial, trialEta);
      const l = lossAt(trial, trialEta);
      if (l <= loss - 1e-4 * t * decrement) {
        theta.set(trial);
        eta.set(trialEta);
        loss = l;
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      converged = true; // no step improves the loss: at the optimum to machine precision
      break;
    }
  }
  return { intercept: theta[0]!, coefficients: Array.from(theta.subarray(1)), iterations, converged, loss };
}

/**
 * Solve H s = g for a symmetric positive-definite H (q × q, row-major) by Cholesky. A tiny
 * ridge is added when H is numerically singular (λ = 0 on separable data).
 */
function solveSymmetric(h: Float64Array, g: Float64Array, q: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const l = cholesky(h, q, jitter);
    if (!l) {
      if (jitter > 1) throw new Error('fitLogistic: the Hessian is not positive definite');
      continue;
    }
    const z = new Float64Array(q);
    for (let i = 0; i < q; i++) {
      let s = g[i]!;
      for (let k = 0; k < i; k++) s -= l[i * q + k]! * z[k]!;
      z[i] = s / l[i * q + i]!;
    }
    const s = new Float64Array(q);
    for (let i = q - 1; i >= 0; i--) {
      let v = z[i]!;
      for (let k = i + 1; k < q; k++) v -= l[k * q + i]! * s[k]!;
      s[i] = v / l[i * q + i]!;
    }
    return s;
  }
}

function cholesky(h: Float64Array, q: number, jitter: number): Float64Array | null {
  const l = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let s = h[i * q + j]! + (i === j ? jitter * Math.max(1, h[i * q + i]!) : 0);
      for (let k = 0; k < j; k++) s -= l[i * q + k]! * l[j * q + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * q + i] = Math.sqrt(s);
      } else l[i * q + j] = s / l[j * q + j]!;
    }
  }
  return l;
}

/** Probabilities for `rows` rows of `x` (same columns as the fit). */
export function predictLogistic(fit: Pick<LogisticFit, 'intercept' | 'coefficients'>, x: Float64Array, rows: number): Float64Array {
  const cols = fit.coefficients.length;
  const out = new Float64Array(rows);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    let s = fit.intercept;
    for (let j = 0; j < cols; j++) s += x[o + j]! * fit.coefficients[j]!;
    out[i] = sigmoid(s);
  }
  return out;
}

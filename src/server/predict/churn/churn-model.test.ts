import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogistic, sigmoid } from './churn-model.js';
import { Rng } from '../../lib/rng.js';

const close = (actual: number, expected: number, tol: number, what: string) => assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);

describe('fitLogistic (Newton / IRLS)', () => {
  it('without a penalty, one binary feature reproduces the two groups’ log-odds', () => {
    // x = 0: 3 churned of 10; x = 1: 6 of 8. The maximum-likelihood fit matches each group's
    // share exactly: b = logit(0.3) = ln(3/7), b + β = logit(0.75) = ln 3, so β = ln 7.
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 10; i++) (x.push(0), y.push(i < 3 ? 1 : 0));
    for (let i = 0; i < 8; i++) (x.push(1), y.push(i < 6 ? 1 : 0));
    const fit = fitLogistic(Float64Array.from(x), 18, 1, y, { lambda: 0 });
    assert.ok(fit.converged);
    close(fit.intercept, Math.log(3 / 7), 1e-9, 'intercept');
    close(fit.coefficients[0]!, Math.log(7), 1e-9, 'slope');
  });

  it('with a penalty, separable data has the finite answer of the penalised equations', () => {
    // x = −1 → 0, x = +1 → 1, λ = 1. By symmetry b = 0; ∂L/∂β = −σ(−β) + (σ(β) − 1) + β = β − 2σ(−β) = 0.
    let lo = 0;
    let hi = 2;
    for (let k = 0; k < 200; k++) {
      const mid = (lo + hi) / 2;
      if (mid - 2 * sigmoid(-mid) > 0) hi = mid;
      else lo = mid;
    }
    const fit = fitLogistic(Float64Array.from([-1, 1]), 2, 1, [0, 1], { lambda: 1 });
    close(fit.intercept, 0, 1e-10, 'intercept');
    close(fit.coefficients[0]!, lo, 1e-9, 'slope'); // ≈ 0.6749
    close(lo, 0.6749, 1e-4, 'root');
  });

  it('stops the gradient of the penalised likelihood at zero on noisy data', () => {
    const rng = new Rng(11);
    const rows = 500;
    const cols = 3;
    const x = new Float64Array(rows * cols);
    const y: number[] = [];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) x[i * cols + j] = rng.normal(0, 1 + j);
      const z = 0.3 + 1.2 * x[i * cols]! - 0.5 * x[i * cols + 1]! + 0 * x[i * cols + 2]!;
      y.push(rng.chance(sigmoid(z)) ? 1 : 0);
    }
    const lambda = 2;
    const fit = fitLogistic(x, rows, cols, y, { lambda });
    assert.ok(fit.converged);
    const grad = [0, 0, 0, 0];
    for (let i = 0; i < rows; i++) {
      let z = fit.intercept;
      for (let j = 0; j < cols; j++) z += fit.coefficients[j]! * x[i * cols + j]!;
      const r = sigmoid(z) - y[i]!;
      grad[0]! += r;
      for (let j = 0; j < cols; j++) grad[j + 1]! += r * x[i * cols + j]!;
    }
    for (let j = 0; j < cols; j++) grad[j + 1]! += lambda * fit.coefficients[j]!;
    for (const g of grad) close(g, 0, 1e-7, 'gradient');
    // And it found the signal: the first feature pushes up, the second down.
    assert.ok(fit.coefficients[0]! > 0.8 && fit.coefficients[1]! < -0.3, `coefficients ${fit.coefficients}`);
  });

  it('does not blow up on separable data without a penalty', () => {
    const fit = fitLogistic(Float64Array.from([-2, -1, 1, 2]), 4, 1, [0, 0, 1, 1], { lambda: 0, maxIterations: 60 });
    assert.ok(Number.isFinite(fit.coefficients[0]!) && fit.coefficients[0]! > 5);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nelderMead } from './nelder-mead.js';

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock function at (1, 1) from the classic start (−1.2, 1)', () => {
    const rosenbrock = (p: Float64Array) => 100 * (p[1]! - p[0]! ** 2) ** 2 + (1 - p[0]!) ** 2;
    const r = nelderMead(rosenbrock, [-1.2, 1]);
    assert.equal(r.converged, true);
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-6 && Math.abs(r.x[1]! - 1) < 1e-6, `at ${r.x.join(', ')}`);
    assert.ok(r.fx < 1e-12);
    assert.ok(r.evaluations < 1_000, `${r.evaluations} evaluations`);
  });

  it('finds the minimum of the 4-dimensional Rosenbrock function at (1, 1, 1, 1)', () => {
    const f = (p: Float64Array) => {
      let s = 0;
      for (let i = 0; i + 1 < p.length; i++) s += 100 * (p[i + 1]! - p[i]! ** 2) ** 2 + (1 - p[i]!) ** 2;
      return s;
    };
    const r = nelderMead(f, [-1.2, 1, -1.2, 1], { maxEvaluations: 20_000 });
    assert.equal(r.converged, true);
    for (const v of r.x) assert.ok(Math.abs(v - 1) < 1e-5, `at ${r.x.join(', ')}`);
  });

  it('minimises a shifted, scaled quadratic exactly where it is lowest', () => {
    // f = (x − 3)² + 10 (y + 2)² + 5: minimum 5 at (3, −2)
    const r = nelderMead((p) => (p[0]! - 3) ** 2 + 10 * (p[1]! + 2) ** 2 + 5, [0, 0]);
    assert.ok(Math.abs(r.x[0]! - 3) < 1e-6 && Math.abs(r.x[1]! + 2) < 1e-6);
    assert.ok(Math.abs(r.fx - 5) < 1e-10);
  });

  it('treats NaN as infeasible and steps around it', () => {
    // log(x) is NaN for x < 0; minimum of x − log(x) is at x = 1
    const r = nelderMead((p) => p[0]! - Math.log(p[0]!), [3], { step: 4 });
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-6, `at ${r.x[0]}`);
  });

  it('stops at the evaluation limit and says it did not converge', () => {
    const r = nelderMead((p) => 100 * (p[1]! - p[0]! ** 2) ** 2 + (1 - p[0]!) ** 2, [-1.2, 1], { maxEvaluations: 30 });
    assert.equal(r.converged, false);
    assert.ok(r.evaluations <= 30 + 3, `${r.evaluations} evaluations`);
  });
});

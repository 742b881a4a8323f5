import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitBgnbd, prepareBgnbd } from './bgnbd.js';
import { fitGammaGamma, prepareGammaGamma } from './gamma-gamma.js';
import { simulateCustomers } from './simulate.js';

const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('simulateCustomers', () => {
  it('is seeded, and the fits recover the parameters it drew 20,000 customers from', () => {
    const s = simulateCustomers(20_000, BGNBD, GAMMA_GAMMA, { minT: 27, maxT: 39, seed: 1 });
    assert.deepEqual(simulateCustomers(50, BGNBD, GAMMA_GAMMA, { minT: 27, maxT: 39, seed: 1 }).recency, s.recency.slice(0, 50));
    for (let i = 0; i < s.T.length; i++) assert.ok(s.recency[i]! <= s.T[i]! && s.T[i]! >= 27 && s.T[i]! <= 39);
    const bg = fitBgnbd(prepareBgnbd(s)).params;
    const gg = fitGammaGamma(prepareGammaGamma(s.frequency, s.monetary)).params;
    // Tolerances from six seeds (1–6) at this size: r and α land within ±4 %, while a and b
    // (and p, q, γ) are strongly correlated pairs that each stray up to ±18 %.
    const within = (actual: number, expected: number, share: number, what: string) => assert.ok(Math.abs(actual / expected - 1) < share, `${what}: ${actual}, simulated with ${expected}`);
    within(bg.r, BGNBD.r, 0.06, 'r');
    within(bg.alpha, BGNBD.alpha, 0.06, 'α');
    within(bg.a, BGNBD.a, 0.25, 'a');
    within(bg.b, BGNBD.b, 0.25, 'b');
    within(gg.p, GAMMA_GAMMA.p, 0.25, 'p');
    within(gg.q, GAMMA_GAMMA.q, 0.25, 'q');
    within(gg.gamma, GAMMA_GAMMA.gamma, 0.25, 'γ');
  });
});

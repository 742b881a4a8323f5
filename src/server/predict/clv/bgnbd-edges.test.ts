import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bgnbdFitNote } from './bgnbd.js';
import { expectedIfAlive, expectedIfAliveFixedDropout, probabilityAlive } from './bgnbd-predict.js';

/**
 * The BG/NBD at the edges real data reach: a fit with a, b ~1e7–1e8 made every prediction NaN
 * (the ₂F₁ series fails), and nothing was stored. The limits are worked out by hand here.
 */
describe('BG/NBD predictions at the edges of the parameter space', () => {
  it('a + b huge (one dropout probability for all): finite, equal to the fixed-dropout limit worked out by hand', () => {
    // r = 0.6, α = 4, a = 1e7, b = 1e8 (p = 1/11); x = 5, T = 60, t = 52:
    // (1 − (64 / (64 + 52/11))^5.6) · 11 = (1 − 0.931217^5.6) · 11 = (1 − 0.670990) · 11 = 3.6191
    const p = { r: 0.6, alpha: 4, a: 1e7, b: 1e8 };
    const e = expectedIfAlive(p, 52, 5, 60);
    assert.ok(Math.abs(e - 3.6191) < 0.001, `E[Y] = ${e}`);
    for (const [a, b] of [
      [1e5, 1e6],
      [3e7, 2e8],
      [1e9, 1e12],
    ]) {
      assert.ok(Number.isFinite(expectedIfAlive({ r: 0.6, alpha: 4, a: a!, b: b! }, 52, 5, 60)));
    }
    assert.ok(Number.isFinite(probabilityAlive(p, 5, 30, 60)));
  });

  it('just below the switch, the series and the limit agree to 0.1 %', () => {
    const p = { r: 0.6, alpha: 4, a: 900, b: 9000 };
    const series = expectedIfAlive(p, 52, 5, 60);
    const limit = expectedIfAliveFixedDropout(p, 52, 5, 60);
    assert.ok(Math.abs(series - limit) / limit < 1e-3, `${series} vs ${limit}`);
  });

  it('no dropout (a/(a+b) → 0): the NBD expectation (r+x)·t/(α+T)', () => {
    // (4.3 + 25) · 52 / (4.56 + 55) = 25.584 (by hand)
    const e = expectedIfAlive({ r: 4.3, alpha: 4.56, a: 1e-10, b: 1.4e5 }, 52, 25, 55);
    assert.ok(Math.abs(e - 25.584) < 0.01, `E[Y] = ${e}`);
  });

  it('says in words what an edge means, and nothing for an interior fit', () => {
    assert.equal(bgnbdFitNote({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }), null);
    assert.match(bgnbdFitNote({ r: 0.6, alpha: 4, a: 1e7, b: 1e8 })!, /one dropout probability for everyone \(9\.09 % after each purchase\)/);
    assert.match(bgnbdFitNote({ r: 4.3, alpha: 4.56, a: 1e-10, b: 1.4e5 })!, /no customer shows signs of having stopped buying/);
    assert.match(bgnbdFitNote({ r: 1e-9, alpha: 4, a: 1, b: 2 })!, /purchase rates could not be told apart/);
  });
});

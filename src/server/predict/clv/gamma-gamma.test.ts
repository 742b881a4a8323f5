import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cdnowCalibration, CDNOW_ELOG, hasCdnow } from './cdnow-fixture.js';
import { expectedAverageValue, fitGammaGamma, gammaGammaLogLikelihood, prepareGammaGamma, type GammaGammaParams } from './gamma-gamma.js';

/** The CDNOW values published with the iso-value paper and reproduced by BTYD and lifetimes. */
const PUBLISHED: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

const close = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

describe('Gamma-Gamma on the CDNOW sample', { skip: hasCdnow ? false : `no ${CDNOW_ELOG}` }, () => {
  it('fits p, q, γ to the published values on the 946 customers with repeat purchases', () => {
    const customers = cdnowCalibration().customers;
    const fit = fitGammaGamma(
      prepareGammaGamma(
        customers.map((c) => c.frequency),
        customers.map((c) => c.monetary),
      ),
    );
    assert.equal(fit.customers, 946);
    assert.equal(fit.converged, true);
    assert.equal(Number(fit.params.p.toPrecision(3)), 6.25, `p ${fit.params.p}`);
    assert.equal(Number(fit.params.q.toPrecision(3)), 3.74, `q ${fit.params.q}`);
    assert.equal(Number(fit.params.gamma.toPrecision(3)), 15.4, `γ ${fit.params.gamma}`);
  });
});

describe('Gamma-Gamma formulas at the published parameters, against hand computation', () => {
  // Sample customer 1: repeat transactions of 29.73 and 14.96 → x = 2, m_x = 22.345.
  it('log density of sample customer 1', () => {
    // ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m_x + px ln x − (px+q) ln(γ + m_x x)
    //   px = 12.5; px+q = 16.24; γ + m_x x = 15.44 + 44.69 = 60.13
    //   lnΓ(16.24) = 28.5589625; lnΓ(12.5) = 18.7343475; lnΓ(3.74) = 1.4750055
    //   q ln γ = 3.74 · 2.7369615 = 10.2362362; (px−1) ln m_x = 11.5 · 3.1066026 = 35.7259297
    //   px ln x = 12.5 · 0.6931472 = 8.6643398; (px+q) ln 60.13 = 16.24 · 4.0965089 = 66.5273043
    //   ln f = 28.5589625 − 18.7343475 − 1.4750055 + 10.2362362 + 35.7259297 + 8.6643398 − 66.5273043 = −3.5511892
    close(gammaGammaLogLikelihood(PUBLISHED, prepareGammaGamma([2], [22.345])), -3.5511892, 1e-6, 'ln f');
  });

  it('conditional expected average value of sample customer 1, and the population mean for x = 0', () => {
    // E[M] = p (γ + m_x x) / (px + q − 1) = 6.25 · 60.13 / (12.5 + 2.74) = 375.8125 / 15.24 = 24.6596129
    close(expectedAverageValue(PUBLISHED, 2, 22.345), 24.6596129, 1e-6, 'E[M]');
    // x = 0: pγ/(q−1) = 6.25 · 15.44 / 2.74 = 96.5 / 2.74 = 35.2189781
    close(expectedAverageValue(PUBLISHED, 0, 0), 35.2189781, 1e-6, 'E[M], x = 0');
    assert.ok(Number.isNaN(expectedAverageValue({ ...PUBLISHED, q: 0.9 }, 2, 22.345)), 'no mean when q ≤ 1');
  });

  it('a customer with 500 purchases: finite, and close to their own mean', () => {
    // p (γ + 500·30) / (500p + q − 1) = 6.25 · 15015.44 / 3127.74 = 93846.5 / 3127.74 = 30.0045720
    close(expectedAverageValue(PUBLISHED, 500, 30), 30.004572, 1e-6, 'E[M]');
    const ll = gammaGammaLogLikelihood(PUBLISHED, prepareGammaGamma([500, 2], [30, 22.345]));
    assert.ok(Number.isFinite(ll), `LL ${ll}`);
  });

  it('fits on customers with repeat purchases of positive value only, and refuses negative values', () => {
    const data = prepareGammaGamma([0, 3, 2, 1], [0, 10, 0, 5]);
    assert.equal(data.monetary.length, 2);
    assert.throws(() => prepareGammaGamma([1], [-3]), /customer 0: mean value -3/);
  });
});

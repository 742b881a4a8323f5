import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bgnbdLogLikelihood, fitBgnbd, prepareBgnbd, type BgnbdParams } from './bgnbd.js';
import { expectedPurchases, probabilityAlive } from './bgnbd-predict.js';
import { cdnowCalibration, CDNOW_ELOG, hasCdnow } from './cdnow-fixture.js';

/** Fader, Hardie & Lee (2005), Marketing Science 24(2), the CDNOW sample. */
const PUBLISHED: BgnbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PUBLISHED_LL = -9582.4;

const close = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
const sameTo3Figures = (actual: number, expected: number, what: string) => assert.equal(Number(actual.toPrecision(3)), expected, `${what}: ${actual}`);

describe('BG/NBD on the CDNOW sample', { skip: hasCdnow ? false : `no ${CDNOW_ELOG}` }, () => {
  const customers = hasCdnow ? cdnowCalibration().customers : [];
  const data = () => prepareBgnbd({ frequency: customers.map((c) => c.frequency), recency: customers.map((c) => c.recency), T: customers.map((c) => c.T) });

  it('turns the elog into the published calibration totals: 2,357 customers, 946 with x > 0, Σx = 2,457', () => {
    assert.equal(customers.length, 2357);
    assert.equal(customers.filter((c) => c.frequency > 0).length, 946);
    assert.equal(
      customers.reduce((s, c) => s + c.frequency, 0),
      2457,
    );
    const one = customers.find((c) => c.customerId === '1')!;
    assert.deepEqual({ x: one.frequency, tx: one.recency, T: one.T }, { x: 2, tx: 213 / 7, T: 272 / 7 });
  });

  it('has the published log-likelihood at the published parameters', () => {
    close(bgnbdLogLikelihood(PUBLISHED, data()), PUBLISHED_LL, 0.1, 'LL');
  });

  it('fits r, α, a, b to the published values (3 significant figures) and the log-likelihood to 0.1', () => {
    const fit = fitBgnbd(data());
    assert.equal(fit.converged, true);
    sameTo3Figures(fit.params.r, 0.243, 'r');
    sameTo3Figures(fit.params.alpha, 4.41, 'α');
    sameTo3Figures(fit.params.a, 0.793, 'a');
    sameTo3Figures(fit.params.b, 2.43, 'b');
    close(fit.logLikelihood, PUBLISHED_LL, 0.1, 'LL');
    assert.ok(fit.evaluations < 1_500, `${fit.evaluations} evaluations`);
  });
});

describe('BG/NBD formulas at the published parameters, against hand computation', () => {
  it('log-likelihood of sample customer 1 (x = 2, t_x = 213/7, T = 272/7)', () => {
    // ln L = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
    //        + ln[(α+T)^−(r+x) + a/(b+x−1)·(α+t_x)^−(r+x)]
    // lnΓ(2.243) = 0.1208776, lnΓ(0.243) = 1.3180436, 0.243·ln 4.414 = 0.3608019
    //   → A1 = 0.1208776 − 1.3180436 + 0.3608019 = −0.8363642
    // lnΓ(3.219) = 0.9044487, lnΓ(4.426) = 2.3516453, lnΓ(2.426) = 0.2340081, lnΓ(5.219) = 3.5131176
    //   → A2 = 0.9044487 + 2.3516453 − 0.2340081 − 3.5131176 = −0.4910317
    // (43.2711429)^−2.243 = 2.1379969e−4; 0.793/3.426 · (34.8425714)^−2.243 = 0.2314653 · 3.4757e−4 = 8.0451223e−5
    //   → ln(2.1379969e−4 + 8.0451223e−5) = ln(2.9425091e−4) = −8.1310777
    // ln L = −0.8363642 − 0.4910317 − 8.1310777 = −9.4584736
    const one = prepareBgnbd({ frequency: [2], recency: [213 / 7], T: [272 / 7] });
    close(bgnbdLogLikelihood(PUBLISHED, one), -9.4584736, 1e-6, 'ln L');
    // x = 0, T = 272/7: ln L = r ln α − r ln(α+T) = 0.243·(ln 4.414 − ln 43.2711429) = 0.3608019 − 0.9154991 = −0.5546972
    const none = prepareBgnbd({ frequency: [0], recency: [0], T: [272 / 7] });
    close(bgnbdLogLikelihood(PUBLISHED, none), -0.5546972, 1e-6, 'ln L (x = 0)');
  });

  it('P(alive) and expected purchases in the 39-week holdout for sample customer 1', () => {
    // P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    //   α+T = 4.414 + 38.8571429 = 43.2711429; α+t_x = 4.414 + 30.4285714 = 34.8425714
    //   (43.2711429 / 34.8425714)^2.243 = 1.2419044^2.243 = 1.6256976; 0.793/3.426 = 0.2314653
    //   odds = 0.2314653 · 1.6256976 = 0.3762925 → P(alive) = 1/1.3762925 = 0.7265897
    // E[Y(39)] (equation 10) = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)
    //   (a+b+x−1)/(a−1) = 4.219 / −0.207 = −20.3816425
    //   z = 39/82.2711429 = 0.4740423; (43.2711429/82.2711429)^2.243 = 0.5259577^2.243 = 0.2366425
    //   ₂F₁(2.243, 4.426; 4.219; 0.4740423) = 4.5756567 (Gauss series Σ (A)_k (B)_k / ((C)_k k!) z^k, 2,000 terms)
    //   bracket = 1 − 0.2366425 · 4.5756567 = −0.0827948
    //   E = −20.3816425 · −0.0827948 · 0.7265897 = 1.2261158
    // (Fader & Hardie's Excel note gives 1.226 for this customer.)
    const [x, tx, T] = [2, 213 / 7, 272 / 7];
    close(probabilityAlive(PUBLISHED, x, tx, T), 0.7265897, 1e-6, 'P(alive)');
    close(expectedPurchases(PUBLISHED, 39, x, tx, T), 1.2261158, 1e-6, 'E[Y(39)]');
  });

  it('a customer without repeat purchases is alive for sure; expected purchases by hand', () => {
    // x = 0, T = 272/7: P(alive) = 1.
    //   (a+b−1)/(a−1) = 2.219 / −0.207 = −10.7198068; z = 0.4740423; (0.5259577)^0.243 = 0.8554430
    //   ₂F₁(0.243, 2.426; 2.219; 0.4740423) = 1.1902616 (Gauss series)
    //   E[Y(39)] = −10.7198068 · (1 − 0.8554430 · 1.1902616) = −10.7198068 · −0.0182009 = 0.1951097
    assert.equal(probabilityAlive(PUBLISHED, 0, 0, 272 / 7), 1);
    close(expectedPurchases(PUBLISHED, 39, 0, 0, 272 / 7), 0.1951097, 1e-6, 'E[Y(39)]');
    assert.equal(expectedPurchases(PUBLISHED, 0, 0, 0, 272 / 7), 0);
  });

  it('stays finite and accurate for customers with 500 purchases', () => {
    // References: equation 10 as written (no transformation), evaluated with mpmath at 60 digits.
    // x = 500, t_x = 38, T = 39, t = 39: E = 1.86780520074794, P(alive) = 0.00544276033679537
    close(expectedPurchases(PUBLISHED, 39, 500, 38, 39), 1.86780520074794, 1e-9, 'E (last purchase a week ago)');
    close(probabilityAlive(PUBLISHED, 500, 38, 39), 0.00544276033679537, 1e-12, 'P(alive)');
    // x = 500, t_x = 38.9, T = 39, t = 520: E = 1686.60269098535, P(alive) = 0.99501238353429
    close(expectedPurchases(PUBLISHED, 520, 500, 38.9, 39), 1686.60269098535, 1e-6, 'E (ten years ahead)');
    close(probabilityAlive(PUBLISHED, 500, 38.9, 39), 0.99501238353429, 1e-12, 'P(alive), recent');
    // x = 500, t_x = 1, T = 39: P(alive) = 3.4e−450, below the smallest double: 0, not NaN
    assert.equal(probabilityAlive(PUBLISHED, 500, 1, 39), 0);
    assert.equal(expectedPurchases(PUBLISHED, 39, 500, 1, 39), 0);
    const ll = bgnbdLogLikelihood(PUBLISHED, prepareBgnbd({ frequency: [500, 500], recency: [38, 1], T: [39, 39] }));
    assert.ok(Number.isFinite(ll), `LL ${ll}`);
  });

  it('rejects impossible inputs, naming the customer', () => {
    assert.throws(() => prepareBgnbd({ frequency: [1, 2], recency: [1, 5], T: [2, 4] }), /customer 1: need 0 ≤ recency ≤ T/);
    assert.throws(() => prepareBgnbd({ frequency: [1.5], recency: [1], T: [2] }), /customer 0: frequency 1.5/);
  });
});

/**
 * The whole CLV run on calibration summaries: fit BG/NBD on every customer and
 * Gamma-Gamma on those with repeat purchases, then predict each customer. Pure: the
 * summaries and terms in, the fits and predictions out (timings are measured, not used).
 */
import { fitBgnbd, prepareBgnbd, type BgnbdFit } from './bgnbd.js';
import type { CustomerSummary } from './calibration.js';
import { predictCustomer, type ClvTerms, type CustomerPrediction } from './clv.js';
import { fitGammaGamma, prepareGammaGamma, type GammaGammaFit } from './gamma-gamma.js';

/** The result, in the shape `tenure predict clv --json` prints. */
export interface ClvReport {
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  gammaGamma: { p: number; q: number; gamma: number };
  /** Highest CLV first. */
  customers: CustomerPrediction[];
}

/** The report and how the fits went (for the readable output and benchmarks). */
export interface ClvRun {
  report: ClvReport;
  bgnbdFit: BgnbdFit;
  gammaGammaFit: GammaGammaFit;
  /** Wall milliseconds of the two fits together (preparation included) and of the predictions. */
  fitMs: number;
  predictMs: number;
}

/** Fit both models on `customers` and predict each of them under `terms`. */
export function runClv(customers: CustomerSummary[], terms: ClvTerms): ClvRun {
  const t0 = performance.now();
  const bgnbdFit = fitBgnbd(prepareBgnbd({ frequency: customers.map((c) => c.frequency), recency: customers.map((c) => c.recency), T: customers.map((c) => c.T) }));
  const gammaGammaFit = fitGammaGamma(
    prepareGammaGamma(
      customers.map((c) => c.frequency),
      customers.map((c) => c.monetary),
    ),
  );
  const t1 = performance.now();
  const predictions = customers.map((c) => predictCustomer(bgnbdFit.params, gammaGammaFit.params, c, terms));
  predictions.sort((x, y) => y.clv - x.clv || x.customer_id.localeCompare(y.customer_id));
  const predictMs = performance.now() - t1;
  const { r, alpha, a, b } = bgnbdFit.params;
  const { p, q, gamma } = gammaGammaFit.params;
  return {
    report: { bgnbd: { r, alpha, a, b, logLikelihood: bgnbdFit.logLikelihood }, gammaGamma: { p, q, gamma }, customers: predictions },
    bgnbdFit,
    gammaGammaFit,
    fitMs: t1 - t0,
    predictMs,
  };
}

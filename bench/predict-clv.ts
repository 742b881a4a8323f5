/**
 * Fitting speed of the CLV models: BG/NBD + Gamma-Gamma by maximum likelihood
 * (src/server/predict/), on the CDNOW sample (2,357 customers; target < 200 ms) and on
 * 100,000 customers drawn from the models at the CDNOW fit (target < 10 s).
 *
 *   node --import tsx bench/predict-clv.ts [--runs N] [--customers N]
 *
 * Each figure is the wall time of preparing the inputs and fitting both models; the first
 * run (cold: nothing compiled yet) is printed apart from the median of the runs after it.
 * Predictions for every customer (12 months, 1 % a month) are timed beside the fit.
 */
import { parseArgs } from 'node:util';
import { fitBgnbd, prepareBgnbd, type BgnbdFit } from '../src/server/predict/clv/bgnbd.js';
import { cdnowCalibration, CDNOW_ELOG, hasCdnow } from '../src/server/predict/clv/cdnow-fixture.js';
import type { CustomerSummary } from '../src/server/predict/clv/calibration.js';
import { predictCustomer } from '../src/server/predict/clv/clv.js';
import { fitGammaGamma, prepareGammaGamma, type GammaGammaFit } from '../src/server/predict/clv/gamma-gamma.js';
import { simulateCustomers } from '../src/server/predict/clv/simulate.js';
import { machine } from './lib/proc.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, customers: { type: 'string', default: '100000' } } });
const runs = Math.max(2, Number(values.runs));

interface Timed {
  ms: number;
  bgnbd: BgnbdFit;
  gammaGamma: GammaGammaFit;
}

/** One fit of both models, timed from the columns. */
function fitBoth(columns: { frequency: ArrayLike<number>; recency: ArrayLike<number>; T: ArrayLike<number>; monetary: ArrayLike<number> }): Timed {
  const t0 = performance.now();
  const bgnbd = fitBgnbd(prepareBgnbd(columns));
  const gammaGamma = fitGammaGamma(prepareGammaGamma(columns.frequency, columns.monetary));
  return { ms: performance.now() - t0, bgnbd, gammaGamma };
}

/** Fit `count` times; print the first run, the median of the rest and the parameters. */
function report(name: string, target: string, count: number, fit: () => Timed): Timed {
  const times: Timed[] = [];
  for (let i = 0; i < count; i++) times.push(fit());
  const rest = times
    .slice(1)
    .map((t) => t.ms)
    .sort((a, b) => a - b);
  const median = rest[Math.floor((rest.length - 1) / 2)]!;
  const last = times[times.length - 1]!;
  const { r, alpha, a, b } = last.bgnbd.params;
  const { p, q, gamma } = last.gammaGamma.params;
  const g = (v: number) => v.toPrecision(4);
  console.log(`${name}: first run ${fmt(times[0]!.ms)}, median of the next ${rest.length} ${fmt(median)} (min ${fmt(rest[0]!)}, max ${fmt(rest[rest.length - 1]!)}); target ${target}`);
  console.log(`  BG/NBD r = ${g(r)}, α = ${g(alpha)}, a = ${g(a)}, b = ${g(b)}, LL ${last.bgnbd.logLikelihood.toFixed(2)}, ${last.bgnbd.evaluations} likelihood evaluations`);
  console.log(`  Gamma-Gamma p = ${g(p)}, q = ${g(q)}, γ = ${g(gamma)} on ${last.gammaGamma.customers.toLocaleString('en-US')} customers, ${last.gammaGamma.evaluations} likelihood evaluations`);
  return last;
}

function predictAll(name: string, fit: Timed, customers: CustomerSummary[]): void {
  const t0 = performance.now();
  let total = 0;
  for (const c of customers) total += predictCustomer(fit.bgnbd.params, fit.gammaGamma.params, c, { horizonMonths: 12, monthlyDiscount: 0.01, margin: 1, unitDays: 7 }).clv;
  console.log(
    `  predictions (P(alive), 12-month purchases, value, CLV) for ${customers.length.toLocaleString('en-US')} customers: ${fmt(performance.now() - t0)} (mean CLV ${(total / customers.length).toFixed(2)})`,
  );
}

const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);
const columns = (cs: CustomerSummary[]) => ({ frequency: cs.map((c) => c.frequency), recency: cs.map((c) => c.recency), T: cs.map((c) => c.T), monetary: cs.map((c) => c.monetary) });

console.log(machine());
if (!hasCdnow) throw new Error(`${CDNOW_ELOG}: not found (set TENURE_CDNOW_ELOG)`);
const cdnow = cdnowCalibration().customers;
const fitted = report(`CDNOW, ${cdnow.length.toLocaleString('en-US')} customers`, '< 200 ms', runs, () => fitBoth(columns(cdnow)));
predictAll('CDNOW', fitted, cdnow);

const n = Number(values.customers);
const t0 = performance.now();
const sim = simulateCustomers(n, fitted.bgnbd.params, fitted.gammaGamma.params, { minT: 27, maxT: 39, seed: 2005 });
console.log(`simulated ${n.toLocaleString('en-US')} customers from the CDNOW fit (T uniform on 27–39 weeks) in ${fmt(performance.now() - t0)}`);
const simFit = report(`synthetic, ${n.toLocaleString('en-US')} customers`, '< 10 s', Math.min(runs, 3), () => fitBoth(sim));
predictAll(
  'synthetic',
  simFit,
  Array.from(sim.frequency, (x, i) => ({ customerId: String(i), frequency: x, recency: sim.recency[i]!, T: sim.T[i]!, monetary: sim.monetary[i]! })),
);

/**
 * `tenure predict clv`: fit BG/NBD + Gamma-Gamma on a purchase-log CSV and print the
 * parameters and each customer's predictions. Needs no database. Bad input (an unreadable
 * file, a bad row, a bad option) prints what and where, and exits with code 2.
 */
import { bgnbdFitNote } from './bgnbd.js';
import type { Command } from 'commander';
import { formatDay, parseDay, summarise } from './calibration.js';
import { DAYS_PER_MONTH, type ClvTerms } from './clv.js';
import { runClv, type ClvRun } from './predict-clv.js';
import { readTransactions } from './transactions-csv.js';

interface ClvOptions {
  transactions: string;
  calibrationEnd: string;
  timeUnit: string;
  horizon: string;
  discount: string;
  margin: string;
  top: string;
  json?: boolean;
}

const UNITS: Record<string, number> = { week: 7, day: 1 };

/** Add `clv` to the `predict` command group. */
export function addPredictClvCommand(predict: Command): void {
  predict
    .command('clv')
    .description(
      'predicted customer lifetime value from a purchase log: BG/NBD (purchases, probability alive) and Gamma-Gamma (order value), ' +
        'fitted by maximum likelihood on the purchases up to the calibration end; ' +
        'CLV = margin × E[value] × Σ over months k = 1..horizon of (expected purchases in month k) / (1 + discount)^k',
    )
    .requiredOption('--transactions <file>', 'CSV with the header customer_id,date,amount (date YYYY-MM-DD or YYYYMMDD; same-day purchases are merged)')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (later purchases are ignored)')
    .option('--time-unit <unit>', 'week or day: the unit of recency, T and the BG/NBD α', 'week')
    .option('--horizon <months>', 'CLV and expected-purchases horizon in months (a month is 30.4375 days)', '12')
    .option('--discount <rate>', 'discount rate per month (0.01 = 1 %)', '0.01')
    .option('--margin <share>', 'profit margin applied to revenue (1 = CLV as revenue)', '1')
    .option('--top <n>', 'customers listed in the table, highest CLV first (--json lists all)', '20')
    .option('--json', 'print { bgnbd, gammaGamma, customers } as JSON, every customer')
    .action(async (o: ClvOptions) => {
      const usage = (message: string) => {
        process.stderr.write(`${message}\n`);
        process.exitCode = 2;
      };
      const end = parseDay(o.calibrationEnd);
      if (end === null) return usage(`--calibration-end: "${o.calibrationEnd}" is not a date (use YYYY-MM-DD or YYYYMMDD)`);
      const unitDays = UNITS[o.timeUnit];
      if (unitDays === undefined) return usage(`--time-unit must be "week" or "day", not "${o.timeUnit}"`);
      const horizon = Number(o.horizon);
      if (!Number.isInteger(horizon) || horizon < 1) return usage(`--horizon must be a whole number of months ≥ 1, not "${o.horizon}"`);
      const discount = Number(o.discount);
      if (!(o.discount.trim() !== '' && discount >= 0)) return usage(`--discount must be a rate ≥ 0, not "${o.discount}"`);
      const margin = Number(o.margin);
      if (!(o.margin.trim() !== '' && margin > 0)) return usage(`--margin must be a number > 0, not "${o.margin}"`);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) return usage(`--top must be a whole number ≥ 0, not "${o.top}"`);

      let read;
      try {
        read = await readTransactions(o.transactions);
      } catch (err) {
        return usage((err as Error).message);
      }
      if (!read.ok) {
        process.stderr.write(`${o.transactions}: nothing fitted: ${read.errorTotal} ${read.errorTotal === 1 ? 'problem' : 'problems'}\n`);
        for (const e of read.errors.slice(0, 50)) process.stderr.write(`  ${e.message}\n`);
        if (read.errorTotal > 50) process.stderr.write(`  … and ${read.errorTotal - 50} more\n`);
        process.exitCode = 2;
        return;
      }
      const calibration = summarise(read.value, end, unitDays);
      if (!calibration.customers.some((c) => c.frequency > 0)) {
        return usage(`${o.transactions}: no customer has a repeat purchase on or before ${formatDay(end)}: there is nothing to fit`);
      }
      const terms: ClvTerms = { horizonMonths: horizon, monthlyDiscount: discount, margin, unitDays };
      const run = runClv(calibration.customers, terms);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(run.report, null, 2)}\n`);
        return;
      }
      const skipped = calibration.laterPurchases > 0 ? `; ${count(calibration.laterPurchases, 'purchase')} after ${formatDay(end)} ignored` : '';
      const cohort = calibration.laterCustomers > 0 ? ` (${count(calibration.laterCustomers, 'customer')} whose first purchase is later left out)` : '';
      process.stdout.write(`${o.transactions}: ${count(read.value.length, 'purchase')}, ${count(calibration.customers.length, 'customer')} in calibration${cohort}${skipped}\n`);
      process.stdout.write(clvSummary(run, terms, o.timeUnit));
      process.stdout.write(clvTable(run, top, o.timeUnit));
    });
}

/** The fitted parameters, their log-likelihoods, the fit time and the CLV terms, as text. */
export function clvSummary(run: ClvRun, terms: ClvTerms, unit: string): string {
  const { bgnbd, gammaGamma } = run.report;
  const g = (v: number) => v.toPrecision(4);
  const lines = [
    `BG/NBD (${unit}s): r = ${g(bgnbd.r)}, α = ${g(bgnbd.alpha)}, a = ${g(bgnbd.a)}, b = ${g(bgnbd.b)}; log-likelihood ${bgnbd.logLikelihood.toFixed(2)} (${run.bgnbdFit.evaluations} evaluations${run.bgnbdFit.converged ? '' : ', NOT converged'})`,
    `Gamma-Gamma (${count(run.gammaGammaFit.customers, 'customer')} with repeat purchases): p = ${g(gammaGamma.p)}, q = ${g(gammaGamma.q)}, γ = ${g(gammaGamma.gamma)}; log-likelihood ${run.gammaGammaFit.logLikelihood.toFixed(2)}${run.gammaGammaFit.converged ? '' : ' (NOT converged)'}`,
    `fitted in ${run.fitMs.toFixed(0)} ms; predicted in ${run.predictMs.toFixed(0)} ms`,
    `CLV over ${terms.horizonMonths} months (${(terms.horizonMonths * DAYS_PER_MONTH).toFixed(0)} days), discount ${(terms.monthlyDiscount * 100).toFixed(2)} % a month, margin ${terms.margin}`,
  ];
  const extreme = (params: Record<string, number>) => Object.values(params).some((v) => !(v > 1e-6 && v < 1e6));
  const note = bgnbdFitNote(run.bgnbdFit.params);
  if (note) lines.push(`note: ${note}`);
  if (!run.bgnbdFit.converged) lines.push('warning: the BG/NBD fit did not converge: treat the predictions with care');
  if (!run.gammaGammaFit.converged || extreme(gammaGamma)) {
    lines.push(
      `warning: the Gamma-Gamma fit ${run.gammaGammaFit.converged ? 'ran to the edge of its parameter space' : 'did not converge'} (order values of ${count(run.gammaGammaFit.customers, 'repeat customer')} could not be told apart): treat the expected values with care`,
    );
  }
  if (!(gammaGamma.q > 1)) lines.push('warning: q ≤ 1, so the Gamma-Gamma mean value does not exist: expected values and CLV are not defined');
  return `${lines.join('\n')}\n\n`;
}

/** The `top` customers with the highest CLV, as an aligned table. */
export function clvTable(run: ClvRun, top: number, unit: string): string {
  const head = ['customer_id', 'x', `t_x (${unit}s)`, `T (${unit}s)`, 'P(alive)', 'E[purchases]', 'E[value]', 'CLV'];
  const rows = run.report.customers
    .slice(0, top)
    .map((c) => [c.customer_id, String(c.frequency), c.recency.toFixed(2), c.T.toFixed(2), c.p_alive.toFixed(3), c.expected_purchases.toFixed(2), c.expected_avg_value.toFixed(2), c.clv.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const more = run.report.customers.length > top ? `… ${count(run.report.customers.length - top, 'more customer')} (--top N or --json for more)\n` : '';
  return `${[line(head), ...rows.map(line)].join('\n')}\n${more}`;
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

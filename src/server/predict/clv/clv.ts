/**
 * Predicted customer lifetime value from a fitted BG/NBD model (how many purchases) and a
 * fitted Gamma-Gamma model (what each is worth), as a discrete monthly sum — the same
 * formula as the lifetimes library's `customer_lifetime_value`, with a margin:
 *
 *   CLV = margin · E[M] · Σ_{k=1..H} (E[Y(kΔ)] − E[Y((k−1)Δ)]) / (1 + d)^k
 *
 * where E[Y(t)] is the BG/NBD conditional expected purchases in the next t time units,
 * E[M] the Gamma-Gamma conditional expected transaction value, Δ one month
 * (365.25/12 = 30.4375 days, in the data's time unit), H the horizon in months and d the
 * monthly discount rate: month k's purchases are discounted as if made at its end.
 */
import { expectedIfAlive, probabilityAlive } from './bgnbd-predict.js';
import type { BgnbdParams } from './bgnbd.js';
import type { CustomerSummary } from './calibration.js';
import { expectedAverageValue, type GammaGammaParams } from './gamma-gamma.js';

/** Days in the month the CLV sum steps by. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** The horizon, discounting and margin of a CLV figure. */
export interface ClvTerms {
  /** H, in months (a whole number ≥ 1). */
  horizonMonths: number;
  /** d, per month (0.01 = 1 % a month). */
  monthlyDiscount: number;
  /** Share of revenue that is profit (1 = CLV in revenue). */
  margin: number;
  /** Days per time unit of the fitted models (7 for weeks, 1 for days). */
  unitDays: number;
}

/** One customer's predictions, named as in `tenure predict clv --json`. */
export interface CustomerPrediction {
  customer_id: string;
  frequency: number;
  recency: number;
  T: number;
  p_alive: number;
  /** Expected purchases over the horizon. */
  expected_purchases: number;
  expected_avg_value: number;
  clv: number;
}

/** Predictions for one customer under fitted parameters. */
export function predictCustomer(bgnbd: BgnbdParams, gammaGamma: GammaGammaParams, c: CustomerSummary, terms: ClvTerms): CustomerPrediction {
  const alive = probabilityAlive(bgnbd, c.frequency, c.recency, c.T);
  const value = expectedAverageValue(gammaGamma, c.frequency, c.monetary);
  const month = DAYS_PER_MONTH / terms.unitDays;
  let before = 0;
  let discounted = 0;
  for (let k = 1; k <= terms.horizonMonths; k++) {
    const upTo = expectedIfAlive(bgnbd, k * month, c.frequency, c.T) * alive;
    discounted += (upTo - before) / (1 + terms.monthlyDiscount) ** k;
    before = upTo;
  }
  return {
    customer_id: c.customerId,
    frequency: c.frequency,
    recency: c.recency,
    T: c.T,
    p_alive: alive,
    expected_purchases: before,
    expected_avg_value: value,
    clv: terms.margin * value * discounted,
  };
}

/**
 * From a purchase log to the inputs of the BG/NBD and Gamma-Gamma models, as the CLV
 * literature does it (Fader, Hardie & Lee 2005; the BTYD and lifetimes packages):
 *
 * - a customer's purchases on the same day are one transaction (their amounts summed);
 * - only purchases up to and including the calibration end count; a customer whose first
 *   purchase is later is not part of the calibration cohort and is left out;
 * - frequency x = number of transactions − 1 (repeat transactions only);
 * - recency t_x = last transaction − first transaction, T = calibration end − first
 *   transaction, both in the time unit (days / unitDays);
 * - monetary m_x = mean value of the repeat transactions (the first one excluded), 0 when x = 0.
 */

/** One purchase: whole days since 1970-01-01 (UTC) and its value. */
export interface Transaction {
  customerId: string;
  day: number;
  amount: number;
}

/** A customer's calibration summary. */
export interface CustomerSummary {
  customerId: string;
  /** x: repeat transactions in calibration. */
  frequency: number;
  /** t_x, in time units since the first transaction. */
  recency: number;
  /** T, in time units from the first transaction to the calibration end. */
  T: number;
  /** m_x: mean value of the repeat transactions; 0 when frequency is 0. */
  monetary: number;
}

/** The calibration summaries, and what was left out. */
export interface Calibration {
  customers: CustomerSummary[];
  /** Purchases after the calibration end (the holdout), not used. */
  laterPurchases: number;
  /** Customers whose first purchase is after the calibration end. */
  laterCustomers: number;
}

/** Summarise `transactions` (any order) up to `calibrationEndDay` inclusive, in units of `unitDays` days. */
export function summarise(transactions: Iterable<Transaction>, calibrationEndDay: number, unitDays: number): Calibration {
  const byCustomer = new Map<string, Map<number, number>>();
  const seen = new Set<string>();
  let laterPurchases = 0;
  for (const t of transactions) {
    seen.add(t.customerId);
    if (t.day > calibrationEndDay) {
      laterPurchases++;
      continue;
    }
    let days = byCustomer.get(t.customerId);
    if (!days) byCustomer.set(t.customerId, (days = new Map()));
    days.set(t.day, (days.get(t.day) ?? 0) + t.amount);
  }
  const customers: CustomerSummary[] = [];
  for (const [customerId, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    let repeatValue = 0;
    for (const day of sorted.slice(1)) repeatValue += days.get(day)!;
    const frequency = sorted.length - 1;
    customers.push({
      customerId,
      frequency,
      recency: (last - first) / unitDays,
      T: (calibrationEndDay - first) / unitDays,
      monetary: frequency > 0 ? repeatValue / frequency : 0,
    });
  }
  return { customers, laterPurchases, laterCustomers: seen.size - byCustomer.size };
}

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/** `2025-03-01` or `20250301` as whole days since 1970-01-01; null for anything else or an impossible date. */
export function parseDay(v: string): number | null {
  const m = DATE.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  if (v.includes('-') !== (v.trim().length === 10)) return null; // 2025-0301 and the like
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / 86_400_000;
}

/** Whole days since 1970-01-01 as `YYYY-MM-DD`. */
export function formatDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

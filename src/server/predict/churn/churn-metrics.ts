import { Rng } from '../../lib/rng.js';

/**
 * Scores of a binary classifier: ROC AUC by the rank (Mann–Whitney) formula, precision in
 * the top share, the Brier score, and stratified folds for cross-validation.
 */

/**
 * ROC AUC from probability scores: (R₁ − n₁(n₁+1)/2) / (n₁ n₀), where R₁ is the sum of the
 * positives' ranks among all scores (tied scores get the mean of their ranks, so a tie
 * between a positive and a negative counts one half). NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`rocAuc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // ranks i+1 … j+1, averaged
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of positives among the `share` (0.1: the top decile) highest scores; at least one is taken. */
export function precisionAtTop(scores: ArrayLike<number>, labels: ArrayLike<number>, share = 0.1): number {
  const n = scores.length;
  if (n === 0) return Number.NaN;
  const k = Math.max(1, Math.round(n * share));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let hits = 0;
  for (let i = 0; i < k; i++) hits += labels[order[i]!] === 1 ? 1 : 0;
  return hits / k;
}

/** One group of a calibration table: how many customers, their mean predicted probability and the share who churned. */
export interface CalibrationBin {
  /** 1 = the lowest predicted tenth, 10 = the highest. */
  decile: number;
  customers: number;
  predicted: number;
  observed: number;
}

/**
 * Predicted against observed by decile of the predictions: customers sorted by probability
 * (ties in input order), cut into `groups` groups whose sizes differ by at most one (the
 * first groups take the remainder). Empty groups (fewer customers than groups) are left out.
 */
export function calibrationTable(probabilities: ArrayLike<number>, labels: ArrayLike<number>, groups = 10): CalibrationBin[] {
  const n = probabilities.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[a]! - probabilities[b]! || a - b);
  const out: CalibrationBin[] = [];
  const base = Math.floor(n / groups);
  const extra = n % groups;
  let at = 0;
  for (let g = 0; g < groups; g++) {
    const size = base + (g < extra ? 1 : 0);
    if (size === 0) continue;
    let p = 0;
    let y = 0;
    for (let i = at; i < at + size; i++) {
      p += probabilities[order[i]!]!;
      y += labels[order[i]!]!;
    }
    out.push({ decile: g + 1, customers: size, predicted: p / size, observed: y / size });
    at += size;
  }
  return out;
}

/** Mean squared error of the probabilities against the 0/1 outcomes (0 is perfect; always saying the base rate p scores p(1 − p)). */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return probabilities.length === 0 ? Number.NaN : sum / probabilities.length;
}

/**
 * Stratified k-fold assignment: each class is shuffled (seeded) and dealt round-robin, so
 * every fold holds about 1/k of the positives and of the negatives. Returns the fold of each row.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed = 1): Int32Array {
  const fold = new Int32Array(labels.length);
  const rng = new Rng(seed);
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    // Continue the deal where the previous class stopped, so small folds stay balanced in size.
    const offset = cls === 0 ? 0 : labels.length - rows.length;
    rows.forEach((row, n) => (fold[row] = (n + offset) % k));
  }
  return fold;
}

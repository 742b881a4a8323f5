/**
 * The churn classifier: a feature table encoded (features.ts) and an L2-regularised
 * logistic regression on it (churn-model.ts). Because every design column is
 * standardised with the training mean, a customer's log-odds is the intercept (the
 * average training customer) plus one contribution per column, βⱼ·zⱼ = βⱼ(xⱼ − meanⱼ)/sdⱼ:
 * a positive contribution pushes that customer's risk up. A coefficient is the change in
 * log-odds per standard deviation of its column.
 */
import { fitLogistic, sigmoid } from './churn-model.js';
import { rocAuc, stratifiedFolds } from './churn-metrics.js';
import { encode, fitEncoding, type Encoding, type EncodingOptions, type FeatureTable } from './features.js';

/** A trained model: what is stored, and all scoring needs. */
export interface ChurnClassifier {
  encoding: Encoding;
  intercept: number;
  /** One per `encoding.features`. */
  coefficients: number[];
  lambda: number;
  converged: boolean;
}

export interface TrainOptions extends EncodingOptions {
  /** L2 penalty (default 1). */
  lambda?: number;
}

/** A column's weight in the model: log-odds per standard deviation; `up` raises risk. */
export interface Factor {
  feature: string;
  weight: number;
  direction: 'up' | 'down';
}

/** One column's share of one customer's score, in log-odds. */
export interface Contribution {
  feature: string;
  contribution: number;
}

/** Fit on the table's `rows` (default: all) with 0/1 `labels` (indexed like the table). */
export function trainClassifier(table: FeatureTable, labels: ArrayLike<number>, rows?: ArrayLike<number>, opts: TrainOptions = {}): ChurnClassifier {
  const use = rows ?? Array.from({ length: table.rows }, (_, i) => i);
  const encoding = fitEncoding(table, use, opts);
  const x = encode(table, encoding, use);
  const y = Float64Array.from({ length: use.length }, (_, i) => labels[use[i]!]!);
  const lambda = opts.lambda ?? 1;
  const fit = fitLogistic(x, use.length, encoding.features.length, y, { lambda });
  return { encoding, intercept: fit.intercept, coefficients: fit.coefficients, lambda, converged: fit.converged };
}

/** Log-odds of churn for each of the table's `rows` (default: all). */
export function logOdds(model: ChurnClassifier, table: FeatureTable, rows?: ArrayLike<number>): Float64Array {
  const x = encode(table, model.encoding, rows);
  const width = model.coefficients.length;
  const n = width === 0 ? (rows?.length ?? table.rows) : x.length / width;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    for (let j = 0; j < width; j++) s += model.coefficients[j]! * x[i * width + j]!;
    out[i] = s;
  }
  return out;
}

/** Probability of churn for each of the table's `rows` (default: all). */
export function scoreClassifier(model: ChurnClassifier, table: FeatureTable, rows?: ArrayLike<number>): Float64Array {
  return logOdds(model, table, rows).map(sigmoid);
}

/** The model's columns by the size of their weight, largest first. */
export function strongestFactors(model: ChurnClassifier, top = 10): Factor[] {
  return model.encoding.features
    .map((f, j) => ({ feature: f.name, weight: model.coefficients[j]!, direction: model.coefficients[j]! >= 0 ? ('up' as const) : ('down' as const) }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, top);
}

/**
 * Each row's largest contributions (by size, either sign) and probability. Contributions
 * plus the intercept sum to the row's log-odds.
 */
export function explainRows(model: ChurnClassifier, table: FeatureTable, top = 5, rows?: ArrayLike<number>): Array<{ probability: number; factors: Contribution[] }> {
  const x = encode(table, model.encoding, rows);
  const width = model.coefficients.length;
  const n = rows?.length ?? table.rows;
  const out: Array<{ probability: number; factors: Contribution[] }> = [];
  const parts = new Float64Array(width);
  const order = Array.from({ length: width }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    for (let j = 0; j < width; j++) {
      parts[j] = model.coefficients[j]! * x[i * width + j]!;
      s += parts[j]!;
    }
    order.sort((a, b) => Math.abs(parts[b]!) - Math.abs(parts[a]!));
    const factors = order
      .slice(0, top)
      .filter((j) => parts[j] !== 0)
      .map((j) => ({ feature: model.encoding.features[j]!.name, contribution: parts[j]! }));
    out.push({ probability: sigmoid(s), factors });
  }
  return out;
}

export interface CrossValidation {
  /** Mean of the folds' ROC AUC. */
  auc: number;
  folds: Array<{ fold: number; auc: number; n: number }>;
}

/** Stratified k-fold ROC AUC: each fold scored by a model (encoding included) fitted on the other folds. */
export function crossValidate(table: FeatureTable, labels: ArrayLike<number>, k: number, opts: TrainOptions & { seed?: number } = {}): CrossValidation {
  const fold = stratifiedFolds(labels, k, opts.seed ?? 1);
  const folds: CrossValidation['folds'] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < table.rows; i++) (fold[i] === f ? test : train).push(i);
    const model = trainClassifier(table, labels, train, opts);
    const scores = scoreClassifier(model, table, test);
    folds.push({
      fold: f + 1,
      auc: rocAuc(
        scores,
        test.map((i) => labels[i]!),
      ),
      n: test.length,
    });
  }
  return { auc: folds.reduce((s, f) => s + f.auc, 0) / folds.length, folds };
}

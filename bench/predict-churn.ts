/**
 * Speed of the churn classifier (src/server/predict/churn-*.ts): L2-regularised logistic
 * regression by Newton's method on an encoded feature table.
 *
 *   node --import tsx bench/predict-churn.ts [--customers 100000] [--runs 3]
 *
 * The table is synthetic (no database): the columns the platform builds per customer
 * (recency, frequency, monetary, tenure, 30-day activity and trend, tickets, NPS/CSAT with
 * blanks, email opens/clicks, stage, and two categorical traits, one with many levels),
 * drawn at random, with churn drawn from a known logistic model on them. Timed:
 * - training: learning the encoding, encoding, and the Newton fit (target < 60 s at 100,000);
 * - the platform's full run: fit on one snapshot, validate on another, refit on both;
 * - 5-fold cross-validation as `tenure predict churn` runs it (5 fits + the final one);
 * - scoring: probabilities, and probabilities with each customer's top 5 reasons (target > 50,000 customers/s).
 * The database side (the feature SQL over events) is not in these figures.
 */
import { parseArgs } from 'node:util';
import { crossValidate, explainRows, scoreClassifier, strongestFactors, trainClassifier } from '../src/server/predict/churn/churn-classifier.js';
import { rocAuc } from '../src/server/predict/churn/churn-metrics.js';
import { sigmoid } from '../src/server/predict/churn/churn-model.js';
import { concatTables, type FeatureTable } from '../src/server/predict/churn/features.js';
import { Rng } from '../src/server/lib/rng.js';
import { machine } from './lib/proc.js';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } });
const n = Number(values.customers);
const runs = Math.max(1, Number(values.runs));

const STAGES = ['engagement', 'conversion', 'retention', 'loyalty', 'at_risk', 'awareness', 'winback'];
const PLANS = ['free', 'starter', 'pro', 'team', 'enterprise'];

/** A synthetic snapshot: features per customer and churn labels from a known model. */
function synthetic(rows: number, seed: number): { table: FeatureTable; labels: Uint8Array } {
  const rng = new Rng(seed);
  const col = () => new Array<number | null>(rows);
  const [recency, lastOrder, tenure, orders, aov, active, trend, tickets, tickets90, nps, csat, opens, clicks] = Array.from({ length: 13 }, col) as Array<Array<number | null>>;
  const stage = new Array<string | null>(rows);
  const plan = new Array<string | null>(rows);
  const country = new Array<string | null>(rows);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const engagement = rng.beta(2, 3);
    const r = rng.exp(20 + 60 * (1 - engagement));
    const o = Math.floor(rng.exp(1 + 6 * engagement));
    recency![i] = r;
    orders![i] = o;
    lastOrder![i] = o === 0 ? null : r + rng.exp(10);
    aov![i] = o === 0 ? null : rng.logNormal(35, 0.5);
    tenure![i] = r + rng.exp(200);
    active![i] = Math.floor(rng.exp(1 + 30 * engagement));
    trend![i] = rng.normal(0, 0.7);
    tickets![i] = Math.floor(rng.exp(0.5));
    tickets90![i] = Math.floor(rng.exp(0.2));
    nps![i] = rng.chance(0.4) ? Math.round(Math.min(10, Math.max(0, 3 + 7 * engagement + rng.normal(0, 1.5)))) : null;
    csat![i] = rng.chance(0.15) ? rng.int(1, 5) : null;
    opens![i] = Math.floor(rng.exp(1 + 5 * engagement));
    clicks![i] = Math.floor(opens![i]! * rng.next() * 0.3);
    stage[i] = r > 45 && o > 0 ? 'at_risk' : rng.pick(STAGES.slice(0, 4));
    plan[i] = rng.chance(0.05) ? null : rng.pick(PLANS);
    country[i] = `c${Math.floor(rng.exp(15)) % 80}`; // many levels: top 10 kept, the rest "(other)"
    const z = -2.4 + 0.035 * r - 0.9 * engagement + 0.25 * tickets90![i]! - (nps![i] === null ? 0 : 0.08 * (nps![i]! - 7)) + (stage[i] === 'at_risk' ? 0.8 : 0) + (plan[i] === 'free' ? 0.4 : 0);
    labels[i] = rng.chance(sigmoid(z)) ? 1 : 0;
  }
  const numeric = (name: string, values: Array<number | null>) => ({ name, kind: 'numeric' as const, values });
  const table: FeatureTable = {
    rows,
    columns: [
      { name: 'stage', kind: 'categorical', values: stage },
      numeric('days_since_last_seen', recency!),
      numeric('days_since_last_order', lastOrder!),
      numeric('tenure_days', tenure!),
      numeric('orders', orders!),
      numeric('avg_order_value', aov!),
      numeric('active_events_30d', active!),
      numeric('activity_trend', trend!),
      numeric('support_tickets', tickets!),
      numeric('support_tickets_90d', tickets90!),
      numeric('nps', nps!),
      numeric('csat', csat!),
      numeric('email_opens_90d', opens!),
      numeric('email_clicks_90d', clicks!),
      { name: 'trait.plan', kind: 'categorical', values: plan },
      { name: 'trait.country', kind: 'categorical', values: country },
    ],
  };
  return { table, labels };
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const time = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

console.log(machine());
const [train, genMs] = time(() => synthetic(n, 1));
const validation = synthetic(n, 2);
const churned = train.labels.reduce((s, v) => s + v, 0);
console.log(`synthetic table: ${n.toLocaleString('en-US')} customers × ${train.table.columns.length} columns, ${((100 * churned) / n).toFixed(1)} % churned (generated in ${fmt(genMs)})`);

const fits: number[] = [];
let model = trainClassifier(train.table, train.labels);
for (let r = 0; r < runs; r++) {
  const [m, ms] = time(() => trainClassifier(train.table, train.labels));
  model = m;
  fits.push(ms);
}
console.log(
  `training (encoding + Newton fit) on ${n.toLocaleString('en-US')} customers, ${model.coefficients.length} design columns: median of ${runs} ${fmt(median(fits))} (min ${fmt(Math.min(...fits))}); target < 60 s${model.converged ? '' : ' (NOT converged)'}`,
);
console.log(
  `  strongest: ${strongestFactors(model, 5)
    .map((f) => `${f.feature} ${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(2)}`)
    .join(', ')}`,
);

const [platformAuc, platformMs] = time(() => {
  const first = trainClassifier(train.table, train.labels);
  const auc = rocAuc(scoreClassifier(first, validation.table), validation.labels);
  trainClassifier(concatTables(train.table, validation.table), Uint8Array.from([...train.labels, ...validation.labels]));
  return auc;
});
console.log(
  `platform run (fit on ${n.toLocaleString('en-US')}, validate on ${n.toLocaleString('en-US')}, refit on ${(2 * n).toLocaleString('en-US')}): ${fmt(platformMs)}; validation AUC ${platformAuc.toFixed(3)}`,
);

const [cv, cvMs] = time(() => {
  const out = crossValidate(train.table, train.labels, 5);
  trainClassifier(train.table, train.labels);
  return out;
});
console.log(`5-fold cross-validation + final fit (as \`tenure predict churn\`): ${fmt(cvMs)}; AUC ${cv.auc.toFixed(3)}`);

const scoreRates: number[] = [];
const explainRates: number[] = [];
for (let r = 0; r < runs; r++) {
  const [, sMs] = time(() => scoreClassifier(model, validation.table));
  scoreRates.push(n / (sMs / 1000));
  const [, eMs] = time(() => explainRows(model, validation.table, 5));
  explainRates.push(n / (eMs / 1000));
}
const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} customers/s`;
console.log(
  `scoring ${n.toLocaleString('en-US')} customers: probabilities ${rate(median(scoreRates))}; with the top 5 reasons each ${rate(median(explainRates))} (median of ${runs}); target > 50,000 customers/s`,
);

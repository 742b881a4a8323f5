/**
 * `tenure predict churn`: train the churn classifier on a labelled CSV (a CRM export) and
 * print its stratified k-fold cross-validated ROC AUC and the strongest factors of a model
 * fitted on every row. Needs no database. Bad input (an unreadable file, a missing column,
 * a bad label, a bad option) prints what and where, and exits with code 2.
 */
import type { Command } from 'commander';
import { crossValidate, strongestFactors, trainClassifier, type Factor } from './churn-classifier.js';
import { readLabelledCsv } from './churn-csv.js';

interface ChurnOptions {
  csv: string;
  label: string;
  id?: string;
  folds: string;
  lambda: string;
  top: string;
  json?: boolean;
}

/** What `--json` prints. */
export interface ChurnCsvReport {
  auc: number;
  folds: Array<{ fold: number; auc: number; n: number }>;
  factors: Factor[];
}

/** Add `churn` to the `predict` command group. */
export function addPredictChurnCommand(predict: Command): void {
  predict
    .command('churn')
    .description(
      'churn risk from a labelled customer table: L2-regularised logistic regression on standardised numeric columns and one-hot categoricals ' +
        '(blanks take the median plus a blank indicator); prints the stratified k-fold cross-validated ROC AUC and the strongest factors ' +
        '(log-odds per standard deviation; positive raises risk)',
    )
    .requiredOption('--csv <file>', 'CSV with a header row, one row per customer; every column but the label and the id is a feature')
    .requiredOption('--label <column>', 'the column saying who churned: 1/0, true/false, yes/no, churned/retained, lost/active')
    .option('--id <column>', 'the column identifying the customer (never used as a feature; default: a column named id, customer_id, user_id or email)')
    .option('--folds <k>', 'folds of the stratified cross-validation', '5')
    .option('--lambda <penalty>', 'L2 penalty on the standardised coefficients', '1')
    .option('--top <n>', 'factors listed', '10')
    .option('--json', 'print { auc, folds: [{ fold, auc, n }], factors: [{ feature, weight, direction }] }')
    .action(async (o: ChurnOptions) => {
      const usage = (message: string) => {
        process.stderr.write(`${message}\n`);
        process.exitCode = 2;
      };
      const k = Number(o.folds);
      if (!Number.isInteger(k) || k < 2) return usage(`--folds must be a whole number ≥ 2, not "${o.folds}"`);
      const lambda = Number(o.lambda);
      if (!(o.lambda.trim() !== '' && lambda >= 0)) return usage(`--lambda must be a number ≥ 0, not "${o.lambda}"`);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) return usage(`--top must be a whole number ≥ 0, not "${o.top}"`);

      let read;
      try {
        read = await readLabelledCsv(o.csv, { label: o.label, id: o.id });
      } catch (err) {
        return usage((err as Error).message);
      }
      if (!read.ok) {
        process.stderr.write(`${o.csv}: nothing trained: ${read.errorTotal} ${read.errorTotal === 1 ? 'problem' : 'problems'}\n`);
        for (const e of read.errors) process.stderr.write(`  ${e}\n`);
        if (read.errorTotal > read.errors.length) process.stderr.write(`  … and ${read.errorTotal - read.errors.length} more\n`);
        process.exitCode = 2;
        return;
      }
      const labelled = read.value;
      const positives = labelled.labels.reduce((s, v) => s + v, 0);
      const negatives = labelled.labels.length - positives;
      if (Math.min(positives, negatives) < k) {
        return usage(`${o.csv}: ${positives} churned and ${negatives} retained rows: each class needs at least ${k} rows for ${k}-fold cross-validation`);
      }
      const cv = crossValidate(labelled.table, labelled.labels, k, { lambda });
      const model = trainClassifier(labelled.table, labelled.labels, undefined, { lambda });
      const report: ChurnCsvReport = { auc: cv.auc, folds: cv.folds, factors: strongestFactors(model, top) };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${o.csv}: ${labelled.labels.length} rows, ${positives} churned (${((100 * positives) / labelled.labels.length).toFixed(1)} %)\n`);
      for (const note of labelled.notes) process.stdout.write(`  ${note}\n`);
      process.stdout.write(`\n${churnReport(report, model.converged)}`);
    });
}

/** The cross-validated AUC, per fold, and the factors, as text. */
export function churnReport(report: ChurnCsvReport, converged = true): string {
  const lines = [
    `ROC AUC (stratified ${report.folds.length}-fold cross-validation): ${report.auc.toFixed(3)}`,
    ...report.folds.map((f) => `  fold ${f.fold}: ${f.auc.toFixed(3)} (${f.n} rows)`),
    '',
    'strongest factors (log-odds per standard deviation; + raises churn risk):',
  ];
  const width = Math.max(0, ...report.factors.map((f) => f.feature.length));
  for (const f of report.factors) lines.push(`  ${f.feature.padEnd(width)}  ${f.weight >= 0 ? '+' : '−'}${Math.abs(f.weight).toFixed(3)}  ${f.direction === 'up' ? 'raises risk' : 'lowers risk'}`);
  if (!converged) lines.push('warning: the fit did not converge (the classes may be separable): raise --lambda');
  return `${lines.join('\n')}\n`;
}

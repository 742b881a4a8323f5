import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliSandbox } from '../../../test-support/cli-sandbox.js';
import type { ChurnCsvReport } from './churn-command.js';

const sandbox = cliSandbox('tenure-churn-');
const file = sandbox.file;
const run = (...args: string[]) => sandbox.run('predict', 'churn', ...args);

after(() => sandbox.remove());

/**
 * A CRM export with the usual mess: spend as " 12 ", "1,234" and "$90"; a percentage; a
 * yes/no column; blanks and "N/A"; a plan column with a rare level. Customers who have
 * not logged in for long churn (days_idle is the signal), others mostly stay.
 */
function crmExport(): string {
  const lines = ['Customer ID,plan,monthly_spend,discount,annual,days_idle,churned'];
  for (let i = 0; i < 60; i++) {
    const idle = (i * 37) % 90;
    const churned = idle > 55 || i % 17 === 0 ? 'Churned' : 'Retained';
    const spend = i % 3 === 0 ? `"${(1000 + i * 7).toLocaleString('en-US')}"` : i % 3 === 1 ? ` ${20 + i} ` : `$${90 + i}`;
    const plan = i === 7 ? 'legacy' : ['basic', 'pro', 'team'][i % 3];
    const discount = i % 5 === 0 ? '' : `${(i * 3) % 25}%`;
    lines.push(`c${i},${plan},${spend},${discount},${i % 2 ? 'yes' : 'no'},${i % 11 === 0 ? 'N/A' : idle},${churned}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('tenure predict churn (CLI)', () => {
  it('--json: cross-validated AUC per fold and the strongest factors, from a messy file', async () => {
    const r = await run('--csv', file('crm.csv', crmExport()), '--label', 'churned', '--id', 'Customer ID', '--folds', '3', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ChurnCsvReport;
    assert.deepEqual(Object.keys(out), ['auc', 'folds', 'factors']);
    assert.deepEqual(
      out.folds.map((f) => f.fold),
      [1, 2, 3],
    );
    assert.equal(
      out.folds.reduce((s, f) => s + f.n, 0),
      60,
    );
    assert.ok(Math.abs(out.auc - out.folds.reduce((s, f) => s + f.auc, 0) / 3) < 1e-12);
    assert.ok(out.auc > 0.8, `AUC ${out.auc}`);
    assert.deepEqual(out.factors[0], { feature: 'days_idle', weight: out.factors[0]!.weight, direction: 'up' });
    assert.ok(out.factors[0]!.weight > 1);
    const names = out.factors.map((f) => f.feature);
    assert.ok(names.includes('plan=(other)') || names.includes('plan=basic'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('Customer ID')));
  });

  it('prints what it read of each column, the AUC and the factors', async () => {
    const r = await run('--csv', file('crm2.csv', crmExport()), '--label', 'churned', '--id', 'Customer ID');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /60 rows, \d+ churned/);
    assert.match(r.stdout, /monthly_spend: numeric/);
    assert.match(r.stdout, /annual: boolean \(as 1\/0\)/);
    assert.match(r.stdout, /discount: numeric, 12 blank/);
    assert.match(r.stdout, /plan: categorical, 4 levels/);
    assert.match(r.stdout, /ROC AUC \(stratified 5-fold cross-validation\): 0\.\d{3}/);
    assert.match(r.stdout, /days_idle\s+\+\d\.\d{3}\s+raises risk/);
  });

  it('a bad label: file, line and column named, exit code 2, nothing trained', async () => {
    const text = crmExport().split('\n');
    text[3] = text[3]!.replace(/Churned|Retained/, 'maybe');
    text[5] = text[5]!.replace(/Churned|Retained/, ' ');
    const path = file('bad.csv', text.join('\n'));
    const r = await run('--csv', path, '--label', 'churned');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /nothing trained: 2 problems/);
    assert.ok(r.stderr.includes(`${path} line 4, column churned: "maybe" is not a label (use 1/0, true/false, yes/no`), r.stderr);
    assert.ok(r.stderr.includes(`${path} line 6, column churned: the label is blank`), r.stderr);
  });

  it('a missing column or file, or a bad option: exit code 2 with the reason', async () => {
    const path = file('crm3.csv', crmExport());
    const missing = await run('--csv', path, '--label', 'cancelled');
    assert.equal(missing.code, 2);
    assert.ok(missing.stderr.includes(`${path} line 1: no column "cancelled" for --label (the columns are: Customer ID, plan,`), missing.stderr);
    const id = await run('--csv', path, '--label', 'churned', '--id', 'uid');
    assert.equal(id.code, 2);
    assert.match(id.stderr, /line 1: no column "uid" for --id/);
    const nofile = await run('--csv', `${sandbox.dir}/nope.csv`, '--label', 'churned');
    assert.equal(nofile.code, 2);
    assert.match(nofile.stderr, /nope\.csv: no such file/);
    const folds = await run('--csv', path, '--label', 'churned', '--folds', '1');
    assert.equal(folds.code, 2);
    assert.match(folds.stderr, /--folds must be a whole number ≥ 2/);
  });
});

/**
 * The churn classifier on the public IBM "Telco Customer Churn" sample (7,043 customers,
 * 1,869 churned; the set most churn write-ups use). The file is not kept in the repository
 * (IBM's sample, its licence unclear): set TENURE_TELCO_CSV to a copy to run this.
 * Logistic regression on it is known to reach ROC AUC ≈ 0.84; ours must keep that.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cliSandbox } from '../../../test-support/cli-sandbox.js';
import type { ChurnCsvReport } from './churn-command.js';

const file = process.env.TENURE_TELCO_CSV;
const sandbox = cliSandbox('tenure-telco-');
after(() => sandbox.remove());

describe('churn classifier on the public Telco churn sample', { skip: !(file && existsSync(file)) && 'set TENURE_TELCO_CSV to WA_Fn-UseC_-Telco-Customer-Churn.csv to run it' }, () => {
  it('keeps a cross-validated ROC AUC of at least 0.84, tenure and the contract among the strongest factors', async (t) => {
    const r = await sandbox.run('predict', 'churn', '--csv', file!, '--label', 'Churn', '--id', 'customerID', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as ChurnCsvReport;
    t.diagnostic(`Telco: AUC ${out.auc.toFixed(3)} (folds ${out.folds.map((f) => f.auc.toFixed(3)).join(', ')})`);
    assert.equal(
      out.folds.reduce((s, f) => s + f.n, 0),
      7043,
    );
    assert.ok(out.auc >= 0.84, `AUC ${out.auc}`);
    const top = out.factors.slice(0, 6).map((f) => f.feature);
    assert.equal(top[0], 'tenure');
    assert.ok(
      top.some((f) => f.startsWith('Contract=')),
      top.join(', '),
    );
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatDay } from './calibration.js';
import { cdnowTransactions, CDNOW_ELOG, hasCdnow } from './cdnow-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'tenure-clv-'));
const main = fileURLToPath(new URL('../../main.ts', import.meta.url));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'predict', 'clv', ...args], {
    env: { ...process.env, TENURE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' },
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

after(() => rmSync(dir, { recursive: true, force: true }));

describe('tenure predict clv (CLI)', () => {
  // The CDNOW elog (masterid,sampleid,date,cds,sales) as the CLI's customer_id,date,amount,
  // dates alternately as YYYYMMDD and YYYY-MM-DD, with an extra column that is ignored.
  const cdnow = () =>
    file(
      'cdnow.csv',
      `customer_id,date,amount,note\n${cdnowTransactions()
        .map((t, i) => `${t.customerId},${i % 2 ? formatDay(t.day) : formatDay(t.day).replaceAll('-', '')},${t.amount},x`)
        .join('\n')}\n`,
    );

  it('--json: the published BG/NBD and Gamma-Gamma parameters on CDNOW, and every customer', { skip: hasCdnow ? false : `no ${CDNOW_ELOG}` }, async () => {
    const r = await run('--transactions', cdnow(), '--calibration-end', '1997-09-30', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      bgnbd: Record<string, number>;
      gammaGamma: Record<string, number>;
      customers: Array<Record<string, number | string>>;
    };
    assert.deepEqual(Object.keys(out), ['bgnbd', 'gammaGamma', 'customers']);
    assert.deepEqual(Object.keys(out.bgnbd), ['r', 'alpha', 'a', 'b', 'logLikelihood']);
    assert.deepEqual(Object.keys(out.gammaGamma), ['p', 'q', 'gamma']);
    const sig3 = (v: number) => Number(v.toPrecision(3));
    assert.deepEqual(
      [out.bgnbd.r, out.bgnbd.alpha, out.bgnbd.a, out.bgnbd.b].map((v) => sig3(v!)),
      [0.243, 4.41, 0.793, 2.43],
    );
    assert.ok(Math.abs(out.bgnbd.logLikelihood! + 9582.4) < 0.1, `LL ${out.bgnbd.logLikelihood}`);
    assert.deepEqual(
      [out.gammaGamma.p, out.gammaGamma.q, out.gammaGamma.gamma].map((v) => sig3(v!)),
      [6.25, 3.74, 15.4],
    );
    assert.equal(out.customers.length, 2357);
    assert.deepEqual(Object.keys(out.customers[0]!), ['customer_id', 'frequency', 'recency', 'T', 'p_alive', 'expected_purchases', 'expected_avg_value', 'clv']);
    const clvs = out.customers.map((c) => c.clv as number);
    assert.deepEqual(
      clvs,
      [...clvs].sort((x, y) => y - x),
      'highest CLV first',
    );
    const one = out.customers.find((c) => c.customer_id === '1')!;
    assert.equal(one.frequency, 2);
    assert.ok(Math.abs((one.recency as number) - 213 / 7) < 1e-9 && Math.abs((one.T as number) - 272 / 7) < 1e-9);
    assert.ok(Math.abs((one.p_alive as number) - 0.7266) < 1e-3, `p_alive ${one.p_alive}`); // 0.7265897 at the published parameters
  });

  it('prints the parameters, the fit and the top customers as a table', { skip: hasCdnow ? false : `no ${CDNOW_ELOG}` }, async () => {
    const r = await run('--transactions', cdnow(), '--calibration-end', '19970930', '--top', '5', '--horizon', '6', '--margin', '0.3');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 6,919 purchases, 2,357 customers in calibration; 1,959 purchases after 1997-09-30 ignored/);
    assert.match(r.stdout, /^BG\/NBD \(weeks\): r = 0\.24\d+, α = 4\.41\d+, a = 0\.79\d+, b = 2\.42\d+; log-likelihood -9582\.4\d/m);
    assert.match(r.stdout, /^Gamma-Gamma \(946 customers with repeat purchases\): p = 6\.25\d*, q = 3\.74\d*, γ = 15\.4\d*/m);
    assert.match(r.stdout, /^fitted in \d+ ms/m);
    assert.match(r.stdout, /^CLV over 6 months \(183 days\), discount 1\.00 % a month, margin 0\.3$/m);
    const table = r.stdout.slice(r.stdout.indexOf('customer_id')).trim().split('\n');
    assert.match(table[0]!, /^customer_id +x +t_x \(weeks\) +T \(weeks\) +P\(alive\) +E\[purchases\] +E\[value\] +CLV$/);
    assert.equal(table.length, 1 + 5 + 1);
    assert.equal(table[6], '… 2,352 more customers (--top N or --json for more)');
  });

  it('bad rows: every problem with its file, line and field, nothing fitted, exit code 2', async () => {
    const path = file('bad.csv', ['Customer_ID,Date,Amount', 'c1,2024-01-01,10', 'c1,2024-02-30,10', ',2024-01-05,3', 'c2,20240105,abc', 'c2,2024-01-09,-4', 'c3,2024-01-09,'].join('\n'));
    const r = await run('--transactions', path, '--calibration-end', '2024-06-30');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bad\.csv: nothing fitted: 5 problems/);
    assert.match(r.stderr, /bad\.csv line 3, field date: "2024-02-30" is not a date \(use YYYY-MM-DD or YYYYMMDD\)/);
    assert.match(r.stderr, /bad\.csv line 4, field customer_id: is empty/);
    assert.match(r.stderr, /bad\.csv line 5, field amount: "abc" is not a number/);
    assert.match(r.stderr, /bad\.csv line 6, field amount: -4 is negative/);
    assert.match(r.stderr, /bad\.csv line 7, field amount: is empty/);
  });

  it('a missing column, a missing file and a bad option exit with code 2 and say what is wrong', async () => {
    const noAmount = await run('--transactions', file('cols.csv', 'customer_id,day,value\nc1,2024-01-01,3\n'), '--calibration-end', '2024-06-30');
    assert.equal(noAmount.code, 2);
    assert.match(noAmount.stderr, /cols\.csv line 1: the header has no "date" or "amount" column/);
    const missing = await run('--transactions', join(dir, 'nope.csv'), '--calibration-end', '2024-06-30');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv: no such file/);
    const badEnd = await run('--transactions', join(dir, 'nope.csv'), '--calibration-end', '30/06/2024');
    assert.equal(badEnd.code, 2);
    assert.match(badEnd.stderr, /--calibration-end: "30\/06\/2024" is not a date/);
  });
});

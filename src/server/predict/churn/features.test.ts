import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLANK, encode, fitEncoding, OTHER, type FeatureTable } from './features.js';
import { isBlank, parseLabel, parseLooseBoolean, parseLooseNumber } from './features-values.js';
import { explainRows, logOdds, trainClassifier } from './churn-classifier.js';

describe('messy values', () => {
  it('reads numbers stored as text', () => {
    assert.equal(parseLooseNumber(' 12 '), 12);
    assert.equal(parseLooseNumber('1,234'), 1234);
    assert.equal(parseLooseNumber('1,234,567.5'), 1234567.5);
    assert.equal(parseLooseNumber('12%'), 12);
    assert.equal(parseLooseNumber('$1,234.50'), 1234.5);
    assert.equal(parseLooseNumber('-$3'), -3);
    assert.equal(parseLooseNumber('2.5e3'), 2500);
    assert.equal(parseLooseNumber('1,23'), null); // not a thousands grouping
    assert.equal(parseLooseNumber('12 apples'), null);
    assert.equal(parseLooseNumber(''), null);
  });

  it('reads booleans, blanks and labels', () => {
    assert.equal(parseLooseBoolean(' Yes '), 1);
    assert.equal(parseLooseBoolean('FALSE'), 0);
    assert.equal(parseLooseBoolean('maybe'), null);
    assert.ok(isBlank('  ') && isBlank('N/A') && isBlank('null') && !isBlank('0'));
    for (const v of ['1', 'true', 'Yes', 'churned', 'LOST', '1.0']) assert.equal(parseLabel(v), 1, v);
    for (const v of ['0', 'false', 'no', 'Retained', 'active', '0.00']) assert.equal(parseLabel(v), 0, v);
    for (const v of ['', 'maybe', '2']) assert.equal(parseLabel(v), null, v);
  });
});

describe('fitEncoding / encode', () => {
  const table: FeatureTable = {
    rows: 6,
    columns: [
      { name: 'spend', kind: 'numeric', values: [10, null, 30, 20, null, 40] },
      { name: 'plan', kind: 'categorical', values: ['pro', 'pro', 'basic', 'basic', 'rare', null] },
    ],
  };

  it('imputes the median with a blank indicator, and keeps the frequent levels plus other and blank', () => {
    const enc = fitEncoding(table);
    assert.deepEqual(enc.columns[0], { name: 'spend', kind: 'numeric', median: 25, log: false, blankIndicator: true });
    assert.deepEqual(enc.columns[1], { name: 'plan', kind: 'categorical', levels: ['basic', 'pro', OTHER, BLANK] });
    assert.deepEqual(
      enc.features.map((f) => f.name),
      ['spend', `spend ${BLANK}`, 'plan=basic', 'plan=pro', `plan=${OTHER}`, `plan=${BLANK}`],
    );
    // spend after imputation: 10, 25, 30, 20, 25, 40 → mean 25; sd = sqrt((225+0+25+25+0+225)/6).
    assert.equal(enc.features[0]!.mean, 25);
    assert.ok(Math.abs(enc.features[0]!.sd - Math.sqrt(500 / 6)) < 1e-12);
    const x = encode(table, enc);
    const width = enc.features.length;
    for (let j = 0; j < width; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < 6; i++) m += x[i * width + j]! / 6;
      for (let i = 0; i < 6; i++) v += (x[i * width + j]! - m) ** 2 / 6;
      assert.ok(Math.abs(m) < 1e-12 && Math.abs(v - 1) < 1e-12, `column ${j}: mean ${m}, variance ${v}`);
    }
  });

  it('encodes new rows as the training rows: unseen levels as other, blanks as blank', () => {
    const enc = fitEncoding(table);
    const fresh: FeatureTable = {
      rows: 1,
      columns: [
        { name: 'spend', kind: 'numeric', values: [null] },
        { name: 'plan', kind: 'categorical', values: ['new'] },
      ],
    };
    const row = encode(fresh, enc);
    const plain = (j: number) => row[j]! * enc.features[j]!.sd + enc.features[j]!.mean;
    assert.equal(plain(0), 25);
    assert.equal(plain(1), 1);
    assert.deepEqual(
      [2, 3, 4, 5].map((j) => Math.round(plain(j))),
      [0, 0, 1, 0],
    );
  });

  it('drops columns constant in training, and logs long-tailed counts', () => {
    const t: FeatureTable = {
      rows: 8,
      columns: [
        { name: 'same', kind: 'numeric', values: [1, 1, 1, 1, 1, 1, 1, 1] },
        { name: 'orders', kind: 'numeric', values: [0, 0, 0, 1, 0, 1, 0, 200] },
      ],
    };
    const enc = fitEncoding(t);
    assert.deepEqual(
      enc.features.map((f) => f.name),
      ['orders'],
    );
    assert.equal(enc.columns[1]!.kind === 'numeric' && enc.columns[1]!.log, true);
  });

  it('contributions plus the intercept are the log-odds', () => {
    const labels = [1, 0, 1, 0, 1, 0];
    const model = trainClassifier(table, labels);
    const explained = explainRows(model, table, 100);
    const odds = logOdds(model, table);
    explained.forEach((e, i) => {
      const sum = model.intercept + e.factors.reduce((s, f) => s + f.contribution, 0);
      assert.ok(Math.abs(sum - odds[i]!) < 1e-12);
      assert.ok(Math.abs(e.probability - 1 / (1 + Math.exp(-odds[i]!))) < 1e-12);
    });
  });
});

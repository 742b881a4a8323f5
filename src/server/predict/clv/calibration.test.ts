import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDay, parseDay, summarise } from './calibration.js';

const day = (s: string) => parseDay(s)!;

describe('summarise', () => {
  it('merges same-day purchases, counts repeats, measures recency and T in the unit, and leaves the holdout out', () => {
    const end = day('1997-09-30');
    const r = summarise(
      [
        { customerId: 'a', day: day('1997-01-01'), amount: 10 },
        { customerId: 'a', day: day('1997-01-18'), amount: 20 },
        { customerId: 'a', day: day('1997-01-18'), amount: 5 }, // same day: one transaction of 25
        { customerId: 'a', day: day('1997-08-02'), amount: 15 },
        { customerId: 'a', day: day('1997-12-12'), amount: 99 }, // holdout
        { customerId: 'b', day: day('1997-03-01'), amount: 7 },
        { customerId: 'c', day: day('1997-10-01'), amount: 7 }, // first purchase after the calibration end
      ],
      end,
      7,
    );
    assert.deepEqual(r.customers, [
      // x = 2; t_x = 213 days; T = 272 days; m_x = (25 + 15) / 2, the first purchase left out
      { customerId: 'a', frequency: 2, recency: 213 / 7, T: 272 / 7, monetary: 20 },
      { customerId: 'b', frequency: 0, recency: 0, T: 213 / 7, monetary: 0 },
    ]);
    assert.equal(r.laterPurchases, 2);
    assert.equal(r.laterCustomers, 1);
  });
});

describe('parseDay', () => {
  it('reads YYYY-MM-DD and YYYYMMDD, and refuses the rest', () => {
    assert.equal(parseDay('1970-01-02'), 1);
    assert.equal(parseDay('19970101'), parseDay('1997-01-01'));
    assert.equal(formatDay(day('2024-02-29')), '2024-02-29');
    for (const bad of ['2023-02-29', '1997-13-01', '1997-1-1', '2025-0301', '01/02/2025', '', '2025-03-01T10:00:00Z']) assert.equal(parseDay(bad), null, bad);
  });
});

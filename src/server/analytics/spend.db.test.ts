import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SpendRow } from '../../contracts/spend.js';
import type { Db } from '../db/client.js';
import { importSpend, spendSummaryLine } from '../import/spend-import.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { deleteSpend, listSpend, spendTotals, upsertSpend } from './spend.repo.js';

const row = (day: string, channel: string, amount: number, campaign = '', currency = 'USD'): SpendRow => ({ day, channel, campaign, amount, currency });

const dir = mkdtempSync(join(tmpdir(), 'tenure-spend-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** Write a CSV file into the temp dir; returns its path. */
const csv = (text: string) => {
  const file = join(dir, `spend-${files++}.csv`);
  writeFileSync(file, text);
  return file;
};

for (const target of dbTargets()) {
  describe(`marketing spend (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('inserts, then replaces the amount and currency of a stored day/channel/campaign, in chunks', async () => {
      const { workspace } = await makeWorkspace(db, `up-${target.name}`);
      const ws = workspace.id;
      const first = await upsertSpend(db, ws, [row('2026-01-01', 'paid_search', 10), row('2026-01-01', 'paid_search', 5, 'brand'), row('2026-01-02', 'email', 0.29)], 2);
      assert.deepEqual(first, { inserted: 3, updated: 0 });
      const second = await upsertSpend(db, ws, [row('2026-01-01', 'paid_search', 12.5, '', 'EUR'), row('2026-01-03', 'email', 1), row('2026-01-02', 'email', 0.3)], 2);
      assert.deepEqual(second, { inserted: 1, updated: 2 });
      assert.deepEqual(await listSpend(db, ws, { from: '2026-01-01', to: '2026-02-01' }), [
        row('2026-01-01', 'paid_search', 12.5, '', 'EUR'),
        row('2026-01-01', 'paid_search', 5, 'brand'),
        row('2026-01-02', 'email', 0.3),
        row('2026-01-03', 'email', 1),
      ]);
      await assert.rejects(upsertSpend(db, ws, [row('2026-01-05', 'sms', 1), row('2026-01-05', 'sms', 2)]), /repeat the day, channel and campaign/);
      assert.equal((await listSpend(db, ws, { from: '2026-01-05', to: '2026-01-06' })).length, 0);
    });

    it('lists, totals and deletes half-open ranges [from, to), per workspace', async () => {
      const { workspace } = await makeWorkspace(db, `range-${target.name}`);
      const other = await makeWorkspace(db, `range-other-${target.name}`);
      const ws = workspace.id;
      await upsertSpend(db, ws, [
        row('2026-01-31', 'paid_search', 100),
        row('2026-02-01', 'paid_search', 10.1),
        row('2026-02-01', 'paid_search', 20.2, 'brand'),
        row('2026-02-15', 'paid_search', 0.7),
        row('2026-02-15', 'display', 3, '', 'EUR'),
        row('2026-02-28', 'display', 4),
        row('2026-03-01', 'display', 1000),
      ]);
      await upsertSpend(db, other.workspace.id, [row('2026-02-10', 'paid_search', 5000)]);
      const feb = { from: '2026-02-01', to: '2026-03-01' };
      const listed = await listSpend(db, ws, feb);
      assert.deepEqual(
        listed.map((r) => `${r.day} ${r.channel} ${r.campaign}`),
        ['2026-02-01 paid_search ', '2026-02-01 paid_search brand', '2026-02-15 display ', '2026-02-15 paid_search ', '2026-02-28 display '],
      );
      assert.deepEqual(
        (await listSpend(db, ws, { ...feb, channel: 'display' })).map((r) => r.day),
        ['2026-02-15', '2026-02-28'],
      );
      // paid_search: 10.10 + 20.20 + 0.70 = 31.00 on 2 days; display: 3 EUR, 4 USD (never added across currencies).
      assert.deepEqual(await spendTotals(db, ws, feb), [
        { channel: 'display', currency: 'EUR', amount: 3, days: 1 },
        { channel: 'display', currency: 'USD', amount: 4, days: 1 },
        { channel: 'paid_search', currency: 'USD', amount: 31, days: 2 },
      ]);
      assert.deepEqual(await spendTotals(db, ws, { from: '2026-02-02', to: '2026-02-15' }), []);
      assert.equal(await deleteSpend(db, ws, { ...feb, channel: 'paid_search' }), 3);
      assert.equal(await deleteSpend(db, ws, feb), 2);
      assert.deepEqual(
        (await listSpend(db, ws, { from: '2026-01-01', to: '2026-04-01' })).map((r) => r.day),
        ['2026-01-31', '2026-03-01'],
      );
      assert.equal((await listSpend(db, other.workspace.id, feb)).length, 1, "another workspace's spend is untouched");
    });

    it('imports a CSV file in chunks, then replaces on a second import, and summarises', async () => {
      const { workspace } = await makeWorkspace(db, `csv-${target.name}`);
      const ws = workspace.id;
      // 10 days × 2 channels at 1.25 and 2.50, plus two campaign rows; header in mixed case and order.
      const lines = ['Amount,DAY,Channel,campaign'];
      for (let d = 1; d <= 10; d++) {
        const day = `2026-03-${String(d).padStart(2, '0')}`;
        lines.push(`1.25,${day},paid_search,`, `2.50,${day},email,`);
      }
      lines.push('1000,2026-03-05,paid_social,spring', '"1234.56",2026-03-31,paid_social,spring');
      const file = csv(`${lines.join('\n')}\n`);
      const r = await importSpend(db, ws, file, { progress: false, chunk: 3 });
      assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
      assert.deepEqual(r.value, { rows: 22, inserted: 22, updated: 0, firstDay: '2026-03-01', lastDay: '2026-03-31', channels: 3, totals: [{ currency: 'USD', cents: 1250n + 2500n + 223456n }] });
      assert.equal(spendSummaryLine(r.value), 'imported 22 spend rows (22 new, 0 replaced), 2026-03-01 … 2026-03-31, 3 channels, total 2,272.06 USD');
      assert.deepEqual(await spendTotals(db, ws, { from: '2026-03-01', to: '2026-04-01' }), [
        { channel: 'email', currency: 'USD', amount: 25, days: 10 },
        { channel: 'paid_search', currency: 'USD', amount: 12.5, days: 10 },
        { channel: 'paid_social', currency: 'USD', amount: 2234.56, days: 2 },
      ]);

      // Campaign and currency columns are optional; a stored row is replaced, a new one added.
      const again = await importSpend(db, ws, csv('day,channel,amount\n2026-03-01,email,9.99\n2026-04-01,email,1\n'), { progress: false });
      assert.ok(again.ok);
      assert.equal(spendSummaryLine(again.value), 'imported 2 spend rows (1 new, 1 replaced), 2026-03-01 … 2026-04-01, 1 channel, total 10.99 USD');
      assert.deepEqual(await listSpend(db, ws, { from: '2026-03-01', to: '2026-03-02', channel: 'email' }), [row('2026-03-01', 'email', 9.99)]);
    });

    it('refuses a file with any bad row, naming file, line and field, and stores nothing of it', async () => {
      const { workspace } = await makeWorkspace(db, `bad-${target.name}`);
      const ws = workspace.id;
      await upsertSpend(db, ws, [row('2026-05-01', 'paid_search', 50)]);
      const file = csv(
        [
          'day,channel,campaign,amount,currency', // line 1
          '2026-05-01,paid_search,,99', //            2: valid, would replace 50
          '2026-05-02,paid_search,,1', //             3: valid, new
          '',
          '2026-02-30,email,,1', //                   5: no such day
          '2026-05-03,Paid Search,,1', //             6: not a channel name
          '2026-05-04,email,,"12,5"', //              7: decimal comma
          '2026-05-04,email,,1.234,usd', //           8: three decimals, lower-case currency
          '2026-05-05,email,,,', //                   9: no amount
          '2026-05-02,paid_search,,7', //            10: repeats line 3
          '2026-05-06,email,,1,USD,extra', //        11: a field too many
        ].join('\r\n'),
      );
      const r = await importSpend(db, ws, file, { progress: false, chunk: 1 });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.deepEqual(
        r.errors.map((e) => e.message),
        [
          `${file} line 5, field day: "2026-02-30" must be a calendar date written YYYY-MM-DD`,
          `${file} line 6, field channel: "Paid Search" must be a lower-case channel name (a-z, 0-9, _), e.g. paid_search`,
          `${file} line 7, field amount: "12,5" is not a number (use digits, a "." for decimals, no thousands separators)`,
          `${file} line 8, field amount: "1.234" must have at most 2 decimals`,
          `${file} line 8, field currency: "usd" must be a 3-letter upper-case currency code, e.g. USD`,
          `${file} line 9, field amount: is empty (a value is required)`,
          `${file} line 10: the same day, channel and campaign as line 3 (one row per day, channel and campaign)`,
          `${file} line 11: 6 fields, but the header has 5 (a value with a comma needs "quotes")`,
        ],
      );
      assert.equal(r.errorTotal, 8);
      assert.deepEqual(await listSpend(db, ws, { from: '2026-01-01', to: '2027-01-01' }), [row('2026-05-01', 'paid_search', 50)], 'the stored amount is unchanged and no row was added');

      const capped = await importSpend(db, ws, file, { progress: false, maxErrors: 2 });
      assert.ok(!capped.ok && capped.errors.length === 2 && capped.errorTotal === 8);
    });

    it('refuses an unusable header before reading any row', async () => {
      const { workspace } = await makeWorkspace(db, `hdr-${target.name}`);
      const ws = workspace.id;
      const extra = csv('day,channel,amount,Clicks,cost_per_click\n2026-01-01,email,1,3,0.3\n');
      await assert.rejects(importSpend(db, ws, extra, { progress: false }), {
        message: `${extra} line 1: unknown columns "Clicks", "cost_per_click": a spend file has the columns day, channel, campaign, amount, currency (campaign and currency may be left out)`,
      });
      const missing = csv('day,campaign\n2026-01-01,x\n');
      await assert.rejects(importSpend(db, ws, missing, { progress: false }), { message: new RegExp(`^${escape(missing)} line 1: the header has no "channel" or "amount" column`) });
      const twice = csv('day,channel,amount,AMOUNT\n');
      await assert.rejects(importSpend(db, ws, twice, { progress: false }), { message: `${twice} line 1: columns 3 and 4 are both "amount"` });
      await assert.rejects(importSpend(db, ws, csv(''), { progress: false }), /the file is empty/);
      await assert.rejects(importSpend(db, ws, join(dir, 'nope.csv'), { progress: false }), /nope\.csv: no such file/);
      assert.equal((await listSpend(db, ws, { from: '2000-01-01', to: '2100-01-01' })).length, 0);
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('tenure import spend (CLI)', () => {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const run = (file: string) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'import', 'spend', file, '--no-progress'], {
      env: { ...process.env, TENURE_DATA_DIR: join(dir, 'cli-data'), DATABASE_URL: '', LOG_LEVEL: 'warn', TENURE_DEMO: 'false' },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints a summary and exits 0; a bad file exits 1 naming the line and field', async () => {
    const good = await run(csv('day,channel,amount,currency\n2026-01-01,paid_search,12345.67,USD\n2026-12-31,email,0.33,EUR\n'));
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^imported 2 spend rows \(2 new, 0 replaced\), 2026-01-01 … 2026-12-31, 2 channels, total 0\.33 EUR \+ 12,345\.67 USD$/m);
    const bad = await run(csv('day,channel,amount\n2026-01-02,email,1\n2026-01-03,email,abc\n'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nothing imported: 1 problem/);
    assert.match(bad.stderr, /spend-\d+\.csv line 3, field amount: "abc" is not a number/);
  });
});

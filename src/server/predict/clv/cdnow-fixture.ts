/**
 * The CDNOW sample (2,357 customers, 1997-01 … 1998-06; Fader, Hardie & Lee 2005), the
 * reference data set of the BG/NBD literature, for tests and benchmarks. A copy is kept in
 * the repository (`test/data/cdnowElog.csv`, as distributed with the BTYD R package); set
 * `$TENURE_CDNOW_ELOG` to read another. Its columns are `masterid,sampleid,date,cds,sales`; they are
 * turned into `Transaction`s here, so the product's CSV reader does not know the format.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDay, summarise, type Calibration, type Transaction } from './calibration.js';

/** Where the elog is expected. */
export const CDNOW_ELOG = process.env.TENURE_CDNOW_ELOG ?? fileURLToPath(new URL('../../../../test/data/cdnowElog.csv', import.meta.url));

/** Whether the elog is there (tests that need it are skipped, saying why, when it is not). */
export const hasCdnow = existsSync(CDNOW_ELOG);

/** The calibration period's last day. */
export const CDNOW_CALIBRATION_END = parseDay('1997-09-30')!;

/** Every purchase of the elog, the sample id as the customer id. */
export function cdnowTransactions(file = CDNOW_ELOG): Transaction[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  if (lines[0] !== 'masterid,sampleid,date,cds,sales') throw new Error(`${file}: unexpected header "${lines[0]}"`);
  return lines.slice(1).map((line, i) => {
    const [, sampleid, date, , sales] = line.split(',');
    const day = parseDay(date ?? '');
    if (!sampleid || day === null || !Number.isFinite(Number(sales))) throw new Error(`${file} line ${i + 2}: cannot read "${line}"`);
    return { customerId: sampleid, day, amount: Number(sales) };
  });
}

/** The calibration summaries in weeks, as in the paper (calibration ends 1997-09-30). */
export function cdnowCalibration(): Calibration {
  return summarise(cdnowTransactions(), CDNOW_CALIBRATION_END, 7);
}

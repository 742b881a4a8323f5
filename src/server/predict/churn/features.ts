/**
 * A feature table (one row per customer, numeric and categorical columns, blanks allowed)
 * and its encoding into a standardised design matrix:
 *
 * - numeric: blanks take the training median, and a `NAME (blank)` indicator column is
 *   added when the training rows had blanks; a column of non-negative values with a long
 *   right tail (skewness > 2: counts, revenue) is taken as log(1 + x);
 * - categorical: one column per level (`NAME=LEVEL`) for the most frequent levels (at most
 *   `maxLevels`, each seen in at least 1% of the rows and twice), `NAME=(other)` for the
 *   rest and `NAME=(blank)` for blanks;
 * - every column is then standardised, z = (v − mean) / sd, with the training mean and sd;
 *   columns constant in training are dropped.
 *
 * The encoding is learnt on training rows only and stored with the model, so scoring
 * later encodes new rows exactly as the training rows were.
 */

export type FeatureColumn = { name: string; kind: 'numeric'; values: Array<number | null> } | { name: string; kind: 'categorical'; values: Array<string | null> };

export interface FeatureTable {
  rows: number;
  columns: FeatureColumn[];
}

/** How one input column becomes design columns. */
export type ColumnEncoding = { name: string; kind: 'numeric'; median: number; log: boolean; blankIndicator: boolean } | { name: string; kind: 'categorical'; levels: string[] };

/** A design column kept after standardisation. */
export interface EncodedFeature {
  name: string;
  mean: number;
  sd: number;
}

export interface Encoding {
  columns: ColumnEncoding[];
  features: EncodedFeature[];
}

export const OTHER = '(other)';
export const BLANK = '(blank)';

export interface EncodingOptions {
  /** Most levels kept per categorical column (default 10). */
  maxLevels?: number;
}

const rowsOf = (table: FeatureTable, rows?: ArrayLike<number>) => rows ?? Array.from({ length: table.rows }, (_, i) => i);

/** Learn the encoding from the table's `rows` (default: all). */
export function fitEncoding(table: FeatureTable, rows?: ArrayLike<number>, opts: EncodingOptions = {}): Encoding {
  const use = rowsOf(table, rows);
  const columns = table.columns.map((c) => (c.kind === 'numeric' ? numericEncoding(c.name, c.values, use) : categoricalEncoding(c.name, c.values, use, opts.maxLevels ?? 10)));
  const draft: Encoding = { columns, features: designNames(columns).map((name) => ({ name, mean: 0, sd: 1 })) };
  const x = rawDesign(table, draft, use);
  const width = draft.features.length;
  const features: EncodedFeature[] = [];
  for (let j = 0; j < width; j++) {
    let sum = 0;
    for (let i = 0; i < use.length; i++) sum += x[i * width + j]!;
    const mean = sum / Math.max(use.length, 1);
    let ss = 0;
    for (let i = 0; i < use.length; i++) ss += (x[i * width + j]! - mean) ** 2;
    const sd = Math.sqrt(ss / Math.max(use.length, 1));
    if (sd > 1e-12 * Math.max(1, Math.abs(mean))) features.push({ name: draft.features[j]!.name, mean, sd });
  }
  return { columns, features };
}

/** The standardised design matrix (row-major, `features.length` columns) of the table's `rows` (default: all). */
export function encode(table: FeatureTable, encoding: Encoding, rows?: ArrayLike<number>): Float64Array {
  const use = rowsOf(table, rows);
  const names = designNames(encoding.columns);
  const raw = rawDesign(table, { columns: encoding.columns, features: names.map((name) => ({ name, mean: 0, sd: 1 })) }, use);
  const position = new Map(names.map((n, j) => [n, j]));
  const kept = encoding.features.map((f) => position.get(f.name) ?? -1);
  const width = names.length;
  const out = new Float64Array(use.length * encoding.features.length);
  for (let i = 0; i < use.length; i++) {
    for (let k = 0; k < kept.length; k++) {
      const f = encoding.features[k]!;
      const j = kept[k]!;
      out[i * kept.length + k] = j < 0 ? 0 : (raw[i * width + j]! - f.mean) / f.sd;
    }
  }
  return out;
}

function designNames(columns: ColumnEncoding[]): string[] {
  return columns.flatMap((c) => (c.kind === 'numeric' ? [c.name, ...(c.blankIndicator ? [`${c.name} ${BLANK}`] : [])] : c.levels.map((l) => `${c.name}=${l}`)));
}

/** Unstandardised design values of `rows`, one column per name of designNames. */
function rawDesign(table: FeatureTable, encoding: Encoding, rows: ArrayLike<number>): Float64Array {
  const width = encoding.features.length;
  const out = new Float64Array(rows.length * width);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  let offset = 0;
  for (const enc of encoding.columns) {
    const col = byName.get(enc.name);
    if (enc.kind === 'numeric') {
      const values = col?.kind === 'numeric' ? col.values : null;
      for (let i = 0; i < rows.length; i++) {
        const v = values?.[rows[i]!] ?? null;
        const x = v ?? enc.median;
        out[i * width + offset] = enc.log ? Math.log1p(Math.max(x, 0)) : x;
        if (enc.blankIndicator) out[i * width + offset + 1] = v === null ? 1 : 0;
      }
      offset += enc.blankIndicator ? 2 : 1;
    } else {
      const values = col?.kind === 'categorical' ? col.values : null;
      const index = new Map(enc.levels.map((l, k) => [l, k]));
      const other = index.get(OTHER);
      const blank = index.get(BLANK);
      for (let i = 0; i < rows.length; i++) {
        const v = values?.[rows[i]!] ?? null;
        const k = v === null ? blank : (index.get(v) ?? other);
        if (k !== undefined) out[i * width + offset + k] = 1;
      }
      offset += enc.levels.length;
    }
  }
  return out;
}

function numericEncoding(name: string, values: Array<number | null>, rows: ArrayLike<number>): ColumnEncoding {
  const present: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!];
    if (v !== null && v !== undefined) present.push(v);
  }
  present.sort((a, b) => a - b);
  const median = present.length === 0 ? 0 : quantileSorted(present, 0.5);
  return { name, kind: 'numeric', median, log: present.length > 0 && present[0]! >= 0 && skewness(present) > 2, blankIndicator: present.length < rows.length };
}

function categoricalEncoding(name: string, values: Array<string | null>, rows: ArrayLike<number>, maxLevels: number): ColumnEncoding {
  const counts = new Map<string, number>();
  let blanks = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!];
    if (v === null || v === undefined) blanks++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const minCount = Math.max(2, Math.ceil(rows.length * 0.01));
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const levels = ranked
    .filter(([, n]) => n >= minCount)
    .slice(0, maxLevels)
    .map(([l]) => l);
  if (levels.length < counts.size) levels.push(OTHER);
  if (blanks > 0) levels.push(BLANK);
  return { name, kind: 'categorical', levels };
}

/** Linear-interpolated quantile of sorted values. */
export function quantileSorted(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function skewness(values: number[]): number {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  let m2 = 0;
  let m3 = 0;
  for (const v of values) {
    m2 += (v - mean) ** 2;
    m3 += (v - mean) ** 3;
  }
  m2 /= n;
  m3 /= n;
  return m2 === 0 ? 0 : m3 / m2 ** 1.5;
}

/** The rows of `a` then those of `b`, column by column (by `a`'s columns; one `b` lacks is blank there). */
export function concatTables(a: FeatureTable, b: FeatureTable): FeatureTable {
  const byName = new Map(b.columns.map((c) => [c.name, c]));
  const blanks = <T>(): T[] => Array.from({ length: b.rows }, () => null as T);
  const columns = a.columns.map((c): FeatureColumn => {
    const other = byName.get(c.name);
    if (c.kind === 'numeric') return { ...c, values: [...c.values, ...(other?.kind === 'numeric' ? other.values : blanks<number | null>())] };
    const more = other === undefined ? blanks<string | null>() : other.values.map((v) => (v === null ? null : String(v)));
    return { ...c, values: [...c.values, ...more] };
  });
  return { rows: a.rows + b.rows, columns };
}

/**
 * Reading the values of a feature table as they come out of spreadsheets and CRMs:
 * numbers stored as text (" 12 ", "1,234", "12%", "$1,234.50", "-3.5e2"), booleans in
 * their usual spellings, blanks. Anything else is a category.
 */

const PLAIN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;
const CURRENCY = /^[$€£¥]/;
const TRUE = new Set(['true', 'yes', 'y', 't']);
const FALSE = new Set(['false', 'no', 'n', 'f']);
/** Spellings of a blank beside the empty cell. */
const BLANKS = new Set(['', 'na', 'n/a', 'null', 'none', 'nan', '-', '?']);

/** True for an empty cell or a spelled-out blank ("NA", "null", "-", …). */
export function isBlank(raw: string): boolean {
  return BLANKS.has(raw.trim().toLowerCase());
}

/**
 * A number written as text, or null: surrounding spaces, a currency sign, thousands
 * separators ("1,234,567") and a trailing % are allowed ("12%" is 12, on the scale it was written in).
 */
export function parseLooseNumber(raw: string): number | null {
  let v = raw.trim().replace(/\s+/g, '');
  if (v.endsWith('%')) v = v.slice(0, -1);
  const sign = v.startsWith('-') ? '-' : v.startsWith('+') ? '+' : '';
  if (sign) v = v.slice(1);
  if (CURRENCY.test(v)) v = v.slice(1);
  v = sign + v;
  if (GROUPED.test(v)) v = v.replace(/,/g, '');
  if (!PLAIN.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** true/false, yes/no, y/n, t/f (any case) as 1/0, or null. */
export function parseLooseBoolean(raw: string): 0 | 1 | null {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return 1;
  if (FALSE.has(v)) return 0;
  return null;
}

/** A cell as a number (a boolean is 1/0), or null when it is neither. */
export function parseNumeric(raw: string): number | null {
  return parseLooseNumber(raw) ?? parseLooseBoolean(raw);
}

const POSITIVE = new Set(['1', 'true', 'yes', 'y', 't', 'churned', 'churn', 'lost', 'left', 'cancelled', 'canceled', 'inactive', 'gone']);
const NEGATIVE = new Set(['0', 'false', 'no', 'n', 'f', 'retained', 'active', 'stayed', 'kept', 'renewed', 'current', 'loyal']);

/** The spellings a churn label may take, for messages. */
export const LABEL_SPELLINGS = '1/0, true/false, yes/no, churned/retained, lost/active';

/** A churn label: 1 (churned), 0 (stayed), or null when the cell is not one. */
export function parseLabel(raw: string): 0 | 1 | null {
  const v = raw.trim().toLowerCase();
  if (POSITIVE.has(v)) return 1;
  if (NEGATIVE.has(v)) return 0;
  const n = parseLooseNumber(v); // "1.0", "0.00"
  return n === 1 ? 1 : n === 0 ? 0 : null;
}

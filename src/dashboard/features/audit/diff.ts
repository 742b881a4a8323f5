/** One field of an audited object, before and after the change. */
export interface FieldChange {
  /** Dotted path: `name`, `definition.all[0].trait`. */
  path: string;
  kind: 'added' | 'removed' | 'changed' | 'same';
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flatten a value into leaf paths; empty objects and arrays are leaves themselves. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (Array.isArray(value) && value.length) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (isObject(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields of `before` and `after` side by side, in the order they appear (before's fields
 * first, then fields only `after` has). A created object (`before` null) has every field
 * added; a deleted one every field removed.
 */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, '', b);
  if (after !== null && after !== undefined) flatten(after, '', a);
  const out: FieldChange[] = [];
  for (const [path, v] of b) {
    if (!a.has(path)) out.push({ path, kind: 'removed', before: v });
    else {
      const w = a.get(path);
      out.push({ path, kind: same(v, w) ? 'same' : 'changed', before: v, after: w });
    }
  }
  for (const [path, w] of a) if (!b.has(path)) out.push({ path, kind: 'added', after: w });
  return out;
}

/** A value as a person reads it: strings as they are, everything else as JSON. */
export function valueText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

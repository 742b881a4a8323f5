/**
 * Checks on JSON that arrives from outside (request bodies, CSV cells), run before
 * anything else walks the value: how deep it is nested and whether PostgreSQL can store
 * its strings. Both walks are iterative (an explicit stack), so a value nested 100,000
 * levels deep is refused instead of overflowing the call stack.
 */

/**
 * Deepest nesting accepted in an event, counted from the event object: the call itself
 * is level 1, its `properties`/`traits`/`context` level 2, `properties.a` level 3, …, so
 * `properties` may hold objects and arrays 30 levels deep. Segment payloads are shallow
 * (a handful of levels); the limit only stops absurd values, which would otherwise
 * overflow the stack of every recursive reader (JSON.stringify, the COPY writer, rules).
 * In a batch body each item of `batch` is an event object (level 1); the envelope
 * (`batch`, batch-level `context`) counts from the body as level 1.
 */
export const MAX_EVENT_DEPTH = 32;

/** Deepest nesting accepted in any other JSON request body (admin API), counted from the body (level 1). */
export const MAX_BODY_DEPTH = 64;

/** Where a JSON value breaks a rule: the path to the offending key or value, and why. */
export interface JsonProblem {
  path: Array<string | number>;
  why: string;
}

interface Frame {
  value: unknown;
  depth: number;
  key: string | number;
  parent: Frame | null;
}

function pathOf(f: Frame | null): Array<string | number> {
  const path: Array<string | number> = [];
  for (let cur = f; cur && cur.parent; cur = cur.parent) path.push(cur.key);
  return path.reverse();
}

/**
 * The first container nested deeper than `limit` (depth-first, in document order), or
 * null. The root is level 1 (an object or array counts as a level, a scalar does not).
 * With `batchItems`, a root object's `batch` array is level 0, so its items are level 1:
 * the depth of an event is the same whether it arrives alone or in a batch.
 */
export function tooDeep(root: unknown, limit: number, opts: { batchItems?: boolean } = {}): JsonProblem | null {
  if (root === null || typeof root !== 'object') return null;
  const stack: Frame[] = [{ value: root, depth: 1, key: '', parent: null }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.depth > limit) return { path: pathOf(f), why: `nested more than ${limit} levels deep` };
    const v = f.value;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') stack.push({ value: x, depth: f.depth + 1, key: i, parent: f });
      }
    } else {
      const keys = Object.keys(v as object);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const x: unknown = (v as Record<string, unknown>)[k];
        if (x === null || typeof x !== 'object') continue;
        const depth = opts.batchItems && f.parent === null && k === 'batch' && Array.isArray(x) ? 0 : f.depth + 1;
        stack.push({ value: x, depth, key: k, parent: f });
      }
    }
  }
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL cannot store this string, or null if it can. */
export function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'half of a UTF-16 surrogate pair (an unpaired \\uD800–\\uDFFF escape)';
  return null;
}

/** The first key or string value (in document order) PostgreSQL cannot store, or null. Iterative. */
export function unstorablePath(root: unknown): JsonProblem | null {
  const stack: Frame[] = [{ value: root, depth: 1, key: '', parent: null }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) return { path: pathOf(f), why };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: f.depth + 1, key: i, parent: f });
      continue;
    }
    const keys = Object.keys(v);
    // Keys are checked when their object is reached, before any of its values.
    for (const k of keys) {
      const why = unstorable(k);
      if (why) return { path: [...pathOf(f), k], why };
    }
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], depth: f.depth + 1, key: keys[i]!, parent: f });
  }
  return null;
}

/**
 * A path for people and the `field` of an error: dotted, each key clipped to 40
 * characters, and past 8 segments only the first 6 and the last, e.g.
 * `batch.3.properties.a.a.a….a` (a reader sees where it starts and that it goes on).
 */
export function describePath(path: Array<string | number>): string {
  const seg = path.map((p) => {
    const s = String(p);
    return s.length > 40 ? `${s.slice(0, 39)}…` : s;
  });
  if (seg.length <= 8) return seg.join('.');
  return `${seg.slice(0, 6).join('.')}….${seg[seg.length - 1]}`;
}

import { durationMs, type CompareOp, type Condition, type ValueTest, type Window } from '../../contracts/condition.js';

/** What the in-memory evaluator knows of one customer. */
export interface CustomerFacts {
  traits: Record<string, unknown>;
  /** The customer's events (any order). */
  events: ReadonlyArray<{ event: string | null; timestamp: Date; properties: Record<string, unknown> }>;
}

type Ev = CustomerFacts['events'][number];

/**
 * Evaluate a condition for one customer at `now`, with exactly the semantics of the SQL
 * compiler (./compile-sql.ts); see src/contracts/condition.ts for the rules both follow.
 */
export function evaluate(cond: Condition, facts: CustomerFacts, now: Date): boolean {
  const t = now.getTime();
  const past = facts.events.filter((e) => e.timestamp.getTime() <= t);
  return evalNode(cond, facts.traits, past, t);
}

function evalNode(cond: Condition, traits: Record<string, unknown>, events: readonly Ev[], now: number): boolean {
  if ('all' in cond) return cond.all.every((c) => evalNode(c, traits, events, now));
  if ('any' in cond) return cond.any.some((c) => evalNode(c, traits, events, now));
  if ('not' in cond) return !evalNode(cond.not, traits, events, now);
  if ('trait' in cond) return testValue(cond.trait, traits);
  if ('performed' in cond) {
    const p = cond.performed;
    const n = matching(events, p.event, p.where, p.window, now).length;
    return compare(n, p.count?.op ?? 'gte', p.count?.value ?? 1);
  }
  if ('lastPerformed' in cond) {
    const l = cond.lastPerformed;
    const hits = matching(events, l.event, l.where, undefined, now);
    if (hits.length === 0) return false;
    const last = Math.max(...hits.map((e) => e.timestamp.getTime()));
    const edge = now - durationMs(l.duration);
    return l.op === 'within' ? last > edge : last <= edge;
  }
  if ('firstSeen' in cond || 'lastSeen' in cond) {
    if (events.length === 0) return false;
    const times = events.map((e) => e.timestamp.getTime());
    const [at, test] = 'firstSeen' in cond ? [Math.min(...times), cond.firstSeen] : [Math.max(...times), cond.lastSeen];
    const edge = now - durationMs(test.duration);
    return test.op === 'within' ? at > edge : at <= edge;
  }
  const a = cond.aggregate;
  const values: number[] = [];
  for (const e of matching(events, a.event, a.where, a.window, now)) {
    const v = valueAt(e.properties, a.property);
    if (typeof v === 'number') values.push(v);
  }
  const sum = values.reduce((s, v) => s + v, 0);
  switch (a.fn) {
    case 'sum':
      return compare(sum, a.op, a.value);
    case 'avg':
      // avg op v ⇔ sum op v × count (count > 0): no division, so no rounding to disagree on.
      return values.length > 0 && compare(sum, a.op, a.value * values.length);
    case 'min':
      return values.length > 0 && compare(Math.min(...values), a.op, a.value);
    case 'max':
      return values.length > 0 && compare(Math.max(...values), a.op, a.value);
  }
}

function matching(events: readonly Ev[], name: string, where: ValueTest[] | undefined, window: Window | undefined, now: number): Ev[] {
  return events.filter((e) => e.event === name && inWindow(e.timestamp.getTime(), window, now) && (where ?? []).every((w) => testValue(w, e.properties)));
}

function inWindow(ts: number, window: Window | undefined, now: number): boolean {
  if (!window) return true;
  if ('within' in window) return ts > now - durationMs(window.within);
  return ts >= Date.parse(window.between.from) && ts < Date.parse(window.between.to);
}

/** One value test against a JSON object (traits or event properties). */
export function testValue(test: ValueTest, obj: Record<string, unknown>): boolean {
  const v = valueAt(obj, test.path);
  switch (test.op) {
    case 'exists':
      return v !== undefined;
    case 'not_exists':
      return v === undefined;
    case 'eq':
      return v === test.value;
    case 'neq':
      return v !== test.value;
    case 'contains':
      return typeof v === 'string' && v.includes(test.value);
    default:
      return typeof v === 'number' && compare(v, test.op, test.value);
  }
}

/**
 * The value at a dotted path, walking objects by key and arrays by integer index
 * (negative counts from the end), as PostgreSQL's `#>` does; undefined when absent.
 */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(key)) return undefined;
      const i = Number(key);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (cur !== null && typeof cur === 'object') {
      cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'neq':
      return a !== b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
  }
}

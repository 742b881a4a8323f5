import { durationMs, type CompareOp, type Condition, type ValueTest, type Window } from '../../contracts/condition.js';
import { isActivity, type ActivitySettings } from './activity.js';

/** One event as the in-memory evaluator sees it. */
export interface FactEvent {
  event: string | null;
  timestamp: Date;
  properties: Record<string, unknown>;
  /** Segment call type (`tenure`: written by Tenure itself). Default `track`. With `event`, decides whether the event is activity (./activity.ts). */
  type?: string;
  messageId?: string;
}

/** What the in-memory evaluator knows of one customer. */
export interface CustomerFacts {
  traits: Record<string, unknown>;
  /** The customer's events (any order). */
  events: ReadonlyArray<FactEvent>;
  /** Current lifecycle stage, for `stage` leaves. */
  stage?: { key: string; since: Date } | null;
  /** Ids of the segments the customer is in, for `inSegment` leaves. */
  segments?: ReadonlySet<string>;
  /** Computed scores by name, for `score` leaves. */
  scores?: Readonly<Record<string, number>>;
  /** The first touch (null or absent: direct, nothing known), for `acquisition` leaves. */
  firstTouch?: { channel: string; source: string | null; campaign: string | null } | null;
  /** The workspace's activity settings (rules/activity.ts), for `lastSeen`/`firstSeen`; absent: the default. */
  activity?: ActivitySettings;
}

/**
 * Evaluate a condition for one customer at `now`, with exactly the semantics of the SQL
 * compiler (./compile-sql.ts); see src/contracts/condition.ts for the rules both follow.
 * To evaluate many conditions, or one condition at many times, build a `FactIndex` once
 * and use `prepare`.
 */
export function evaluate(cond: Condition, facts: CustomerFacts, now: Date): boolean {
  return prepare(cond).test(new FactIndex(facts), now.getTime());
}

/** A condition made ready to evaluate against indexed facts at any time. */
export interface Prepared {
  test(ix: FactIndex, now: number): boolean;
  /**
   * Add to `out` every time (ms) at which this condition's value may change for this
   * customer: event times, and the moments windows close over them. Between two
   * consecutive such times the value is constant.
   */
  changeTimes(ix: FactIndex, out: number[]): void;
}

/** Matching events of one leaf: times ascending, with the numeric value of a property when asked. */
interface Matches {
  times: number[];
  values: Array<number | undefined>;
  messageIds: Array<string | undefined>;
}

/**
 * One customer's facts indexed for fast evaluation at many points in time: events sorted
 * by time, activity times, and each leaf's matching events (computed on first use).
 */
export class FactIndex {
  readonly events: FactEvent[];
  /** Times of the customer's activity (./activity.ts), ascending. */
  readonly activity: number[];
  private readonly memo = new Map<number, Matches>();

  constructor(readonly facts: CustomerFacts) {
    this.events = [...facts.events].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    this.activity = [];
    for (const e of this.events) if (isActivity(e, facts.activity)) this.activity.push(e.timestamp.getTime());
  }

  /** Events of `leaf` named `name` passing `where`, with `property`'s numeric value when given. */
  matches(leaf: number, name: string, where: ValueTest[] | undefined, property?: string): Matches {
    let m = this.memo.get(leaf);
    if (m) return m;
    m = { times: [], values: [], messageIds: [] };
    for (const e of this.events) {
      if (e.event !== name || !(where ?? []).every((w) => testValue(w, e.properties))) continue;
      m.times.push(e.timestamp.getTime());
      m.messageIds.push(e.messageId);
      if (property !== undefined) {
        const v = valueAt(e.properties, property);
        m.values.push(typeof v === 'number' ? v : undefined);
      }
    }
    this.memo.set(leaf, m);
    return m;
  }
}

/** Number of elements of the ascending `xs` that are ≤ x. */
export function countAtOrBefore(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of the ascending `xs` that are < x. */
function countBefore(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [lo, hi) of the times counted at `now` in `window` (and never after now). */
function windowRange(times: readonly number[], window: Window | undefined, now: number): [number, number] {
  const upto = countAtOrBefore(times, now);
  if (!window) return [0, upto];
  if ('within' in window) return [countAtOrBefore(times, now - durationMs(window.within)), upto];
  const from = Date.parse(window.between.from);
  const to = Date.parse(window.between.to);
  return [countBefore(times, from), Math.min(upto, countBefore(times, to))];
}

let nextLeafId = 1;
const cache = new WeakMap<Condition, Prepared>();

/** Prepare a condition once; evaluate it against many customers and times. */
export function prepare(cond: Condition): Prepared {
  let p = cache.get(cond);
  if (!p) {
    p = build(cond);
    cache.set(cond, p);
  }
  return p;
}

const addShifted = (out: number[], times: readonly number[], shift: number) => {
  for (const t of times) out.push(t, t + shift);
};

function build(cond: Condition): Prepared {
  if ('all' in cond || 'any' in cond) {
    const every = 'all' in cond;
    const kids = (every ? cond.all : cond.any).map(prepare);
    return {
      test: every ? (ix, now) => kids.every((k) => k.test(ix, now)) : (ix, now) => kids.some((k) => k.test(ix, now)),
      changeTimes: (ix, out) => kids.forEach((k) => k.changeTimes(ix, out)),
    };
  }
  if ('not' in cond) {
    const kid = prepare(cond.not);
    return { test: (ix, now) => !kid.test(ix, now), changeTimes: (ix, out) => kid.changeTimes(ix, out) };
  }
  const id = nextLeafId++;
  const none = () => undefined;
  if ('trait' in cond) return { test: (ix) => testValue(cond.trait, ix.facts.traits), changeTimes: none };
  if ('stage' in cond) {
    const s = cond.stage;
    const d = s.atLeast ? durationMs(s.atLeast) : 0;
    return {
      test: (ix, now) => ix.facts.stage?.key === s.key && ix.facts.stage.since.getTime() <= now - d,
      changeTimes: (ix, out) => {
        if (ix.facts.stage) out.push(ix.facts.stage.since.getTime() + d);
      },
    };
  }
  if ('inSegment' in cond) return { test: (ix) => ix.facts.segments?.has(cond.inSegment.id) === true, changeTimes: none };
  if ('score' in cond) {
    const s = cond.score;
    return { test: (ix) => typeof ix.facts.scores?.[s.name] === 'number' && compare(ix.facts.scores[s.name]!, s.op, s.value), changeTimes: none };
  }
  if ('acquisition' in cond) {
    const a = cond.acquisition;
    return {
      test: (ix) => {
        const t = ix.facts.firstTouch ?? null;
        return (a.channel === undefined || (t?.channel ?? 'direct') === a.channel) && (a.source === undefined || t?.source === a.source) && (a.campaign === undefined || t?.campaign === a.campaign);
      },
      changeTimes: none,
    };
  }
  if ('performed' in cond) {
    const p = cond.performed;
    const shift = p.window && 'within' in p.window ? durationMs(p.window.within) : 0;
    return {
      test: (ix, now) => {
        const [lo, hi] = windowRange(ix.matches(id, p.event, p.where).times, p.window, now);
        return compare(Math.max(0, hi - lo), p.count?.op ?? 'gte', p.count?.value ?? 1);
      },
      changeTimes: (ix, out) => addShifted(out, ix.matches(id, p.event, p.where).times, shift),
    };
  }
  if ('lastPerformed' in cond) {
    const l = cond.lastPerformed;
    const d = durationMs(l.duration);
    return {
      test: (ix, now) => {
        const times = ix.matches(id, l.event, l.where).times;
        const n = countAtOrBefore(times, now);
        if (n === 0) return false;
        return l.op === 'within' ? times[n - 1]! > now - d : times[n - 1]! <= now - d;
      },
      changeTimes: (ix, out) => addShifted(out, ix.matches(id, l.event, l.where).times, d),
    };
  }
  if ('firstSeen' in cond || 'lastSeen' in cond) {
    const first = 'firstSeen' in cond;
    const test = first ? cond.firstSeen : cond.lastSeen;
    const d = durationMs(test.duration);
    return {
      test: (ix, now) => {
        const n = countAtOrBefore(ix.activity, now);
        if (n === 0) return false;
        const at = first ? ix.activity[0]! : ix.activity[n - 1]!;
        return test.op === 'within' ? at > now - d : at <= now - d;
      },
      changeTimes: (ix, out) => {
        const a = ix.activity;
        if (first) {
          if (a.length > 0) out.push(a[0]!, a[0]! + d);
          return;
        }
        // The last activity changes at every activity; `at + d` only matters when no
        // other activity comes before it.
        for (let i = 0; i < a.length; i++) {
          out.push(a[i]!);
          if (i + 1 === a.length || a[i + 1]! > a[i]! + d) out.push(a[i]! + d);
        }
      },
    };
  }
  const a = cond.aggregate;
  const shift = a.window && 'within' in a.window ? durationMs(a.window.within) : 0;
  return {
    test: (ix, now) => {
      const m = ix.matches(id, a.event, a.where, a.property);
      const [lo, hi] = windowRange(m.times, a.window, now);
      let sum = 0;
      let count = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = m.values[i];
        if (v === undefined) continue;
        sum += v;
        count++;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      switch (a.fn) {
        case 'sum':
          return compare(sum, a.op, a.value);
        case 'avg':
          // avg op v ⇔ sum op v × count (count > 0): no division, so no rounding to disagree on.
          return count > 0 && compare(sum, a.op, a.value * count);
        case 'min':
          return count > 0 && compare(min, a.op, a.value);
        case 'max':
          return count > 0 && compare(max, a.op, a.value);
      }
    },
    changeTimes: (ix, out) => addShifted(out, ix.matches(id, a.event, a.where, a.property).times, shift),
  };
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

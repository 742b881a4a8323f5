/**
 * Random customers and conditions for property tests of the rule language (the SQL
 * compiler against the in-memory evaluator; what a segment reads against what changes
 * its answer). Seeded: the same Rng gives the same cases.
 */
import type { Condition, Duration, ValueTest, Window } from '../contracts/condition.js';
import type { Rng } from '../server/lib/rng.js';
import type { CustomerFacts } from '../server/rules/evaluate.js';

export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const DAY = 86_400_000;

export const NUMBERS = [-2, -0.5, 0, 0.25, 1, 2.5, 3, 10, 100];
export const STRINGS = ['', 'a', 'pro', 'free', 'pro plan', 'Pro'];
export const EVENTS = ['Order Completed', 'Signed Up', 'Page Viewed'];
/** Events whose activity depends on the definition: a delivery (never), an open (off by default), a click (on). */
const NOT_ALWAYS_ACTIVITY = ['Email Delivered', 'Email Opened', 'Email Link Clicked'];
const TYPES = ['track', 'track', 'track', 'track', 'page', 'tenure', 'identify'];
export const CHANNELS = ['paid_search', 'organic_search', 'email', 'referral'];
const SOURCES = ['google', 'newsletter'];
const CAMPAIGNS = ['spring', 'winback'];
const TRAIT_PATHS = ['plan', 'score', 'vip', 'address.city', 'address.zip', 'tags.0', 'tags.-1', 'missing', 'plan.x'];
export const STAGES = ['awareness', 'conversion', 'churned'];
const SEGMENTS = ['1', '2', 'vip'];
const SCORES = ['churn_risk', 'health'];
const PROPERTY_PATHS = ['revenue', 'plan', 'items.0', 'coupon', 'nested.value', 'missing'];

export function randomValue(r: Rng): unknown {
  const k = r.int(0, 9);
  if (k <= 3) return r.pick(NUMBERS);
  if (k <= 6) return r.pick(STRINGS);
  if (k === 7) return r.chance(0.5);
  if (k === 8) return null;
  return r.chance(0.5) ? { x: r.pick(NUMBERS) } : [r.pick(NUMBERS), r.pick(STRINGS)];
}

export function randomObject(r: Rng, keys: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) if (r.chance(0.7)) o[k] = randomValue(r);
  return o;
}

export function randomCustomer(r: Rng): CustomerFacts {
  const traits = randomObject(r, ['plan', 'score', 'vip']);
  if (r.chance(0.6)) traits.address = randomObject(r, ['city', 'zip']);
  if (r.chance(0.5)) traits.tags = Array.from({ length: r.int(0, 3) }, () => r.pick(STRINGS));
  const events = Array.from({ length: r.int(0, 16) }, () => {
    const properties = randomObject(r, ['revenue', 'plan', 'coupon']);
    if (r.chance(0.4)) properties.items = [r.pick(NUMBERS), r.pick(STRINGS)];
    if (r.chance(0.3)) properties.nested = { value: r.pick(NUMBERS) };
    // Mostly the past 60 days, on a 12-hour grid so events often fall exactly on a window's
    // edge; some in the future, which no condition may count.
    const offset = (r.chance(0.1) ? r.int(1, 4) : -r.int(0, 120)) * 12 * 3_600_000;
    // Some events are not activity (../server/rules/activity.ts): Tenure's own (type
    // `tenure`), profile calls (`identify`), messages and their fate (`Email Delivered`),
    // opens; all still matched by name. `page` and clicks are activity.
    const event = r.chance(0.25) ? r.pick(NOT_ALWAYS_ACTIVITY) : r.pick(EVENTS);
    return { event, timestamp: new Date(NOW.getTime() + offset), properties, type: r.pick(TYPES) };
  });
  const stage = r.chance(0.8) ? { key: r.pick(STAGES), since: new Date(NOW.getTime() - r.int(0, 8) * DAY) } : null;
  const segments = new Set(SEGMENTS.filter(() => r.chance(0.4)));
  const scores: Record<string, number> = {};
  for (const name of SCORES) if (r.chance(0.7)) scores[name] = r.pick(NUMBERS);
  const firstTouch = r.chance(0.7) ? { channel: r.pick(CHANNELS), source: r.chance(0.7) ? r.pick(SOURCES) : null, campaign: r.chance(0.5) ? r.pick(CAMPAIGNS) : null } : null;
  return { traits, events, stage, segments, scores, firstTouch };
}

export function randomDuration(r: Rng): Duration {
  return r.chance(0.7) ? { amount: r.int(1, 45), unit: 'days' } : { amount: 12 * r.int(1, 6), unit: 'hours' };
}

export function randomWindow(r: Rng): Window | undefined {
  if (r.chance(0.35)) return undefined;
  if (r.chance(0.6)) return { within: randomDuration(r) };
  const from = NOW.getTime() - r.int(5, 50) * DAY; // on the grid too
  return { between: { from: new Date(from).toISOString(), to: new Date(from + r.int(1, 30) * DAY).toISOString() } };
}

export function randomTest(r: Rng, paths: string[]): ValueTest {
  const path = r.pick(paths);
  switch (r.int(0, 4)) {
    case 0:
      return { path, op: r.chance(0.5) ? 'eq' : 'neq', value: r.chance(0.5) ? r.pick(NUMBERS) : r.chance(0.7) ? r.pick(STRINGS) : r.chance(0.5) };
    case 1:
    case 2:
      return { path, op: r.pick(['gt', 'gte', 'lt', 'lte'] as const), value: r.pick(NUMBERS) };
    case 3:
      return { path, op: 'contains', value: r.pick(['a', 'pro', 'ee', 'P']) };
    default:
      return { path, op: r.chance(0.5) ? 'exists' : 'not_exists' };
  }
}

export function randomCondition(r: Rng, depth: number): Condition {
  if (depth > 0 && r.chance(0.35)) {
    const k = r.int(0, 2);
    const children = () => Array.from({ length: r.int(1, 3) }, () => randomCondition(r, depth - 1));
    return k === 0 ? { all: children() } : k === 1 ? { any: children() } : { not: randomCondition(r, depth - 1) };
  }
  const where = () => (r.chance(0.4) ? Array.from({ length: r.int(1, 2) }, () => randomTest(r, PROPERTY_PATHS)) : undefined);
  const window = randomWindow(r);
  switch (r.int(0, 6)) {
    case 0:
      return { trait: randomTest(r, TRAIT_PATHS) };
    case 5: {
      const k = r.int(0, 2);
      if (k === 0) return { stage: { key: r.pick(STAGES), ...(r.chance(0.5) ? { atLeast: { amount: r.int(1, 6), unit: 'days' as const } } : {}) } };
      if (k === 1) return { inSegment: { id: r.pick([...SEGMENTS, 'other']) } };
      return { score: { name: r.pick([...SCORES, 'missing']), op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const), value: r.pick(NUMBERS) } };
    }
    case 6: {
      const a: { channel?: string; source?: string; campaign?: string } = {};
      if (r.chance(0.7)) a.channel = r.chance(0.3) ? 'direct' : r.pick(CHANNELS);
      if (r.chance(0.3)) a.source = r.pick(SOURCES);
      if (r.chance(0.3) || Object.keys(a).length === 0) a.campaign = r.pick(CAMPAIGNS);
      return { acquisition: a };
    }
    case 1:
      return {
        performed: {
          event: r.pick(EVENTS),
          where: where(),
          ...(r.chance(0.6) ? { count: { op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const), value: r.int(0, 4) } } : {}),
          ...(window ? { window } : {}),
        },
      };
    case 2:
      return { lastPerformed: { event: r.pick(EVENTS), where: where(), op: r.chance(0.5) ? 'within' : 'before', duration: randomDuration(r) } };
    case 3: {
      const test = { op: r.chance(0.5) ? ('within' as const) : ('before' as const), duration: randomDuration(r) };
      return r.chance(0.5) ? { firstSeen: test } : { lastSeen: test };
    }
    default:
      return {
        aggregate: {
          event: r.pick(EVENTS),
          property: r.pick(['revenue', 'revenue', 'nested.value', 'items.0', 'plan']),
          fn: r.pick(['sum', 'avg', 'min', 'max'] as const),
          op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const),
          value: r.pick(NUMBERS),
          where: where(),
          ...(window ? { window } : {}),
        },
      };
  }
}

/** Drop keys whose value is undefined (the schema is strict about what is there). */
export function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

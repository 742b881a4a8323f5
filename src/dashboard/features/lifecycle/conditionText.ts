import type { CompareOp, Condition, Duration, ValueTest, Window } from '../../../contracts/condition.js';
import { idsOnly, type Names } from '../../components/names.js';

/**
 * Conditions (the rule language of src/contracts/condition.ts) in words, for people:
 * `{performed: {event: 'Order Completed', count: {op: 'gte', value: 2}}}` reads
 * "did Order Completed at least 2 times".
 */

/** "30 days", "1 week". */
export function durationText(d: Duration): string {
  const unit = d.amount === 1 ? d.unit.replace(/s$/, '') : d.unit;
  return `${d.amount.toLocaleString('en-US')} ${unit}`;
}

const COMPARE: Record<CompareOp, string> = { eq: 'is', neq: 'is not', gt: 'is more than', gte: 'is at least', lt: 'is less than', lte: 'is at most' };

function scalar(v: unknown): string {
  return typeof v === 'string' ? `“${v}”` : String(v);
}

/** One value test: `plan is “pro”`, `score is at least 9`, `email is set`. */
export function valueTestText(t: ValueTest): string {
  switch (t.op) {
    case 'exists':
      return `${t.path} is set`;
    case 'not_exists':
      return `${t.path} is not set`;
    case 'contains':
      return `${t.path} contains ${scalar(t.value)}`;
    default:
      return `${t.path} ${COMPARE[t.op]} ${scalar(t.value)}`;
  }
}

function whereText(where: ValueTest[] | undefined): string {
  return where?.length ? ` where ${where.map(valueTestText).join(' and ')}` : '';
}

function windowText(w: Window | undefined): string {
  if (!w) return '';
  if ('within' in w) return ` in the last ${durationText(w.within)}`;
  return ` between ${w.between.from.slice(0, 10)} and ${w.between.to.slice(0, 10)}`;
}

function countText(c: { op: CompareOp; value: number } | undefined): string {
  if (!c) return '';
  const n = c.value;
  const times = (k: number) => `${k.toLocaleString('en-US')} ${k === 1 ? 'time' : 'times'}`;
  switch (c.op) {
    case 'eq':
      return ` exactly ${times(n)}`;
    case 'neq':
      return ` other than ${times(n)}`;
    case 'gt':
      return ` more than ${times(n)}`;
    case 'gte':
      return ` at least ${times(n)}`;
    case 'lt':
      return ` fewer than ${times(n)}`;
    case 'lte':
      return ` at most ${times(n)}`;
  }
}

const NEGATE: Record<CompareOp, CompareOp> = { eq: 'neq', neq: 'eq', gt: 'lte', gte: 'lt', lt: 'gte', lte: 'gt' };

/** "not …" in plain words where a leaf has a natural negative, else "not (…)". */
function negatedText(c: Condition, names: Names): string {
  if ('performed' in c && !c.performed.count) return `did not do ${c.performed.event}${whereText(c.performed.where)}${windowText(c.performed.window)}`;
  if ('lastPerformed' in c && c.lastPerformed.op === 'within') return `did not do ${c.lastPerformed.event}${whereText(c.lastPerformed.where)} in the last ${durationText(c.lastPerformed.duration)}`;
  if ('lastSeen' in c && c.lastSeen.op === 'within') return `no activity for ${durationText(c.lastSeen.duration)}`;
  if ('lastSeen' in c) return `active within the last ${durationText(c.lastSeen.duration)}`;
  if ('trait' in c && c.trait.op !== 'contains') {
    const t = c.trait;
    if (t.op === 'exists') return `trait ${t.path} is not set`;
    if (t.op === 'not_exists') return `trait ${t.path} is set`;
    if ('value' in t) return `trait ${t.path} ${COMPARE[NEGATE[t.op]]} ${scalar(t.value)}`;
  }
  if ('inSegment' in c) return `not in segment ${names('segment', c.inSegment.id)}`;
  if ('not' in c) return conditionText(c.not, names);
  const inner = conditionText(c, names);
  return `not ${inner.startsWith('(') ? inner : `(${inner})`}`;
}

/**
 * A leaf in words (a group is handled by the caller; here it is rendered inline with brackets).
 * Segments and stages by name when `names` knows them.
 */
export function conditionText(c: Condition, names: Names = idsOnly): string {
  const text = (x: Condition) => conditionText(x, names);
  if ('all' in c) return c.all.length === 1 ? text(c.all[0]!) : `(${c.all.map(text).join(' and ')})`;
  if ('any' in c) return c.any.length === 1 ? text(c.any[0]!) : `(${c.any.map(text).join(' or ')})`;
  if ('not' in c) return negatedText(c.not, names);
  if ('trait' in c) return `trait ${valueTestText(c.trait)}`;
  if ('performed' in c) {
    const p = c.performed;
    if (p.count && ((p.count.op === 'eq' && p.count.value === 0) || (p.count.op === 'lt' && p.count.value === 1))) return `never did ${p.event}${whereText(p.where)}${windowText(p.window)}`;
    return `did ${p.event}${whereText(p.where)}${countText(p.count)}${windowText(p.window)}`;
  }
  if ('lastPerformed' in c) {
    const p = c.lastPerformed;
    return p.op === 'within'
      ? `last did ${p.event}${whereText(p.where)} within the last ${durationText(p.duration)}`
      : `last did ${p.event}${whereText(p.where)} more than ${durationText(p.duration)} ago`;
  }
  if ('firstSeen' in c) return c.firstSeen.op === 'within' ? `first seen within the last ${durationText(c.firstSeen.duration)}` : `first seen more than ${durationText(c.firstSeen.duration)} ago`;
  if ('lastSeen' in c) return c.lastSeen.op === 'within' ? `active within the last ${durationText(c.lastSeen.duration)}` : `no activity for ${durationText(c.lastSeen.duration)}`;
  if ('aggregate' in c) {
    const a = c.aggregate;
    const fn = { sum: 'total', avg: 'average', min: 'lowest', max: 'highest' }[a.fn];
    return `${fn} ${a.property} of ${a.event}${whereText(a.where)}${windowText(a.window)} ${COMPARE[a.op]} ${a.value}`;
  }
  if ('stage' in c) return `in stage ${names('stage', c.stage.key)}${c.stage.atLeast ? ` for at least ${durationText(c.stage.atLeast)}` : ''}`;
  if ('inSegment' in c) return `in segment ${names('segment', c.inSegment.id)}`;
  if ('score' in c) return `score ${c.score.name} ${COMPARE[c.score.op]} ${c.score.value}`;
  if ('acquisition' in c) {
    const a = c.acquisition;
    const parts = [a.channel && `channel ${scalar(a.channel)}`, a.source && `source ${scalar(a.source)}`, a.campaign && `campaign ${scalar(a.campaign)}`].filter(Boolean);
    return `acquired through ${parts.join(', ')}`;
  }
  return 'an unknown condition';
}

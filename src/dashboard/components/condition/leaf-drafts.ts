import {
  AcquisitionLeaf,
  AggregateLeaf,
  FirstSeenLeaf,
  InSegmentLeaf,
  LastPerformedLeaf,
  LastSeenLeaf,
  PerformedLeaf,
  ScoreLeaf,
  StageLeaf,
  TraitLeaf,
  ValueTestSchema,
  type CompareOp,
  type Condition,
  type Duration,
  type ValueTest,
  type Window,
} from '../../../contracts/condition.js';
import type { z } from 'zod';
import { EV } from '../../../contracts/events.js';

/**
 * Form drafts of the condition leaves: what a row's inputs hold (numbers as the typed
 * text), turned into a leaf and checked against the contract's zod schema as the user types.
 */

export type Unit = Duration['unit'];
export interface DurationDraft {
  amount: string;
  unit: Unit;
}
export interface WindowDraft {
  /** `between`: whole days (date inputs, UTC midnights); `betweenTimes`: exact ISO-8601 moments as typed. */
  mode: 'ever' | 'within' | 'between' | 'betweenTimes';
  within: DurationDraft;
  from: string;
  to: string;
}
export type ValueKind = 'text' | 'number' | 'boolean';
export interface TestDraft {
  path: string;
  op: ValueTest['op'];
  value: string;
  kind: ValueKind;
}

export type LeafDraft =
  | { kind: 'performed'; event: string; countOp: CompareOp | ''; count: string; window: WindowDraft; where: TestDraft[] }
  | { kind: 'lastPerformed'; event: string; op: 'within' | 'before'; duration: DurationDraft; where: TestDraft[] }
  | { kind: 'firstSeen'; op: 'within' | 'before'; duration: DurationDraft }
  | { kind: 'lastSeen'; op: 'within' | 'before'; duration: DurationDraft }
  | { kind: 'aggregate'; event: string; property: string; fn: 'sum' | 'avg' | 'min' | 'max'; op: CompareOp; value: string; window: WindowDraft; where: TestDraft[] }
  | { kind: 'trait'; test: TestDraft }
  | { kind: 'stage'; key: string; atLeastOn: boolean; atLeast: DurationDraft }
  | { kind: 'inSegment'; id: string }
  | { kind: 'score'; name: string; op: CompareOp; value: string }
  | { kind: 'acquisition'; channel: string; source: string; campaign: string };

export type LeafKind = LeafDraft['kind'];

/** The row kinds in the "add condition" menu, in words. */
export const LEAF_KINDS: Array<{ kind: LeafKind; label: string }> = [
  { kind: 'performed', label: 'Performed event' },
  { kind: 'lastPerformed', label: 'Last performed event' },
  { kind: 'firstSeen', label: 'First seen' },
  { kind: 'lastSeen', label: 'Last seen (any activity)' },
  { kind: 'aggregate', label: 'Sum / average of a property' },
  { kind: 'trait', label: 'Trait' },
  { kind: 'stage', label: 'In lifecycle stage' },
  { kind: 'inSegment', label: 'In segment' },
  { kind: 'score', label: 'Score' },
  { kind: 'acquisition', label: 'Acquired through' },
];

/** A duration draft (30 days unless told). */
export const dur = (amount = '30', unit: Unit = 'days'): DurationDraft => ({ amount, unit });
/** A window draft: ever. */
export const win = (): WindowDraft => ({ mode: 'ever', within: dur(), from: '', to: '' });

/** A new row of a kind, with sensible starting values. */
export function newDraft(kind: LeafKind): LeafDraft {
  switch (kind) {
    case 'performed':
      return { kind, event: '', countOp: '', count: '1', window: win(), where: [] };
    case 'lastPerformed':
      return { kind, event: '', op: 'within', duration: dur(), where: [] };
    case 'firstSeen':
    case 'lastSeen':
      return { kind, op: 'within', duration: dur() };
    case 'aggregate':
      return { kind, event: EV.orderCompleted, property: 'revenue', fn: 'sum', op: 'gte', value: '', window: win(), where: [] };
    case 'trait':
      return { kind, test: newTest() };
    case 'stage':
      return { kind, key: '', atLeastOn: false, atLeast: dur() };
    case 'inSegment':
      return { kind, id: '' };
    case 'score':
      return { kind, name: 'churn_risk', op: 'gte', value: '' };
    case 'acquisition':
      return { kind, channel: '', source: '', campaign: '' };
  }
}

/** A new property/trait test. */
export const newTest = (): TestDraft => ({ path: '', op: 'eq', value: '', kind: 'text' });

/** A draft's problem, with the field it concerns (`event`, `count`, `where.0.value` …) when there is one. */
class DraftError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function num(s: string, what: string, int = false, field?: string): number {
  const t = s.trim();
  if (t === '') throw new DraftError(`${what}: enter a number`, field);
  const v = Number(t);
  if (!Number.isFinite(v)) throw new DraftError(`${what}: "${s}" is not a number`, field);
  if (int && !Number.isInteger(v)) throw new DraftError(`${what}: a whole number`, field);
  return v;
}

function duration(d: DurationDraft, what: string, field: string): Duration {
  return { amount: num(d.amount, what, true, field), unit: d.unit };
}

/** A date input (YYYY-MM-DD) as the start of that day in UTC. */
const dayStart = (d: string) => `${d}T00:00:00Z`;
/** A moment that is the start of a day in UTC (the `between dates` form). */
export const DAY_START = /^(\d{4}-\d{2}-\d{2})T00:00:00Z$/;

function windowOf(w: WindowDraft): Window | undefined {
  if (w.mode === 'ever') return undefined;
  if (w.mode === 'within') return { within: duration(w.within, 'window', 'window') };
  if (w.mode === 'betweenTimes') {
    const from = w.from.trim();
    const to = w.to.trim();
    if (!from || !to) throw new DraftError('between: enter both times (ISO 8601, e.g. 2026-01-01T09:00:00Z)', 'window');
    if (Number.isFinite(Date.parse(from)) && Number.isFinite(Date.parse(to)) && Date.parse(to) <= Date.parse(from)) throw new DraftError('between: the end must be after the start', 'window');
    return { between: { from, to } };
  }
  if (!w.from || !w.to) throw new DraftError('between: choose both dates', 'window');
  if (w.to <= w.from) throw new DraftError('between: the end date must be after the start date', 'window');
  return { between: { from: dayStart(w.from), to: dayStart(w.to) } };
}

function testOf(t: TestDraft, prefix = ''): ValueTest {
  const path = t.path.trim();
  switch (t.op) {
    case 'exists':
    case 'not_exists':
      return { path, op: t.op };
    case 'contains':
      return { path, op: t.op, value: t.value };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { path, op: t.op, value: num(t.value, path || 'value', false, `${prefix}value`) };
    case 'eq':
    case 'neq': {
      const value = t.kind === 'number' ? num(t.value, path || 'value', false, `${prefix}value`) : t.kind === 'boolean' ? t.value === 'true' : t.value;
      return { path, op: t.op, value };
    }
  }
}

const whereOf = (ts: TestDraft[]) => (ts.length ? ts.map((t, i) => testOf(t, `where.${i}.`)) : undefined);
const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function need(v: string, message: string, field: string): void {
  if (v.trim() === '') throw new DraftError(message, field);
}

function required(d: LeafDraft): void {
  if ('event' in d) need(d.event, 'choose an event name', 'event');
  if (d.kind === 'aggregate') need(d.property, 'name the numeric property, e.g. revenue', 'property');
  if (d.kind === 'trait') need(d.test.path, 'name the trait, e.g. plan or address.city', 'path');
  if (d.kind === 'stage') need(d.key, 'choose a stage', 'key');
  if (d.kind === 'inSegment') need(d.id, 'choose a segment', 'id');
  if (d.kind === 'score') need(d.name, 'name the score, e.g. churn_risk', 'name');
  if ('where' in d) d.where.forEach((t, i) => need(t.path, `filter ${i + 1}: name the property`, `where.${i}.path`));
}

function build(d: LeafDraft): { cond: Condition; schema: z.ZodType } {
  required(d);
  switch (d.kind) {
    case 'performed': {
      const count = d.countOp === '' ? undefined : { op: d.countOp, value: num(d.count, 'count', true, 'count') };
      return { cond: { performed: strip({ event: d.event.trim(), where: whereOf(d.where), count, window: windowOf(d.window) }) }, schema: PerformedLeaf };
    }
    case 'lastPerformed':
      return { cond: { lastPerformed: strip({ event: d.event.trim(), where: whereOf(d.where), op: d.op, duration: duration(d.duration, 'duration', 'duration') }) }, schema: LastPerformedLeaf };
    case 'firstSeen':
      return { cond: { firstSeen: { op: d.op, duration: duration(d.duration, 'duration', 'duration') } }, schema: FirstSeenLeaf };
    case 'lastSeen':
      return { cond: { lastSeen: { op: d.op, duration: duration(d.duration, 'duration', 'duration') } }, schema: LastSeenLeaf };
    case 'aggregate':
      return {
        cond: {
          aggregate: strip({
            event: d.event.trim(),
            property: d.property.trim(),
            fn: d.fn,
            op: d.op,
            value: num(d.value, 'value', false, 'value'),
            where: whereOf(d.where),
            window: windowOf(d.window),
          }),
        },
        schema: AggregateLeaf,
      };
    case 'trait':
      return { cond: { trait: testOf(d.test) }, schema: TraitLeaf };
    case 'stage':
      return { cond: { stage: strip({ key: d.key, atLeast: d.atLeastOn ? duration(d.atLeast, 'for at least', 'atLeast') : undefined }) }, schema: StageLeaf };
    case 'inSegment':
      return { cond: { inSegment: { id: d.id } }, schema: InSegmentLeaf };
    case 'score':
      return { cond: { score: { name: d.name.trim(), op: d.op, value: num(d.value, 'score value', false, 'value') } }, schema: ScoreLeaf };
    case 'acquisition': {
      const t = (s: string) => s.trim() || undefined;
      return { cond: { acquisition: strip({ channel: t(d.channel), source: t(d.source), campaign: t(d.campaign) }) }, schema: AcquisitionLeaf };
    }
  }
}

/** Turn a draft into a leaf, checked by the contract's schema: the leaf, or the first problem in words (and the field it concerns). */
export function leafFromDraft(d: LeafDraft): { condition: Condition } | { error: string; field?: string } {
  try {
    const { cond, schema } = build(d);
    const r = schema.safeParse(cond);
    if (r.success) return { condition: cond };
    const issue = r.error.issues[0]!;
    const where = issue.path.slice(1).join('.');
    return { error: where ? `${friendlyPath(where)}: ${issue.message}` : issue.message, field: fieldOf(issue.path.slice(1).map(String)) };
  } catch (e) {
    if (e instanceof DraftError) return { error: e.message, field: e.field };
    throw e;
  }
}

/** The form field a schema path lands on: `count.value` → `count`, `where.1.value` stays. */
function fieldOf(path: string[]): string | undefined {
  if (path.length === 0) return undefined;
  if (path[0] === 'where') return path.slice(0, 3).join('.');
  return path[0];
}

function friendlyPath(p: string): string {
  if (p === 'event') return 'event name';
  if (p === 'key') return 'stage';
  if (p === 'id') return 'segment';
  return p.replace(/^where\.(\d+)\./, (_m, i: string) => `filter ${Number(i) + 1} `);
}

/** Property filters from their drafts, checked by the contract's schema: the tests, or the first problem and its field (`where.1.value`). */
export function testsFromDrafts(ts: TestDraft[]): { tests: ValueTest[] } | { error: string; field?: string } {
  try {
    ts.forEach((t, i) => need(t.path, `filter ${i + 1}: name the property`, `where.${i}.path`));
    const tests = ts.map((t, i) => testOf(t, `where.${i}.`));
    for (const [i, t] of tests.entries()) {
      const r = ValueTestSchema.safeParse(t);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        const at = issue.path[0] === 'value' ? 'value' : 'path';
        return { error: `filter ${i + 1} ${String(issue.path[0] ?? '')}: ${issue.message}`, field: `where.${i}.${at}` };
      }
    }
    return { tests };
  } catch (e) {
    if (e instanceof DraftError) return { error: e.message, field: e.field };
    throw e;
  }
}

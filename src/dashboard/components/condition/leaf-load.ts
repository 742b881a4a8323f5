import type { Condition, Duration, ValueTest, Window } from '../../../contracts/condition.js';
import { DAY_START, dur, win, type DurationDraft, type LeafDraft, type TestDraft, type ValueKind, type WindowDraft } from './leaf-drafts.js';

/** Saved leaves back into form drafts (the inverse of `leafFromDraft`). */

function durDraft(d: Duration): DurationDraft {
  return { amount: String(d.amount), unit: d.unit };
}

function winDraft(w: Window | undefined): WindowDraft | null {
  if (!w) return win();
  if ('within' in w) return { ...win(), mode: 'within', within: durDraft(w.within) };
  const f = DAY_START.exec(w.between.from);
  const t = DAY_START.exec(w.between.to);
  if (!f || !t) return { ...win(), mode: 'betweenTimes', from: w.between.from, to: w.between.to };
  return { ...win(), mode: 'between', from: f[1]!, to: t[1]! };
}

/** The draft of a saved property test. */
export function testDraft(t: ValueTest): TestDraft {
  if (!('value' in t)) return { path: t.path, op: t.op, value: '', kind: 'text' };
  const kind: ValueKind = typeof t.value === 'number' ? 'number' : typeof t.value === 'boolean' ? 'boolean' : 'text';
  return { path: t.path, op: t.op, value: String(t.value), kind };
}

/** The draft of a saved leaf, or null when the builder has no form for it (it then shows as JSON). */
export function draftFromLeaf(c: Condition): LeafDraft | null {
  try {
    if ('performed' in c) {
      const p = c.performed;
      const window = winDraft(p.window);
      if (!window) return null;
      return { kind: 'performed', event: p.event, countOp: p.count?.op ?? '', count: String(p.count?.value ?? 1), window, where: (p.where ?? []).map(testDraft) };
    }
    if ('lastPerformed' in c) {
      const p = c.lastPerformed;
      return { kind: 'lastPerformed', event: p.event, op: p.op, duration: durDraft(p.duration), where: (p.where ?? []).map(testDraft) };
    }
    if ('firstSeen' in c) return { kind: 'firstSeen', op: c.firstSeen.op, duration: durDraft(c.firstSeen.duration) };
    if ('lastSeen' in c) return { kind: 'lastSeen', op: c.lastSeen.op, duration: durDraft(c.lastSeen.duration) };
    if ('aggregate' in c) {
      const a = c.aggregate;
      const window = winDraft(a.window);
      if (!window) return null;
      return { kind: 'aggregate', event: a.event, property: a.property, fn: a.fn, op: a.op, value: String(a.value), window, where: (a.where ?? []).map(testDraft) };
    }
    if ('trait' in c) return { kind: 'trait', test: testDraft(c.trait) };
    if ('stage' in c) return { kind: 'stage', key: c.stage.key, atLeastOn: c.stage.atLeast !== undefined, atLeast: c.stage.atLeast ? durDraft(c.stage.atLeast) : dur() };
    if ('inSegment' in c) return { kind: 'inSegment', id: c.inSegment.id };
    if ('score' in c) return { kind: 'score', name: c.score.name, op: c.score.op, value: String(c.score.value) };
    if ('acquisition' in c) return { kind: 'acquisition', channel: c.acquisition.channel ?? '', source: c.acquisition.source ?? '', campaign: c.acquisition.campaign ?? '' };
  } catch {
    return null;
  }
  return null;
}

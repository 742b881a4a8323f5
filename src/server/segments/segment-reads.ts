import { leavesOf } from '../../contracts/condition.js';
import { segmentRefs } from '../../contracts/segment-definition.js';
import { STAGE_CHANGED_EVENT } from '../lifecycle/stages.repo.js';
import type { StoredSegment } from './segments.repo.js';

/*
 * What a segment's condition reads: the changes it depends on (so the worker decides it only
 * for subjects whose changes it reads) and the other segments it reads (so segments are
 * decided after those they read).
 */

/**
 * Order segments so that each comes after the segments its condition reads (`inSegment`),
 * for evaluating them in one pass. Segments in a cycle (refused when saved) keep their place.
 */
export function dependencyOrder(segs: StoredSegment[]): StoredSegment[] {
  const byId = new Map(segs.map((s) => [s.id, s]));
  const out: StoredSegment[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: StoredSegment) => {
    if (state.has(s.id)) return;
    state.set(s.id, 'visiting');
    for (const ref of s.condition ? segmentRefs(s.condition) : []) {
      const dep = byId.get(ref);
      if (dep) visit(dep);
    }
    state.set(s.id, 'done');
    out.push(s);
  };
  for (const s of segs) visit(s);
  return out;
}

/**
 * Whether a segment's condition reads something in `what` (one subject's changes): an
 * event name it tests (a stage move writes `Lifecycle Stage Changed`), any event for activity leaves, traits, first touch, stage; `$all`
 * (a new or merged customer) and conditions reading other segments always qualify.
 */
export function reads(seg: Pick<StoredSegment, 'scope' | 'condition'>, what: Set<string> | undefined): boolean {
  if (!what || what.has('$all')) return true;
  const keys = readKeys(seg);
  if (keys === true) return true;
  for (const k of keys) if (what.has(k)) return true;
  return false;
}

/** Per condition (and scope), the change keys it reads, or true for "everything" (it reads other segments). */
const keyCache = new WeakMap<object, { customer?: string[] | true; account?: string[] | true }>();

function readKeys(seg: Pick<StoredSegment, 'scope' | 'condition'>): string[] | true {
  const cond = seg.condition!;
  let byScope = keyCache.get(cond);
  if (!byScope) keyCache.set(cond, (byScope = {}));
  const cached = byScope[seg.scope];
  if (cached) return cached;
  const keys = new Set<string>();
  let all = false;
  for (const l of leavesOf(cond)) {
    if ('performed' in l || 'lastPerformed' in l || 'aggregate' in l) {
      const e = 'performed' in l ? l.performed.event : 'lastPerformed' in l ? l.lastPerformed.event : l.aggregate.event;
      keys.add(e);
      if (e === STAGE_CHANGED_EVENT) keys.add('$stage');
    } else if ('firstSeen' in l || 'lastSeen' in l) keys.add('$any');
    else if ('trait' in l) keys.add(seg.scope === 'account' ? '$group' : '$traits');
    else if ('acquisition' in l) keys.add('$touch');
    else if ('stage' in l) keys.add('$stage');
    else if ('inSegment' in l) all = true;
    // score: changed only by a scoring run, which recomputes the segments reading it
  }
  const out = all ? true : [...keys];
  byScope[seg.scope] = out;
  return out;
}

/** Segments in levels: level 0 reads no other segment of the list, level n reads only levels below n. */
export function dependencyLevels(segs: StoredSegment[]): StoredSegment[][] {
  const ids = new Set(segs.map((s) => s.id));
  const depth = new Map<string, number>();
  for (const s of dependencyOrder(segs)) {
    const refs = s.condition ? segmentRefs(s.condition).filter((r) => ids.has(r)) : [];
    depth.set(s.id, refs.length === 0 ? 0 : 1 + Math.max(...refs.map((r) => depth.get(r) ?? 0)));
  }
  const levels: StoredSegment[][] = [];
  for (const s of segs) (levels[depth.get(s.id)!] ??= []).push(s);
  return levels.filter((l) => l.length > 0);
}

import type { Touch } from './attribution.js';
import { mergeTraitStates, type TraitTimes } from './traits.js';

/** A customer profile as held in memory while a batch is applied. */
export interface Profile {
  id: number;
  userId: string | null;
  traits: Record<string, unknown>;
  traitTimes: TraitTimes;
  firstTouch: Touch | null;
  lastTouch: Touch | null;
  /** Not yet in the database. */
  isNew: boolean;
  /** Needs writing back. */
  dirty: boolean;
}

/** Keep the earliest touch as first touch and the latest as last touch. */
export function applyTouch(p: Profile, touch: Touch): void {
  if (!p.firstTouch || touch.at < p.firstTouch.at) {
    p.firstTouch = touch;
    p.dirty = true;
  }
  if (!p.lastTouch || touch.at >= p.lastTouch.at) {
    p.lastTouch = touch;
    p.dirty = true;
  }
}

/** Fold profile `from` into `into`: traits by last-write-wins, touches kept (seen times follow the events). */
export function mergeProfileInto(into: Profile, from: Profile): void {
  mergeTraitStates(into, from);
  if (from.firstTouch) applyTouch(into, from.firstTouch);
  if (from.lastTouch) applyTouch(into, from.lastTouch);
  into.dirty = true;
}

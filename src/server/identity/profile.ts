import type { Touch } from './attribution.js';
import { mergeTraitStates, type TraitTimes } from './traits.js';

/** A customer profile as held in memory while a batch is applied. */
export interface Profile {
  id: number;
  userId: string | null;
  traits: Record<string, unknown>;
  traitTimes: TraitTimes;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  firstTouch: Touch | null;
  lastTouch: Touch | null;
  /** Not yet in the database. */
  isNew: boolean;
  /** Needs writing back. */
  dirty: boolean;
}

/** Note that the customer was seen at `iso`. */
export function markSeen(p: Profile, iso: string): void {
  if (!p.firstSeenAt || iso < p.firstSeenAt) {
    p.firstSeenAt = iso;
    p.dirty = true;
  }
  if (!p.lastSeenAt || iso > p.lastSeenAt) {
    p.lastSeenAt = iso;
    p.dirty = true;
  }
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

/** Fold profile `from` into `into`: traits by last-write-wins, seen times widened, touches kept. */
export function mergeProfileInto(into: Profile, from: Profile): void {
  mergeTraitStates(into, from);
  if (from.firstSeenAt) markSeen(into, from.firstSeenAt);
  if (from.lastSeenAt) markSeen(into, from.lastSeenAt);
  if (from.firstTouch) applyTouch(into, from.firstTouch);
  if (from.lastTouch) applyTouch(into, from.lastTouch);
  into.dirty = true;
}

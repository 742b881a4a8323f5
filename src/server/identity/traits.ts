/** Per trait: [firstSetAt, lastSetAt] as ISO-8601 strings. */
export type TraitTimes = Record<string, [string, string]>;

/** A mutable bag of traits with the times each was first and last set. */
export interface TraitState {
  traits: Record<string, unknown>;
  traitTimes: TraitTimes;
}

/**
 * Apply traits observed at `at` with last-write-wins by event timestamp: a value replaces
 * the stored one only if it is at least as recent as the last write, so out-of-order
 * delivery cannot roll a trait back. First-set times only ever move earlier.
 * Returns true if anything changed.
 */
export function applyTraits(state: TraitState, incoming: Record<string, unknown>, at: Date | string): boolean {
  const iso = typeof at === 'string' ? at : at.toISOString();
  let changed = false;
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const times = ownValue(state.traitTimes, key);
    if (!times) {
      setOwn(state.traits, key, value);
      setOwn(state.traitTimes, key, [iso, iso]);
      changed = true;
      continue;
    }
    if (iso >= times[1]) {
      if (iso !== times[1] || !sameJson(ownValue(state.traits, key), value)) changed = true;
      setOwn(state.traits, key, value);
      times[1] = iso;
    }
    if (iso < times[0]) {
      times[0] = iso;
      changed = true;
    }
  }
  return changed;
}

/** Fold another profile's traits into `into` (used when two profiles merge). */
export function mergeTraitStates(into: TraitState, from: TraitState): void {
  for (const [key, value] of Object.entries(from.traits)) {
    const times = ownValue(from.traitTimes, key);
    if (!times) {
      if (!Object.hasOwn(into.traits, key)) setOwn(into.traits, key, value);
      continue;
    }
    const one: Record<string, unknown> = {};
    setOwn(one, key, value);
    applyTraits(into, one, times[1]);
    const merged = ownValue(into.traitTimes, key)!;
    if (times[0] < merged[0]) merged[0] = times[0];
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/*
 * Trait names are customer data: `constructor`, `toString` or `__proto__` are names like
 * any other. Read only own properties (a plain object inherits `constructor` …), and
 * define rather than assign (assigning `__proto__` would set the prototype instead).
 */
function ownValue<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

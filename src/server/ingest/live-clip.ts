/** Largest payload the live debugger shows for one arrival (JSON characters, about). */
export const LIVE_PAYLOAD_CHARS = 4_096;
/** Nesting the copy keeps (ingestion bodies are depth-limited anyway). */
const MAX_DEPTH = 24;
/** Longest string kept whole inside a clipped payload. */
const MAX_STRING = 512;

/** The marker a clipped payload carries: how much was left out. */
export const CLIPPED_KEY = '…';

/**
 * A copy of `value` for display, at most about `budget` JSON characters: long strings are
 * cut, and objects and arrays stop (with `"…": "N more"`) when the budget runs out. The walk
 * visits only what it keeps, so a 500 KB body costs no more than a 4 KB one. Values JSON
 * cannot hold (functions, symbols, bigints) become strings; Dates become ISO strings.
 */
export function clipForDisplay(value: unknown, budget = LIVE_PAYLOAD_CHARS): unknown {
  const state = { left: budget };
  return clip(value, state, 0);
}

function clip(value: unknown, state: { left: number }, depth: number): unknown {
  if (value === null || value === undefined) {
    state.left -= 4;
    return value ?? null;
  }
  switch (typeof value) {
    case 'string': {
      const max = Math.max(16, Math.min(MAX_STRING, state.left));
      const s = value.length > max ? `${value.slice(0, max)}… (${value.length} characters)` : value;
      state.left -= s.length + 2;
      return s;
    }
    case 'number':
    case 'boolean':
      state.left -= 6;
      return value;
    case 'object':
      break;
    default:
      state.left -= 8;
      return String(value);
  }
  if (value instanceof Date) {
    state.left -= 26;
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  if (depth >= MAX_DEPTH) {
    state.left -= 8;
    return Array.isArray(value) ? '[…]' : '{…}';
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    state.left -= 2;
    for (let i = 0; i < value.length; i++) {
      if (state.left <= 0) {
        out.push(`${CLIPPED_KEY} ${value.length - i} more`);
        break;
      }
      out.push(clip(value[i], state, depth + 1));
      state.left -= 1;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  state.left -= 2;
  let i = 0;
  const keys = Object.keys(value as object);
  for (const k of keys) {
    if (state.left <= 0) {
      out[CLIPPED_KEY] = `${keys.length - i} more`;
      break;
    }
    state.left -= Math.min(k.length, MAX_STRING) + 4;
    out[k.length > MAX_STRING ? `${k.slice(0, MAX_STRING)}…` : k] = clip((value as Record<string, unknown>)[k], state, depth + 1);
    i++;
  }
  return out;
}

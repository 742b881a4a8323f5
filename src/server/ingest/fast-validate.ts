import type { CallType } from '../../contracts/segment.js';

/**
 * A quick yes for well-formed Segment calls, so the hot path skips zod for them: true
 * only when the call certainly satisfies its schema in src/contracts/segment.ts. False
 * means "not sure", and the caller runs the zod schema, which stays the contract and
 * gives the error message. fast-validate.test.ts checks on random calls that a true here
 * is never a call zod refuses.
 */
export function certainlyValid(call: Record<string, unknown>, type: CallType): boolean {
  if (!optionalId(call.messageId, 1, 200) || !optionalId(call.userId, 0, 512) || !optionalId(call.anonymousId, 0, 512)) return false;
  if (!optionalTime(call.timestamp) || !optionalTime(call.originalTimestamp) || !optionalTime(call.sentAt)) return false;
  if (!optionalObject(call.context) || !optionalObject(call.integrations)) return false;
  if (call.writeKey !== undefined && typeof call.writeKey !== 'string') return false;
  if (call.type !== undefined && call.type !== type) return false;
  switch (type) {
    case 'track':
      return typeof call.event === 'string' && call.event.length >= 1 && call.event.length <= 512 && optionalObject(call.properties);
    case 'page':
      return optionalName(call.name) && optionalName(call.category) && optionalObject(call.properties);
    case 'screen':
      return optionalName(call.name) && optionalObject(call.properties);
    case 'identify':
      return optionalObject(call.traits);
    case 'group':
      return requiredId(call.groupId) && optionalObject(call.traits);
    case 'alias':
      return requiredId(call.previousId);
  }
}

function finite(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function optionalId(v: unknown, min: number, max: number): boolean {
  if (v === undefined || v === null || finite(v)) return true;
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

function requiredId(v: unknown): boolean {
  return finite(v) || (typeof v === 'string' && v.length >= 1 && v.length <= 512);
}

function optionalTime(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'string' || finite(v);
}

function optionalName(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.length <= 512);
}

function optionalObject(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
}

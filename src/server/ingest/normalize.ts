import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CallSchemas, type CallType } from '../../contracts/segment.js';
import type { ErrorCode } from '../../contracts/errors.js';
import { inMomentWindow, MOMENT_WINDOW_TEXT } from '../../contracts/time-window.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { certainlyValid } from './fast-validate.js';

/** Largest accepted single event, as Segment: 32 KB of JSON. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Largest accepted request body after decompression, as Segment: 500 KB. */
export const MAX_REQUEST_BYTES = 500 * 1024;

/** A Segment call after validation, id defaulting and clock-skew correction. */
export interface NormalizedEvent {
  messageId: string;
  type: CallType;
  /** Track event name, or page/screen name. */
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  previousId: string | null;
  timestamp: Date;
  originalTimestamp: Date | null;
  sentAt: Date | null;
  receivedAt: Date;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
}

/** Why one event of a request was refused. */
export type EventRejection = Failure<Extract<ErrorCode, 'invalid_event' | 'event_too_large'>> & {
  index: number;
  field: string;
};

/** What the request adds to every event: when it arrived, batch-level fields, the caller's address. */
export interface RequestFacts {
  receivedAt: Date;
  sentAt?: unknown;
  context?: Record<string, unknown> | null;
  ip?: string;
  /** Decompressed size of the whole request body; events are measured only when it exceeds MAX_EVENT_BYTES. */
  bodyBytes: number;
  /** The request's sentAt, parsed once for all its events (filled in by normalizeCall). */
  parsedSentAt?: Date | null | TimeProblem;
}

type NormalizeResult = Result<NormalizedEvent, EventRejection>;

/**
 * Validate and normalise one Segment call. `fieldPrefix` names where the call sits in
 * the request (e.g. `batch.3`) so errors point at the exact field.
 */
export function normalizeCall(raw: unknown, type: CallType, facts: RequestFacts, index: number, fieldPrefix: string): NormalizeResult {
  const refuse = (code: EventRejection['code'], message: string, field: string): NormalizeResult =>
    fail(code, message, { index, field: field ? `${fieldPrefix}${fieldPrefix ? '.' : ''}${field}` : fieldPrefix });
  if (facts.bodyBytes > MAX_EVENT_BYTES) {
    const size = Buffer.byteLength(JSON.stringify(raw));
    if (size > MAX_EVENT_BYTES) return refuse('event_too_large', `event is ${size} bytes; the limit is ${MAX_EVENT_BYTES} bytes (32 KB)`, '');
  }
  let call: Record<string, unknown>;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && certainlyValid(raw as Record<string, unknown>, type)) {
    call = raw as Record<string, unknown>;
  } else {
    const parsed = (CallSchemas[type] as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      return refuse('invalid_event', `${type} call: ${field ? `\`${field}\` ` : ''}${issue.message}`, field);
    }
    call = parsed.data as Record<string, unknown>;
  }
  const userId = idOf(call.userId);
  const anonymousId = idOf(call.anonymousId);
  const previousId = type === 'alias' ? idOf(call.previousId) : null;
  if (type === 'alias') {
    if (!userId) return refuse('invalid_event', 'alias calls need a `userId`', 'userId');
  } else if (!userId && !anonymousId) {
    return refuse('invalid_event', `${type} call needs a \`userId\` or an \`anonymousId\``, 'userId');
  }

  // Event times: each given field must be a date inside the accepted window, and so must
  // the timestamp after clock-skew correction (else PostgreSQL, or a later reader, fails).
  for (const key of ['timestamp', 'originalTimestamp', 'sentAt'] as const) {
    const t = parseTime(call[key]);
    if (t !== null && !(t instanceof Date)) return refuse('invalid_event', `\`${key}\` ${t.problem}`, key);
  }
  const original = parseTime(call.timestamp ?? call.originalTimestamp) as Date | null;
  const callSentAt = call.sentAt !== undefined && call.sentAt !== null && call.sentAt !== '';
  const sentAt = callSentAt ? (parseTime(call.sentAt) as Date | null) : (facts.parsedSentAt ??= parseTime(facts.sentAt));
  if (sentAt !== null && !(sentAt instanceof Date)) {
    // The request's sentAt: the field is at the top of the body, not in the event.
    return fail('invalid_event', `\`sentAt\` ${sentAt.problem}`, { index, field: 'sentAt' });
  }
  const timestamp = correctedTimestamp(facts.receivedAt, sentAt, original);
  if (!inMomentWindow(timestamp.getTime())) {
    const skewDays = Math.round((facts.receivedAt.getTime() - sentAt!.getTime()) / 86_400_000);
    const message =
      `the clock-skew correction (receivedAt − (sentAt − timestamp)) moves \`timestamp\` ${original!.toISOString()} to ${isoOrRaw(timestamp)}, outside the accepted range ${MOMENT_WINDOW_TEXT}; ` +
      `the cause is \`sentAt\` ${sentAt!.toISOString()}, ${Math.abs(skewDays)} days ${skewDays >= 0 ? 'before' : 'after'} the request arrived: send the time the request was really sent, or leave sentAt out`;
    if (callSentAt) return refuse('invalid_event', message, 'sentAt');
    return fail('invalid_event', message, { index, field: 'sentAt' });
  }

  const context = { ...(facts.context ?? {}), ...((call.context as Record<string, unknown> | null) ?? {}) };
  if (facts.ip && context.ip === undefined) context.ip = facts.ip;

  const messageId = call.messageId === undefined || call.messageId === null ? `tenure-${randomUUID()}` : String(call.messageId);
  const name = type === 'track' ? (call.event as string) : type === 'page' || type === 'screen' ? ((call.name as string | null | undefined) ?? null) : null;
  const properties = (call.properties as Record<string, unknown> | null | undefined) ?? {};
  if (type === 'page' && call.category != null && properties.category === undefined) properties.category = call.category;

  return ok({
    messageId,
    type,
    event: name,
    userId,
    anonymousId,
    groupId: type === 'group' ? String(call.groupId) : null,
    previousId,
    timestamp,
    originalTimestamp: original,
    sentAt,
    receivedAt: facts.receivedAt,
    properties,
    traits: type === 'identify' ? identifyTraits(call.traits, context.traits) : type === 'group' ? ((call.traits as Record<string, unknown> | null | undefined) ?? {}) : null,
    context,
  });
}

/**
 * An identify call's traits: `traits`, over `context.traits` (where RudderStack's SDKs put
 * them, and where Segment's put the user's cached traits); `traits` wins on conflict.
 */
function identifyTraits(traits: unknown, contextTraits: unknown): Record<string, unknown> {
  const own = (traits as Record<string, unknown> | null | undefined) ?? {};
  if (contextTraits === null || typeof contextTraits !== 'object' || Array.isArray(contextTraits)) return own;
  return { ...(contextTraits as Record<string, unknown>), ...own };
}

/**
 * Segment's clock-skew correction: when the client says when it sent the request,
 * `timestamp = receivedAt - (sentAt - originalTimestamp)`; otherwise the client's
 * timestamp is trusted as is (historical imports); with neither, the arrival time.
 */
export function correctedTimestamp(receivedAt: Date, sentAt: Date | null, original: Date | null): Date {
  if (!original) return receivedAt;
  if (!sentAt) return original;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
}

function idOf(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  return s === '' ? null : s;
}

/** Why a time field cannot be taken, as the end of a sentence starting with its name. */
interface TimeProblem {
  problem: string;
}

/**
 * A time field: null when absent, a Date inside the accepted window, or the problem.
 * Numbers are epoch milliseconds (as `new Date(n)`); strings ISO-8601.
 */
function parseTime(v: unknown): Date | null | TimeProblem {
  if (v === undefined || v === null || v === '') return null;
  const d = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) return { problem: `${shown(v)} is not a valid ISO-8601 date` };
  if (!inMomentWindow(d.getTime())) {
    const read = typeof v === 'number' ? `${v} (read as epoch milliseconds: ${d.toISOString()})` : `${shown(v)} (${d.toISOString()})`;
    return { problem: `${read} is outside the accepted range ${MOMENT_WINDOW_TEXT}` };
  }
  return d;
}

function shown(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

function isoOrRaw(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'an invalid date' : d.toISOString();
}

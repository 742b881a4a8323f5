/**
 * What every outgoing channel transport (email, SMS, webhook) answers for one send, and
 * the classification shared by the HTTP-based ones. Expected failures are results, never
 * exceptions: the caller (the delivery runner) decides from `permanent` whether to retry.
 */
import { fail, type Err, type Failure, type Ok } from '../lib/result.js';

/** Why a delivery attempt failed, and what the caller should do about it. */
export type SendFailure = Err<
  Failure<'provider_rejected' | 'provider_error'> & {
    /** true: retrying the same message will not help (bad address, rejected content, 4xx). */
    permanent: boolean;
    /** a hard bounce (address does not exist / rejected permanently): suppress the address */
    bounce?: boolean;
    /** transient: retry not before (ms), e.g. from Retry-After */
    retryAfterMs?: number;
  }
>;

/** The outcome of one delivery attempt: the provider's id for the message (Twilio `sid`, SMTP queue id) when it gave one. */
export type SendResult = Ok<{ providerId: string | null }> | SendFailure;

/**
 * A failed send. `message` is human-readable, including the provider's code and text when
 * there was one; the code follows from `permanent` (provider_rejected, else provider_error).
 */
export function sendFailure(message: string, permanent: boolean, extra: { bounce?: boolean; retryAfterMs?: number } = {}): SendFailure {
  return fail(permanent ? 'provider_rejected' : 'provider_error', message, { permanent, ...extra });
}

/**
 * A `Retry-After` header value as milliseconds from `nowMs`: either delta-seconds
 * (`"2"` → 2000) or an HTTP date. Undefined when absent, malformed or already past.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at) || at <= nowMs) return undefined;
  return at - nowMs;
}

/** Whether an HTTP status means "try again later": 408, 429 and every 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The failure for a non-2xx HTTP answer: transient for 408/429/5xx (with Retry-After
 * honoured), permanent otherwise. `detail` is what the provider said (may be empty).
 */
export function httpFailure(status: number, detail: string, retryAfter: string | null, nowMs: number): SendFailure {
  const reason = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (!isTransientStatus(status)) return sendFailure(reason, true);
  const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  return retryAfterMs === undefined ? sendFailure(reason, false) : sendFailure(reason, false, { retryAfterMs });
}

/**
 * The failure for a `fetch` that threw (connection refused, reset, DNS, TLS, timeout):
 * always transient. `timeoutMs` is only used to word the timeout case.
 */
export function fetchFailure(err: unknown, timeoutMs: number): SendFailure {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return sendFailure(`timed out after ${timeoutMs} ms`, false);
  }
  return sendFailure(`network error: ${describeError(err)}`, false);
}

/** "fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)" — the message plus its cause. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${err.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return err.message;
}

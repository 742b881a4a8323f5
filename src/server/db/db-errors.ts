/**
 * Which database failures are outages (the database is unreachable, restarting, or dropped
 * the connection) rather than bugs: the HTTP layer answers those 503 + Retry-After, the
 * start-up waits them out, background loops log them and try again.
 */
import { CALL_TIMED_OUT } from './pglite-protocol.js';

/** Socket errors that mean "could not reach / lost the database server". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * PostgreSQL SQLSTATEs of an outage: 57P01 admin_shutdown (pg_terminate_backend, a fast
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, recovery),
 * 53300 too_many_connections. Class 08 (connection exceptions) is matched by prefix.
 */
const OUTAGE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres and pg-pool report these without a code. */
const OUTAGE_MESSAGES = [/^Connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /^the embedded database stopped/];

/** `err` and the errors in its cause chain (and an AggregateError's `errors`), each once. */
function* errorChain(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    yield e as { code?: unknown; message?: unknown };
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    stack.push(cause);
    if (Array.isArray(errors)) stack.push(...errors);
  }
}

/** True when `err` (or an error in its cause chain) says the database is unreachable or dropped the connection. */
export function isDbUnavailable(err: unknown): boolean {
  for (const { code, message } of errorChain(err)) {
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || OUTAGE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || code === CALL_TIMED_OUT) return true;
    }
    if (typeof message === 'string' && OUTAGE_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

/**
 * SQLSTATEs of a failure that passes if the work is done again: 40001 serialization failure,
 * 40P01 deadlock, 55P03 lock not available (lock_timeout), 57014 statement timeout (or a
 * cancel).
 */
const PASSING_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);

/** True when `err` is an outage (`isDbUnavailable`) or a failure that passes (see PASSING_SQLSTATES): work that failed so is tried again, not given up. */
export function isPassingDbError(err: unknown): boolean {
  if (isDbUnavailable(err)) return true;
  for (const { code } of errorChain(err)) if (typeof code === 'string' && PASSING_SQLSTATES.has(code)) return true;
  return false;
}

/** A short, single-line form of a database error for logs and /health: `CODE: message`, at most 160 characters. */
export function describeDbError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 160);
  let e: Error = err;
  // AggregateError (several addresses refused) says nothing itself; its first error does.
  if (!e.message && Array.isArray((e as AggregateError).errors) && (e as AggregateError).errors[0] instanceof Error) e = (e as AggregateError).errors[0] as Error;
  const code = (e as { code?: unknown }).code ?? (err as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? `${code}: ` : ''}${e.message || e.name}`.replace(/\s+/g, ' ');
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

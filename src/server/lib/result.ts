/**
 * The one shape of an expected failure. A function that can fail in a way its caller must
 * handle (bad input, missing data, a provider refusing a message) returns a Result; a
 * failure no caller can act on (a bug, the database being away) stays an exception.
 *
 * A success holds its value under `value`. A failure carries a machine `code` (an
 * ErrorCode of contracts/errors.ts when it can reach HTTP, which gives it its status) and a
 * `message` a person understands, with the domain's own extras beside them (a send
 * failure's `permanent`, a validation failure's `field`).
 */

/** A success and its value. */
export interface Ok<T> {
  ok: true;
  value: T;
}

/** What every expected failure says: a code to act on and a sentence to show. */
export interface Failure<C extends string = string> {
  code: C;
  message: string;
}

/** A failure with its extras, tagged so that `if (!r.ok)` narrows to it. */
export type Err<E extends Failure = Failure> = { ok: false } & E;

export type Result<T = void, E extends Failure = Failure> = Ok<T> | Err<E>;

/** A success; `ok()` for a Result<void>. */
export function ok(): Ok<void>;
export function ok<T>(value: T): Ok<T>;
export function ok<T>(value?: T): Ok<T | undefined> {
  return { ok: true, value };
}

/** A failure with its code, its message and the domain's extras (`field`, `permanent` …). */
export function fail<C extends string>(code: C, message: string): Err<Failure<C>>;
export function fail<C extends string, X extends object>(code: C, message: string, extra: X): Err<Failure<C> & X>;
export function fail<C extends string, X extends object>(code: C, message: string, extra?: X): Err<Failure<C> & X> {
  return { ...(extra as X), ok: false, code, message };
}

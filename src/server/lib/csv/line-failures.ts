import { fail, type Err, type Failure } from '../result.js';

/**
 * A file refused for its bad lines: each problem listed (the first ones, up to a limit),
 * all of them counted. Nothing of such a file is used.
 */
export type LinesFailure<E extends string | { message: string }> = Failure<'validation_failed'> & { errors: E[]; errorTotal: number };

/** The failure of `errors` (of `errorTotal` in all); its message is the first problem, with how many more. */
export function linesFailure<E extends string | { message: string }>(errors: E[], errorTotal = errors.length): Err<LinesFailure<E>> {
  const first = errors[0];
  const words = first === undefined ? `${errorTotal} problems` : typeof first === 'string' ? first : first.message;
  return fail('validation_failed', first !== undefined && errorTotal > 1 ? `${words} (and ${errorTotal - 1} more)` : words, { errors, errorTotal });
}

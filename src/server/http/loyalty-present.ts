import type { Failure } from '../lib/result.js';
import type { RedeemFailure } from '../loyalty/rewards.service.js';
import { HttpError, httpErrorOf } from './errors.js';

/**
 * The HttpError of a refused redemption (admin API and the customer's link alike): unknown
 * reward or customer 404; inactive reward, tier too low, over the per-member limit, empty
 * code pool, too few points (the message gives the balance), holdout, key reused 409; bad input 400.
 */
export function redeemHttpError(f: RedeemFailure): HttpError {
  switch (f.code) {
    case 'not_found':
    case 'conflict':
    case 'validation_failed':
      return httpErrorOf(f as Failure<'not_found' | 'conflict' | 'validation_failed'>);
    default:
      return new HttpError('conflict', f.message);
  }
}

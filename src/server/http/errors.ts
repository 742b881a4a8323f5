import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../../contracts/errors.js';
import { describeDbError, isDbUnavailable } from '../db/db-errors.js';
import type { Failure } from '../lib/result.js';

/**
 * The HTTP status of every error code: the one table where statuses are decided. A code
 * means one status wherever it is thrown, so a client can act on the code alone.
 */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  unauthorized: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  invalid_json: 400,
  unsupported_media_type: 400,
  // 400, not 413, as Segment's tracking API answers it: the SDKs treat it as a bad request, not a retry.
  request_too_large: 400,
  upload_too_large: 413,
  event_too_large: 400,
  invalid_event: 400,
  validation_failed: 400,
  not_found: 404,
  unknown_metric: 400,
  bad_range: 400,
  bad_parameter: 400,
  conflict: 409,
  internal: 500,
  unavailable: 503,
  rate_limited: 429,
  provider_not_connected: 409,
  secret_unavailable: 409,
  secret_unreadable: 409,
  provider_auth_failed: 502,
  provider_unreachable: 502,
  provider_timeout: 502,
  provider_rejected: 502,
  provider_error: 502,
  webhook_signature_invalid: 401,
  webhook_timestamp_stale: 401,
};

/** An expected failure: its machine-readable code (the status follows from STATUS_OF) and a message a person understands. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { index?: number; field?: string; retryAfter?: number } = {},
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}

/** Where an HTTP failure points and when to retry: the extras of a failed Result the error body (or header) carries. */
type HttpExtras = { index?: number; field?: string; retryAfter?: number };

/**
 * The HttpError of a failed Result: routes throw this, so the status of a domain's failure
 * comes from STATUS_OF like every other. Only `index`, `field` and `retryAfter` of its
 * extras are answered; `message` replaces the failure's own when the route words it for the caller.
 */
export function httpErrorOf(failure: Failure<ErrorCode> & HttpExtras, message = failure.message): HttpError {
  const { index, field, retryAfter } = failure;
  return new HttpError(failure.code, message, {
    ...(index !== undefined ? { index } : {}),
    ...(field !== undefined ? { field } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

/** Retry-After (seconds) of a 503 for an unreachable database. */
const DB_RETRY_AFTER_SECONDS = 2;

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/** Turn any error into `{ error: { code, message } }` with the right status; log only the unexpected. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  let status: number;
  let body: ErrorBody;
  if (err instanceof HttpError) {
    status = err.status;
    const { retryAfter, ...where } = err.extra;
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    body = { error: { code: err.code, message: err.message, ...where } };
  } else if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0]!;
    const where = err.validationContext ?? 'request';
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    status = 400;
    body = { error: { code: 'validation_failed', message: `${where}${path ? `.${path}` : ''}: ${issue.message}`, field: path || undefined } };
  } else if (err.code && FASTIFY_CODES[err.code]) {
    const code = FASTIFY_CODES[err.code]!;
    status = STATUS_OF[code];
    body = { error: { code, message: err.message } };
  } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    body = { error: { code: status === 404 ? 'not_found' : 'validation_failed', message: err.message } };
  } else if (isDbUnavailable(err)) {
    // An outage, not a bug: the client (SDKs do) retries; messageId dedupe makes that safe.
    req.log.warn({ err: describeDbError(err), url: req.url }, 'request failed: database unavailable');
    status = STATUS_OF.unavailable;
    void reply.header('retry-after', String(DB_RETRY_AFTER_SECONDS));
    body = { error: { code: 'unavailable', message: `The database is not reachable right now (${describeDbError(err)}); the request was not completed. Retry in a few seconds; retrying is safe.` } };
  } else {
    req.log.error({ err }, 'request failed');
    status = STATUS_OF.internal;
    body = { error: { code: 'internal', message: 'Something went wrong on our side; the request was not applied. It is safe to retry.' } };
  }
  void reply.status(status).send(body);
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../../contracts/errors.js';
import { describeDbError, isDbUnavailable } from '../db/db-errors.js';

/** An expected failure with its HTTP status and machine-readable code. Only http/ knows statuses. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { index?: number; field?: string; retryAfter?: number } = {},
  ) {
    super(message);
  }
}

/** Retry-After (seconds) of a 503 for an unreachable database. */
const DB_RETRY_AFTER_SECONDS = 2;

const FASTIFY_CODES: Record<string, [number, ErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [400, 'request_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [400, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
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
    const [s, code] = FASTIFY_CODES[err.code]!;
    status = s;
    body = { error: { code, message: err.message } };
  } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    body = { error: { code: status === 404 ? 'not_found' : 'validation_failed', message: err.message } };
  } else if (isDbUnavailable(err)) {
    // An outage, not a bug: the client (SDKs do) retries; messageId dedupe makes that safe.
    req.log.warn({ err: describeDbError(err), url: req.url }, 'request failed: database unavailable');
    status = 503;
    void reply.header('retry-after', String(DB_RETRY_AFTER_SECONDS));
    body = { error: { code: 'unavailable', message: `The database is not reachable right now (${describeDbError(err)}); the request was not completed. Retry in a few seconds; retrying is safe.` } };
  } else {
    req.log.error({ err }, 'request failed');
    status = 500;
    body = { error: { code: 'internal', message: 'Something went wrong on our side; the request was not applied. It is safe to retry.' } };
  }
  void reply.status(status).send(body);
}

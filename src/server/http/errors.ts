import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../../contracts/errors.js';

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
  } else {
    req.log.error({ err }, 'request failed');
    status = 500;
    body = { error: { code: 'internal', message: 'Something went wrong on our side; the request was not applied. It is safe to retry.' } };
  }
  void reply.status(status).send(body);
}

import { z } from 'zod';

/** Machine-readable error codes returned by every Tenure endpoint. */
export const ErrorCode = z.enum([
  'unauthorized',
  'forbidden',
  /** A browser request from a page whose origin the workspace does not allow (see GET /api/sources). */
  'origin_not_allowed',
  'invalid_json',
  'unsupported_media_type',
  'request_too_large',
  /** An uploaded file (CSV import) over the upload limit. */
  'upload_too_large',
  'event_too_large',
  'invalid_event',
  'validation_failed',
  'not_found',
  'unknown_metric',
  'bad_range',
  'bad_parameter',
  'conflict',
  'internal',
  'unavailable',
  'rate_limited',
  /** Messaging providers (see docs/channels.md): no provider saved for the channel. */
  'provider_not_connected',
  /** No server secret to seal credentials with (PostgreSQL without TENURE_SECRET). */
  'secret_unavailable',
  /** The saved credential cannot be opened (TENURE_SECRET changed, or the row was altered). */
  'secret_unreadable',
  /** A test send's outcome, from the provider: credentials refused, not reachable, no answer in time, message refused, other. */
  'provider_auth_failed',
  'provider_unreachable',
  'provider_timeout',
  'provider_rejected',
  'provider_error',
  /** A helpdesk webhook whose signature does not match (or is missing): see docs/helpdesk.md. */
  'webhook_signature_invalid',
  /** A helpdesk webhook signed too long ago (or in the future): a replay, or a clock off by minutes. */
  'webhook_timestamp_stale',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every non-2xx response. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    /** For batch input: the index of the offending event in `batch`. */
    index: z.number().int().optional(),
    /** Dotted path of the offending field, e.g. `batch.3.timestamp`. */
    field: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

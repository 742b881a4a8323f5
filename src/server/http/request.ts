import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpError } from './errors.js';

/**
 * Parse a body with `schema`, turning the first problem into a 400 that names the field
 * (unknown fields included, which the generic validation error leaves unnamed).
 */
export function parseBody<S extends z.ZodType>(schema: S, req: FastifyRequest): z.infer<S> {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = [...issue.path.map(String), ...(keys.length ? [keys[0]!] : [])].join('.') || undefined;
  const message = keys.length
    ? `body.${keys[0]}: unknown field (allowed: ${Object.keys((schema as unknown as { shape?: object }).shape ?? {}).join(', ')})`
    : `body${field ? `.${field}` : ''}: ${issue.message}`;
  throw new HttpError('validation_failed', message, { field });
}

/**
 * This server's base URL as browsers reach it: the configured public URL, else the scheme
 * and host the request came in on (what the person on the dashboard typed).
 */
export function serverUrlOf(req: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

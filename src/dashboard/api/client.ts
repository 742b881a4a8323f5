import type { ApiBody, ApiMethod, ApiPath, ApiQuery, ApiResponse, ApiRoute, ApiRoutes, ParamNames, RawAnswer } from '../../contracts/api-routes.js';
import type { ErrorBody } from '../../contracts/errors.js';
import { authHeaders, signOutOnUnauthorized } from './session.js';

/** An API failure in words: `code` is the server's machine-readable code, `message` is for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | undefined | null | Array<string | number>>;

/** `?a=1&b=2`, leaving out undefined, null and empty values; arrays repeat the name. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The routes of a method that answer JSON (not a CSV file or an event stream). */
export type JsonPath<M extends ApiMethod> = { [K in ApiRoute]: K extends `${M} ${infer P}` ? (ApiRoutes[K]['response'] extends RawAnswer ? never : P) : never }[ApiRoute];
/** The GET routes that answer a CSV file. */
export type CsvPath = { [K in ApiRoute]: K extends `GET ${infer P}` ? (ApiRoutes[K]['response'] extends 'csv' ? P : never) : never }[ApiRoute];

/** The values of a pattern's path parameters, when it has any. */
export type ParamsOf<P extends string> = [ParamNames<P>] extends [never] ? { params?: undefined } : { params: Record<ParamNames<P>, string | number> };

/** One call of a route: its path parameters, query and body as the route map types them. */
export type ApiRequest<M extends ApiMethod, P extends ApiPath<M>> = ParamsOf<P> &
  ([ApiQuery<M, P>] extends [never] ? { query?: undefined } : { query?: ApiQuery<M, P> }) &
  ([ApiBody<M, P>] extends [never] ? { body?: undefined } : undefined extends ApiBody<M, P> ? { body?: ApiBody<M, P> } : { body: ApiBody<M, P> }) & {
    /** Use this admin key instead of the active one (sign-in checks a key before keeping it). */
    key?: string;
    signal?: AbortSignal;
  };

/** The request argument: optional when the route needs no path parameters and no body. */
export type RequestArgs<M extends ApiMethod, P extends ApiPath<M>> = {} extends ApiRequest<M, P> ? [req?: ApiRequest<M, P>] : [req: ApiRequest<M, P>];

type ParamArgs<P extends string> = [ParamNames<P>] extends [never] ? [] : [params: Record<ParamNames<P>, string | number>];

/** A pattern with its parameters filled in, each encoded: `/api/segments/:id` with { id: 'a b' } is `/api/segments/a%20b`. */
export function apiPath<P extends ApiPath<ApiMethod>>(pattern: P, ...[params]: ParamArgs<P>): string {
  return fillPath(pattern, params);
}

function fillPath(pattern: string, params: Record<string, string | number> | undefined): string {
  if (!params) return pattern;
  return pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

interface SendOptions {
  params?: Record<string, string | number>;
  query?: unknown;
  body?: unknown;
  key?: string;
  signal?: AbortSignal;
}

/**
 * Call the admin API as the session (its cookie, workspace and CSRF token, or its admin key);
 * throws ApiError with the server's words on any failure.
 */
async function send<T>(method: ApiMethod, pattern: string, opts: SendOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.key ? { authorization: `Bearer ${opts.key}` } : authHeaders(method)) };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(fillPath(pattern, opts.params) + queryString(opts.query as Query | undefined), { method, headers, body, signal: opts.signal, credentials: 'same-origin' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Tenure’s server did not answer. Check that `tenure serve` is running and reachable.');
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) {
    const e = (parsed as ErrorBody | null)?.error;
    const err = new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? `The server answered ${res.status} ${res.statusText || ''}`.trim(), e?.field);
    if (res.status === 401 && !opts.key && !pattern.startsWith('/api/auth/')) signOutOnUnauthorized();
    throw err;
  }
  return parsed as T;
}

function method<M extends ApiMethod>(m: M) {
  return <P extends JsonPath<M>>(path: P, ...[req]: RequestArgs<M, P>): Promise<ApiResponse<M, P>> => send<ApiResponse<M, P>>(m, path, req as SendOptions | undefined);
}

/**
 * The admin API, typed by the route map (src/contracts/api-routes.ts): a path must be a
 * route of the map, and its parameters, query, body and answer are the route's, e.g.
 * `api.get('/api/segments/:id', { params: { id } })` is a Promise of the segment.
 */
export const api = {
  get: method('GET'),
  post: method('POST'),
  put: method('PUT'),
  patch: method('PATCH'),
  delete: method('DELETE'),
};

/** Download a file (e.g. a CSV export) as the session, then hand it to the browser as a download. */
export async function download<P extends CsvPath>(path: P, req: ApiRequest<'GET', P>, filename: string): Promise<void> {
  const res = await fetch(fillPath(path, req.params) + queryString(req.query as Query | undefined), { headers: authHeaders('GET'), credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, 'download_failed', `The download failed (${res.status}).`);
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

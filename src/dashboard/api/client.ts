import type { ErrorBody } from '../../contracts/errors.js';
import { activeKey, signOutOnUnauthorized } from './session.js';

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

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** Use this admin key instead of the active one (sign-in checks a key before keeping it). */
  key?: string;
  signal?: AbortSignal;
}

/** Call the admin API with the session's admin key; throws ApiError with the server's words on any failure. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const key = opts.key ?? activeKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path + queryString(opts.query), { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body, signal: opts.signal });
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
    if (res.status === 401 && !opts.key) signOutOnUnauthorized();
    throw err;
  }
  return parsed as T;
}

/** Download a file (e.g. a CSV export) with the admin key, then hand it to the browser as a download. */
export async function download(path: string, filename: string, query?: Query): Promise<void> {
  const key = activeKey();
  const res = await fetch(path + queryString(query), { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) throw new ApiError(res.status, 'download_failed', `The download failed (${res.status}).`);
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

import type { ErrorBody } from '../../../contracts/errors.js';
import type { ApiPath, ApiQuery, ApiResponse } from '../../../contracts/api-routes.js';
import type { ImportKind } from '../../../contracts/imports.js';
import { ApiError } from '../../api/client.js';
import { authHeaders } from '../../api/session.js';

/** The first bytes of a file sent for a preview (the server reads no more). */
export const PREVIEW_BYTES = 256 * 1024;

/** The routes that take a CSV file as the raw body. */
type UploadPath = Extract<ApiPath<'POST'>, '/api/imports' | '/api/imports/preview'>;

/** POST a file (or its start) as the raw body; ApiError with the server's words on failure. */
async function postFile<P extends UploadPath>(route: P, query: ApiQuery<'POST', UploadPath>, body: Blob): Promise<ApiResponse<'POST', P>> {
  let res: Response;
  try {
    res = await fetch(route + q(query.kind, query.name ?? ''), { method: 'POST', body, headers: { 'content-type': 'text/csv', ...authHeaders('POST') } });
  } catch {
    throw new ApiError(0, 'network', 'Tenure’s server did not answer. Check that `tenure serve` is running and reachable.');
  }
  const parsed = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = (parsed as ErrorBody | null)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `The server answered ${res.status}`);
  }
  return parsed as ApiResponse<'POST', P>;
}

const q = (kind: ImportKind, name: string) => `?kind=${kind}&name=${encodeURIComponent(name.slice(0, 255))}`;

/** The mapping and first rows of a file (its first 256 KB are sent). */
export function previewFile(kind: ImportKind, file: File) {
  return postFile('/api/imports/preview', { kind, name: file.name }, file.slice(0, PREVIEW_BYTES));
}

/** Upload the whole file; the server imports it in the background. */
export function uploadFile(kind: ImportKind, file: File) {
  return postFile('/api/imports', { kind, name: file.name }, file);
}

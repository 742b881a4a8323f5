import type { ApiRoute, ApiRoutes } from '../../../contracts/api-routes.js';
import { ApiError, apiPath } from '../../api/client.js';
import { authHeaders } from '../../api/session.js';

/** The GET routes that answer a zip archive (a person's data export). */
export type ZipPath = { [K in ApiRoute]: K extends `GET ${infer P}` ? (ApiRoutes[K]['response'] extends 'zip' ? P : never) : never }[ApiRoute];

/**
 * Download a zip archive with the signed-in credentials and hand it to the browser as a file.
 * Answers the archive's size in bytes; throws ApiError with the server's words on a refusal.
 */
export async function downloadZip(path: ZipPath, params: { id: string | number }, filename: string): Promise<number> {
  const res = await fetch((apiPath as (p: string, params: Record<string, string | number>) => string)(path, params), {
    headers: { accept: 'application/zip, application/json', ...authHeaders('GET') },
    credentials: 'same-origin',
  });
  if (!res.ok) {
    let message = `The download failed (${res.status}).`;
    let code = 'download_failed';
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      message = body.error?.message ?? message;
      code = body.error?.code ?? code;
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(res.status, code, message);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  return blob.size;
}

/** A file name from an id: letters, digits, dot, dash and underscore only. */
export function safeFileName(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'customer';
}

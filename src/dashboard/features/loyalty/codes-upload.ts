import type { ErrorBody } from '../../../contracts/errors.js';
import type { ApiResponse } from '../../../contracts/api-routes.js';
import { ApiError, apiPath } from '../../api/client.js';
import { authHeaders } from '../../api/session.js';

/** The codes of a pasted or uploaded text: one a line, trimmed, blank lines left out. */
export function codeLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** POST a reward's code pool as text, one code per line: how many were added and how many were already there. */
export async function uploadCodes(rewardId: string, text: string): Promise<ApiResponse<'POST', '/api/loyalty/rewards/:id/codes'>> {
  let res: Response;
  try {
    res = await fetch(apiPath('/api/loyalty/rewards/:id/codes', { id: rewardId }), {
      method: 'POST',
      body: codeLines(text).join('\n') + '\n',
      headers: { 'content-type': 'text/plain', accept: 'application/json', ...authHeaders('POST') },
    });
  } catch {
    throw new ApiError(0, 'network', 'Tenure’s server did not answer. Check that `tenure serve` is running and reachable.');
  }
  const parsed = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = (parsed as ErrorBody | null)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `The server answered ${res.status}`, e?.field);
  }
  return parsed as ApiResponse<'POST', '/api/loyalty/rewards/:id/codes'>;
}

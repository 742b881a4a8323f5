import { keepPreviousData, useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { api, type ApiError, type Query, type RequestOptions } from './client.js';
import { useSession } from './session.js';

/**
 * GET an admin API path with TanStack Query. The key holds the workspace, so switching
 * workspace never shows another workspace's cached answers.
 */
export function useApi<T>(path: string | null, query?: Query, opts: Omit<UseQueryOptions<T, ApiError>, 'queryKey' | 'queryFn'> & { keepPrevious?: boolean } = {}) {
  const { workspace } = useSession();
  const { keepPrevious, ...rest } = opts;
  return useQuery<T, ApiError>({
    queryKey: [workspace?.id ?? 0, path, query ?? {}],
    queryFn: ({ signal }) => api<T>(path!, { query, signal }),
    placeholderData: keepPrevious ? keepPreviousData : undefined,
    ...rest,
    // After the caller's options: a caller's `enabled: true` must not lift the null-path guard.
    enabled: path !== null && workspace !== undefined && (rest.enabled ?? true),
  });
}

/**
 * A write (POST/PUT/PATCH/DELETE). On success it refreshes the cached reads whose path
 * starts with one of `invalidates` (e.g. `/api/segments`).
 */
export function useApiMutation<TBody, TResult>(
  request: (body: TBody) => { path: string } & Omit<RequestOptions, 'body'> & { body?: unknown },
  opts: { invalidates?: string[]; onSuccess?: (r: TResult, body: TBody) => void } = {},
) {
  const qc = useQueryClient();
  return useMutation<TResult, ApiError, TBody>({
    mutationFn: (body) => {
      const { path, ...o } = request(body);
      return api<TResult>(path, o);
    },
    onSuccess: async (r, body) => {
      if (opts.invalidates?.length) {
        await qc.invalidateQueries({ predicate: (q) => typeof q.queryKey[1] === 'string' && opts.invalidates!.some((p) => (q.queryKey[1] as string).startsWith(p)) });
      }
      opts.onSuccess?.(r, body);
    },
  });
}

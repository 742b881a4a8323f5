import { keepPreviousData, useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import type { ApiResponse } from '../../contracts/api-routes.js';
import { api, apiPath, type ApiError, type ApiRequest, type JsonPath } from './client.js';
import { useSession } from './session.js';

type GetOptions<T> = Omit<UseQueryOptions<T, ApiError>, 'queryKey' | 'queryFn'> & { keepPrevious?: boolean };

/**
 * The arguments after the path: the request (null holds the query back until it can be
 * asked, e.g. while a parameter is unknown), then TanStack Query's options. The request
 * may be left out when the route needs no path parameters.
 */
export type UseApiArgs<P extends JsonPath<'GET'>> =
  {} extends ApiRequest<'GET', P> ? [req?: ApiRequest<'GET', P> | null, opts?: GetOptions<ApiResponse<'GET', P>>] : [req: ApiRequest<'GET', P> | null, opts?: GetOptions<ApiResponse<'GET', P>>];

/** The cache key of a GET: [workspace, path with its parameters, query], or a null path while held back. */
export function apiKey(workspace: number, path: string | null, query: unknown): [number, string | null, unknown] {
  return [workspace, path, query ?? {}];
}

/**
 * GET an admin API route with TanStack Query. The key holds the workspace, so switching
 * workspace never shows another workspace's cached answers.
 */
export function useApi<P extends JsonPath<'GET'>>(route: P, ...[req, opts = {}]: UseApiArgs<P>) {
  type T = ApiResponse<'GET', P>;
  const { workspace } = useSession();
  const { keepPrevious, ...rest } = opts;
  // The signature has checked the request against the route; inside, TypeScript cannot follow
  // a type that depends on P, hence the two casts.
  const params = (req?.params ?? undefined) as Record<string, string | number> | undefined;
  const path = req === null ? null : (apiPath as (p: string, params?: Record<string, string | number>) => string)(route, params);
  return useQuery<T, ApiError>({
    queryKey: apiKey(workspace?.id ?? 0, path, req?.query),
    queryFn: ({ signal }) => (api.get as (p: P, r: unknown) => Promise<T>)(route, { ...req, signal }),
    placeholderData: keepPrevious ? keepPreviousData : undefined,
    ...rest,
    // After the caller's options: a caller's `enabled: true` must not lift the null-request guard.
    enabled: path !== null && workspace !== undefined && (rest.enabled ?? true),
  });
}

/**
 * A write (POST/PUT/PATCH/DELETE) made with `api`. On success it refreshes the cached reads
 * whose path starts with one of `invalidates` (e.g. `/api/segments`).
 */
export function useApiMutation<TVars, TResult>(write: (vars: TVars) => Promise<TResult>, opts: { invalidates?: string[]; onSuccess?: (r: TResult, vars: TVars) => void } = {}) {
  const qc = useQueryClient();
  return useMutation<TResult, ApiError, TVars>({
    mutationFn: write,
    onSuccess: async (r, vars) => {
      if (opts.invalidates?.length) {
        await qc.invalidateQueries({ predicate: (q) => typeof q.queryKey[1] === 'string' && opts.invalidates!.some((p) => (q.queryKey[1] as string).startsWith(p)) });
      }
      opts.onSuccess?.(r, vars);
    },
  });
}

import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import type { MetricSeries } from '../../../contracts/metrics.js';
import { api, apiPath, type ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { INTERVAL } from './kpis.js';

/** One metric over a range, as the overview asks for it. */
export interface MetricRequest {
  name: string;
  from: string;
  to: string;
  /** Default: the sparklines' weekly interval. When only the total is needed, a longer one computes fewer periods. */
  interval?: 'day' | 'week' | 'month' | 'quarter';
}

/** The query string of a metric request (also what the cache is keyed by). */
export function metricQuery(r: MetricRequest): { from: string; to: string; interval: NonNullable<MetricRequest['interval']> } {
  return { from: r.from, to: r.to, interval: r.interval ?? INTERVAL };
}

/**
 * Many metrics at once, in parallel, each resolving on its own. Keyed exactly like useApi
 * ([workspace, path, query]) so other components reading the same metric share the answer.
 */
export function useMetrics(requests: MetricRequest[], enabled = true): Array<UseQueryResult<MetricSeries, ApiError>> {
  const { workspace } = useSession();
  return useQueries({
    queries: requests.map((r) => {
      const path = apiPath('/api/metrics/:name', { name: r.name });
      const query = metricQuery(r);
      return {
        queryKey: [workspace?.id ?? 0, path, query],
        queryFn: ({ signal }: { signal: AbortSignal }) => api.get('/api/metrics/:name', { params: { name: r.name }, query, signal }),
        enabled: enabled && workspace !== undefined,
        staleTime: 60_000,
      };
    }),
  });
}

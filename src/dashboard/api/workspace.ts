import { useApi } from './hooks.js';

/**
 * The signed-in workspace (GET /api/workspace), read once and shared: its timezone cuts
 * days and periods, its currency formats money. `currency` is USD until it is known;
 * `timezone` is undefined until then (callers wait for it before asking for metrics).
 */
export function useWorkspace() {
  const q = useApi('/api/workspace', undefined, { staleTime: 5 * 60_000 });
  return { query: q, timezone: q.data?.timezone, currency: q.data?.currency ?? 'USD', ready: q.data !== undefined, error: q.error };
}

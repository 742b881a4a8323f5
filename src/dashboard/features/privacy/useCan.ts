import type { Permission } from '../../../contracts/team.js';
import { useApi } from '../../api/hooks.js';

/**
 * Who the dashboard is signed in as (GET /api/auth/me) and what they may do. Until the
 * answer comes, nothing is allowed, so pages and buttons that need a permission stay hidden
 * rather than flashing and failing.
 */
export function useMe() {
  const q = useApi('/api/auth/me', undefined, { staleTime: 60_000 });
  const permissions = q.data?.permissions ?? [];
  return {
    query: q,
    me: q.data,
    /** A signed-in member (not an API key): only members have "my" tasks. */
    isUser: q.data?.user != null,
    can: (p: Permission) => p === 'public' || permissions.includes(p),
  };
}

/** True when the signed-in person (or key) holds the permission. */
export function useCan(p: Permission): boolean {
  return useMe().can(p);
}

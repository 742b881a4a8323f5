import type { Permission } from '../../../contracts/team.js';
import { useApi } from '../../api/hooks.js';

/**
 * What the signed-in person (or key) may do, from GET /api/auth/me: `can(permission)`, and
 * whether a member (not an API key) is signed in (only members have "my" tasks). Until the
 * answer comes (`pending`) nothing is allowed, so controls that need a permission stay hidden
 * rather than flashing and failing.
 */
export function useMe(): { can: (p: Permission) => boolean; isUser: boolean; pending: boolean } {
  const q = useApi('/api/auth/me', undefined, { staleTime: 60_000 });
  const permissions = q.data?.permissions ?? [];
  return { can: (p) => p === 'public' || permissions.includes(p), isUser: q.data?.user != null, pending: q.isPending };
}

/** True when the signed-in person (or key) holds the permission. */
export function useCan(p: Permission): boolean {
  return useMe().can(p);
}

import type { Permission } from '../../../contracts/team.js';
import { useSession } from '../../api/session.js';

/**
 * What the signed-in person (or key) may do, from the session (MeView.permissions): `can(permission)`,
 * and whether a member (not an API key) is signed in (only members have "my" tasks).
 */
export function useMe(): { can: (p: Permission) => boolean; isUser: boolean; pending: boolean } {
  const { permissions, mode } = useSession();
  return { can: (p) => p === 'public' || permissions.includes(p), isUser: mode === 'user', pending: mode === 'checking' };
}

/** True when the signed-in person (or key) holds the permission. */
export function useCan(p: Permission): boolean {
  return useMe().can(p);
}

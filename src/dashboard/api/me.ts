import { api, ApiError } from './client.js';
import { applyMe, chosenWorkspace, forgetChosenWorkspace, sessionNow, signOut } from './session.js';

/**
 * Ask the server who this browser is (GET /api/auth/me) in the chosen workspace and keep the
 * answer: the person, their workspaces, what they may do there and the CSRF token. A 401 (no
 * session, or it ended) signs out; a refused workspace falls back to the person's first one.
 */
export async function refreshMe(): Promise<void> {
  try {
    applyMe(await api.get('/api/auth/me'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut(true);
    if (err instanceof ApiError && (err.status === 403 || err.status === 404) && chosenWorkspace() !== undefined && sessionNow().mode === 'checking') {
      forgetChosenWorkspace();
      return refreshMe();
    }
    throw err;
  }
}

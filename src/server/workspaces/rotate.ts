import type { Queryable } from '../db/client.js';
import { generateKey } from './keys.js';
import { setWorkspaceKeys } from './workspaces.repo.js';

/** Replace a workspace's keys with new random ones; returns the new plain keys (shown once). */
export async function rotateKeys(db: Queryable, workspaceId: number, which: { write: boolean; admin: boolean }) {
  const writeKey = which.write ? generateKey('write') : undefined;
  const adminKey = which.admin ? generateKey('admin') : undefined;
  await setWorkspaceKeys(db, workspaceId, { writeKey, adminKey });
  return { writeKey, adminKey };
}

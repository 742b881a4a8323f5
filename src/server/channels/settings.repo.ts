import { randomBytes } from 'node:crypto';
import { DEFAULT_MESSAGING, MessagingSettingsInput } from '../../contracts/messaging.js';
import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A workspace's messaging settings and the secret that signs its links and webhooks. */
export interface MessagingSettings {
  settings: MessagingSettingsInput;
  /** Signs unsubscribe, preference and tracking links, and outgoing webhooks (hex). */
  secret: string;
}

/** Read a workspace's settings, creating the defaults (and its secret) on first use. */
export async function getMessagingSettings(db: Queryable, workspaceId: number): Promise<MessagingSettings> {
  const read = async () => {
    const { rows } = await db.query<RowPick<typeof schema.messagingSettings, 'settings', { settings: { secret: string } & Record<string, unknown> }>>(
      `SELECT settings FROM messaging_settings WHERE workspace_id = $1`,
      [workspaceId],
    );
    return rows[0]?.settings ?? null;
  };
  let raw = await read();
  if (!raw) {
    const secret = randomBytes(32).toString('hex');
    await db.query(`INSERT INTO messaging_settings (workspace_id, settings) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING`, [workspaceId, JSON.stringify({ ...DEFAULT_MESSAGING, secret })]);
    raw = (await read())!;
  }
  const { secret, ...rest } = raw;
  return { settings: MessagingSettingsInput.parse(rest), secret };
}

/**
 * The secret that signs a workspace's links, or null when it has none — a plain read that
 * never creates anything (used to check links from anyone on the internet).
 */
export async function findLinkSecret(db: Queryable, workspaceId: number): Promise<string | null> {
  const { rows } = await db.query<{ secret: string | null }>(`SELECT settings->>'secret' AS secret FROM messaging_settings WHERE workspace_id = $1`, [workspaceId]);
  return rows[0]?.secret ?? null;
}

/** Replace a workspace's settings (the secret stays). */
export async function saveMessagingSettings(db: Queryable, workspaceId: number, settings: MessagingSettingsInput): Promise<void> {
  const { secret } = await getMessagingSettings(db, workspaceId);
  await db.query(`UPDATE messaging_settings SET settings = $2, updated_at = now() WHERE workspace_id = $1`, [workspaceId, JSON.stringify({ ...settings, secret })]);
}

/** Settings per workspace, re-read at most every `ttlMs` (the dispatcher reads them for every batch). */
export class SettingsCache {
  private readonly cache = new Map<number, { at: number; value: MessagingSettings }>();
  constructor(private readonly ttlMs = 5_000) {}
  async get(db: Queryable, workspaceId: number): Promise<MessagingSettings> {
    const hit = this.cache.get(workspaceId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = await getMessagingSettings(db, workspaceId);
    this.cache.set(workspaceId, { at: Date.now(), value });
    return value;
  }
  invalidate(workspaceId: number): void {
    this.cache.delete(workspaceId);
  }
}

import { ReferralSettingsSchema, type ReferralSettings } from '../../contracts/referrals.js';
import type { Queryable } from '../db/client.js';

/** A workspace's referral programme, or null when none was saved. */
export async function getReferralSettings(db: Queryable, workspaceId: number): Promise<ReferralSettings | null> {
  const { rows } = await db.query<{ settings: unknown }>(`SELECT settings FROM referral_settings WHERE workspace_id = $1`, [workspaceId]);
  if (!rows[0]) return null;
  const parsed = ReferralSettingsSchema.safeParse(rows[0].settings);
  return parsed.success ? parsed.data : null;
}

/** Save a workspace's referral programme (validated by the caller). */
export async function saveReferralSettings(db: Queryable, workspaceId: number, settings: ReferralSettings): Promise<void> {
  await db.query(
    `INSERT INTO referral_settings (workspace_id, settings, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (workspace_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`,
    [workspaceId, JSON.stringify(settings)],
  );
}

/** The workspaces with referrals enabled, with their settings. */
export async function enabledReferralWorkspaces(db: Queryable): Promise<Map<number, ReferralSettings>> {
  const { rows } = await db.query<{ workspace_id: number; settings: unknown }>(`SELECT workspace_id, settings FROM referral_settings WHERE (settings ->> 'enabled')::boolean IS TRUE`);
  const out = new Map<number, ReferralSettings>();
  for (const r of rows) {
    const parsed = ReferralSettingsSchema.safeParse(r.settings);
    if (parsed.success && parsed.data.enabled) out.set(r.workspace_id, parsed.data);
  }
  return out;
}

import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { ProgrammeSettingsSchema, type ProgrammeSettings } from '../../contracts/loyalty.js';

/**
 * What the rewards, the customer's page and the reports read of the programme: its settings
 * (defaults filled in) and when it went live. A private reader of loyalty_programmes until
 * programme.repo.ts (getProgramme) lands; it then becomes a call to that.
 */
export interface ProgrammeFacts {
  status: 'draft' | 'live' | 'paused';
  settings: ProgrammeSettings;
  liveSince: Date | null;
}

/** The workspace's programme, or null when it has none. */
export async function readProgramme(db: Queryable, workspaceId: number): Promise<ProgrammeFacts | null> {
  const { rows } = await db.query<RowPick<typeof schema.loyaltyProgrammes, 'status' | 'settings' | 'live_since'>>(
    `SELECT status, settings, live_since FROM loyalty_programmes WHERE workspace_id = $1`,
    [workspaceId],
  );
  const r = rows[0];
  if (!r) return null;
  const parsed = ProgrammeSettingsSchema.safeParse(r.settings);
  return { status: r.status, settings: parsed.success ? parsed.data : ProgrammeSettingsSchema.parse({}), liveSince: r.live_since };
}

/** The programme's settings, or the defaults when the workspace has no programme yet. */
export async function programmeSettings(db: Queryable, workspaceId: number): Promise<ProgrammeSettings> {
  return (await readProgramme(db, workspaceId))?.settings ?? ProgrammeSettingsSchema.parse({});
}

/** A tier's rank (0 = the first tier) in the programme's tiers; -1 when unknown. */
export function tierRank(settings: ProgrammeSettings, key: string | null): number {
  if (key === null) return settings.tiers ? 0 : -1;
  return settings.tiers?.tiers.findIndex((t) => t.key === key) ?? -1;
}

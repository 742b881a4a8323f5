import type { Queryable } from '../db/client.js';
import { ProgrammeSettingsSchema, type ProgrammeSettings } from '../../contracts/loyalty.js';
import { getProgramme } from './programme.repo.js';

/** What the rewards, the customer's page and the reports read of the programme: its settings (defaults filled in) and when it went live. */
export interface ProgrammeFacts {
  status: 'draft' | 'live' | 'paused';
  settings: ProgrammeSettings;
  liveSince: Date | null;
}

/** The workspace's programme (programme.repo.ts), or null when it has none. */
export async function readProgramme(db: Queryable, workspaceId: number): Promise<ProgrammeFacts | null> {
  const p = await getProgramme(db, workspaceId);
  return p ? { status: p.status, settings: p.settings, liveSince: p.liveSince } : null;
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

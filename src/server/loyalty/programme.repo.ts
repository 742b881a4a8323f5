import { ProgrammeSettingsSchema, type ProgrammeInput, type ProgrammeSettings, type ProgrammeStatus } from '../../contracts/loyalty.js';
import type { Queryable } from '../db/client.js';
import { fail, ok, type Err, type Failure, type Result } from '../lib/result.js';

/**
 * A workspace's loyalty programme (loyalty_programmes): its settings, status and version.
 * Every save is a new version, kept in loyalty_programme_versions (earn entries name the
 * version their rule came from); `liveSince` is set the first time it goes live.
 */

export interface Programme {
  status: ProgrammeStatus;
  version: number;
  settings: ProgrammeSettings;
  liveSince: Date | null;
  updatedAt: Date;
}

interface ProgrammeRow {
  workspace_id: number;
  status: ProgrammeStatus;
  version: number;
  settings: unknown;
  live_since: Date | null;
  updated_at: Date;
}

function present(r: ProgrammeRow): Programme {
  return { status: r.status, version: Number(r.version), settings: ProgrammeSettingsSchema.parse(r.settings), liveSince: r.live_since, updatedAt: r.updated_at };
}

/** The workspace's programme, or null when it has none. */
export async function getProgramme(db: Queryable, workspaceId: number): Promise<Programme | null> {
  const { rows } = await db.query<ProgrammeRow>(`SELECT workspace_id, status, version, settings, live_since, updated_at FROM loyalty_programmes WHERE workspace_id = $1`, [workspaceId]);
  return rows[0] ? present(rows[0]) : null;
}

/** Every live programme with its workspace (the processor and the sweep). */
export async function liveProgrammes(db: Queryable): Promise<Array<Programme & { workspaceId: number }>> {
  const { rows } = await db.query<ProgrammeRow>(`SELECT workspace_id, status, version, settings, live_since, updated_at FROM loyalty_programmes WHERE status = 'live' ORDER BY workspace_id`);
  return rows.map((r) => ({ ...present(r), workspaceId: r.workspace_id }));
}

export type ProgrammeFailure = Failure<'validation_failed'> & { field: string };

/** What zod cannot say about settings: unique rule ids, the fields each rule kind needs, tier thresholds, campaign dates. */
export function checkSettings(s: ProgrammeSettings): Result<void, ProgrammeFailure> {
  const bad = (field: string, message: string): Err<ProgrammeFailure> => fail('validation_failed', `settings.${field}: ${message}`, { field: `settings.${field}` });
  const seen = new Set<string>();
  for (const [i, r] of s.earnRules.entries()) {
    const at = `earnRules.${i}`;
    if (seen.has(r.id)) return bad(`${at}.id`, `another rule has the id "${r.id}"`);
    seen.add(r.id);
    if (r.kind === 'order' && r.pointsPerUnit === undefined) return bad(`${at}.pointsPerUnit`, 'an order rule needs pointsPerUnit');
    if (r.kind === 'order' && r.event && r.event.name !== 'Order Completed') return bad(`${at}.event.name`, 'order rules read "Order Completed"');
    if (r.kind === 'event' && r.event === undefined) return bad(`${at}.event`, 'an event rule needs the event it rewards');
    if (r.kind !== 'order' && r.points === undefined) return bad(`${at}.points`, `a ${r.kind} rule needs points`);
    if (r.kind === 'order' && r.points !== undefined) return bad(`${at}.points`, 'an order rule earns pointsPerUnit, not fixed points');
    if (r.kind !== 'order' && r.pointsPerUnit !== undefined) return bad(`${at}.pointsPerUnit`, `a ${r.kind} rule earns fixed points, not pointsPerUnit`);
    if (r.startsAt !== undefined && r.endsAt !== undefined && Date.parse(r.startsAt) >= Date.parse(r.endsAt)) return bad(`${at}.endsAt`, 'must be after startsAt');
  }
  if (s.tiers) {
    const keys = new Set<string>();
    for (const [i, t] of s.tiers.tiers.entries()) {
      const at = `tiers.tiers.${i}`;
      if (keys.has(t.key)) return bad(`${at}.key`, `another tier has the key "${t.key}"`);
      keys.add(t.key);
      if (i === 0 && t.entry !== 0) return bad(`${at}.entry`, 'the lowest tier starts at 0');
      if (i > 0 && t.entry <= s.tiers.tiers[i - 1]!.entry) return bad(`${at}.entry`, `must be above the tier below's entry (${s.tiers.tiers[i - 1]!.entry})`);
      if (t.retain > t.entry) return bad(`${at}.retain`, `must not be above the entry (${t.entry})`);
    }
  }
  return ok();
}

/**
 * Save the programme's settings (and status): a new version, kept. The first save makes it
 * (a draft unless `status` says otherwise); `liveSince` is set when it first goes live.
 */
export async function saveProgramme(db: Queryable, workspaceId: number, input: ProgrammeInput, now: Date = new Date()): Promise<Result<Programme, ProgrammeFailure>> {
  const settings = ProgrammeSettingsSchema.parse(input.settings);
  const checked = checkSettings(settings);
  if (!checked.ok) return checked;
  const json = JSON.stringify(settings);
  const { rows } = await db.query<ProgrammeRow>(
    `INSERT INTO loyalty_programmes AS p (workspace_id, status, settings, version, live_since, created_at, updated_at)
     VALUES ($1, coalesce($2::text, 'draft'), $3::jsonb, 1, CASE WHEN $2::text = 'live' THEN $4::timestamptz END, $4, $4)
     ON CONFLICT (workspace_id) DO UPDATE SET
       status = coalesce($2::text, p.status), settings = $3::jsonb, version = p.version + 1, updated_at = $4,
       live_since = coalesce(p.live_since, CASE WHEN coalesce($2::text, p.status) = 'live' THEN $4::timestamptz END)
     RETURNING workspace_id, status, version, settings, live_since, updated_at`,
    [workspaceId, input.status ?? null, json, now.toISOString()],
  );
  const row = rows[0]!;
  await db.query(`INSERT INTO loyalty_programme_versions (workspace_id, version, settings, created_at) VALUES ($1, $2, $3::jsonb, $4)`, [workspaceId, row.version, json, now.toISOString()]);
  return ok(present(row));
}

/** A saved version's settings (null: no such version). */
export async function programmeVersion(db: Queryable, workspaceId: number, version: number): Promise<ProgrammeSettings | null> {
  const { rows } = await db.query<{ settings: unknown }>(`SELECT settings FROM loyalty_programme_versions WHERE workspace_id = $1 AND version = $2`, [workspaceId, version]);
  return rows[0] ? ProgrammeSettingsSchema.parse(rows[0].settings) : null;
}

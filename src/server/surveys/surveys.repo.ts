import type { Queryable } from '../db/client.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import { DEFAULT_SURVEY_SETTINGS, SurveyDefinitionSchema, SurveySettingsSchema, type SurveyDefinition, type SurveySettings, type SurveyStatus, type SurveyView } from '../../contracts/surveys.js';

/** A survey as stored: its newest definition and counts. */
interface SurveyRow {
  id: string;
  name: string;
  status: SurveyStatus;
  version: number;
  definition: unknown;
  created_at: Date | string;
  updated_at: Date | string;
  sent: number | string;
  responses: number | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function view(r: SurveyRow): SurveyView {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    version: r.version,
    definition: SurveyDefinitionSchema.parse(r.definition),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    sent: Number(r.sent),
    responses: Number(r.responses),
  };
}

const SELECT = `SELECT s.id, s.name, s.status, s.version, v.definition, s.created_at, s.updated_at,
       (SELECT count(*) FROM survey_invitations i WHERE i.workspace_id = s.workspace_id AND i.survey_id = s.id AND i.status IN ('sent', 'answered', 'dismissed')) AS sent,
       (SELECT count(*) FROM survey_responses r WHERE r.workspace_id = s.workspace_id AND r.survey_id = s.id) AS responses
  FROM surveys s JOIN survey_versions v ON v.workspace_id = s.workspace_id AND v.survey_id = s.id AND v.version = s.version`;

/** Every survey of a workspace, newest first. */
export async function listSurveys(db: Queryable, workspaceId: number): Promise<SurveyView[]> {
  const { rows } = await db.query<SurveyRow>(`${SELECT} WHERE s.workspace_id = $1 ORDER BY s.created_at DESC, s.id`, [workspaceId]);
  return rows.map(view);
}

export async function getSurvey(db: Queryable, workspaceId: number, id: string): Promise<SurveyView | null> {
  const { rows } = await db.query<SurveyRow>(`${SELECT} WHERE s.workspace_id = $1 AND s.id = $2`, [workspaceId, id]);
  return rows[0] ? view(rows[0]) : null;
}

/** Create a survey (a draft, version 1); `conflict` when the id is taken. */
export async function createSurvey(db: Queryable, workspaceId: number, input: { id: string; name: string; definition: SurveyDefinition }): Promise<Result<SurveyView, Failure<'conflict'>>> {
  const { rowCount } = await db.query(`INSERT INTO surveys (workspace_id, id, name, type) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [workspaceId, input.id, input.name, input.definition.type]);
  if (rowCount === 0) return fail('conflict', `a survey with id "${input.id}" exists already`);
  await db.query(`INSERT INTO survey_versions (workspace_id, survey_id, version, definition) VALUES ($1, $2, 1, $3)`, [workspaceId, input.id, JSON.stringify(input.definition)]);
  return ok((await getSurvey(db, workspaceId, input.id))!);
}

/**
 * Rename, re-status or edit a survey. A changed definition is a new version (invitations
 * and answers keep the version they were sent with); its type cannot change once it has
 * been sent, since its answers would no longer be comparable.
 */
export async function updateSurvey(
  db: Queryable,
  workspaceId: number,
  id: string,
  change: { name?: string; status?: SurveyStatus; definition?: SurveyDefinition },
): Promise<Result<SurveyView, Failure<'not_found'> | Failure<'validation_failed'>>> {
  const cur = await getSurvey(db, workspaceId, id);
  if (!cur) return fail('not_found', `no survey "${id}"`);
  let version = cur.version;
  if (change.definition && JSON.stringify(change.definition) !== JSON.stringify(cur.definition)) {
    if (change.definition.type !== cur.definition.type && cur.sent > 0)
      return fail('validation_failed', `the survey was sent as ${cur.definition.type.toUpperCase()}; its type cannot change (make a new survey)`);
    version = cur.version + 1;
    await db.query(`INSERT INTO survey_versions (workspace_id, survey_id, version, definition) VALUES ($1, $2, $3, $4)`, [workspaceId, id, version, JSON.stringify(change.definition)]);
  }
  await db.query(`UPDATE surveys SET name = coalesce($3, name), status = coalesce($4, status), version = $5, type = coalesce($6, type), updated_at = now() WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
    change.name ?? null,
    change.status ?? null,
    version,
    change.definition?.type ?? null,
  ]);
  return ok((await getSurvey(db, workspaceId, id))!);
}

/** One version of a survey's definition (null: no such survey or version). */
export async function surveyVersion(db: Queryable, workspaceId: number, id: string, version: number): Promise<{ name: string; status: SurveyStatus; definition: SurveyDefinition } | null> {
  const { rows } = await db.query<{ name: string; status: SurveyStatus; definition: unknown }>(
    `SELECT s.name, s.status, v.definition FROM surveys s JOIN survey_versions v ON v.workspace_id = s.workspace_id AND v.survey_id = s.id AND v.version = $3 WHERE s.workspace_id = $1 AND s.id = $2`,
    [workspaceId, id, version],
  );
  const r = rows[0];
  return r ? { name: r.name, status: r.status, definition: SurveyDefinitionSchema.parse(r.definition) } : null;
}

/** A workspace's fatigue rules (the defaults until saved). */
export async function getSurveySettings(db: Queryable, workspaceId: number): Promise<SurveySettings> {
  const { rows } = await db.query<{ rules: unknown }>(`SELECT rules FROM survey_settings WHERE workspace_id = $1`, [workspaceId]);
  if (!rows[0]) return DEFAULT_SURVEY_SETTINGS;
  const parsed = SurveySettingsSchema.safeParse(rows[0].rules);
  return parsed.success ? parsed.data : DEFAULT_SURVEY_SETTINGS;
}

export async function saveSurveySettings(db: Queryable, workspaceId: number, rules: SurveySettings): Promise<void> {
  await db.query(`INSERT INTO survey_settings (workspace_id, rules, updated_at) VALUES ($1, $2, now()) ON CONFLICT (workspace_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()`, [
    workspaceId,
    JSON.stringify(rules),
  ]);
}

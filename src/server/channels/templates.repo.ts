import { randomBytes } from 'node:crypto';
import type { TemplateInput } from '../../contracts/messaging.js';
import type { Queryable } from '../db/client.js';
import type { CompiledTemplate } from './templates.js';
import type { RowPick, RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** A template as stored. */
export interface StoredTemplate {
  workspaceId: number;
  id: string;
  name: string;
  channel: 'email' | 'sms' | 'webhook' | 'inapp';
  format: 'mjml' | 'html' | 'text';
  subject: string | null;
  body: string;
  text: string | null;
  compiled: CompiledTemplate;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLS = `workspace_id AS "workspaceId", id, name, channel, format, subject, body, text, compiled, version, created_at AS "createdAt", updated_at AS "updatedAt"`;
/** The row COLS selects. */
type TemplateRow = RowPickCamel<
  typeof schema.templates,
  'workspace_id' | 'id' | 'name' | 'channel' | 'format' | 'subject' | 'body' | 'text' | 'compiled' | 'version' | 'created_at' | 'updated_at',
  Pick<StoredTemplate, 'compiled'>
>;

export function newTemplateId(): string {
  return `tpl_${randomBytes(6).toString('hex')}`;
}

export async function listTemplates(db: Queryable, workspaceId: number): Promise<StoredTemplate[]> {
  const { rows } = await db.query<TemplateRow>(`SELECT ${COLS} FROM templates WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]);
  return rows;
}

export async function getTemplate(db: Queryable, workspaceId: number, id: string): Promise<StoredTemplate | null> {
  const { rows } = await db.query<TemplateRow>(`SELECT ${COLS} FROM templates WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0] ?? null;
}

/** Insert or replace a template (a replace bumps its version). */
export async function saveTemplate(db: Queryable, workspaceId: number, id: string, input: TemplateInput & { format: StoredTemplate['format'] }, compiled: CompiledTemplate): Promise<StoredTemplate> {
  const { rows } = await db.query<TemplateRow>(
    `INSERT INTO templates (workspace_id, id, name, channel, format, subject, body, text, compiled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (workspace_id, id) DO UPDATE SET name = EXCLUDED.name, channel = EXCLUDED.channel, format = EXCLUDED.format, subject = EXCLUDED.subject,
       body = EXCLUDED.body, text = EXCLUDED.text, compiled = EXCLUDED.compiled, version = templates.version + 1, updated_at = now()
     RETURNING ${COLS}`,
    [workspaceId, id, input.name, input.channel, input.format, input.subject ?? null, input.body, input.text ?? null, JSON.stringify(compiled)],
  );
  return rows[0]!;
}

export async function deleteTemplate(db: Queryable, workspaceId: number, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM templates WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rowCount > 0;
}

/** Compiled templates by id, for a batch of messages. */
export async function compiledTemplates(db: Queryable, workspaceId: number, ids: string[]): Promise<Map<string, { channel: StoredTemplate['channel']; compiled: CompiledTemplate; version: number }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<RowPick<typeof schema.templates, 'id' | 'channel' | 'compiled' | 'version', { compiled: CompiledTemplate }>>(
    `SELECT id, channel, compiled, version FROM templates WHERE workspace_id = $1 AND id = ANY($2::text[])`,
    [workspaceId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

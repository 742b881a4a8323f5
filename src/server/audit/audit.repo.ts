import type { AuditEntry, AuditQuery } from '../../contracts/audit.js';
import type { Queryable } from '../db/client.js';
import type { RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { redact } from './redact.js';

/** Who acted, as the audit log names them (principal.ts `actorOf`). */
export interface AuditActor {
  kind: 'user' | 'key' | 'system';
  id: number | null;
  label: string;
}

/** One change to record: who did what to which object, with the object before and after. */
export interface NewAuditEntry {
  workspaceId: number;
  actor: AuditActor;
  /** `segment.update`, `key.create`, `privacy.erase`, … */
  action: string;
  objectType: string;
  objectId?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

/**
 * Append one entry. `before` and `after` are redacted here (redact.ts), whoever calls: no
 * secret reaches the table. Pass the transaction that makes the change to record it
 * atomically with it. The table refuses UPDATE, DELETE and TRUNCATE (a trigger, migration 0027).
 */
export async function recordAudit(db: Queryable, e: NewAuditEntry): Promise<number> {
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(redact(v)));
  const { rows } = await db.query<{ id: string | number }>(
    `INSERT INTO audit_log (workspace_id, actor_kind, actor_id, actor_label, action, object_type, object_id, before, after, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10) RETURNING id`,
    [e.workspaceId, e.actor.kind, e.actor.id, e.actor.label, e.action, e.objectType, e.objectId ?? null, json(e.before), json(e.after), e.ip ?? null],
  );
  return Number(rows[0]!.id);
}

type Row = RowPickCamel<typeof schema.auditLog, 'id' | 'at' | 'actor_kind' | 'actor_id' | 'actor_label' | 'action' | 'object_type' | 'object_id' | 'before' | 'after' | 'ip'>;

const COLS = `id, at, actor_kind AS "actorKind", actor_id AS "actorId", actor_label AS "actorLabel", action, object_type AS "objectType", object_id AS "objectId", before, after, ip`;

/** The default page size of searchAudit; the contract allows up to 500. */
export const AUDIT_PAGE = 50;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of the workspace's entries, newest first, matching every filter: `q`'s words (each
 * must appear, any case) anywhere in the action, object type and id, actor and the before/after
 * JSON text; exact object type, object id and action (an action ending in `.` is a prefix:
 * `segment.`); the actor's label (any case) or, as `user:12` / `key:3`, their kind and id;
 * `from` (inclusive) and `to` (exclusive) on the time. Paged by id: `next` is the `before` of
 * the following page, null on the last.
 */
export async function searchAudit(db: Queryable, workspaceId: number, query: AuditQuery): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const where = ['workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const words = (query.q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);
  if (words.length > 0) {
    const text = `(action || ' ' || object_type || ' ' || coalesce(object_id, '') || ' ' || actor_label || ' ' || coalesce(before::text, '') || ' ' || coalesce(after::text, ''))`;
    for (const w of words) where.push(`${text} ILIKE ${p(`%${likeEscape(w)}%`)}`);
  }
  if (query.objectType) where.push(`object_type = ${p(query.objectType)}`);
  if (query.objectId) where.push(`object_id = ${p(query.objectId)}`);
  if (query.action) where.push(query.action.endsWith('.') ? `action LIKE ${p(`${likeEscape(query.action)}%`)}` : `action = ${p(query.action)}`);
  if (query.actor) {
    const m = /^(user|key):(\d+)$/.exec(query.actor);
    if (m) where.push(`actor_kind = ${p(m[1])} AND actor_id = ${p(Number(m[2]))}`);
    else where.push(`lower(actor_label) = ${p(query.actor.toLowerCase())}`);
  }
  if (query.from) where.push(`at >= ${p(query.from)}::timestamptz`);
  if (query.to) where.push(`at < ${p(query.to)}::timestamptz`);
  if (query.before) where.push(`id < ${p(query.before)}`);
  const limit = query.limit ?? AUDIT_PAGE;
  const { rows } = await db.query<Row>(`SELECT ${COLS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${p(limit + 1)}`, params);
  const page = rows.slice(0, limit);
  return { entries: page.map(entryOf), next: rows.length > limit ? Number(page[page.length - 1]!.id) : null };
}

function entryOf(r: Row): AuditEntry {
  return {
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: { kind: r.actorKind, id: r.actorId, label: r.actorLabel },
    action: r.action,
    objectType: r.objectType,
    objectId: r.objectId,
    before: r.before ?? null,
    after: r.after ?? null,
    ip: r.ip,
  };
}

export const AUDIT_CSV_HEADER = 'id,at,actor_kind,actor_id,actor,action,object_type,object_id,before,after,ip\n';

/** One CSV cell: quoted when needed; text a spreadsheet would run as a formula (=, +, -, @) gets a leading '. */
function cell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every entry matching the query (its `limit` and `before` are ignored) as CSV, newest first, read in pages of `pageSize`. */
export async function* auditCsv(db: Queryable, workspaceId: number, query: AuditQuery, pageSize = 1_000): AsyncGenerator<string> {
  yield AUDIT_CSV_HEADER;
  let before: number | undefined;
  for (;;) {
    const page = await searchAudit(db, workspaceId, { ...query, before, limit: pageSize });
    let chunk = '';
    for (const e of page.entries) {
      const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
      chunk += [e.id, e.at, e.actor.kind, e.actor.id, e.actor.label, e.action, e.objectType, e.objectId, json(e.before), json(e.after), e.ip].map(cell).join(',') + '\n';
    }
    if (chunk) yield chunk;
    if (page.next === null) return;
    before = page.next;
  }
}

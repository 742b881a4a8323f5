import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Condition } from '../../contracts/condition.js';
import { isTimeBased, type SegmentInput, type SegmentView } from '../../contracts/segment-definition.js';
import type { Queryable } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface StoredSegment {
  workspaceId: number;
  id: string;
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  scope: 'customer' | 'account';
  condition: Condition | null;
  version: number;
  computedVersion: number | null;
  computedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = RowPick<
  typeof schema.segments,
  'workspace_id' | 'id' | 'name' | 'description' | 'kind' | 'scope' | 'condition' | 'version' | 'computed_version' | 'computed_at' | 'created_at' | 'updated_at',
  { condition: Condition | null }
>;

const COLUMNS = `workspace_id, id, name, description, kind, scope, condition, version, computed_version, computed_at, created_at, updated_at`;

function fromRow(r: Row): StoredSegment {
  return {
    workspaceId: r.workspace_id,
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    scope: r.scope,
    condition: r.condition,
    version: r.version,
    computedVersion: r.computed_version,
    computedAt: r.computed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function newSegmentId(): string {
  return `seg_${randomBytes(8).toString('hex')}`;
}

export async function listSegments(db: Queryable, workspaceId: number): Promise<StoredSegment[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM segments WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]);
  return rows.map(fromRow);
}

export async function getSegment(db: Queryable, workspaceId: number, id: string, opts: { forUpdate?: boolean } = {}): Promise<StoredSegment | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM segments WHERE workspace_id = $1 AND id = $2${opts.forUpdate ? ' FOR UPDATE' : ''}`, [workspaceId, id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** A definition to store (scope defaults to customers). */
export type SegmentDefinition = Omit<SegmentInput, 'scope'> & { scope?: SegmentInput['scope'] };

export async function insertSegment(db: Queryable, workspaceId: number, id: string, input: SegmentDefinition): Promise<StoredSegment> {
  const { rows } = await db.query<Row>(`INSERT INTO segments (workspace_id, id, name, description, kind, scope, condition) VALUES ($1, $2, $3, $4, 'dynamic', $6, $5::jsonb) RETURNING ${COLUMNS}`, [
    workspaceId,
    id,
    input.name,
    input.description,
    JSON.stringify(input.condition),
    input.scope ?? 'customer',
  ]);
  return fromRow(rows[0]!);
}

/** A new static segment (a list; members are set with `setStaticMembers`). */
export async function insertStaticSegment(db: Queryable, workspaceId: number, id: string, input: { name: string; description: string }): Promise<StoredSegment> {
  const { rows } = await db.query<Row>(`INSERT INTO segments (workspace_id, id, name, description, kind, condition) VALUES ($1, $2, $3, $4, 'static', NULL) RETURNING ${COLUMNS}`, [
    workspaceId,
    id,
    input.name,
    input.description,
  ]);
  return fromRow(rows[0]!);
}

/** Replace a segment's definition; its version grows by one. Null when there is no such segment. */
export async function updateSegment(db: Queryable, workspaceId: number, id: string, input: SegmentDefinition): Promise<StoredSegment | null> {
  const { rows } = await db.query<Row>(
    `UPDATE segments SET name = $3, description = $4, condition = $5::jsonb, scope = $6, version = version + 1, updated_at = now()
      WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [workspaceId, id, input.name, input.description, JSON.stringify(input.condition), input.scope ?? 'customer'],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Delete a segment with its members and history (no exit events: the segment is gone, not the customers). */
export async function deleteSegment(db: Queryable, workspaceId: number, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM segments WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  if (rowCount === 0) return false;
  await db.query(`DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`, [workspaceId, id]);
  await db.query(`DELETE FROM segment_history WHERE workspace_id = $1 AND segment_id = $2`, [workspaceId, id]);
  return true;
}

/** Member counts per segment. */
export async function memberCounts(db: Queryable, workspaceId: number, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<RowPick<typeof schema.segmentMembers, 'segment_id'> & { n: number }>(
    `SELECT segment_id, count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = ANY($2::text[]) GROUP BY segment_id`,
    [workspaceId, ids],
  );
  return new Map(rows.map((r) => [r.segment_id, r.n]));
}

export function segmentView(s: StoredSegment, members: number): z.infer<typeof SegmentView> {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    kind: s.kind,
    scope: s.scope,
    condition: s.condition,
    version: s.version,
    members,
    computedAt: s.computedAt?.toISOString() ?? null,
    upToDate: s.computedVersion === s.version,
    timeBased: s.condition ? isTimeBased(s.condition) : false,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** The source (members now, or as of a moment from the history) has segment_members' columns. */
type MemberRow = RowPick<typeof schema.segmentMembers, 'customer_id' | 'entered_at'> & { user_id: string | null; email: string | null };

/**
 * A page of members by customer id (keyset: `after` is the last id of the previous page);
 * as of a past moment `at`, from the history.
 */
export async function segmentMembers(db: Queryable, workspaceId: number, segmentId: string, opts: { limit: number; after?: number; at?: Date; scope?: 'customer' | 'account' }) {
  const source = opts.at
    ? `(SELECT customer_id, max(entered_at) AS entered_at FROM segment_history
          WHERE workspace_id = $1 AND segment_id = $2 AND entered_at <= $5 AND (exited_at IS NULL OR exited_at > $5) GROUP BY customer_id)`
    : `(SELECT customer_id, entered_at FROM segment_members WHERE workspace_id = $1 AND segment_id = $2)`;
  const params: unknown[] = [workspaceId, segmentId, opts.after ?? 0, opts.limit];
  if (opts.at) params.push(opts.at.toISOString());
  const account = opts.scope === 'account';
  const { rows } = await db.query<MemberRow>(
    account
      ? `SELECT m.customer_id, a.group_id AS user_id, a.traits->>'name' AS email, m.entered_at
           FROM ${source} m JOIN accounts a ON a.id = m.customer_id
          WHERE m.customer_id > $3 ORDER BY m.customer_id LIMIT $4`
      : `SELECT m.customer_id, c.user_id, c.traits->>'email' AS email, m.entered_at
           FROM ${source} m JOIN customers c ON c.id = m.customer_id
          WHERE m.customer_id > $3 ORDER BY m.customer_id LIMIT $4`,
    params,
  );
  return rows.map((r) => ({ customerId: r.customer_id, userId: r.user_id, email: r.email, enteredAt: r.entered_at.toISOString() }));
}

/** The segments a customer is in now. */
export async function customerSegments(db: Queryable, workspaceId: number, customerId: number) {
  const { rows } = await db.query<RowPick<typeof schema.segments, 'id' | 'name'> & RowPick<typeof schema.segmentMembers, 'entered_at'>>(
    `SELECT s.id, s.name, m.entered_at FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id
      WHERE m.workspace_id = $1 AND m.customer_id = $2 AND s.scope = 'customer' ORDER BY m.entered_at, s.id`,
    [workspaceId, customerId],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, enteredAt: r.entered_at.toISOString() }));
}

/**
 * Helpdesk connections (table helpdesk_connections): the signing secret sealed with the
 * server secret (channels/secret-box.ts), bound to its connection; the id random, since it
 * is in the public webhook URL.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { HelpdeskConnectionCreate, HelpdeskConnectionUpdate, HelpdeskKind } from '../../contracts/support.js';
import type { Queryable } from '../db/client.js';
import type { SecretBox } from '../channels/secret-box.js';
import { fail, ok, type Failure, type Result } from '../lib/result.js';
import type { RowPickCamel } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export type ConnectionRow = RowPickCamel<typeof schema.helpdeskConnections, 'workspace_id' | 'id' | 'name' | 'secret' | 'enabled' | 'created_at'> & { kind: HelpdeskKind };

/** A connection with its delivery counts (for the admin API). */
export type ConnectionSummary = Omit<ConnectionRow, 'secret'> & { lastDeliveryAt: Date | null; deliveries: number; rejected: number; unmatched: number };

export type ConnectionFailure = Failure<'secret_unavailable' | 'secret_unreadable' | 'not_found'>;

const aad = (workspaceId: number, id: string) => `helpdesk_connections:${workspaceId}:${id}`;
const COLUMNS = `workspace_id AS "workspaceId", id, name, kind, secret, enabled, created_at AS "createdAt"`;

/** Create a connection; a generic one without a secret gets a generated one, returned once. */
export async function createConnection(
  db: Queryable,
  box: SecretBox | null,
  boxMissing: string,
  workspaceId: number,
  input: z.output<typeof HelpdeskConnectionCreate>,
): Promise<Result<{ id: string; generatedSecret: string | null }, ConnectionFailure>> {
  if (!box) return fail('secret_unavailable', boxMissing);
  const id = `hd_${randomBytes(12).toString('hex')}`;
  const generated = input.secret ? null : randomBytes(24).toString('hex');
  await db.query(`INSERT INTO helpdesk_connections (workspace_id, id, name, kind, secret) VALUES ($1, $2, $3, $4, $5)`, [
    workspaceId,
    id,
    input.name,
    input.kind,
    box.seal(input.secret ?? generated, aad(workspaceId, id)),
  ]);
  return ok({ id, generatedSecret: generated });
}

/** Change a connection's name, secret or enabled flag. */
export async function updateConnection(
  db: Queryable,
  box: SecretBox | null,
  boxMissing: string,
  workspaceId: number,
  id: string,
  patch: z.output<typeof HelpdeskConnectionUpdate>,
): Promise<Result<void, ConnectionFailure>> {
  if (patch.secret !== undefined && !box) return fail('secret_unavailable', boxMissing);
  const sealed = patch.secret !== undefined ? box!.seal(patch.secret, aad(workspaceId, id)) : null;
  const { rowCount } = await db.query(`UPDATE helpdesk_connections SET name = COALESCE($3, name), secret = COALESCE($4, secret), enabled = COALESCE($5, enabled) WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
    patch.name ?? null,
    sealed,
    patch.enabled ?? null,
  ]);
  return rowCount === 0 ? fail('not_found', `no helpdesk connection ${id}`) : ok();
}

/** Delete a connection with its deliveries and tickets (the events written stay on the timelines). */
export async function deleteConnection(db: Queryable, workspaceId: number, id: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `WITH c AS (DELETE FROM helpdesk_connections WHERE workspace_id = $1 AND id = $2 RETURNING id),
          d AS (DELETE FROM helpdesk_deliveries WHERE workspace_id = $1 AND connection_id IN (SELECT id FROM c)),
          t AS (DELETE FROM support_tickets WHERE workspace_id = $1 AND connection_id IN (SELECT id FROM c))
     SELECT count(*)::int AS n FROM c`,
    [workspaceId, id],
  );
  return rows[0]!.n > 0;
}

/** The connection of a webhook URL (any workspace), or null. */
export async function findConnection(db: Queryable, id: string): Promise<ConnectionRow | null> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${COLUMNS} FROM helpdesk_connections WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The connection's signing secret, opened. */
export function openSecret(box: SecretBox | null, boxMissing: string, c: ConnectionRow): Result<string, ConnectionFailure> {
  if (!box) return fail('secret_unavailable', boxMissing);
  const r = box.open(c.secret, aad(c.workspaceId, c.id));
  if (!r.ok) return fail('secret_unreadable', r.message);
  return typeof r.value === 'string' ? ok(r.value) : fail('secret_unreadable', 'the stored secret is not text');
}

/** The workspace's connections (or one) with their delivery counts. */
export async function listConnections(db: Queryable, workspaceId: number, id?: string): Promise<ConnectionSummary[]> {
  const { rows } = await db.query<ConnectionSummary>(
    `SELECT c.workspace_id AS "workspaceId", c.id, c.name, c.kind, c.enabled, c.created_at AS "createdAt",
            d.last AS "lastDeliveryAt", COALESCE(d.n, 0)::int AS deliveries, COALESCE(d.rejected, 0)::int AS rejected, COALESCE(d.unmatched, 0)::int AS unmatched
       FROM helpdesk_connections c
       LEFT JOIN LATERAL (SELECT max(received_at) AS last, count(*) AS n, count(*) FILTER (WHERE status = 'rejected') AS rejected, count(*) FILTER (WHERE status = 'unmatched') AS unmatched
                            FROM helpdesk_deliveries x WHERE x.workspace_id = c.workspace_id AND x.connection_id = c.id) d ON true
      WHERE c.workspace_id = $1 AND ($2::text IS NULL OR c.id = $2)
      ORDER BY c.created_at, c.id`,
    [workspaceId, id ?? null],
  );
  return rows;
}

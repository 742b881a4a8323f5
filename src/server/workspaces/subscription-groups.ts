import type { Db } from '../db/client.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * Delete a subscription group with its consents, unless a journey that is not archived
 * sends in it (its current or live version names the group on a step).
 */
export async function deleteSubscriptionGroup(db: Db, workspaceId: number, id: string): Promise<{ kind: 'deleted' } | { kind: 'not_found' } | { kind: 'in_use'; journeys: string[] }> {
  return db.transaction(async (tx) => {
    const { rows: found } = await tx.query(`SELECT 1 FROM subscription_groups WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [workspaceId, id]);
    if (found.length === 0) return { kind: 'not_found' as const };
    const { rows: users } = await tx.query<RowPick<typeof schema.journeys, 'id'>>(
      `SELECT DISTINCT j.id FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version IN (j.version, coalesce(j.live_version, j.version))
        WHERE j.workspace_id = $1 AND j.status <> 'archived' AND v.definition -> 'steps' @> jsonb_build_array(jsonb_build_object('group', $2::text))
        ORDER BY j.id`,
      [workspaceId, id],
    );
    if (users.length > 0) return { kind: 'in_use' as const, journeys: users.map((u) => u.id) };
    await tx.query(`DELETE FROM consents WHERE workspace_id = $1 AND group_id = $2`, [workspaceId, id]);
    await tx.query(`DELETE FROM subscription_groups WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
    return { kind: 'deleted' as const };
  });
}

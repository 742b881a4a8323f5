import type { Db, Queryable } from '../db/client.js';
import type { Logger } from '../log.js';

export interface DemoOptions {
  customers?: number;
  seed?: number;
  progress?: boolean;
  log?: Logger;
  /** End of the generated 18 months (default: now). */
  now?: Date;
}

/** True when the workspace has no events yet. */
export async function isEmpty(db: Queryable, workspaceId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM events WHERE workspace_id = $1 LIMIT 1`, [workspaceId]);
  return rows.length === 0;
}

/** PLACEHOLDER — being implemented. */
export async function seedDemo(_db: Db, _workspaceId: number, _opts: DemoOptions): Promise<{ customers: number; events: number }> {
  return { customers: 0, events: 0 };
}

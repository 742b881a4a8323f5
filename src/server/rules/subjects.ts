import type { Queryable } from '../db/client.js';
import type { CustomerFacts } from './evaluate.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/**
 * The subjects rules are evaluated for — customers, and accounts (their traits and every
 * member's events) — and their own rows, which every facts loader starts from.
 */
export type Scope = 'customer' | 'account';

/** A subject's facts plus what the history writer needs (the customer's userId, for timeline events). */
export interface SubjectFacts extends CustomerFacts {
  userId: string | null;
}

export type SubjectRow = { id: number; traits: Record<string, unknown>; user_id: string | null; first_touch: CustomerFacts['firstTouch'] };

/** The subjects' own rows: a customer's traits, userId and first touch; an account's traits. Ids that do not exist are left out. */
export async function loadSubjectRows(db: Queryable, workspaceId: number, scope: Scope, ids: number[]): Promise<SubjectRow[]> {
  const { rows } =
    scope === 'customer'
      ? await db.query<RowPick<typeof schema.customers, 'id' | 'traits' | 'user_id' | 'first_touch', Pick<SubjectRow, 'traits' | 'first_touch'>>>(
          `SELECT id, traits, user_id, first_touch FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
          [workspaceId, ids],
        )
      : await db.query<RowPick<typeof schema.accounts, 'id' | 'traits', Pick<SubjectRow, 'traits'>> & Pick<SubjectRow, 'user_id' | 'first_touch'>>(
          `SELECT id, traits, NULL AS user_id, NULL::jsonb AS first_touch FROM accounts WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
          [workspaceId, ids],
        );
  return rows;
}

/**
 * A helpdesk requester → a customer, through the identity graph: the external id as a
 * userId (or alias), then the email (the `email` trait, or an email used as userId), then the
 * phone (the `phone` trait, digits and + only). An organisation → an account: its id or
 * domain as a group id, else an account whose `domain` trait is the domain, else the
 * customer's own account.
 */
import type { Queryable } from '../db/client.js';
import type { Organization, Requester } from './actions.js';

const digits = (phone: string) => phone.replace(/[^\d+]/g, '');

/** The customer of a requester, or null. */
export async function matchCustomer(db: Queryable, workspaceId: number, r: Requester): Promise<number | null> {
  const ids = [r.externalId, r.email].filter((v): v is string => v !== undefined);
  if (ids.length > 0) {
    const { rows } = await db.query<{ customer_id: number }>(
      `SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = ANY($2::text[]) ORDER BY array_position($2::text[], value) LIMIT 1`,
      [workspaceId, ids],
    );
    if (rows[0]) return Number(rows[0].customer_id);
  }
  if (r.email) {
    const { rows } = await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND lower(traits ->> 'email') = lower($2) ORDER BY id LIMIT 1`, [workspaceId, r.email]);
    if (rows[0]) return Number(rows[0].id);
  }
  if (r.phone && digits(r.phone).length >= 6) {
    const { rows } = await db.query<{ id: number }>(
      `SELECT id FROM customers WHERE workspace_id = $1 AND traits ? 'phone' AND regexp_replace(traits ->> 'phone', '[^0-9+]', '', 'g') = $2 ORDER BY id LIMIT 1`,
      [workspaceId, digits(r.phone)],
    );
    if (rows[0]) return Number(rows[0].id);
  }
  return null;
}

/** The account of an organisation (or of the customer, when the organisation names none), or null. */
export async function matchAccount(db: Queryable, workspaceId: number, org: Organization | undefined, customerId: number | null): Promise<number | null> {
  const keys = [org?.id, org?.domain].filter((v): v is string => v !== undefined);
  if (keys.length > 0) {
    const { rows } = await db.query<{ id: number }>(
      `SELECT id FROM accounts WHERE workspace_id = $1 AND (group_id = ANY($2::text[]) OR lower(traits ->> 'domain') = lower($3)) ORDER BY (group_id = ANY($2::text[])) DESC, id LIMIT 1`,
      [workspaceId, keys, org?.domain ?? null],
    );
    if (rows[0]) return Number(rows[0].id);
  }
  if (customerId === null) return null;
  const { rows } = await db.query<{ account_id: number }>(`SELECT account_id FROM account_members WHERE workspace_id = $1 AND customer_id = $2 ORDER BY joined_at DESC LIMIT 1`, [
    workspaceId,
    customerId,
  ]);
  return rows[0] ? Number(rows[0].account_id) : null;
}

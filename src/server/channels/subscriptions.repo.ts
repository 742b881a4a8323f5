import type { z } from 'zod';
import type { Channel } from '../../contracts/journey.js';
import type { CustomerSubscriptions } from '../../contracts/messaging.js';
import type { Queryable } from '../db/client.js';

/** A subscription group: what customers can opt into or out of, on one channel. */
export interface SubscriptionGroup {
  id: string;
  name: string;
  description: string;
  channel: Channel;
  optIn: boolean;
  createdAt: Date;
}

const GROUP_COLS = `id, name, description, channel, opt_in AS "optIn", created_at AS "createdAt"`;

export async function listSubscriptionGroups(db: Queryable, workspaceId: number): Promise<SubscriptionGroup[]> {
  const { rows } = await db.query<SubscriptionGroup>(`SELECT ${GROUP_COLS} FROM subscription_groups WHERE workspace_id = $1 ORDER BY channel, name`, [workspaceId]);
  return rows;
}

/** The ids of the workspace's subscription groups. */
export async function subscriptionGroupIds(db: Queryable, workspaceId: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM subscription_groups WHERE workspace_id = $1`, [workspaceId]);
  return rows.map((x) => x.id);
}

/** Null when a group with this id exists (it is left as it was). */
export async function createSubscriptionGroup(db: Queryable, workspaceId: number, g: Omit<SubscriptionGroup, 'createdAt'>): Promise<SubscriptionGroup | null> {
  const { rows } = await db.query<SubscriptionGroup>(
    `INSERT INTO subscription_groups (workspace_id, id, name, description, channel, opt_in) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
     RETURNING ${GROUP_COLS}`,
    [workspaceId, g.id, g.name, g.description, g.channel, g.optIn],
  );
  return rows[0] ?? null;
}

/** Rename or re-describe a group (its channel and opt-in rule are fixed); null when there is none. */
export async function renameSubscriptionGroup(db: Queryable, workspaceId: number, id: string, name: string, description: string): Promise<SubscriptionGroup | null> {
  const { rows } = await db.query<SubscriptionGroup>(`UPDATE subscription_groups SET name = $3, description = $4 WHERE workspace_id = $1 AND id = $2 RETURNING ${GROUP_COLS}`, [
    workspaceId,
    id,
    name,
    description,
  ]);
  return rows[0] ?? null;
}

/** The groups of one channel, by name (the hosted preference page lists them). */
export async function channelSubscriptionGroups(db: Queryable, workspaceId: number, channel: Channel): Promise<Array<{ id: string; name: string; description: string; opt_in: boolean }>> {
  const { rows } = await db.query<{ id: string; name: string; description: string; opt_in: boolean }>(
    `SELECT id, name, description, opt_in FROM subscription_groups WHERE workspace_id = $1 AND channel = $2 ORDER BY name`,
    [workspaceId, channel],
  );
  return rows;
}

export async function subscriptionGroupName(db: Queryable, workspaceId: number, id: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM subscription_groups WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  return rows[0]?.name ?? null;
}

/** The customer's recorded choices: group id (or a channel's all-groups key) → subscribed. */
export async function customerConsents(db: Queryable, workspaceId: number, customerId: number): Promise<Map<string, boolean>> {
  const { rows } = await db.query<{ group_id: string; subscribed: boolean }>(`SELECT group_id, subscribed FROM consents WHERE workspace_id = $1 AND customer_id = $2`, [workspaceId, customerId]);
  return new Map(rows.map((r) => [r.group_id, r.subscribed]));
}

/**
 * The customer's state in every group (their choice, else the group's default), the channels
 * they left entirely, and their suppressed addresses.
 */
export async function customerSubscriptions(db: Queryable, workspaceId: number, customerId: number): Promise<z.infer<typeof CustomerSubscriptions>> {
  const { rows: groups } = await db.query<{ id: string; name: string; channel: Channel; opt_in: boolean; subscribed: boolean | null }>(
    `SELECT g.id, g.name, g.channel, g.opt_in, c.subscribed FROM subscription_groups g LEFT JOIN consents c ON c.workspace_id = g.workspace_id AND c.group_id = g.id AND c.customer_id = $2
      WHERE g.workspace_id = $1 ORDER BY g.channel, g.name`,
    [workspaceId, customerId],
  );
  const { rows: all } = await db.query<{ group_id: string }>(`SELECT group_id FROM consents WHERE workspace_id = $1 AND customer_id = $2 AND group_id LIKE '$all:%' AND NOT subscribed`, [
    workspaceId,
    customerId,
  ]);
  const { rows: supp } = await db.query<{ channel: string; address: string; reason: string }>(
    `SELECT s.channel, s.address, s.reason FROM suppressions s JOIN customers cu ON cu.id = $2
      WHERE s.workspace_id = $1 AND s.address IN (lower(cu.traits ->> 'email'), cu.traits ->> 'phone', cu.traits ->> 'phone_number')`,
    [workspaceId, customerId],
  );
  return {
    groups: groups.map((g) => ({ id: g.id, name: g.name, channel: g.channel, subscribed: g.subscribed ?? !g.opt_in, explicit: g.subscribed !== null })),
    unsubscribedFromAll: all.map((a) => a.group_id.slice(5) as Channel),
    suppressed: supp,
  };
}

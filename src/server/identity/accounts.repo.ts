import type { Queryable } from '../db/client.js';
import { RetryableConflict } from './customers.repo.js';
import { applyTraits, type TraitTimes } from './traits.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** One `group` call after its customer was resolved. */
export interface GroupLink {
  groupId: string;
  customerId: number;
  traits: Record<string, unknown>;
  at: Date;
}

interface AccountState {
  id: number | null;
  traits: Record<string, unknown>;
  traitTimes: TraitTimes;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** Create/update accounts from group calls (traits last-write-wins) and link their members. */
export async function applyGroups(tx: Queryable, workspaceId: number, links: GroupLink[]): Promise<void> {
  if (links.length === 0) return;
  const groupIds = [...new Set(links.map((l) => l.groupId))];
  const { rows } = await tx.query<
    RowPick<typeof schema.accounts, 'id' | 'group_id' | 'traits' | 'trait_times' | 'first_seen_at' | 'last_seen_at', { traits: Record<string, unknown>; trait_times: TraitTimes }>
  >(
    `SELECT id, group_id, traits, trait_times, first_seen_at, last_seen_at FROM accounts
      WHERE workspace_id = $1 AND group_id IN (SELECT jsonb_array_elements_text($2::jsonb)) ORDER BY id FOR UPDATE`,
    [workspaceId, JSON.stringify(groupIds)],
  );
  const states = new Map<string, AccountState>();
  for (const r of rows) {
    states.set(r.group_id, { id: r.id, traits: r.traits, traitTimes: r.trait_times, firstSeenAt: r.first_seen_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString() });
  }
  for (const l of links) {
    const iso = l.at.toISOString();
    let s = states.get(l.groupId);
    if (!s) {
      s = { id: null, traits: {}, traitTimes: {}, firstSeenAt: iso, lastSeenAt: iso };
      states.set(l.groupId, s);
    }
    applyTraits(s, l.traits, l.at);
    if (iso < s.firstSeenAt) s.firstSeenAt = iso;
    if (iso > s.lastSeenAt) s.lastSeenAt = iso;
  }
  const records = [...states.entries()].map(([groupId, s]) => ({ id: s.id, group_id: groupId, traits: s.traits, trait_times: s.traitTimes, first_seen_at: s.firstSeenAt, last_seen_at: s.lastSeenAt }));
  const fresh = records.filter((r) => r.id === null);
  if (fresh.length > 0) {
    const ins = await tx.query<RowPick<typeof schema.accounts, 'id' | 'group_id'>>(
      `INSERT INTO accounts (workspace_id, group_id, traits, trait_times, first_seen_at, last_seen_at)
       SELECT $1, x.group_id, x.traits, x.trait_times, x.first_seen_at, x.last_seen_at
         FROM jsonb_to_recordset($2::jsonb) AS x(group_id text, traits jsonb, trait_times jsonb, first_seen_at timestamptz, last_seen_at timestamptz)
       ON CONFLICT DO NOTHING RETURNING id, group_id`,
      [workspaceId, JSON.stringify(fresh)],
    );
    if (ins.rows.length !== fresh.length) throw new RetryableConflict('an account was created concurrently');
    for (const r of ins.rows) states.get(r.group_id)!.id = r.id;
  }
  const existing = records.filter((r) => r.id !== null);
  if (existing.length > 0) {
    await tx.query(
      `UPDATE accounts a SET traits = x.traits, trait_times = x.trait_times, first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at
         FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, traits jsonb, trait_times jsonb, first_seen_at timestamptz, last_seen_at timestamptz)
        WHERE a.id = x.id`,
      [JSON.stringify(existing)],
    );
  }
  const members = links.map((l) => ({ a: states.get(l.groupId)!.id, c: l.customerId, t: l.at }));
  await tx.query(
    `INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at)
     SELECT $1, x.a, x.c, min(x.t) FROM jsonb_to_recordset($2::jsonb) AS x(a bigint, c bigint, t timestamptz) GROUP BY x.a, x.c
     ON CONFLICT (account_id, customer_id) DO UPDATE SET joined_at = LEAST(account_members.joined_at, EXCLUDED.joined_at)`,
    [workspaceId, JSON.stringify(members)],
  );
}

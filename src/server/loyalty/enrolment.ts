import type { ProgrammeSettings } from '../../contracts/loyalty.js';
import { TENURE_EV } from '../../contracts/events.js';
import type { Queryable } from '../db/client.js';
import { hash32 } from '../hash.js';
import { writeTimeline, type TimelineEvent } from '../timeline/timeline-writer.js';

/**
 * Who is in the programme (loyalty_members). With `automatic` enrolment every customer the
 * loyalty processor sees an event of (one the live programme reads) joins; with `opt_in` only
 * those who send the programme's `optInEvent` (or an admin enrols). A fixed share of customers
 * (`holdoutPercent`), picked by a hash of workspace and customer so the same customer always
 * falls the same side, is kept in the holdout: recorded, never earning, the lift report's
 * comparison group. Joining writes `Loyalty Enrolled` on the timeline.
 */

export type MemberStatus = 'member' | 'holdout';

/** Whether the customer falls in the holdout of `percent` % (deterministic: hash of workspace and customer, in basis points). */
export function inHoldout(workspaceId: number, customerId: number, percent: number): boolean {
  if (percent <= 0) return false;
  return hash32(`loyalty-holdout:${workspaceId}:${customerId}`) % 10_000 < Math.round(percent * 100);
}

/** The members' statuses of these customers (absent: not enrolled). */
export async function memberStatuses(tx: Queryable, workspaceId: number, customerIds: readonly number[]): Promise<Map<number, { status: MemberStatus; tier: string | null }>> {
  if (customerIds.length === 0) return new Map();
  const { rows } = await tx.query<{ customer_id: number; status: MemberStatus; tier: string | null }>(
    `SELECT customer_id, status, tier FROM loyalty_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])`,
    [workspaceId, [...customerIds]],
  );
  return new Map(rows.map((r) => [Number(r.customer_id), { status: r.status, tier: r.tier }]));
}

/**
 * Enrol customers (those already in the programme or its holdout are left as they are):
 * each is a member or, by the hash, in the holdout; one `Loyalty Enrolled` event each.
 * Returns the status of each customer newly enrolled.
 */
export async function enrol(
  tx: Queryable,
  workspaceId: number,
  settings: ProgrammeSettings,
  joins: ReadonlyArray<{ customerId: number; at: Date }>,
  source: string,
): Promise<Map<number, MemberStatus>> {
  const out = new Map<number, MemberStatus>();
  if (joins.length === 0) return out;
  const first = new Map<number, Date>();
  for (const j of joins) if (!first.has(j.customerId)) first.set(j.customerId, j.at);
  const ids = [...first.keys()];
  const statuses = ids.map((c) => (inHoldout(workspaceId, c, settings.holdoutPercent) ? 'holdout' : 'member'));
  const { rows } = await tx.query<{ customer_id: number; status: MemberStatus; joined_at: Date }>(
    `INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at, term_start)
     SELECT $1, x.c, x.s, x.at, x.at FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS x(c, s, at)
       JOIN customers cu ON cu.id = x.c AND cu.workspace_id = $1
     ON CONFLICT (workspace_id, customer_id) DO NOTHING
     RETURNING customer_id, status, joined_at`,
    [workspaceId, ids, statuses, ids.map((c) => first.get(c)!.toISOString())],
  );
  const events: TimelineEvent[] = [];
  for (const r of rows) {
    const c = Number(r.customer_id);
    out.set(c, r.status);
    events.push({
      workspaceId,
      customerId: c,
      event: TENURE_EV.loyaltyEnrolled,
      properties: { holdout: r.status === 'holdout', source },
      at: r.joined_at,
      key: { kind: 'loyalty', customer: c, what: 'enrolled' },
    });
  }
  await writeTimeline(tx, events, { derivedWork: ['stage', 'segment'] });
  return out;
}

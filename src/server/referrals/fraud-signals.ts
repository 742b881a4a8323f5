/**
 * Gathers what the fraud guard decides on (fraud-guard.ts GuardFacts) from Tenure's identity
 * graph: each side's customer (followed through customer_merges), emails, addresses and
 * payment fingerprints (traits, identify calls, orders), anonymous ids (identities and the
 * events' anonymous_id), device ids (context.device.id), IP + user agent pairs (the events'
 * context, and for a friend who came by link the clicks on the code just before), the
 * friend's orders before the attribution, and the velocity counts.
 */
import type { Queryable } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import type { GuardFacts, SideFacts } from './fraud-guard.js';

/** Most values of one kind read per side (a long-lived advocate has many events). */
const CAP = 500;
const DAY_MS = 86_400_000;
/** How long before a link attribution a click on the code is taken as the friend's. */
const CLICK_LEAD_MS = 3_600_000;

/** The customer an id resolves to now (a merged-away id: the profile it went into). */
async function resolveCustomer(tx: Queryable, workspaceId: number, id: number): Promise<number> {
  const { rows } = await tx.query<{ into: number | string }>(`SELECT into_customer_id AS into FROM customer_merges WHERE workspace_id = $1 AND from_customer_id = $2`, [workspaceId, id]);
  return rows[0] ? Number(rows[0].into) : id;
}

async function side(tx: Queryable, workspaceId: number, rawId: number, paymentProperty: string): Promise<SideFacts> {
  const customerId = await resolveCustomer(tx, workspaceId, rawId);
  const { rows: former } = await tx.query<{ id: number | string }>(`SELECT from_customer_id AS id FROM customer_merges WHERE workspace_id = $1 AND into_customer_id = $2`, [workspaceId, customerId]);
  const { rows: vals } = await tx.query<{ k: string; v: unknown }>(
    `WITH own AS (SELECT traits FROM customers WHERE workspace_id = $1 AND id = $2),
          ev AS (SELECT type, event, anonymous_id, traits, properties, context FROM events
                  WHERE customer_id = $2 AND workspace_id = $1 AND type <> 'tenure' ORDER BY timestamp DESC LIMIT ${CAP * 4})
     SELECT DISTINCT 'email' AS k, to_jsonb(v) AS v FROM (
       SELECT traits ->> 'email' AS v FROM own
       UNION SELECT traits ->> 'email' FROM ev WHERE type = 'identify'
       UNION SELECT properties ->> 'email' FROM ev WHERE event = '${EV.orderCompleted}') e WHERE v IS NOT NULL
     UNION ALL
     SELECT DISTINCT 'address', v FROM (
       SELECT traits -> 'address' AS v FROM own
       UNION SELECT traits -> 'address' FROM ev WHERE type = 'identify'
       UNION SELECT properties -> 'shipping_address' FROM ev WHERE event = '${EV.orderCompleted}') a WHERE v IS NOT NULL AND v <> 'null'::jsonb
     UNION ALL
     SELECT DISTINCT 'payment', to_jsonb(v) FROM (
       SELECT traits ->> $3 AS v FROM own
       UNION SELECT traits ->> $3 FROM ev WHERE type = 'identify'
       UNION SELECT properties ->> $3 FROM ev WHERE event = '${EV.orderCompleted}') p WHERE v IS NOT NULL
     UNION ALL
     SELECT DISTINCT 'anon', to_jsonb(v) FROM (
       SELECT value AS v FROM identities WHERE workspace_id = $1 AND customer_id = $2 AND kind = 'anonymous'
       UNION SELECT anonymous_id FROM ev) n WHERE v IS NOT NULL
     UNION ALL
     SELECT DISTINCT 'device', to_jsonb(context -> 'device' ->> 'id') FROM ev WHERE context -> 'device' ->> 'id' IS NOT NULL
     UNION ALL
     SELECT DISTINCT 'ipua', jsonb_build_array(context ->> 'ip', context ->> 'userAgent') FROM ev WHERE context ->> 'ip' IS NOT NULL AND context ->> 'userAgent' IS NOT NULL`,
    [workspaceId, customerId, paymentProperty],
  );
  const facts: SideFacts = { customerId, formerIds: [customerId, rawId, ...former.map((r) => Number(r.id))], emails: [], addresses: [], payments: [], anonymousIds: [], deviceIds: [], ipUa: [] };
  for (const r of vals) {
    if (r.k === 'email' && typeof r.v === 'string') facts.emails.length < CAP && facts.emails.push(r.v);
    else if (r.k === 'address') facts.addresses.length < CAP && facts.addresses.push(r.v);
    else if (r.k === 'payment' && typeof r.v === 'string') facts.payments.length < CAP && facts.payments.push(r.v);
    else if (r.k === 'anon' && typeof r.v === 'string') facts.anonymousIds.length < CAP && facts.anonymousIds.push(r.v);
    else if (r.k === 'device' && typeof r.v === 'string') facts.deviceIds.length < CAP && facts.deviceIds.push(r.v);
    else if (r.k === 'ipua' && Array.isArray(r.v)) facts.ipUa.length < CAP && facts.ipUa.push({ ip: String(r.v[0]), userAgent: String(r.v[1]) });
  }
  return facts;
}

/** The referral being decided, as the gatherer needs it. */
export interface ReferralUnderReview {
  id: number;
  workspaceId: number;
  code: string;
  advocateId: number;
  friendId: number;
  via: 'link' | 'code';
  attributedAt: Date;
  orderAt: Date;
  orderIp: string | null;
}

/** Gather the facts for a referral's decision. */
export async function gatherFraudFacts(tx: Queryable, r: ReferralUnderReview, paymentProperty: string): Promise<GuardFacts> {
  const advocate = await side(tx, r.workspaceId, r.advocateId, paymentProperty);
  const friend = await side(tx, r.workspaceId, r.friendId, paymentProperty);
  if (r.via === 'link') {
    const { rows: clicks } = await tx.query<{ ip: string; user_agent: string }>(
      `SELECT DISTINCT ip, user_agent FROM referral_clicks WHERE workspace_id = $1 AND code = $2 AND at BETWEEN $3 AND $4 AND ip IS NOT NULL AND user_agent IS NOT NULL LIMIT 50`,
      [r.workspaceId, r.code, new Date(r.attributedAt.getTime() - CLICK_LEAD_MS).toISOString(), r.attributedAt.toISOString()],
    );
    for (const c of clicks) friend.ipUa.push({ ip: c.ip, userAgent: c.user_agent });
  }
  const { rows: before } = await tx.query<{ n: number; first: Date | null }>(
    `SELECT count(*)::int AS n, min(timestamp) AS first FROM events WHERE customer_id = $2 AND workspace_id = $1 AND event = '${EV.orderCompleted}' AND type = 'track' AND timestamp < $3`,
    [r.workspaceId, friend.customerId, r.attributedAt.toISOString()],
  );
  const { rows: adv } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM referrals WHERE workspace_id = $1 AND advocate_id = $2 AND attributed_at > $3 AND attributed_at <= $4`, [
    r.workspaceId,
    r.advocateId,
    new Date(r.attributedAt.getTime() - DAY_MS).toISOString(),
    r.attributedAt.toISOString(),
  ]);
  let ipOrders = 0;
  if (r.orderIp) {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM referrals WHERE workspace_id = $1 AND id <> $2 AND evidence ->> 'orderIp' = $3 AND order_at > $4 AND order_at <= $5`,
      [r.workspaceId, r.id, r.orderIp, new Date(r.orderAt.getTime() - DAY_MS).toISOString(), r.orderAt.toISOString()],
    );
    ipOrders = rows[0]!.n + 1;
  }
  return {
    advocate,
    friend,
    ordersBefore: before[0]!.n,
    firstOrderBefore: before[0]!.first ? new Date(before[0]!.first) : null,
    advocateAttributions24h: adv[0]!.n,
    ipOrders24h: ipOrders,
    orderIp: r.orderIp,
  };
}

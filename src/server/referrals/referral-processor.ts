/**
 * The referral processor: reads the events table in id order on its own cursor
 * (referral_cursor, jobs/event-cursor.ts; one processor at a time across processes) and, for
 * workspaces with referrals enabled, in the same transaction as moving the cursor:
 * - page and track events whose URL carries `?<param>=CODE` attribute their customer by link;
 * - `Order Completed` naming an active code (`referral_code`, `coupon`) attributes by code, and
 *   is checked as the friend's qualifying order (referral-flow.ts qualifyOrder);
 * - `Order Refunded` voids or claws back (refundOrder).
 * While no workspace has referrals enabled the cursor just follows the end of the events.
 * `sweepReferrals` then pays advocates whose refund window has ended and expires stale attributions.
 */
import type { Db } from '../db/client.js';
import { EV } from '../../contracts/events.js';
import { advanceCursor, cursorMoved, GAP_GIVE_UP_MS, lockCursorRow, nextIdsClause, saveCursorRow } from '../jobs/event-cursor.js';
import { numericValue, orderValueOf } from '../analytics/order-value.js';
import { attributeFriend, checkoutCodesOf, evidenceOf, linkCodeOf } from './attribution.js';
import { expireStale, qualifyOrder, refundOrder, rewardDue } from './referral-flow.js';
import { ledgerRewarder, type ReferralRewarder } from './referral-rewards.js';
import { enabledReferralWorkspaces } from './settings.repo.js';

export interface ProcessOptions {
  now: Date;
  /** Most events read per pass (default 1,000). */
  batch?: number;
  gapGiveUpMs?: number;
  rewarder?: ReferralRewarder;
}

export interface ProcessResult {
  scanned: number;
  attributed: number;
  decided: number;
  refunds: number;
  /** More events may be waiting. */
  more: boolean;
}

const CURSOR = 1;
const TABLE = 'referral_cursor';

type Row = {
  id: number | string;
  workspace_id: number;
  customer_id: number | string;
  type: string;
  event: string | null;
  message_id: string;
  anonymous_id: string | null;
  timestamp: Date;
  properties: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
};

/** One pass over new events; null when another process holds the cursor. */
export async function processReferralEvents(db: Db, opts: ProcessOptions): Promise<ProcessResult | null> {
  const batch = opts.batch ?? 1_000;
  const rewarder = opts.rewarder ?? ledgerRewarder;
  const now = opts.now.getTime();
  return db.transaction(async (tx) => {
    const cursor = await lockCursorRow(tx, TABLE, CURSOR, { skipLocked: true, startAtEnd: false });
    if (!cursor) return null;
    const enabled = await enabledReferralWorkspaces(tx);
    const result: ProcessResult = { scanned: 0, attributed: 0, decided: 0, refunds: 0, more: false };
    if (enabled.size === 0) {
      const { rows } = await tx.query<{ max: number | string | null }>(`SELECT max(id) AS max FROM events`);
      const end = Number(rows[0]?.max ?? 0);
      if (end !== cursor.highWater || cursor.gaps.length > 0) await saveCursorRow(tx, TABLE, CURSOR, { highWater: Math.max(end, cursor.highWater), gaps: [] });
      return result;
    }
    const where = nextIdsClause(cursor, 3);
    const { rows } = await tx.query<Row>(
      `SELECT id, workspace_id, customer_id, type, event, message_id, anonymous_id, timestamp,
              CASE WHEN relevant THEN properties END AS properties, CASE WHEN relevant THEN context END AS context
         FROM (SELECT *, (workspace_id = ANY($2::int[]) AND type IN ('page', 'track')) AS relevant FROM events WHERE ${where.sql} ORDER BY id LIMIT $1) e
        ORDER BY id`,
      [batch, [...enabled.keys()], ...where.args],
    );
    const next = advanceCursor(
      cursor,
      rows.map((r) => Number(r.id)),
      now,
      opts.gapGiveUpMs ?? GAP_GIVE_UP_MS,
      batch,
    );
    for (const r of rows) {
      if (r.properties === null || r.context === null) continue;
      const settings = enabled.get(r.workspace_id)!;
      const friendId = Number(r.customer_id);
      const at = new Date(r.timestamp);
      const props = r.properties;
      const link = linkCodeOf(props, r.context, settings.param);
      const evidence = () => evidenceOf(r.message_id, r.anonymous_id, props, r.context!);
      if (link && (await attributeFriend(tx, { workspaceId: r.workspace_id, friendId, code: link, via: 'link', at, evidence: evidence() })) !== null) result.attributed++;
      if (r.type !== 'track') continue;
      if (r.event === EV.orderCompleted) {
        for (const code of checkoutCodesOf(props)) {
          if ((await attributeFriend(tx, { workspaceId: r.workspace_id, friendId, code, via: 'code', at, evidence: evidence() })) !== null) {
            result.attributed++;
            break;
          }
        }
        const orderId = typeof props.order_id === 'string' || typeof props.order_id === 'number' ? String(props.order_id) : r.message_id;
        const ip = typeof r.context.ip === 'string' ? r.context.ip : null;
        const d = await qualifyOrder(tx, settings, rewarder, r.workspace_id, friendId, { orderId, value: orderValueOf(props), at, ip, messageId: r.message_id });
        if (d === 'allow' || d === 'hold' || d === 'block') result.decided++;
      } else if (r.event === EV.orderRefunded) {
        if (typeof props.order_id !== 'string' && typeof props.order_id !== 'number') continue;
        const stated = numericValue(props.revenue) ?? numericValue(props.total) ?? numericValue(props.amount);
        const value = stated === null ? null : Math.abs(stated);
        const d = await refundOrder(tx, settings, rewarder, r.workspace_id, friendId, { orderId: String(props.order_id), value, at, messageId: r.message_id });
        if (d !== 'none') result.refunds++;
      }
    }
    if (cursorMoved(cursor, next)) await saveCursorRow(tx, TABLE, CURSOR, next);
    result.scanned = rows.length;
    result.more = rows.filter((x) => Number(x.id) > cursor.highWater).length >= batch;
    return result;
  });
}

/** Pay the advocates that are due and expire stale attributions, in every enabled workspace. Returns how many referrals were settled. */
export async function sweepReferrals(db: Db, now: Date, rewarder: ReferralRewarder = ledgerRewarder, limit = 200): Promise<number> {
  const enabled = await enabledReferralWorkspaces(db);
  let settled = 0;
  for (const [ws, settings] of enabled) {
    settled += await db.transaction(async (tx) => {
      await expireStale(tx, ws, settings, now);
      return rewardDue(tx, ws, settings, rewarder, now, limit);
    });
  }
  return settled;
}

import type { ProgrammeSettings } from '../../contracts/loyalty.js';
import { EV } from '../../contracts/events.js';
import type { Db, Queryable } from '../db/client.js';
import { advanceCursor, cursorMoved, GAP_GIVE_UP_MS, lockCursorRow, nextIdsClause, saveCursorRow, inSpanSql, timeSpan } from '../jobs/event-cursor.js';
import { numericValue, REFUND_VALUE_PROPERTIES } from '../analytics/order-value.js';
import { zoneOf } from '../lib/local-time.js';
import { loadMomentFacts, momentPlan } from '../rules/moment-facts.js';
import type { CustomerFacts } from '../rules/evaluate.js';
import { earnsFor, type PriorEarn } from './earn-rules.js';
import { enrol, memberStatuses, type MemberStatus } from './enrolment.js';
import * as ledger from './ledger.js';
import { liveProgrammes, type Programme } from './programme.repo.js';
import { checkUpgrade, tierMultiplierOf } from './tiers.repo.js';

/**
 * The loyalty processor: a consumer of the events table in id order, like the journey trigger
 * scanner, with its place in `loyalty_cursor` (one process at a time holds it). In the
 * transaction that moves the cursor, for workspaces with a live programme, it enrols
 * customers, earns on `Order Completed` (order rules) and on the events of event rules,
 * reverses refunded orders pro rata through the ledger (with the rule stored on each earn),
 * releases points pending on an event, then checks the tiers of the members it touched.
 * A new cursor starts at the end of the events (a programme does not earn on history), and an
 * event received before its programme went live never earns. Replaying a pass earns nothing
 * twice: every ledger move is keyed by the event's messageId.
 */
export interface ProcessOptions {
  now: Date;
  /** Most events read per pass (default 2,000). */
  batch?: number;
  gapGiveUpMs?: number;
}

export interface ProcessResult {
  scanned: number;
  enrolled: number;
  earned: number;
  reversed: number;
  released: number;
  /** Ledger moves refused (logged by the caller; the event is not retried). */
  refused: Array<{ workspaceId: number; key: string; code: string; message: string }>;
  /** Customers whose points, membership or tier this pass moved, per workspace. */
  touched: Map<number, number[]>;
  more: boolean;
}

const CURSOR = 1;
const TABLE = 'loyalty_cursor';

interface EventRow {
  id: number;
  workspace_id: number;
  customer_id: number;
  event: string | null;
  timestamp: Date;
  received_at: Date;
}

interface Detailed extends EventRow {
  properties: Record<string, unknown>;
  message_id: string;
}

/** The event names a programme reads: orders and refunds, pending releases, event rules, the opt-in event. */
export function namesRead(s: ProgrammeSettings): Set<string> {
  const names = new Set<string>([EV.orderCompleted, EV.orderRefunded]);
  if (s.pending?.untilEvent) names.add(s.pending.untilEvent);
  for (const r of s.earnRules) {
    if (r.pending?.untilEvent) names.add(r.pending.untilEvent);
    if (r.enabled && r.kind === 'event' && r.event) names.add(r.event.name);
  }
  if (s.enrolment === 'opt_in') names.add(s.optInEvent);
  return names;
}

/** Events that release pending points (the programme's and the rules' `untilEvent`). */
function releaseNames(s: ProgrammeSettings): Set<string> {
  const names = new Set<string>();
  if (s.pending?.untilEvent) names.add(s.pending.untilEvent);
  for (const r of s.earnRules) if (r.pending?.untilEvent) names.add(r.pending.untilEvent);
  return names;
}

/** One pass of the processor; null when another process holds the cursor. */
export async function processLoyaltyEvents(db: Db, opts: ProcessOptions): Promise<ProcessResult | null> {
  const now = opts.now.getTime();
  const batch = opts.batch ?? 2_000;
  const live = new Map((await liveProgrammes(db)).map((p) => [p.workspaceId, { p, names: namesRead(p.settings) }]));
  return db.transaction(async (tx) => {
    const cursor = await lockCursorRow(tx, TABLE, CURSOR, { skipLocked: true, startAtEnd: true });
    if (!cursor) return null;
    if (live.size === 0) {
      // No live programme: nothing here can earn (events received before a programme goes live
      // never do), so the cursor follows the end of the events without reading them.
      // One statement (one snapshot): a programme that went live since `live` was read keeps the events.
      const { rows: end } = await tx.query<{ live: boolean; max: number | string | null }>(
        `SELECT EXISTS (SELECT 1 FROM loyalty_programmes WHERE status = 'live') AS live, (SELECT max(id) FROM events) AS max`,
      );
      // Gone live meanwhile: the next pass reads the events.
      if (end[0]!.live) return { scanned: 0, enrolled: 0, earned: 0, reversed: 0, released: 0, refused: [], touched: new Map(), more: true };
      const high = Math.max(Number(end[0]!.max ?? 0), cursor.highWater);
      if (high !== cursor.highWater || cursor.gaps.length > 0) await saveCursorRow(tx, TABLE, CURSOR, { highWater: high, gaps: [] });
      return { scanned: 0, enrolled: 0, earned: 0, reversed: 0, released: 0, refused: [], touched: new Map(), more: false };
    }
    const where = nextIdsClause(cursor, 2);
    const { rows } = await tx.query<EventRow>(`SELECT id, workspace_id, customer_id, event, timestamp, received_at FROM events WHERE ${where.sql} ORDER BY id LIMIT $1`, [batch, ...where.args]);
    const next = advanceCursor(
      cursor,
      rows.map((r) => Number(r.id)),
      now,
      opts.gapGiveUpMs ?? GAP_GIVE_UP_MS,
      batch,
    );
    const result: ProcessResult = {
      scanned: rows.length,
      enrolled: 0,
      earned: 0,
      reversed: 0,
      released: 0,
      refused: [],
      touched: new Map(),
      more: rows.filter((r) => Number(r.id) > cursor.highWater).length >= batch,
    };
    // Only events a live programme reads, received once it was live.
    const wanted = rows.filter((r) => {
      const l = live.get(r.workspace_id);
      return l !== undefined && r.event !== null && l.names.has(r.event) && l.p.liveSince !== null && r.received_at.getTime() >= l.p.liveSince.getTime();
    });
    if (wanted.length > 0) {
      // With the events' time span: events is partitioned by month (see jobs/event-cursor.ts timeSpan).
      const { rows: detail } = await tx.query<{ id: number; properties: Record<string, unknown>; message_id: string }>(
        `SELECT id, properties, message_id FROM events WHERE id = ANY($1::bigint[]) AND ${inSpanSql()}`,
        [wanted.map((r) => r.id), ...timeSpan(wanted)],
      );
      const byId = new Map(detail.map((d) => [Number(d.id), d]));
      const byWs = new Map<number, Detailed[]>();
      for (const r of wanted) {
        const d = byId.get(Number(r.id));
        if (!d) continue;
        const list = byWs.get(r.workspace_id) ?? [];
        list.push({ ...r, customer_id: Number(r.customer_id), properties: d.properties ?? {}, message_id: d.message_id });
        byWs.set(r.workspace_id, list);
      }
      for (const [ws, evs] of byWs) await handleWorkspace(tx, ws, live.get(ws)!.p, evs, new Date(now), result);
    }
    if (cursorMoved(cursor, next)) await saveCursorRow(tx, TABLE, CURSOR, next);
    return result;
  });
}

async function handleWorkspace(tx: Queryable, ws: number, programme: Programme, evs: Detailed[], now: Date, result: ProcessResult): Promise<void> {
  const s = programme.settings;
  const customers = [...new Set(evs.map((e) => e.customer_id))];
  const statuses = await memberStatuses(tx, ws, customers);
  const atOf = (e: Detailed) => (e.timestamp.getTime() > now.getTime() ? now : e.timestamp);

  // Enrolment: anyone with a read event (automatic), or the opt-in event.
  const joins = evs.filter((e) => !statuses.has(e.customer_id) && (s.enrolment === 'automatic' || e.event === s.optInEvent)).map((e) => ({ customerId: e.customer_id, at: atOf(e) }));
  const joined = await enrol(tx, ws, s, joins, s.enrolment === 'automatic' ? 'automatic' : 'opt_in');
  for (const [c, status] of joined) statuses.set(c, { status, tier: null });
  result.enrolled += joined.size;

  const members = customers.filter((c) => statuses.get(c)?.status === 'member');
  const touched = new Set<number>(joined.keys());
  if (members.length > 0) {
    const zone = zoneOf((await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [ws])).rows[0]?.timezone);
    const prior = await priorEarns(tx, ws, members, s);
    const facts = await factsFor(tx, ws, members, s, now);
    const releases = releaseNames(s);
    for (const e of evs) {
      const member = statuses.get(e.customer_id);
      if (member?.status !== 'member' || e.event === null) continue;
      const c = e.customer_id;
      const orderId = idOf(e.properties.order_id);
      if (e.event === EV.orderRefunded && orderId !== null) {
        const value = firstNumber(e.properties);
        if (value === null || value > 0) {
          const r = await ledger.reverseOrder(tx, {
            workspaceId: ws,
            customerId: c,
            at: atOf(e),
            key: `refund:${e.message_id}`,
            orderId,
            refunded: value,
            policy: s.spentReversal,
            sourceEvent: e.message_id,
          });
          if (r.ok) result.reversed += r.value.filter((x) => !x.replayed).length;
          else result.refused.push({ workspaceId: ws, key: `refund:${e.message_id}`, code: r.code, message: r.message });
          touched.add(c);
        }
      }
      if (releases.has(e.event)) {
        result.released += await ledger.releaseOnEvent(tx, { workspaceId: ws, customerId: c, event: e.event, orderId, at: atOf(e), sourceEvent: e.message_id });
        touched.add(c);
      }
      const tierMultiplier = tierMultiplierOf(s, member.tier);
      const mine = prior.get(c) ?? [];
      const earns = earnsFor(
        { settings: s, version: programme.version, tierMultiplier, zone, prior: mine, facts: facts?.get(c), now },
        { name: e.event, properties: e.properties, timestamp: e.timestamp, messageId: e.message_id },
      );
      for (const earn of earns) {
        const key = `earn:${e.message_id}:${earn.rule.id}`;
        const r = await ledger.earn(tx, {
          workspaceId: ws,
          customerId: c,
          at: earn.at,
          key,
          points: earn.points,
          expiresAt: earn.expiresAt,
          pending: earn.pending,
          orderId: earn.orderId,
          sourceEvent: e.message_id,
          rule: earn.snapshot,
        });
        if (!r.ok) {
          result.refused.push({ workspaceId: ws, key, code: r.code, message: r.message });
          continue;
        }
        if (!r.value.replayed) {
          result.earned++;
          mine.push({ ruleId: earn.rule.id, at: earn.at, points: earn.points });
          prior.set(c, mine);
        }
        touched.add(c);
      }
    }
  }
  if (s.tiers) for (const c of touched) if (statuses.get(c)?.status === 'member') await checkUpgrade(tx, ws, c, s, now);
  if (touched.size > 0) result.touched.set(ws, [...(result.touched.get(ws) ?? []), ...touched]);
}

/** An id property (a string or a number) as text. */
function idOf(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

/** A refund's stated value (revenue, total, amount), as refundValueSql reads it; null: the whole order. */
function firstNumber(p: Record<string, unknown>): number | null {
  for (const k of REFUND_VALUE_PROPERTIES) {
    const v = numericValue(p[k]);
    if (v !== null) return v;
  }
  return null;
}

/** The members' earlier earns of rules with a cap or once-per-member (what those rules need to know). */
export async function priorEarns(tx: Queryable, ws: number, customerIds: number[], s: ProgrammeSettings): Promise<Map<number, PriorEarn[]>> {
  const rules = s.earnRules.filter((r) => r.cap || r.oncePerMember).map((r) => r.id);
  const out = new Map<number, PriorEarn[]>();
  if (rules.length === 0 || customerIds.length === 0) return out;
  const { rows } = await tx.query<{ customer_id: number; rule_id: string; at: Date; points: number }>(
    `SELECT customer_id, rule->>'id' AS rule_id, at, points FROM loyalty_entries
      WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND kind = 'earn' AND rule->>'id' = ANY($3::text[])`,
    [ws, customerIds, rules],
  );
  for (const r of rows) {
    const c = Number(r.customer_id);
    out.set(c, [...(out.get(c) ?? []), { ruleId: r.rule_id, at: r.at, points: Number(r.points) }]);
  }
  return out;
}

/** The members' facts for the rules' conditions (null when no enabled rule has one). */
export async function factsFor(tx: Queryable, ws: number, customerIds: number[], s: ProgrammeSettings, now: Date): Promise<Map<number, CustomerFacts> | null> {
  const conditions = s.earnRules.filter((r) => r.enabled && r.condition).map((r) => r.condition!);
  if (conditions.length === 0) return null;
  return loadMomentFacts(tx, ws, 'customer', customerIds, momentPlan(conditions, now), now);
}

export type { MemberStatus };

/** The processor's handling of one workspace's events (read in time order), for a backfill over history (the demo). */
export const handleLoyaltyEvents = handleWorkspace;
export type LoyaltyEventRow = Detailed;

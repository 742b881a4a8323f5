import type { Cap, EarnRule, Pending, ProgrammeSettings } from '../../contracts/loyalty.js';
import { EV } from '../../contracts/events.js';
import { orderValueOf } from '../analytics/order-value.js';
import { matchesEvent } from '../journeys/engine.js';
import { instantOf, localParts } from '../lib/local-time.js';
import { evaluate, type CustomerFacts } from '../rules/evaluate.js';
import type { EarnRuleSnapshot } from './ledger.js';

/**
 * Earn rules (contracts/loyalty.ts EarnRuleSchema) applied to one event of one member: a pure
 * function of the settings, the event, the member's tier multiplier, what the rules gave the
 * member before, and the time. No clock, no database: the loyalty processor loads the inputs
 * and hands the earns to the ledger.
 *
 * - `order` rules read `Order Completed`: floor(order value × pointsPerUnit × multiplier × tier
 *   multiplier), the order value being the one every KPI uses (analytics/order-value.ts);
 * - `event` rules: floor(points × multiplier × tier multiplier) for an event matching their
 *   `event` (the journeys' EventMatch: name and property tests);
 * - `birthday` rules are given by the daily sweep (`birthdayEarn`).
 * A rule earns only when enabled, inside its campaign [startsAt, endsAt) (event time), once per
 * member with `oncePerMember`, when its `condition` holds for the member at the event, and up to
 * its cap (day/week/month/year in the workspace's timezone, or lifetime; the last earn is
 * trimmed to what the cap leaves). Caps count earned points, not net of refunds.
 */

const DAY_MS = 86_400_000;

/** An event as the earn rules see it. */
export interface EarnEvent {
  name: string;
  properties: Record<string, unknown>;
  timestamp: Date;
  messageId: string;
}

/** A point earned before by the member: the rule it came from, when, how many. */
export interface PriorEarn {
  ruleId: string;
  at: Date;
  points: number;
}

export interface EarnContext {
  settings: ProgrammeSettings;
  /** The programme version the settings are (stored on each earn). */
  version: number;
  /** The member's tier multiplier (1 without tiers). */
  tierMultiplier: number;
  /** The workspace's IANA timezone (cap periods, birthdays). */
  zone: string;
  /** The member's earlier earns (of rules with a cap or oncePerMember; others are ignored). */
  prior: readonly PriorEarn[];
  /** The member's facts for rule conditions (needed when a rule has one). */
  facts?: CustomerFacts;
  now: Date;
}

/** One earn for the ledger. */
export interface Earn {
  rule: EarnRule;
  points: number;
  /** The earn's time: the event's, never after now. */
  at: Date;
  expiresAt: Date | null;
  pending: { until: Date | null; event: string | null } | undefined;
  orderId: string | null;
  snapshot: EarnRuleSnapshot;
}

/** Points rounded down, forgiving the binary representation's last digit (123.45 × 2 × 1.5 is 370.35, not 370.349…). */
export function floorPoints(x: number): number {
  return Math.floor(x + 1e-9);
}

/** The start of the cap period holding `at` in `zone` (ISO weeks start on Monday); null for `lifetime`. */
export function periodStart(per: Cap['per'], at: Date, zone: string): Date | null {
  if (per === 'lifetime') return null;
  const p = localParts(at, zone);
  if (per === 'year') return instantOf(zone, p.year, 1, 1, 0, 0);
  if (per === 'month') return instantOf(zone, p.year, p.month, 1, 0, 0);
  if (per === 'day') return instantOf(zone, p.year, p.month, p.day, 0, 0);
  // week: back to Monday on the local calendar (noon UTC keeps day arithmetic safe)
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - (p.weekday - 1), 12));
  return instantOf(zone, monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0);
}

/** What the rule gave the member in the cap period holding `at` (all earns for lifetime). */
export function usedInPeriod(prior: readonly PriorEarn[], ruleId: string, cap: Cap, at: Date, zone: string): number {
  const from = periodStart(cap.per, at, zone);
  let n = 0;
  for (const e of prior) if (e.ruleId === ruleId && (from === null || e.at.getTime() >= from.getTime())) n += e.points;
  return n;
}

/** Whether the event is inside the rule's campaign [startsAt, endsAt). */
export function inCampaign(rule: EarnRule, at: Date): boolean {
  const t = at.getTime();
  if (rule.startsAt !== undefined && t < Date.parse(rule.startsAt)) return false;
  if (rule.endsAt !== undefined && t >= Date.parse(rule.endsAt)) return false;
  return true;
}

/** The pending of an earn: the rule's, else (order rules) the programme's default; none: available at once. */
export function pendingOf(rule: EarnRule, settings: ProgrammeSettings, at: Date): Earn['pending'] {
  const p: Pending | undefined = rule.pending ?? (rule.kind === 'order' ? settings.pending : undefined);
  if (!p) return undefined;
  const event = p.untilEvent ?? null;
  let until: Date | null = null;
  if (p.days !== undefined) until = new Date(at.getTime() + p.days * DAY_MS);
  else if (event !== null && p.maxDays !== undefined) until = new Date(at.getTime() + p.maxDays * DAY_MS);
  if (event === null && (until === null || until.getTime() <= at.getTime())) return undefined; // 0 days: at once
  return { until, event };
}

/** When the earn's points expire: the rule's days, else the programme's (null: never). */
export function expiryOf(rule: EarnRule, settings: ProgrammeSettings, at: Date): Date | null {
  const days = rule.expiresAfterDays !== undefined ? rule.expiresAfterDays : settings.expiresAfterDays;
  return days === null ? null : new Date(at.getTime() + days * DAY_MS);
}

/** Whether a rule reads this event at all (kind, name and property tests), before campaign, caps and condition. */
export function ruleReads(rule: EarnRule, e: EarnEvent): boolean {
  const ev = { name: e.name, properties: e.properties, messageId: e.messageId };
  if (rule.kind === 'order') return e.name === EV.orderCompleted && (rule.event === undefined || matchesEvent({ ...rule.event, name: e.name }, ev));
  if (rule.kind === 'event') return rule.event !== undefined && matchesEvent(rule.event, ev);
  return false;
}

/** The rule's points before cap for a member: fixed points or the order value's, times the multipliers; null when the rule cannot earn (no order value). */
function basePoints(rule: EarnRule, e: EarnEvent, tierMultiplier: number): { points: number; orderValue?: number; tier: number } | null {
  const tier = rule.tierMultiplier ? tierMultiplier : 1;
  if (rule.kind === 'order') {
    const value = orderValueOf(e.properties);
    if (value === null || value <= 0 || rule.pointsPerUnit === undefined) return null;
    return { points: floorPoints(value * rule.pointsPerUnit * rule.multiplier * tier), orderValue: value, tier };
  }
  if (rule.points === undefined) return null;
  return { points: floorPoints(rule.points * rule.multiplier * tier), tier };
}

/** The earns one event gives a member under the programme's rules (in rule order). */
export function earnsFor(ctx: EarnContext, e: EarnEvent): Earn[] {
  const at = e.timestamp.getTime() > ctx.now.getTime() ? ctx.now : e.timestamp;
  const out: Earn[] = [];
  const prior = [...ctx.prior];
  for (const rule of ctx.settings.earnRules) {
    if (!rule.enabled || rule.kind === 'birthday' || !ruleReads(rule, e) || !inCampaign(rule, e.timestamp)) continue;
    const earn = applyRule(ctx, rule, e, at, prior);
    if (!earn) continue;
    out.push(earn);
    prior.push({ ruleId: rule.id, at, points: earn.points });
  }
  return out;
}

function applyRule(ctx: EarnContext, rule: EarnRule, e: EarnEvent, at: Date, prior: readonly PriorEarn[]): Earn | null {
  if (rule.oncePerMember && prior.some((p) => p.ruleId === rule.id)) return null;
  if (rule.condition) {
    if (!ctx.facts) throw new Error(`earn rule "${rule.id}" has a condition: the processor must pass the member's facts`);
    if (!evaluate(rule.condition, ctx.facts, at)) return null;
  }
  const base = basePoints(rule, e, ctx.tierMultiplier);
  if (!base) return null;
  let points = base.points;
  if (rule.cap) points = Math.min(points, rule.cap.points - usedInPeriod(prior, rule.id, rule.cap, at, ctx.zone));
  if (points <= 0) return null;
  const orderId = typeof e.properties.order_id === 'string' || typeof e.properties.order_id === 'number' ? String(e.properties.order_id) : null;
  return {
    rule,
    points,
    at,
    expiresAt: expiryOf(rule, ctx.settings, at),
    pending: pendingOf(rule, ctx.settings, at),
    orderId,
    snapshot: snapshotOf(rule, ctx.version, base.tier, base.orderValue),
  };
}

/** The rule as stored on the earn entry. */
export function snapshotOf(rule: EarnRule, version: number, tierMultiplier: number, orderValue?: number): EarnRuleSnapshot {
  return {
    id: rule.id,
    name: rule.name,
    programmeVersion: version,
    kind: rule.kind,
    ...(rule.pointsPerUnit !== undefined ? { pointsPerUnit: rule.pointsPerUnit } : {}),
    ...(rule.points !== undefined ? { points: rule.points } : {}),
    multiplier: rule.multiplier,
    tierMultiplier,
    ...(orderValue !== undefined ? { orderValue } : {}),
  };
}

/** The month and day of a birthday trait (`YYYY-MM-DD` or `MM-DD`), or null. */
export function birthdayOf(value: unknown): { month: number; day: number } | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:\d{4}-)?(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { month, day };
}

/** Whether `now` is the birthday in `zone` (29 February is kept on 28 February in other years). */
export function isBirthday(value: unknown, now: Date, zone: string): boolean {
  const b = birthdayOf(value);
  if (!b) return false;
  const p = localParts(now, zone);
  if (b.month === p.month && b.day === p.day) return true;
  const leap = (p.year % 4 === 0 && p.year % 100 !== 0) || p.year % 400 === 0;
  return b.month === 2 && b.day === 29 && !leap && p.month === 2 && p.day === 28;
}

/** The month-day strings whose birthday is today in `zone` (for the sweep's query). */
export function birthdayKeys(now: Date, zone: string): string[] {
  const p = localParts(now, zone);
  const mmdd = `${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  const leap = (p.year % 4 === 0 && p.year % 100 !== 0) || p.year % 400 === 0;
  return p.month === 2 && p.day === 28 && !leap ? [mmdd, '02-29'] : [mmdd];
}

/** A birthday rule's earn for a member whose birthday is today (caller checks `isBirthday`); null when the rule gives nothing now. */
export function birthdayEarn(ctx: EarnContext, rule: EarnRule): Earn | null {
  if (!rule.enabled || rule.kind !== 'birthday' || !inCampaign(rule, ctx.now)) return null;
  const e: EarnEvent = { name: 'birthday', properties: {}, timestamp: ctx.now, messageId: '' };
  const earn = applyRule(ctx, rule, e, ctx.now, ctx.prior);
  return earn ? { ...earn, orderId: null } : null;
}

/** The local year in `zone` (birthday keys). */
export function localYear(now: Date, zone: string): number {
  return localParts(now, zone).year;
}

import type { EarnRule, Pending, ProgrammeSettings } from '../../../contracts/loyalty.js';

/** What a rule summary needs besides the rule: the workspace's currency and timezone, the programme's name for points. */
export interface SummaryContext {
  currency: string;
  pointsName: string;
  /** Dates are cut in this timezone (default UTC). */
  timezone?: string;
}

/** "1 point", "2 points", "1.5 points" with the programme's own word (`stars` → "1 star"). */
export function pointsText(n: number, pointsName: string): string {
  const plural = pointsName.trim() || 'points';
  const singular = plural.endsWith('s') ? plural.slice(0, -1) : plural;
  return `${n.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${n === 1 ? singular : plural}`;
}

/** One unit of the currency, as people write it: "€1", "$1", "CHF 1". */
export function oneUnit(currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(1);
  } catch {
    return `1 ${currency}`;
  }
}

const PER: Record<NonNullable<EarnRule['cap']>['per'], string> = { day: 'a day', week: 'a week', month: 'a month', year: 'a year', lifetime: 'in all' };

function day(iso: string, timezone: string, withYear: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}), timeZone: timezone });
}

/** The campaign dates: `endsAt` is exclusive, so its day before is the last day shown ("from 1 Dec to 24 Dec"). */
export function campaignText(startsAt: string | undefined, endsAt: string | undefined, timezone = 'UTC'): string | null {
  if (!startsAt && !endsAt) return null;
  const lastDay = endsAt ? new Date(new Date(endsAt).getTime() - 1).toISOString() : undefined;
  const years = new Set([startsAt, lastDay].filter(Boolean).map((x) => new Date(x!).getUTCFullYear()));
  const withYear = years.size > 1;
  if (startsAt && lastDay) return `from ${day(startsAt, timezone, withYear)} to ${day(lastDay, timezone, withYear)}`;
  if (startsAt) return `from ${day(startsAt, timezone, true)}`;
  return `until ${day(lastDay!, timezone, true)}`;
}

/** How long points stay pending, in words. */
export function pendingText(p: Pending | undefined): string | null {
  if (!p) return null;
  const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  if (p.untilEvent && p.days !== undefined) return `pending until ${p.untilEvent} or ${days(p.days)}, whichever is first`;
  if (p.untilEvent) return `pending until ${p.untilEvent}${p.maxDays ? ` (at most ${days(p.maxDays)})` : ''}`;
  if (p.days === 0) return null;
  return `pending ${days(p.days!)}`;
}

/**
 * A rule in one line, e.g. "1 point per €1 on Order Completed, ×2 from 1 Dec to 24 Dec, at most 500 a month".
 * Parts left at their defaults are left out.
 */
export function ruleSummary(rule: EarnRule, ctx: SummaryContext): string {
  const tz = ctx.timezone ?? 'UTC';
  const parts: string[] = [];
  if (rule.kind === 'order') parts.push(`${pointsText(rule.pointsPerUnit ?? 0, ctx.pointsName)} per ${oneUnit(ctx.currency)} on Order Completed`);
  else if (rule.kind === 'event') {
    const where = rule.event?.where?.length ? ` (${rule.event.where.length} propert${rule.event.where.length === 1 ? 'y' : 'ies'} tested)` : '';
    parts.push(`${pointsText(rule.points ?? 0, ctx.pointsName)} on ${rule.event?.name ?? 'an event'}${where}`);
  } else parts.push(`${pointsText(rule.points ?? 0, ctx.pointsName)} on the birthday in trait ${rule.birthdayTrait ?? 'birthday'}`);
  const campaign = campaignText(rule.startsAt, rule.endsAt, tz);
  const times = rule.multiplier !== undefined && rule.multiplier !== 1 ? `×${rule.multiplier}` : null;
  if (times || campaign) parts.push([times, campaign].filter(Boolean).join(' '));
  if (rule.cap) parts.push(`at most ${rule.cap.points.toLocaleString('en-US')} ${PER[rule.cap.per]}`);
  if (rule.oncePerMember) parts.push('once per member');
  if (rule.tierMultiplier === false) parts.push('no tier multiplier');
  if (rule.condition) parts.push('only for members matching a condition');
  const pending = pendingText(rule.pending);
  if (pending) parts.push(pending);
  if (rule.expiresAfterDays === null) parts.push('never expire');
  else if (rule.expiresAfterDays !== undefined) parts.push(`expire after ${rule.expiresAfterDays} days`);
  if (rule.enabled === false) parts.push('off');
  return parts.join(', ');
}

/** The programme's defaults in one line: what a point is worth and when points expire. */
export function programmeSummary(s: ProgrammeSettings, currency: string): string {
  let worth: string;
  try {
    worth = new Intl.NumberFormat('en-GB', { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 4 }).format(s.pointValue);
  } catch {
    worth = `${s.pointValue} ${currency}`;
  }
  const expiry = s.expiresAfterDays === null ? 'never expire' : `expire after ${s.expiresAfterDays} days`;
  return `1 ${pointsText(1, s.pointsName).split(' ')[1]} is worth ${worth}; ${s.pointsName} ${expiry}.`;
}

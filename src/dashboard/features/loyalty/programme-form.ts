import type { z } from 'zod';
import { EarnRuleSchema, ProgrammeSettingsSchema, type EarnRule, type ProgrammeSettings, type Tier, type TierSettings } from '../../../contracts/loyalty.js';

/**
 * The programme editor's model: the draft is the settings as typed (numbers may still be
 * text while someone types; validation flags them), checked with the contract's own schema.
 * Problems are keyed by the setting's path (`earnRules.0.pointsPerUnit`), the same path the
 * server names in a 400's `field`, so both show next to the field.
 */
export type Draft = z.input<typeof ProgrammeSettingsSchema>;
export type RuleDraft = z.input<typeof EarnRuleSchema>;

/** A new programme's settings: the contract's defaults (no rules yet). */
export function defaultSettings(): ProgrammeSettings {
  return ProgrammeSettingsSchema.parse({});
}

/** A rule of a kind with a free id (`order-1`, `order-2`…) and sensible first numbers. */
export function newRule(kind: EarnRule['kind'], taken: Array<{ id: string }>): EarnRule {
  let n = 1;
  while (taken.some((r) => r.id === `${kind}-${n}`)) n++;
  const base = { id: `${kind}-${n}`, enabled: true, tierMultiplier: true, multiplier: 1, oncePerMember: false };
  if (kind === 'order') return { ...base, kind, name: 'Points on orders', pointsPerUnit: 1 };
  if (kind === 'event') return { ...base, kind, name: 'Points for a review', points: 50, event: { name: 'Review Submitted' } };
  return { ...base, kind, name: 'Birthday bonus', points: 100, birthdayTrait: 'birthday' };
}

/** Two tiers to start from. */
export function defaultTiers(): TierSettings {
  return {
    measure: 'points',
    term: 'calendar_year',
    downgrade: 'one_step',
    tiers: [
      { key: 'member', name: 'Member', entry: 0, retain: 0, multiplier: 1, benefits: {} },
      { key: 'gold', name: 'Gold', entry: 1000, retain: 800, multiplier: 1.5, benefits: { free_shipping: true } },
    ],
  };
}

export function newTier(taken: Tier[]): Tier {
  let n = taken.length + 1;
  while (taken.some((t) => t.key === `tier-${n}`)) n++;
  const last = taken[taken.length - 1];
  const entry = last ? Number(last.entry) * 2 || 1000 : 0;
  return { key: `tier-${n}`, name: `Tier ${n}`, entry, retain: entry, multiplier: 1, benefits: {} };
}

export type Checked = { ok: true; settings: ProgrammeSettings; errors: Record<string, string> } | { ok: false; errors: Record<string, string> };

/** The draft against the contract: the settings, or the first problem per path. */
export function check(d: Draft): Checked {
  const r = ProgrammeSettingsSchema.safeParse(d);
  if (r.success) return { ok: true, settings: r.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const k = i.path.join('.');
    errors[k] ??= i.message;
  }
  return { ok: false, errors };
}

/** A server `field` as a draft path: `body.settings.earnRules.0.points` → `earnRules.0.points`. */
export function draftPath(field: string | undefined): string | undefined {
  if (!field) return undefined;
  return field.replace(/^body\./, '').replace(/^settings\./, '');
}

/** A number typed as text: the number when it reads as one, else the text (which the schema refuses). */
export function num(v: string): number {
  const n = Number(v);
  return (v.trim() !== '' && Number.isFinite(n) ? n : v) as number;
}

/** The value of a number input: '' for undefined. */
export function shown(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** A benefit typed as text: `true`/`false` → boolean, a number → number, else the text. */
export function benefitValue(v: string): string | number | boolean {
  const t = v.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return v;
}

/** `2026-12-01` (a date input) → the day's start in UTC as ISO; '' → undefined. `lastDay` gives the next day's start (ends are exclusive). */
export function dateToIso(v: string, lastDay = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
  const t = Date.parse(`${v}T00:00:00Z`) + (lastDay ? 86_400_000 : 0);
  return new Date(t).toISOString();
}

/** An ISO instant → the date input's value; with `lastDay`, the day before (the last day of an exclusive end). */
export function isoToDate(iso: string | undefined, lastDay = false): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t - (lastDay ? 1 : 0)).toISOString().slice(0, 10);
}

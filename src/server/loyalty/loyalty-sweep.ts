import type { Db, Queryable } from '../db/client.js';
import { zoneOf } from '../lib/local-time.js';
import { birthdayEarn, birthdayKeys, isBirthday, localYear } from './earn-rules.js';
import * as ledger from './ledger.js';
import { liveProgrammes, type Programme } from './programme.repo.js';
import { factsFor, priorEarns } from './loyalty-processor.js';
import { checkUpgrade, reviewTiers, tierMultiplierOf } from './tiers.repo.js';

/**
 * The loyalty work that comes with time, not events, per live programme: pending points whose
 * time has come are released, lots past their expiry expire, members whose birthday it is in
 * the workspace's timezone get the birthday rules' points (once a year each), and tiers whose
 * term ended are reviewed. Each step is its own transaction and idempotent (ledger keys), so
 * several workers may sweep at once.
 */
export interface SweepResult {
  released: number;
  expired: number;
  birthdays: number;
  reviewed: number;
  /** Customers whose points moved, per workspace (birthdays; release and expiry report only counts). */
  touched: Map<number, number[]>;
  /** A step stopped at its limit: sweep again soon. */
  more: boolean;
}

/** One sweep over every live programme at `now`. */
export async function sweepLoyalty(db: Db, now: Date, limit = 1_000): Promise<SweepResult> {
  const out: SweepResult = { released: 0, expired: 0, birthdays: 0, reviewed: 0, touched: new Map(), more: false };
  for (const p of await liveProgrammes(db)) {
    const ws = p.workspaceId;
    const released = await db.transaction((tx) => ledger.releaseDue(tx, ws, now, limit));
    const expired = await db.transaction((tx) => ledger.expireDue(tx, ws, now, limit));
    const b = await db.transaction((tx) => birthdays(tx, ws, p, now));
    const reviewed = p.settings.tiers ? await db.transaction((tx) => reviewTiers(tx, ws, p.settings, now, limit)) : 0;
    out.released += released;
    out.expired += expired;
    out.birthdays += b.length;
    out.reviewed += reviewed;
    if (b.length > 0) out.touched.set(ws, b);
    out.more ||= released >= limit || expired >= limit || reviewed >= limit;
  }
  return out;
}

/**
 * Give today's birthday points: members (not the holdout) whose birthday trait is today in the
 * workspace's timezone, once per rule and local year (key `birthday:<rule>:<customer>:<year>`).
 * Returns the customers who got points.
 */
export async function birthdays(tx: Queryable, ws: number, p: Programme, now: Date): Promise<number[]> {
  const rules = p.settings.earnRules.filter((r) => r.enabled && r.kind === 'birthday');
  if (rules.length === 0) return [];
  const zone = zoneOf((await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [ws])).rows[0]?.timezone);
  const year = localYear(now, zone);
  const keys = birthdayKeys(now, zone);
  const given: number[] = [];
  for (const rule of rules) {
    const trait = rule.birthdayTrait ?? 'birthday';
    // Members born today who have not had this rule's points this year.
    const { rows } = await tx.query<{ customer_id: number; tier: string | null; value: string }>(
      `SELECT m.customer_id, m.tier, c.traits->>$2 AS value FROM loyalty_members m JOIN customers c ON c.id = m.customer_id AND c.workspace_id = m.workspace_id
        WHERE m.workspace_id = $1 AND m.status = 'member' AND right(c.traits->>$2, 5) = ANY($3::text[])
          AND NOT EXISTS (SELECT 1 FROM loyalty_entries e WHERE e.workspace_id = m.workspace_id AND e.idempotency_key = 'birthday:' || $4::text || ':' || m.customer_id || ':' || $5::text)`,
      [ws, trait, keys, rule.id, String(year)],
    );
    const born = rows.filter((r) => isBirthday(r.value, now, zone));
    const ids = born.map((r) => Number(r.customer_id));
    const prior = await priorEarns(tx, ws, ids, p.settings);
    const facts = await factsFor(tx, ws, ids, { ...p.settings, earnRules: [rule] }, now);
    for (const r of born) {
      const c = Number(r.customer_id);
      const tierMultiplier = tierMultiplierOf(p.settings, r.tier);
      const earn = birthdayEarn({ settings: p.settings, version: p.version, tierMultiplier, zone, prior: prior.get(c) ?? [], facts: facts?.get(c), now }, rule);
      if (!earn) continue;
      const res = await ledger.earn(tx, {
        workspaceId: ws,
        customerId: c,
        at: now,
        key: `birthday:${rule.id}:${c}:${year}`,
        points: earn.points,
        expiresAt: earn.expiresAt,
        pending: earn.pending,
        rule: earn.snapshot,
        reason: 'birthday',
      });
      if (res.ok && !res.value.replayed) {
        given.push(c);
        if (p.settings.tiers) await checkUpgrade(tx, ws, c, p.settings, now);
      }
    }
  }
  return [...new Set(given)];
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TierSettingsSchema, type Tier } from '../../contracts/loyalty.js';
import {
  anniversaryBoundaries,
  higherDecision,
  multiplierOf,
  rankOf,
  reviewDecision,
  reviewWindows,
  rollingWindow,
  termBounds,
  tierFor,
  twelveMonthsBefore,
  upgradeDecision,
  upgradeWindow,
} from './tiers.js';

const settings = TierSettingsSchema.parse({
  measure: 'points',
  term: 'calendar_year',
  tiers: [
    { key: 'bronze', name: 'Bronze', entry: 0, retain: 0 },
    { key: 'silver', name: 'Silver', entry: 500, retain: 400, multiplier: 1.25 },
    { key: 'gold', name: 'Gold', entry: 1000, retain: 800, multiplier: 1.5 },
  ],
});
const tiers: Tier[] = settings.tiers;
const d = (iso: string) => new Date(iso);
const iso = (x: Date | null) => x?.toISOString() ?? null;

describe('tierFor / upgradeDecision: the highest tier whose entry ≤ value, only up, at once', () => {
  it('picks by entry, and never below the lowest', () => {
    assert.equal(tierFor(0, tiers).key, 'bronze');
    assert.equal(tierFor(499, tiers).key, 'bronze');
    assert.equal(tierFor(500, tiers).key, 'silver');
    assert.equal(tierFor(999.99, tiers).key, 'silver');
    assert.equal(tierFor(1000, tiers).key, 'gold');
    assert.equal(tierFor(5000, tiers).key, 'gold');
    assert.equal(tierFor(-30, tiers).key, 'bronze'); // a term net negative after refunds
    assert.equal(rankOf('gold', tiers), 2);
    assert.equal(rankOf('nope', tiers), -1);
  });

  it('moves up at once (two steps when the value jumps), never down', () => {
    assert.equal(upgradeDecision('silver', 450, tiers), null); // under Silver's entry, but upgrades never lower
    assert.equal(upgradeDecision('silver', 999, tiers), null);
    assert.deepEqual(upgradeDecision('silver', 1200, tiers), { from: 'silver', to: 'gold', direction: 'up', reason: 'entry' });
    assert.deepEqual(upgradeDecision('bronze', 1000, tiers), { from: 'bronze', to: 'gold', direction: 'up', reason: 'entry' });
    assert.equal(upgradeDecision('gold', 99_999, tiers), null);
  });

  it('a member without a tier gets the lowest (entry 0) at value 0; an unknown key counts as none', () => {
    assert.deepEqual(upgradeDecision(null, 0, tiers), { from: null, to: 'bronze', direction: 'up', reason: 'entry' });
    assert.deepEqual(upgradeDecision('platinum', 600, tiers), { from: 'platinum', to: 'silver', direction: 'up', reason: 'entry' });
  });
});

describe('reviewDecision: kept at retain, else one step down or recalculated; an upgrade too', () => {
  it('Silver (entry 500, retain 400): 450 kept, 300 one_step → Bronze', () => {
    assert.deepEqual(reviewDecision('silver', 450, tiers, 'one_step'), { from: 'silver', to: 'silver', direction: 'kept', reason: 'retained' });
    assert.deepEqual(reviewDecision('silver', 400, tiers, 'one_step').direction, 'kept'); // retain is inclusive
    assert.deepEqual(reviewDecision('silver', 300, tiers, 'one_step'), { from: 'silver', to: 'bronze', direction: 'down', reason: 'one_step' });
  });

  it('Gold at 120: one_step → Silver; recalculate → Bronze (Silver retain 400 > 120)', () => {
    assert.deepEqual(reviewDecision('gold', 120, tiers, 'one_step'), { from: 'gold', to: 'silver', direction: 'down', reason: 'one_step' });
    assert.deepEqual(reviewDecision('gold', 120, tiers, 'recalculate'), { from: 'gold', to: 'bronze', direction: 'down', reason: 'recalculate' });
    // 450 ≥ Silver's retain 400 (though < its entry 500): recalculate keeps Silver.
    assert.deepEqual(reviewDecision('gold', 450, tiers, 'recalculate'), { from: 'gold', to: 'silver', direction: 'down', reason: 'recalculate' });
    assert.equal(reviewDecision('gold', 800, tiers, 'recalculate').direction, 'kept');
  });

  it('never below the lowest; a value over a higher entry moves up in the review', () => {
    assert.deepEqual(reviewDecision('bronze', 0, tiers, 'one_step'), { from: 'bronze', to: 'bronze', direction: 'kept', reason: 'retained' });
    assert.deepEqual(reviewDecision('silver', 1000, tiers, 'one_step'), { from: 'silver', to: 'gold', direction: 'up', reason: 'entry' });
    assert.deepEqual(reviewDecision(null, 30, tiers, 'recalculate'), { from: null, to: 'bronze', direction: 'up', reason: 'entry' });
  });

  it('higherDecision: a late review does not undo an upgrade by the new term', () => {
    const review = reviewDecision('gold', 100, tiers, 'one_step'); // → silver
    assert.equal(higherDecision(review, upgradeDecision('silver', 1000, tiers), tiers).to, 'gold');
    assert.equal(higherDecision(review, null, tiers).to, 'silver');
  });

  it('multiplierOf: the tier multiplier, 1 without tiers or tier', () => {
    assert.equal(multiplierOf(settings, 'gold'), 1.5);
    assert.equal(multiplierOf(settings, 'bronze'), 1);
    assert.equal(multiplierOf(settings, null), 1);
    assert.equal(multiplierOf(undefined, 'gold'), 1);
  });
});

describe('terms in the workspace timezone', () => {
  const joined = d('2025-05-10T08:00:00Z');

  it('calendar year in Europe/Paris turns at 2026-12-31T23:00Z (Jan 1 00:00 CET, UTC+1)', () => {
    const before = termBounds('calendar_year', d('2026-12-31T22:59:59.999Z'), 'Europe/Paris', joined);
    assert.deepEqual([iso(before.start), iso(before.end)], ['2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z']);
    const at = termBounds('calendar_year', d('2026-12-31T23:00:00Z'), 'Europe/Paris', joined);
    assert.deepEqual([iso(at.start), iso(at.end)], ['2026-12-31T23:00:00.000Z', '2027-12-31T23:00:00.000Z']);
    // Mid-July (CEST, UTC+2) is still in the year from the CET midnight.
    assert.equal(iso(termBounds('calendar_year', d('2027-07-14T12:00:00Z'), 'Europe/Paris', joined).start), '2026-12-31T23:00:00.000Z');
    // In UTC the same instant is still 2026.
    assert.equal(iso(termBounds('calendar_year', d('2026-12-31T23:00:00Z'), 'UTC', joined).start), '2026-01-01T00:00:00.000Z');
  });

  it('anniversary of a 2024-02-29 joiner: Feb 28 in common years, Feb 29 in leap years', () => {
    const feb29 = d('2024-02-29T10:00:00Z');
    const t2025 = termBounds('anniversary', d('2025-03-01T00:00:00Z'), 'UTC', feb29);
    assert.deepEqual([iso(t2025.start), iso(t2025.end)], ['2025-02-28T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    // The first term starts on the joining day at 00:00.
    const first = termBounds('anniversary', d('2024-06-01T00:00:00Z'), 'UTC', feb29);
    assert.deepEqual([iso(first.start), iso(first.end)], ['2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z']);
    // 2027-02-28 → 2028-02-29 (366 days), then 2028-02-29 → 2029-02-28.
    const t2027 = termBounds('anniversary', d('2028-02-28T23:59:59Z'), 'UTC', feb29);
    assert.deepEqual([iso(t2027.start), iso(t2027.end)], ['2027-02-28T00:00:00.000Z', '2028-02-29T00:00:00.000Z']);
    const t2028 = termBounds('anniversary', d('2028-02-29T00:00:00Z'), 'UTC', feb29);
    assert.deepEqual([iso(t2028.start), iso(t2028.end)], ['2028-02-29T00:00:00.000Z', '2029-02-28T00:00:00.000Z']);
  });

  it('the anniversary is the local date: 2024-02-28T23:30Z is Feb 29 00:30 in Paris', () => {
    const j = d('2024-02-28T23:30:00Z');
    // Paris, UTC+1 in February: the 2025 anniversary is Feb 28 00:00 CET = 2025-02-27T23:00Z.
    assert.equal(iso(termBounds('anniversary', d('2025-06-01T00:00:00Z'), 'Europe/Paris', j).start), '2025-02-27T23:00:00.000Z');
    // In UTC the same joiner is a Feb 28 joiner.
    assert.equal(iso(termBounds('anniversary', d('2025-06-01T00:00:00Z'), 'UTC', j).start), '2025-02-28T00:00:00.000Z');
  });

  it('rolling 12 months: (now − 12 months, now], the term is the local day (reviewed daily)', () => {
    const w = rollingWindow(d('2026-06-15T10:00:00Z'), 'UTC');
    assert.deepEqual([iso(w.from), iso(w.to)], ['2025-06-15T10:00:00.001Z', '2026-06-15T10:00:00.001Z']);
    assert.equal(iso(twelveMonthsBefore(d('2028-02-29T10:00:00.250Z'), 'UTC')), '2027-02-28T10:00:00.250Z');
    // 2026-03-29 is the spring-forward day in Paris: midnight is CET (23:00Z), the next midnight CEST (22:00Z).
    const day = termBounds('rolling_12m', d('2026-03-29T12:00:00Z'), 'Europe/Paris', joined);
    assert.deepEqual([iso(day.start), iso(day.end)], ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    assert.deepEqual(upgradeWindow('rolling_12m', d('2026-06-15T10:00:00Z'), 'UTC', joined), w);
  });

  it('lifetime: one term from the epoch without end (never reviewed, so never down)', () => {
    const t = termBounds('lifetime', d('2030-01-01T00:00:00Z'), 'Europe/Paris', joined);
    assert.deepEqual([iso(t.start), t.end], ['1970-01-01T00:00:00.000Z', null]);
    assert.deepEqual(upgradeWindow('lifetime', d('2030-01-01T00:00:00Z'), 'UTC', joined), { from: new Date(0), to: d('2030-01-01T00:00:00.001Z') });
  });

  it('review windows: the term that ended, and the new one so far', () => {
    const r = reviewWindows('calendar_year', d('2026-12-31T23:00:00Z'), d('2027-01-01T06:00:00Z'), 'Europe/Paris', joined);
    assert.deepEqual([iso(r.ended.from), iso(r.ended.to)], ['2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z']);
    assert.deepEqual([iso(r.current.from), iso(r.current.to)], ['2026-12-31T23:00:00.000Z', '2027-01-01T06:00:00.001Z']);
    const a = reviewWindows('anniversary', d('2025-02-28T00:00:00Z'), d('2025-03-02T00:00:00Z'), 'UTC', d('2024-02-29T10:00:00Z'));
    assert.deepEqual([iso(a.ended.from), iso(a.ended.to)], ['2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z']);
  });

  it('anniversaryBoundaries: one per month/day (366), each the last anniversary ≤ now', () => {
    const now = d('2027-03-01T12:00:00Z');
    const all = anniversaryBoundaries(now, 'UTC');
    assert.equal(all.length, 366);
    const at = (m: number, day: number) => iso(all.find((b) => b.month === m && b.day === day)!.boundary);
    assert.equal(at(2, 29), '2027-02-28T00:00:00.000Z'); // 2027 is a common year
    assert.equal(at(3, 1), '2027-03-01T00:00:00.000Z'); // today, already passed at 12:00
    assert.equal(at(3, 2), '2026-03-02T00:00:00.000Z'); // tomorrow: last year's
    assert.equal(at(1, 1), '2027-01-01T00:00:00.000Z');
    assert.equal(at(12, 31), '2026-12-31T00:00:00.000Z');
  });
});

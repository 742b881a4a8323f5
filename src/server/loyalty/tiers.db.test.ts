import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProgrammeSettingsSchema, type ProgrammeSettings } from '../../contracts/loyalty.js';
import type { Db, Queryable } from '../db/client.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../ingest/normalize.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { adjust, earn, redeem, reverseOrder } from './ledger.js';
import { measureOf } from './tier-measure.repo.js';
import { checkUpgrade, reviewAllTiers, reviewTiers, tierMultiplierOf, tierProgress, tierView } from './tiers.repo.js';

let seq = 0;
function call(type: 'identify' | 'track', body: Record<string, unknown>): NormalizedEvent {
  const r = normalizeCall({ messageId: `tiers-${seq++}`, ...body }, type, { receivedAt: new Date(), bodyBytes: 80 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}
const identify = (userId: string) => call('identify', { userId, traits: {}, timestamp: '2024-01-01T00:00:00Z' });
const track = (userId: string, event: string, properties: Record<string, unknown>, timestamp: string) => call('track', { userId, event, properties, timestamp });

const TIERS = [
  { key: 'bronze', name: 'Bronze', entry: 0, retain: 0 },
  { key: 'silver', name: 'Silver', entry: 500, retain: 400, multiplier: 1.25, benefits: { free_shipping: true } },
  { key: 'gold', name: 'Gold', entry: 1000, retain: 800, multiplier: 1.5 },
];
const programme = (tiers: Record<string, unknown>): ProgrammeSettings => ProgrammeSettingsSchema.parse({ tiers: { tiers: TIERS, ...tiers } });
const d = (iso: string) => new Date(iso);

/** A workspace with customers (by userId) and a timezone. */
async function setup(db: Db, slug: string, zone: string, users: string[]): Promise<{ ws: number; ids: Record<string, number> }> {
  const ws = (await makeWorkspace(db, slug)).workspace.id;
  await db.query(`UPDATE workspaces SET timezone = $2 WHERE id = $1`, [ws, zone]);
  await ingestEvents(db, ws, users.map(identify));
  const ids: Record<string, number> = {};
  for (const r of (await db.query<{ id: number; user_id: string }>(`SELECT id, user_id FROM customers WHERE workspace_id = $1`, [ws])).rows) ids[r.user_id] = Number(r.id);
  return { ws, ids };
}

async function member(db: Queryable, ws: number, customerId: number, joinedAt: string, o: { status?: string; tier?: string; termStart?: string } = {}) {
  await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at, tier, tier_since, term_start) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    ws,
    customerId,
    o.status ?? 'member',
    joinedAt,
    o.tier ?? null,
    o.tier ? joinedAt : null,
    o.termStart ?? null,
  ]);
}

/** A ledger entry shaped as the schema says (entry + balanced postings), written directly: the measure reads only the entries. */
async function entry(db: Queryable, ws: number, kind: 'earn' | 'reverse' | 'adjust', customerId: number, points: number, at: string, reverses: number | null = null): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO loyalty_entries (workspace_id, idempotency_key, kind, customer_id, points, at, reverses) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [ws, `test:${seq++}`, kind, customerId, points, at, reverses],
  );
  const id = Number(rows[0]!.id);
  const sign = kind === 'reverse' ? -1 : 1;
  await db.query(`INSERT INTO loyalty_postings (entry_id, workspace_id, account, customer_id, amount) VALUES ($1, $2, 'available', $3, $4), ($1, $2, $5, NULL, $6)`, [
    id,
    ws,
    customerId,
    sign * points,
    kind === 'adjust' ? 'adjusted' : 'issued',
    -sign * points,
  ]);
  return id;
}

async function memberRow(db: Queryable, ws: number, customerId: number) {
  const { rows } = await db.query<{ tier: string | null; tier_since: Date | null; term_start: Date | null; reviewed_at: Date | null }>(
    `SELECT tier, tier_since, term_start, reviewed_at FROM loyalty_members WHERE workspace_id = $1 AND customer_id = $2`,
    [ws, customerId],
  );
  const r = rows[0]!;
  return {
    tier: r.tier,
    tierSince: r.tier_since && new Date(r.tier_since).toISOString(),
    termStart: r.term_start && new Date(r.term_start).toISOString(),
    reviewedAt: r.reviewed_at && new Date(r.reviewed_at).toISOString(),
  };
}

async function changes(db: Queryable, ws: number, customerId: number) {
  const { rows } = await db.query<{ from_tier: string | null; to_tier: string; at: Date; reason: string; value: number }>(
    `SELECT from_tier, to_tier, at, reason, value FROM loyalty_tier_changes WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id`,
    [ws, customerId],
  );
  return rows.map((r) => [r.from_tier, r.to_tier, new Date(r.at).toISOString(), r.reason, Number(r.value)]);
}

async function tierEvents(db: Queryable, ws: number, customerId: number) {
  const { rows } = await db.query<{ message_id: string; type: string; timestamp: Date; properties: Record<string, unknown> }>(
    `SELECT message_id, type, timestamp, properties FROM events WHERE workspace_id = $1 AND customer_id = $2 AND event = 'Tier Changed' ORDER BY timestamp, id`,
    [ws, customerId],
  );
  return rows;
}

async function score(db: Queryable, customerId: number) {
  const { rows } = await db.query<{ value: unknown }>(`SELECT value FROM customer_scores WHERE customer_id = $1 AND name = 'loyalty_tier'`, [customerId]);
  return rows[0]?.value ?? null;
}

for (const target of dbTargets()) {
  describe(`tiers: points measure, calendar year in Europe/Paris (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let ids: Record<string, number>;
    const settings = programme({ measure: 'points', term: 'calendar_year', downgrade: 'one_step' });
    before(async () => {
      db = await target.open();
      ({ ws, ids } = await setup(db, 'tiers-points', 'Europe/Paris', ['ann', 'bob', 'cid', 'dee', 'eve', 'out']));
    });
    after(() => db.close());

    it('measures earns − reversals of earns in the term; adjustments and the term before do not count', async () => {
      await member(db, ws, ids.ann!, '2025-06-01T10:00:00Z');
      // 2025-12-31T22:59Z is 23:59 on Dec 31 in Paris: 2025's term. 23:00Z is Jan 1 00:00: 2026's.
      await entry(db, ws, 'earn', ids.ann!, 999, '2025-12-31T22:59:00Z');
      await entry(db, ws, 'earn', ids.ann!, 50, '2025-12-31T23:00:00Z');
      await entry(db, ws, 'earn', ids.ann!, 300, '2026-03-01T10:00:00Z');
      const e = await entry(db, ws, 'earn', ids.ann!, 250, '2026-06-01T10:00:00Z');
      await entry(db, ws, 'reverse', ids.ann!, 100, '2026-06-10T10:00:00Z', e);
      await entry(db, ws, 'adjust', ids.ann!, 1000, '2026-06-11T10:00:00Z');
      const year2026 = { customerId: ids.ann!, from: d('2025-12-31T23:00:00Z'), to: d('2026-12-31T23:00:00Z') };
      // 50 + 300 + 250 − 100 = 500 (the 999 is 2025's, the adjustment of 1000 is not earning).
      assert.equal((await measureOf(db, ws, 'points', [year2026])).get(ids.ann!), 500);
      assert.equal((await measureOf(db, ws, 'points', [{ customerId: ids.ann!, from: d('2025-01-01T00:00:00Z'), to: d('2025-12-31T23:00:00Z') }])).get(ids.ann!), 999);
      assert.equal((await measureOf(db, ws, 'points', [{ ...year2026, customerId: ids.bob! }])).get(ids.bob!), 0);
    });

    it('checkUpgrade: a member without a tier goes straight to the one reached (500 → Silver), with the history, the event and the score', async () => {
      const at = d('2026-06-12T08:00:00Z');
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.ann!, settings, at));
      assert.deepEqual(await memberRow(db, ws, ids.ann!), { tier: 'silver', tierSince: at.toISOString(), termStart: '2025-12-31T23:00:00.000Z', reviewedAt: null });
      assert.deepEqual(await changes(db, ws, ids.ann!), [[null, 'silver', at.toISOString(), 'entry', 500]]);
      const events = await tierEvents(db, ws, ids.ann!);
      assert.equal(events.length, 1);
      assert.equal(events[0]!.message_id, `tenure:tier:${ids.ann}:${at.getTime()}:silver`);
      assert.equal(events[0]!.type, 'tenure');
      assert.deepEqual(events[0]!.properties, { from: null, to: 'silver', direction: 'up', measure: 'points', value: 500, reason: 'entry' });
      assert.deepEqual(await score(db, ids.ann!), { score: 1, tier: 'silver' });
      const work = await db.query<{ kind: string }>(`SELECT DISTINCT kind FROM derived_work WHERE workspace_id = $1 AND $2 = ANY(subject_ids) ORDER BY kind`, [ws, ids.ann!]);
      assert.deepEqual(
        work.rows.map((r) => r.kind),
        ['segment', 'stage'],
      );
      // The member page's progress: 500 of Gold's 1000, the Paris year ends 2026-12-31T23:00Z.
      assert.deepEqual(await tierProgress(db, ws, settings, ids.ann!, at), {
        measure: 'points',
        value: 500,
        next: { key: 'gold', name: 'Gold', entry: 1000 },
        termEndsAt: '2026-12-31T23:00:00.000Z',
      });
      assert.equal(await tierProgress(db, ws, settings, ids.bob!, at), null);
      // Again at a later time, same measure: nothing moves.
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.ann!, settings, d('2026-06-13T08:00:00Z')));
      assert.equal((await changes(db, ws, ids.ann!)).length, 1);
    });

    it('checkUpgrade: up at once on reaching Gold (entry 1000); holdout and non-members are left alone', async () => {
      await entry(db, ws, 'earn', ids.ann!, 500, '2026-07-01T10:00:00Z'); // 500 + 500 = 1000
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.ann!, settings, d('2026-07-01T10:00:00Z')));
      assert.equal((await memberRow(db, ws, ids.ann!)).tier, 'gold');
      assert.deepEqual((await changes(db, ws, ids.ann!)).at(-1), ['silver', 'gold', '2026-07-01T10:00:00.000Z', 'entry', 1000]);
      assert.deepEqual(await score(db, ids.ann!), { score: 2, tier: 'gold' });

      await member(db, ws, ids.out!, '2026-01-05T00:00:00Z', { status: 'holdout' });
      await entry(db, ws, 'earn', ids.out!, 5000, '2026-02-01T00:00:00Z');
      await entry(db, ws, 'earn', ids.bob!, 5000, '2026-02-01T00:00:00Z'); // bob is no member
      await db.transaction(async (tx) => {
        await checkUpgrade(tx, ws, ids.out!, settings, d('2026-02-02T00:00:00Z'));
        await checkUpgrade(tx, ws, ids.bob!, settings, d('2026-02-02T00:00:00Z'));
      });
      assert.equal((await memberRow(db, ws, ids.out!)).tier, null);
      assert.deepEqual(await changes(db, ws, ids.out!), []);
      assert.equal(await score(db, ids.bob!), null);
    });

    it('reviewTiers: nothing before the Paris new year; at it: kept at retain, one step down under it, a new-term upgrade stands', async () => {
      const y2026 = '2025-12-31T23:00:00.000Z';
      // cid: Gold with 120 in 2026 → one_step → Silver. dee: Silver with 300 → Bronze.
      // eve: Gold with 100 in 2026 (→ Silver), but 1000 already on Jan 1 2027 → Gold again: no move.
      await member(db, ws, ids.cid!, '2025-03-01T00:00:00Z', { tier: 'gold', termStart: y2026 });
      await member(db, ws, ids.dee!, '2026-02-01T00:00:00Z', { tier: 'silver', termStart: y2026 });
      await member(db, ws, ids.eve!, '2025-03-01T00:00:00Z', { tier: 'gold', termStart: y2026 });
      await entry(db, ws, 'earn', ids.cid!, 120, '2026-05-01T00:00:00Z');
      await entry(db, ws, 'earn', ids.dee!, 300, '2026-05-01T00:00:00Z');
      await entry(db, ws, 'earn', ids.eve!, 100, '2026-05-01T00:00:00Z');
      await entry(db, ws, 'earn', ids.eve!, 1000, '2027-01-01T05:00:00Z');

      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-12-31T22:59:59Z'), 100)), 0);
      const now = d('2027-01-01T06:00:00Z');
      // ann (Gold, 1000 ≥ 800 kept), cid, dee, eve; the holdout is not reviewed.
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, now, 100)), 4);
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, now, 100)), 0);
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2027-12-31T22:00:00Z'), 100)), 0);

      const next = '2026-12-31T23:00:00.000Z';
      assert.deepEqual(await memberRow(db, ws, ids.ann!), { tier: 'gold', tierSince: '2026-07-01T10:00:00.000Z', termStart: next, reviewedAt: now.toISOString() });
      assert.deepEqual(await memberRow(db, ws, ids.cid!), { tier: 'silver', tierSince: now.toISOString(), termStart: next, reviewedAt: now.toISOString() });
      assert.equal((await memberRow(db, ws, ids.dee!)).tier, 'bronze');
      assert.equal((await memberRow(db, ws, ids.eve!)).tier, 'gold');
      assert.deepEqual(await changes(db, ws, ids.cid!), [['gold', 'silver', now.toISOString(), 'review:one_step', 120]]);
      assert.deepEqual(await changes(db, ws, ids.dee!), [['silver', 'bronze', now.toISOString(), 'review:one_step', 300]]);
      assert.deepEqual(await changes(db, ws, ids.eve!), []);
      assert.equal((await changes(db, ws, ids.ann!)).length, 2); // null → silver → gold, nothing at the review
      assert.deepEqual((await tierEvents(db, ws, ids.cid!))[0]!.properties, { from: 'gold', to: 'silver', direction: 'down', measure: 'points', value: 120, reason: 'review:one_step' });
      assert.deepEqual(await score(db, ids.cid!), { score: 1, tier: 'silver' });
      assert.deepEqual(await score(db, ids.dee!), { score: 0, tier: 'bronze' });
      // Gold at the top: no next tier; nothing earned yet in 2027.
      assert.deepEqual(await tierProgress(db, ws, settings, ids.ann!, now), { measure: 'points', value: 0, next: null, termEndsAt: '2027-12-31T23:00:00.000Z' });
    });

    it('a lifetime programme is never reviewed (never down)', async () => {
      const lifetime = programme({ measure: 'points', term: 'lifetime' });
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, lifetime, d('2035-01-01T00:00:00Z'), 100)), 0);
      assert.equal((await memberRow(db, ws, ids.ann!)).tier, 'gold');
    });

    it('tierMultiplierOf and tierView for the earn helper and templates', () => {
      assert.equal(tierMultiplierOf(settings, 'silver'), 1.25);
      assert.equal(tierMultiplierOf(settings, null), 1);
      assert.deepEqual(tierView(settings, 'silver'), { key: 'silver', name: 'Silver', rank: 1, multiplier: 1.25, benefits: { free_shipping: true } });
      assert.equal(tierView(settings, 'nope'), null);
    });
  });

  describe(`tiers: spend measure from orders and refunds, anniversary term, recalculate (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let ids: Record<string, number>;
    const settings = programme({ measure: 'spend', term: 'anniversary', downgrade: 'recalculate' });
    before(async () => {
      db = await target.open();
      ({ ws, ids } = await setup(db, 'tiers-spend', 'UTC', ['gus', 'hal']));
      await ingestEvents(db, ws, [
        track('gus', 'Order Completed', { order_id: 'o1', revenue: 700 }, '2024-03-10T12:00:00Z'),
        track('gus', 'Order Completed', { order_id: 'o2', total: '450.50' }, '2024-05-01T12:00:00Z'),
        track('gus', 'Order Refunded', { order_id: 'o2' }, '2024-05-03T12:00:00Z'), // no value: the whole order
        track('gus', 'Order Completed', { order_id: 'o3', revenue: 400 }, '2024-06-01T12:00:00Z'),
        track('gus', 'Order Refunded', { order_id: 'o3', amount: 100 }, '2024-06-05T12:00:00Z'),
        track('gus', 'Order Completed', { order_id: 'o4', revenue: 120 }, '2025-08-01T12:00:00Z'),
        track('hal', 'Order Completed', { order_id: 'h1', revenue: 50 }, '2025-03-01T12:00:00Z'),
      ]);
      await member(db, ws, ids.gus!, '2024-02-29T10:00:00Z');
      await member(db, ws, ids.hal!, '2025-03-01T10:00:00Z');
    });
    after(() => db.close());

    it('measures order value net of refunds (a refund without value refunds its whole order)', async () => {
      // 700 + 450.50 − 450.50 + 400 − 100 = 1000 in the first anniversary year.
      const first = { customerId: ids.gus!, from: d('2024-02-29T00:00:00Z'), to: d('2025-02-28T00:00:00Z') };
      assert.equal((await measureOf(db, ws, 'spend', [first])).get(ids.gus!), 1000);
      // Up to (not including) the refund of o2: 700 + 450.50.
      assert.equal((await measureOf(db, ws, 'spend', [{ ...first, to: d('2024-05-03T12:00:00Z') }])).get(ids.gus!), 1150.5);
    });

    it('upgrades step by step as orders arrive: 700 → Silver, then 1000 → Gold', async () => {
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.gus!, settings, d('2024-03-10T12:00:00Z')));
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.gus!, settings, d('2024-05-03T12:00:00Z'))); // 700 + 450.50 − 450.50 = 700: still Silver
      await db.transaction((tx) => checkUpgrade(tx, ws, ids.gus!, settings, d('2024-06-05T12:00:00Z')));
      assert.deepEqual(await changes(db, ws, ids.gus!), [
        [null, 'silver', '2024-03-10T12:00:00.000Z', 'entry', 700],
        ['silver', 'gold', '2024-06-05T12:00:00.000Z', 'entry', 1000],
      ]);
      assert.equal((await memberRow(db, ws, ids.gus!)).termStart, '2024-02-29T00:00:00.000Z');
      assert.equal((await tierEvents(db, ws, ids.gus!)).length, 2);
    });

    it('reviews on the Feb 28 anniversary of a Feb 29 joiner; recalculate takes Gold at 120 to Bronze', async () => {
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2025-02-27T23:59:59Z'), 10)), 0);
      // 1000 ≥ Gold's retain 800: kept (hal joined 2025-03-01, his first term runs on).
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2025-02-28T00:00:00Z'), 10)), 1);
      assert.deepEqual(await memberRow(db, ws, ids.gus!), {
        tier: 'gold',
        tierSince: '2024-06-05T12:00:00.000Z',
        termStart: '2025-02-28T00:00:00.000Z',
        reviewedAt: '2025-02-28T00:00:00.000Z',
      });
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-02-27T12:00:00Z'), 10)), 0);
      // Term 2025-02-28 → 2026-02-28: 120 spent. Silver's retain 400 > 120, so recalculate → Bronze.
      const now = d('2026-02-28T01:00:00Z');
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, now, 10)), 1);
      assert.deepEqual((await changes(db, ws, ids.gus!)).at(-1), ['gold', 'bronze', now.toISOString(), 'review:recalculate', 120]);
      assert.deepEqual((await tierEvents(db, ws, ids.gus!)).at(-1)!.properties, { from: 'gold', to: 'bronze', direction: 'down', measure: 'spend', value: 120, reason: 'review:recalculate' });
      // hal (Mar 1 joiner) is reviewed on Mar 1: 50 spent, no tier yet → the lowest.
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-03-01T00:00:00Z'), 10)), 1);
      assert.deepEqual(await changes(db, ws, ids.hal!), [[null, 'bronze', '2026-03-01T00:00:00.000Z', 'review:entry', 50]]);
    });
  });

  describe(`tiers: rolling 12 months reviewed daily; two workers review each member once (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('rolling: kept while the points are inside (now − 12 months, now], down the day they leave', async () => {
      const { ws, ids } = await setup(db, 'tiers-rolling', 'UTC', ['ivy']);
      const settings = programme({ measure: 'points', term: 'rolling_12m' });
      await member(db, ws, ids.ivy!, '2025-01-01T00:00:00Z', { tier: 'silver', termStart: '2025-01-01T00:00:00Z' });
      await entry(db, ws, 'earn', ids.ivy!, 450, '2025-06-01T00:00:00Z');
      // At 2026-05-31T12:00 the window (2025-05-31T12:00, now] holds the 450 ≥ retain 400: kept.
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-05-31T12:00:00Z'), 10)), 1);
      assert.deepEqual(await memberRow(db, ws, ids.ivy!), { tier: 'silver', tierSince: '2025-01-01T00:00:00.000Z', termStart: '2026-05-31T00:00:00.000Z', reviewedAt: '2026-05-31T12:00:00.000Z' });
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-05-31T23:59:00Z'), 10)), 0); // once a day
      // At 2026-06-01T12:00 the window starts after 2025-06-01T12:00: the 450 are out → Bronze.
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2026-06-01T12:00:00Z'), 10)), 1);
      assert.deepEqual(await changes(db, ws, ids.ivy!), [['silver', 'bronze', '2026-06-01T12:00:00.000Z', 'review:one_step', 0]]);
    });

    it('anniversary in Paris: a joiner at 2024-02-28T23:30Z (Feb 29 00:30 local) is reviewed at Feb 28 00:00 CET = 2025-02-27T23:00Z', async () => {
      const { ws, ids } = await setup(db, 'tiers-anniv-paris', 'Europe/Paris', ['jo']);
      const settings = programme({ measure: 'points', term: 'anniversary' });
      await member(db, ws, ids.jo!, '2024-02-28T23:30:00Z', { tier: 'silver' });
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2025-02-27T22:59:59Z'), 10)), 0);
      assert.equal(await db.transaction((tx) => reviewTiers(tx, ws, settings, d('2025-02-27T23:00:00Z'), 10)), 1);
      // No points in the first year: Silver → Bronze (one step), the new term from the local Feb 28.
      assert.deepEqual(await memberRow(db, ws, ids.jo!), { tier: 'bronze', tierSince: '2025-02-27T23:00:00.000Z', termStart: '2025-02-27T23:00:00.000Z', reviewedAt: '2025-02-27T23:00:00.000Z' });
    });

    it('with the real ledger: earns count, a pro-rata reversal subtracts, redemptions and adjustments do not', async () => {
      const { ws, ids } = await setup(db, 'tiers-ledger', 'UTC', ['kit']);
      const settings = programme({ measure: 'points', term: 'calendar_year' });
      const kit = ids.kit!;
      await member(db, ws, kit, '2026-01-01T00:00:00Z');
      const base = { workspaceId: ws, customerId: kit, expiresAt: null };
      const rule = { id: 'orders', name: 'Per euro', programmeVersion: 1, kind: 'order', pointsPerUnit: 2, multiplier: 1, tierMultiplier: 1, orderValue: 300 };
      await db.transaction(async (tx) => {
        assert.ok((await earn(tx, { ...base, at: d('2026-02-01T00:00:00Z'), key: 'k1', points: 600, orderId: 'o1', rule })).ok);
        assert.ok((await redeem(tx, { workspaceId: ws, customerId: kit, at: d('2026-02-02T00:00:00Z'), key: 'k2', points: 200 })).ok);
        // Half of the €300 order refunded: floor(600 × 150 / 300) = 300 points reversed.
        const rev = await reverseOrder(tx, { workspaceId: ws, customerId: kit, at: d('2026-02-03T00:00:00Z'), key: 'k3', orderId: 'o1', refunded: 150, policy: 'negative' });
        assert.ok(rev.ok);
        assert.ok((await adjust(tx, { ...base, at: d('2026-02-04T00:00:00Z'), key: 'k4', points: 500, actor: 'admin', reason: 'goodwill' })).ok);
      });
      // 600 − 300 = 300 (the redemption of 200 and the adjustment of 500 are not earning).
      const y2026 = { customerId: kit, from: d('2026-01-01T00:00:00Z'), to: d('2027-01-01T00:00:00Z') };
      assert.equal((await measureOf(db, ws, 'points', [y2026])).get(kit), 300);
      await db.transaction((tx) => checkUpgrade(tx, ws, kit, settings, d('2026-02-04T00:00:00Z')));
      assert.equal((await memberRow(db, ws, kit)).tier, 'bronze');
      // 200 more: 300 + 200 = 500 = Silver's entry.
      await db.transaction(async (tx) => {
        assert.ok((await earn(tx, { ...base, at: d('2026-03-01T00:00:00Z'), key: 'k5', points: 200 })).ok);
        await checkUpgrade(tx, ws, kit, settings, d('2026-03-01T00:00:00Z'));
      });
      assert.deepEqual(await changes(db, ws, kit), [
        [null, 'bronze', '2026-02-04T00:00:00.000Z', 'entry', 300],
        ['bronze', 'silver', '2026-03-01T00:00:00.000Z', 'entry', 500],
      ]);
    });

    it('two concurrent review loops review 30 members exactly once between them', async () => {
      const names = Array.from({ length: 30 }, (_, i) => `m${i}`);
      const { ws, ids } = await setup(db, 'tiers-race', 'UTC', names);
      const settings = programme({ measure: 'points', term: 'calendar_year' });
      for (const n of names) await member(db, ws, ids[n]!, '2025-02-01T00:00:00Z', { tier: 'silver', termStart: '2025-01-01T00:00:00Z' });
      const now = d('2026-01-01T03:00:00Z');
      const [a, b] = await Promise.all([reviewAllTiers(db, ws, settings, now, 4), reviewAllTiers(db, ws, settings, now, 4)]);
      assert.equal(a + b, 30);
      // Each member: one move silver → bronze (0 points in 2025), one event.
      const moves = await db.query<{ n: number; c: number }>(`SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS c FROM loyalty_tier_changes WHERE workspace_id = $1`, [ws]);
      assert.deepEqual(moves.rows[0], { n: 30, c: 30 });
      const events = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND event = 'Tier Changed'`, [ws]);
      assert.equal(events.rows[0]!.n, 30);
    });
  });
}

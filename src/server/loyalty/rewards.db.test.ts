import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { z } from 'zod';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { CODE_ALPHABET } from '../../contracts/referrals.js';
import { RewardInput } from '../../contracts/loyalty.js';
import { balances, earn } from './ledger.js';
import { addPoolCodes, codesLeft, createReward, listRewards, parseCodePool, updateReward } from './rewards.repo.js';
import { cancelRedemption, clawBackRedemption, generateCode, grantReward, markUsed, redeemReward, type RedeemRequest } from './rewards.service.js';

const d = (s: string) => new Date(`${s}T00:00:00Z`);

describe('code pool uploads (pure)', () => {
  it('trims, skips and counts blanks and repeats', () => {
    const p = parseCodePool('A1\n\n  A2  \r\nA1\n   \nA3\n');
    assert.ok(p.ok);
    assert.deepEqual(p.value, { codes: ['A1', 'A2', 'A3'], blanks: 2, duplicates: 1 });
  });
  it('refuses a line over 64 characters, naming its line', () => {
    const p = parseCodePool(`OK1\nOK2\n${'X'.repeat(65)}\n`);
    assert.ok(!p.ok);
    assert.equal(p.code, 'validation_failed');
    assert.match(p.message, /^line 3: /);
    assert.ok(parseCodePool('X'.repeat(64)).ok);
  });
  it('refuses over 100,000 lines or 2 MB', () => {
    const lines = parseCodePool('C\n'.repeat(100_001));
    assert.ok(!lines.ok && lines.code === 'upload_too_large');
    assert.ok(parseCodePool('C\n'.repeat(100_000)).ok);
    const big = parseCodePool(`${'Y'.repeat(60)}\n`.repeat(40_000)); // 61 × 40,000 = 2,440,000 bytes > 2,097,152
    assert.ok(!big.ok && big.code === 'upload_too_large');
  });
  it('generates prefix + 8 characters of the unambiguous alphabet', () => {
    const re = new RegExp(`^TEN-[${CODE_ALPHABET}]{8}$`);
    for (let i = 0; i < 200; i++) assert.match(generateCode('TEN-'), re);
  });
});

const reward = (x: Partial<z.input<typeof RewardInput>> & { id: string; kind: RewardInput['kind']; cost: number }) => RewardInput.parse({ name: x.id, ...x });

for (const target of dbTargets()) {
  describe(`rewards: catalogue, pools, redemption once per key (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id: Record<string, number> = {};
    const at = d('2026-11-01');
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'rewards')).workspace.id;
      for (const u of ['ann', 'bob', 'cid', 'dee', 'eve', 'fay', 'gus']) {
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, u]);
        id[u] = Number(rows[0]!.id);
      }
      await db.query(`INSERT INTO loyalty_programmes (workspace_id, status, settings, live_since) VALUES ($1, 'live', $2, $3)`, [
        ws,
        JSON.stringify({
          tiers: {
            measure: 'points',
            term: 'lifetime',
            tiers: [
              { key: 'bronze', name: 'Bronze', entry: 0, retain: 0 },
              { key: 'gold', name: 'Gold', entry: 1000, retain: 800 },
            ],
          },
        }),
        d('2026-01-01'),
      ]);
      for (const [u, status, tier] of [
        ['ann', 'member', 'gold'],
        ['bob', 'member', 'bronze'],
        ['cid', 'member', null],
        ['dee', 'member', 'bronze'],
        ['eve', 'member', 'bronze'],
        ['fay', 'holdout', null],
      ] as const)
        await db.query(`INSERT INTO loyalty_members (workspace_id, customer_id, status, joined_at, tier) VALUES ($1, $2, $3, $4, $5)`, [ws, id[u], status, d('2026-01-01'), tier]);
      // Points: ann 1000, bob 1000, cid 50, dee 300, eve 300, fay 500 (holdout: cannot redeem).
      for (const [u, p] of [
        ['ann', 1000],
        ['bob', 1000],
        ['cid', 50],
        ['dee', 300],
        ['eve', 300],
        ['fay', 500],
      ] as const) {
        const e = await db.transaction((tx) => earn(tx, { workspaceId: ws, customerId: id[u]!, at: d('2026-10-01'), key: `seed-${u}`, points: p, expiresAt: null }));
        assert.ok(e.ok);
      }
      for (const r of [
        reward({ id: 'coffee', kind: 'discount_code', cost: 100, codes: { source: 'pool' } }),
        reward({ id: 'tenoff', kind: 'discount_code', cost: 200, codes: { source: 'generate', prefix: 'TEN-' } }),
        reward({ id: 'lounge', kind: 'custom', cost: 50, minTier: 'gold' }),
        reward({ id: 'sticker', kind: 'free_product', productId: 'stk-1', cost: 10, perMemberLimit: 1 }),
        reward({ id: 'old', kind: 'custom', cost: 10, active: false }),
        reward({ id: 'gift', kind: 'discount_code', cost: 999, codes: { source: 'generate', prefix: 'GIFT' } }),
      ])
        assert.ok((await createReward(db, ws, r, at)).ok);
    });
    after(() => db.close());

    const redeem = (u: string, rewardId: string, key: string, channel: RedeemRequest['channel'] = 'api') =>
      db.transaction((tx) => redeemReward(tx, { workspaceId: ws, customerId: id[u]!, rewardId, key, at, channel }));
    const bal = async (u: string) => (await db.transaction((tx) => balances(tx, ws, id[u]!))).available;
    const redeemEntries = async (key: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_entries WHERE workspace_id = $1 AND idempotency_key = $2`, [ws, key])).rows[0]!.n;

    it('keeps the catalogue: a second reward with the same id is a conflict, an update replaces the definition', async () => {
      const again = await createReward(db, ws, reward({ id: 'coffee', kind: 'custom', cost: 1 }), at);
      assert.ok(!again.ok && again.code === 'conflict');
      const u = await updateReward(db, ws, 'sticker', reward({ id: 'ignored', kind: 'free_product', productId: 'stk-1', cost: 10, perMemberLimit: 1, description: 'A sticker' }), at);
      assert.ok(u.ok);
      assert.equal(u.value.id, 'sticker');
      assert.equal(u.value.description, 'A sticker');
      assert.ok(!(await updateReward(db, ws, 'nope', reward({ id: 'nope', kind: 'custom', cost: 1 }), at)).ok);
    });

    it('pool codes: uploads skip codes already there; two members racing for the last code: one gets it, once', async () => {
      const first = await addPoolCodes(db, ws, 'coffee', ['C-1', 'C-2'], at);
      assert.deepEqual(first, { added: 2, alreadyInPool: 0, codesLeft: 2 });
      const second = await addPoolCodes(db, ws, 'coffee', ['C-2', 'C-3'], at);
      assert.deepEqual(second, { added: 1, alreadyInPool: 1, codesLeft: 3 });
      // Three members at once for three codes: three different codes.
      const three = await Promise.all([redeem('ann', 'coffee', 'k-ann-1'), redeem('bob', 'coffee', 'k-bob-1'), redeem('dee', 'coffee', 'k-dee-1')]);
      assert.ok(three.every((r) => r.ok));
      const codes = three.map((r) => (r.ok ? r.value.redemption.code : null));
      assert.deepEqual([...codes].sort(), ['C-1', 'C-2', 'C-3']);
      assert.equal(await codesLeft(db, ws, 'coffee'), 0);
      // One code left, two members at once: one redemption takes it, the other hears the pool is empty and keeps their points.
      await addPoolCodes(db, ws, 'coffee', ['C-4'], at);
      const [a, b] = await Promise.all([redeem('ann', 'coffee', 'k-ann-2'), redeem('bob', 'coffee', 'k-bob-2')]);
      const won = [a, b].filter((r) => r.ok);
      const lost = [a, b].filter((r) => !r.ok);
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.equal(lost[0]!.ok ? null : lost[0]!.code, 'pool_exhausted');
      assert.equal(won[0]!.ok ? won[0]!.value.redemption.code : null, 'C-4');
      // Each pool code belongs to exactly one redemption, and each redemption's code is its pool code.
      const { rows } = await db.query<{ code: string; n: number }>(
        `SELECT k.code, count(d.id)::int AS n FROM loyalty_reward_codes k LEFT JOIN loyalty_redemptions d ON d.id = k.redemption_id AND d.code = k.code WHERE k.workspace_id = $1 AND k.reward_id = 'coffee' GROUP BY k.code ORDER BY k.code`,
        [ws],
      );
      assert.deepEqual(
        rows.map((r) => [r.code, r.n]),
        [
          ['C-1', 1],
          ['C-2', 1],
          ['C-3', 1],
          ['C-4', 1],
        ],
      );
      // ann and bob had 1000 each; each paid for one of the three coffees and one of them for the last: 2000 − 3 × 100 = 1700.
      assert.equal((await bal('ann')) + (await bal('bob')), 1700);
      const full = await redeem('eve', 'coffee', 'k-eve-1');
      assert.ok(!full.ok && full.code === 'pool_exhausted');
      assert.match(full.message, /no codes left/);
    });

    it('a replayed key answers the same redemption and code; the points are debited once', async () => {
      const before = await bal('dee'); // 300 − 100 (a coffee) = 200
      assert.equal(before, 200);
      const r1 = await redeem('dee', 'tenoff', 'k-dee-ten');
      const r2 = await redeem('dee', 'tenoff', 'k-dee-ten');
      assert.ok(r1.ok && r2.ok);
      assert.equal(r1.value.replayed, false);
      assert.equal(r2.value.replayed, true);
      assert.equal(r2.value.redemption.id, r1.value.redemption.id);
      assert.equal(r2.value.redemption.code, r1.value.redemption.code);
      // Generated: the prefix and 8 characters of the alphabet.
      assert.match(r1.value.redemption.code!, new RegExp(`^TEN-[${CODE_ALPHABET}]{8}$`));
      assert.equal(await bal('dee'), 0); // 200 − 200, once
      assert.equal(await redeemEntries('redemption:k-dee-ten'), 1);
      const n = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_redemptions WHERE workspace_id = $1 AND idempotency_key = 'k-dee-ten'`, [ws])).rows[0]!.n;
      assert.equal(n, 1);
      // The same key for another customer or reward is a conflict, not a redemption.
      const other = await redeem('ann', 'tenoff', 'k-dee-ten');
      assert.ok(!other.ok && other.code === 'conflict');
    });

    it('refuses: too few points (with the balance), unknown, inactive, tier below, over the limit, holdout — writing nothing', async () => {
      const poor = await redeem('cid', 'tenoff', 'k-cid-1');
      assert.ok(!poor.ok);
      assert.equal(poor.code, 'insufficient_points');
      assert.equal((poor as { balance?: number }).balance, 50);
      assert.match(poor.message, /costs 200 points; the balance is 50/);
      assert.equal(await bal('cid'), 50);
      assert.equal((await db.query(`SELECT 1 FROM loyalty_redemptions WHERE idempotency_key = 'k-cid-1'`)).rows.length, 0);

      const unknown = await redeem('ann', 'nope', 'k-x');
      assert.ok(!unknown.ok && unknown.code === 'not_found');
      const inactive = await redeem('ann', 'old', 'k-old');
      assert.ok(!inactive.ok && inactive.code === 'inactive');
      // Lounge is for gold and above: bob is bronze, ann is gold.
      const low = await redeem('bob', 'lounge', 'k-bob-lounge');
      assert.ok(!low.ok && low.code === 'tier_too_low');
      assert.match(low.message, /Gold tier/);
      assert.ok((await redeem('ann', 'lounge', 'k-ann-lounge')).ok);
      // Sticker: at most one per member.
      assert.ok((await redeem('eve', 'sticker', 'k-eve-st-1')).ok);
      const twice = await redeem('eve', 'sticker', 'k-eve-st-2');
      assert.ok(!twice.ok && twice.code === 'limit_reached');
      const held = await redeem('fay', 'sticker', 'k-fay');
      assert.ok(!held.ok && held.code === 'not_member');
      assert.equal(await bal('fay'), 500);
    });

    it('cancel gives the points back once; used and clawed-back redemptions cannot be cancelled', async () => {
      const r = await redeem('cid', 'sticker', 'k-cid-st');
      assert.ok(r.ok);
      assert.equal(await bal('cid'), 40); // 50 − 10
      const c1 = await db.transaction((tx) => cancelRedemption(tx, { workspaceId: ws, redemptionId: r.value.redemption.id, at, reason: 'changed mind' }));
      assert.ok(c1.ok);
      assert.equal(c1.value.pointsReturned, 10);
      assert.equal(c1.value.redemption.status, 'cancelled');
      assert.equal(await bal('cid'), 50);
      const c2 = await db.transaction((tx) => cancelRedemption(tx, { workspaceId: ws, redemptionId: r.value.redemption.id, at, reason: 'again' }));
      assert.ok(c2.ok);
      assert.equal(c2.value.pointsReturned, 0);
      assert.equal(await bal('cid'), 50);
      // A cancelled sticker does not count against the limit of one.
      const again = await redeem('cid', 'sticker', 'k-cid-st-2');
      assert.ok(again.ok);
      const used = await db.transaction((tx) => markUsed(tx, { workspaceId: ws, redemptionId: again.value.redemption.id, at }));
      assert.ok(used.ok && used.value.status === 'used');
      const late = await db.transaction((tx) => cancelRedemption(tx, { workspaceId: ws, redemptionId: again.value.redemption.id, at, reason: 'late' }));
      assert.ok(!late.ok && late.code === 'conflict');
      assert.equal(await bal('cid'), 40);
    });

    it('grantReward gives a reward without points (idempotent); clawBackRedemption takes back an unused one, not a used one', async () => {
      const g1 = await db.transaction((tx) => grantReward(tx, { workspaceId: ws, customerId: id.gus!, rewardId: 'gift', key: 'ref:1:friend', at, channel: 'referral', referralId: null }));
      const g2 = await db.transaction((tx) => grantReward(tx, { workspaceId: ws, customerId: id.gus!, rewardId: 'gift', key: 'ref:1:friend', at, channel: 'referral', referralId: null }));
      assert.ok(g1.ok && g2.ok);
      assert.equal(g1.value.replayed, false);
      assert.deepEqual(g2.value, { redemptionId: g1.value.redemptionId, code: g1.value.code, replayed: true });
      assert.match(g1.value.code!, new RegExp(`^GIFT[${CODE_ALPHABET}]{8}$`));
      const row = (
        await db.query<{ entry_id: number | null; points: number; channel: string; status: string }>(`SELECT entry_id, points, channel, status FROM loyalty_redemptions WHERE id = $1`, [
          g1.value.redemptionId,
        ])
      ).rows[0]!;
      assert.deepEqual({ ...row, points: Number(row.points) }, { entry_id: null, points: 0, channel: 'referral', status: 'issued' });
      assert.equal(await bal('gus'), 0);

      const cb = await db.transaction((tx) => clawBackRedemption(tx, { workspaceId: ws, redemptionId: g1.value.redemptionId, at, reason: 'fraud' }));
      assert.ok(cb.ok && cb.value.status === 'clawed_back');
      assert.equal((await db.query<{ status: string }>(`SELECT status FROM loyalty_redemptions WHERE id = $1`, [g1.value.redemptionId])).rows[0]!.status, 'clawed_back');
      const usedAfter = await db.transaction((tx) => markUsed(tx, { workspaceId: ws, redemptionId: g1.value.redemptionId, at }));
      assert.ok(!usedAfter.ok && usedAfter.code === 'conflict');

      const g3 = await db.transaction((tx) => grantReward(tx, { workspaceId: ws, customerId: id.gus!, rewardId: 'gift', key: 'ref:2:friend', at, channel: 'admin' }));
      assert.ok(g3.ok);
      assert.ok((await db.transaction((tx) => markUsed(tx, { workspaceId: ws, redemptionId: g3.value.redemptionId, at }))).ok);
      const tooLate = await db.transaction((tx) => clawBackRedemption(tx, { workspaceId: ws, redemptionId: g3.value.redemptionId, at, reason: 'refund' }));
      assert.ok(tooLate.ok && tooLate.value.status === 'used');
      assert.equal((await db.query<{ status: string }>(`SELECT status FROM loyalty_redemptions WHERE id = $1`, [g3.value.redemptionId])).rows[0]!.status, 'used');
      const missing = await db.transaction((tx) => clawBackRedemption(tx, { workspaceId: ws, redemptionId: 999_999, at, reason: 'x' }));
      assert.ok(!missing.ok && missing.code === 'not_found');
    });

    it('lists rewards with codes left and times redeemed', async () => {
      const list = await listRewards(db, ws);
      const coffee = list.find((r) => r.id === 'coffee')!;
      assert.equal(coffee.codesLeft, 0);
      assert.equal(coffee.redeemed, 4);
      assert.equal(list.find((r) => r.id === 'tenoff')!.codesLeft, null);
      assert.equal(list[list.length - 1]!.id, 'old'); // inactive last
    });
  });
}

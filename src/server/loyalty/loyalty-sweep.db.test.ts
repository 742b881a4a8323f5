import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ProgrammeSettingsSchema } from '../../contracts/loyalty.js';
import { loadRenderFacts } from '../channels/render-context.js';
import { saveProgramme } from './programme.repo.js';
import { enrol } from './enrolment.js';
import { balances, earn } from './ledger.js';
import { sweepLoyalty } from './loyalty-sweep.js';

const settings = ProgrammeSettingsSchema.parse({
  expiresAfterDays: 365,
  earnRules: [{ id: 'bday', name: 'Birthday', kind: 'birthday', points: 200 }],
  tiers: {
    measure: 'points',
    term: 'lifetime',
    tiers: [
      { key: 'base', name: 'Base', entry: 0, retain: 0 },
      { key: 'gold', name: 'Gold', entry: 1000, retain: 800, multiplier: 1.5, benefits: { free_shipping: true } },
    ],
  },
});

for (const target of dbTargets()) {
  describe(`loyalty sweep: birthdays in the workspace timezone, releases and expiries due; template facts (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const id: Record<string, number> = {};
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'loyalty-sweep')).workspace.id;
      await db.query(`UPDATE workspaces SET timezone = 'Europe/Berlin' WHERE id = $1`, [ws]);
      for (const [u, birthday] of [
        ['ann', '1990-03-15'],
        ['bob', '03-16'],
        ['cid', null],
      ] as const) {
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits) VALUES ($1, $2, $3) RETURNING id`, [
          ws,
          u,
          JSON.stringify(birthday ? { birthday } : {}),
        ]);
        id[u] = Number(rows[0]!.id);
      }
      assert.ok((await saveProgramme(db, ws, { status: 'live', settings }, new Date('2026-01-01T00:00:00Z'))).ok);
      await db.transaction((tx) =>
        enrol(
          tx,
          ws,
          settings,
          Object.values(id).map((c) => ({ customerId: c, at: new Date('2026-01-01T00:00:00Z') })),
          'test',
        ),
      );
    });
    after(() => db.close());
    const bal = (u: string) => db.transaction((tx) => balances(tx, ws, id[u]!));

    it('gives birthday points once a year, on the local date: 23:30 UTC on 14 March is 15 March in Berlin', async () => {
      const t = new Date('2026-03-14T23:30:00Z');
      const r = await sweepLoyalty(db, t);
      assert.equal(r.birthdays, 1);
      assert.deepEqual(r.touched.get(ws), [id.ann]);
      assert.deepEqual(await bal('ann'), { available: 200, pending: 0 });
      assert.deepEqual(await bal('bob'), { available: 0, pending: 0 });
      // Later that day: Ann had hers, Bob's is tomorrow.
      assert.equal((await sweepLoyalty(db, new Date('2026-03-15T10:00:00Z'))).birthdays, 0);
      // 16 March: Bob (`MM-DD`), once.
      assert.equal((await sweepLoyalty(db, new Date('2026-03-16T10:00:00Z'))).birthdays, 1);
      assert.equal((await sweepLoyalty(db, new Date('2026-03-16T11:00:00Z'))).birthdays, 0);
      assert.deepEqual(await bal('bob'), { available: 200, pending: 0 });
      assert.deepEqual(await bal('ann'), { available: 200, pending: 0 });
    });

    it('releases pending points when due and expires lots past their expiry', async () => {
      const r = await db.transaction((tx) =>
        earn(tx, {
          workspaceId: ws,
          customerId: id.cid!,
          at: new Date('2026-03-01T00:00:00Z'),
          key: 'sweep-e1',
          points: 100,
          expiresAt: new Date('2026-04-01T00:00:00Z'),
          pending: { until: new Date('2026-03-20T00:00:00Z'), event: null },
        }),
      );
      assert.ok(r.ok);
      assert.deepEqual(await bal('cid'), { available: 0, pending: 100 });
      assert.equal((await sweepLoyalty(db, new Date('2026-03-21T00:00:00Z'))).released, 1);
      assert.deepEqual(await bal('cid'), { available: 100, pending: 0 });
      assert.equal((await sweepLoyalty(db, new Date('2026-04-02T00:00:00Z'))).expired, 1);
      assert.deepEqual(await bal('cid'), { available: 0, pending: 0 });
    });

    it('gives templates points, tier (name, benefits) and the referral code (the generated one before a vanity code)', async () => {
      await db.query(`UPDATE loyalty_members SET tier = 'gold', tier_since = '2026-03-01' WHERE workspace_id = $1 AND customer_id = $2`, [ws, id.ann]);
      await db.query(`INSERT INTO referral_codes (workspace_id, code, customer_id, vanity, created_at) VALUES ($1, 'ANNIE', $2, true, '2026-01-01'), ($1, 'K7P2QX', $2, false, '2026-02-01')`, [
        ws,
        id.ann,
      ]);
      const facts = await loadRenderFacts(db, ws, [id.ann!, id.cid!]);
      // Ann: 200 birthday points (not expired: they expire a year after 14 March).
      assert.deepEqual(facts.get(id.ann!)!.loyalty, { points: 200, pending: 0, tier: { key: 'gold', name: 'Gold', benefits: { free_shipping: true } }, referral_code: 'K7P2QX' });
      assert.deepEqual(facts.get(id.cid!)!.loyalty, { points: 0, pending: 0, tier: null, referral_code: null });
    });
  });
}

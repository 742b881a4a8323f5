import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../db/client.js';
import { ingestEvents } from '../../ingest/ingest.service.js';
import { normalizeCall, type NormalizedEvent } from '../../ingest/normalize.js';
import { compileCondition } from '../../rules/compile-sql.js';
import { getCustomer } from '../../identity/customers.read.js';
import { dbTargets, makeWorkspace } from '../../../test-support/harness.js';
import { cdnowTransactions, hasCdnow } from './cdnow-fixture.js';
import { formatDay } from './calibration.js';
import { P_ALIVE, PREDICTED_CLV, scoreClv } from './clv-scores.js';
import { clvNote } from '../predictions.repo.js';
import { syncFacts } from '../../analytics/facts.js';

const sig3 = (x: number) => Number(x.toPrecision(3));

/**
 * The CDNOW sample stored as `Order Completed` events, scored inside the platform: the fit on
 * the workspace's own orders must be the published one (Fader, Hardie & Lee 2005:
 * r = 0.243, α = 4.414, a = 0.793, b = 2.426), and the scores must be usable in conditions.
 */
for (const target of dbTargets()) {
  describe(`predicted CLV on a workspace's orders (${target.name})`, { skip: hasCdnow ? false : 'the CDNOW sample is missing' }, () => {
    let db: Db;
    let ws: number;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'cdnow')).workspace.id;
      const events: NormalizedEvent[] = cdnowTransactions().map((t, i) => {
        const r = normalizeCall(
          { messageId: `cd-${i}`, userId: `cd${t.customerId}`, event: 'Order Completed', timestamp: `${formatDay(t.day)}T12:00:00.000Z`, properties: { revenue: t.amount } },
          'track',
          { receivedAt: new Date(), bodyBytes: 80 },
          0,
          '',
        );
        if (!r.ok) throw new Error(JSON.stringify(r));
        return r.value;
      });
      for (let i = 0; i < events.length; i += 2_000) await ingestEvents(db, ws, events.slice(i, i + 2_000));
    });
    after(() => db.close());

    it('fits the published BG/NBD parameters and stores p_alive and predicted_clv for every buyer', async () => {
      // Calibration ends with 1997-09-30 (the day itself included).
      const r = await scoreClv(db, ws, { now: new Date('1997-09-30T23:59:59.000Z') });
      assert.ok(r.ok, !r.ok ? r.message : '');
      const { r: rr, alpha, a, b, logLikelihood } = r.value.bgnbd;
      assert.deepEqual([sig3(rr), sig3(alpha), sig3(a), sig3(b)], [0.243, 4.41, 0.793, 2.43]);
      assert.ok(Math.abs(logLikelihood - -9582.4) < 0.1, `LL ${logLikelihood}`);
      assert.equal(r.value.customers, 2357);
      const { rows } = await db.query<{ name: string; n: number; lo: number; hi: number }>(
        `SELECT name, count(*)::int AS n, min((value)::text::float8) AS lo, max((value)::text::float8) AS hi FROM customer_scores WHERE workspace_id = $1 GROUP BY name ORDER BY name`,
        [ws],
      );
      assert.deepEqual(
        rows.map((x) => [x.name, x.n]),
        [
          [P_ALIVE, 2357],
          [PREDICTED_CLV, 2357],
        ],
      );
      const alive = rows.find((x) => x.name === P_ALIVE)!;
      assert.ok(alive.lo >= 0 && alive.hi <= 1);
      // Sample customer 1: x = 2, t_x = 30.43, T = 38.86 weeks: P(alive) = 0.7266 at the published parameters (see bgnbd-predict.test.ts).
      const one = await db.query<{ v: number }>(`SELECT (s.value)::text::float8 AS v FROM customer_scores s JOIN customers c ON c.id = s.customer_id WHERE c.user_id = 'cd1' AND s.name = $1`, [
        P_ALIVE,
      ]);
      assert.ok(Math.abs(one.rows[0]!.v - 0.7266) < 0.002, `p_alive of customer 1: ${one.rows[0]!.v}`);
      // And on the profile.
      const id = (await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = 'cd1'`, [ws])).rows[0]!.id;
      const profile = await getCustomer(db, ws, Number(id));
      assert.equal(profile!.scores[P_ALIVE], one.rows[0]!.v);
      assert.ok(profile!.scores[PREDICTED_CLV]! > 0);
      // The notes the customer page shows: none for an ordinary fit; why, for a customer without a CLV.
      assert.equal(await clvNote(db, ws, Number(id), true), null);
      const late = (n: string, event: string, at: string) => {
        const c = normalizeCall({ messageId: `late-${n}`, userId: n, event, timestamp: at, properties: { revenue: 5 } }, 'track', { receivedAt: new Date(), bodyBytes: 80 }, 0, '');
        if (!c.ok) throw new Error(JSON.stringify(c));
        return c.value;
      };
      await ingestEvents(db, ws, [late('browser', 'Product Viewed', '1997-08-01T00:00:00Z'), late('newbuyer', 'Order Completed', '1997-12-01T00:00:00Z')]);
      await syncFacts(db);
      const idOf = async (u: string) => Number((await db.query<{ id: number }>(`SELECT id FROM customers WHERE workspace_id = $1 AND user_id = $2`, [ws, u])).rows[0]!.id);
      assert.equal(await clvNote(db, ws, await idOf('browser'), false), 'No CLV: this customer has not ordered yet.');
      assert.equal(await clvNote(db, ws, await idOf('newbuyer'), false), 'No CLV yet: their first order came after the last fit (1997-09-30); the next daily fit includes them.');
    });

    it('makes the scores usable in conditions (segments, journey branches)', async () => {
      const params: unknown[] = [ws];
      const sql = compileCondition(
        { all: [{ score: { name: P_ALIVE, op: 'gte', value: 0.7 } }, { score: { name: PREDICTED_CLV, op: 'gt', value: 0 } }] },
        { now: new Date('1997-10-01T00:00:00Z'), params },
      );
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers c WHERE c.workspace_id = $1 AND ${sql}`, params);
      const { rows: direct } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customer_scores WHERE workspace_id = $1 AND name = $2 AND (value)::text::float8 >= 0.7`, [ws, P_ALIVE]);
      assert.ok(rows[0]!.n > 0);
      assert.equal(rows[0]!.n, direct[0]!.n);
    });

    it('declines to fit too few repeat buyers, saying why', async () => {
      const r = await scoreClv(db, ws, { now: new Date('1997-01-02T00:00:00.000Z') });
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.message : '', /repeat orders: at least 20/);
    });
  });
}

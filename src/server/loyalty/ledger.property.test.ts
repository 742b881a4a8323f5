/**
 * Property test of the points ledger against the real database: random sequences of moves
 * (earn spendable and pending with random expiries, release by time and by event, redeem,
 * expiry at random times, partial and full refunds under both policies, transfers between 3
 * members, adjustments both ways, replays of used keys). After every move the database is
 * checked against an independent model (test-support/ledger-model.ts) and the ledger's
 * invariants are checked by SQL. LEDGER_SEQUENCES / LEDGER_OPS / LEDGER_SEED change the run;
 * a failure prints the seed and the move that broke it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db, Queryable } from '../db/client.js';
import { Rng } from '../lib/rng.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { LedgerModel } from '../../test-support/ledger-model.js';
import { adjust, balances, earn, expireDue, redeem, releaseDue, releaseOnEvent, reverseOrder, transfer, type EntryResult } from './ledger.js';

const DAY = 86_400_000;
const T0 = Date.parse('2027-01-01T00:00:00Z');
const DELIVERED = 'Order Delivered';

/** The ledger's invariants, by SQL, for one workspace: a list of what is broken (empty: none). */
async function invariants(db: Queryable, ws: number): Promise<string[]> {
  const broken: string[] = [];
  const q = async (what: string, sql: string) => {
    const { rows } = await db.query(sql, [ws]);
    if (rows.length > 0) broken.push(`${what}: ${JSON.stringify(rows.slice(0, 3))}`);
  };
  await q('postings of an entry do not sum to 0', `SELECT entry_id, sum(amount) FROM loyalty_postings WHERE workspace_id = $1 GROUP BY entry_id HAVING sum(amount) <> 0`);
  await q('a lot below zero', `SELECT lot_id, account, sum(amount) FROM loyalty_postings WHERE workspace_id = $1 AND lot_id IS NOT NULL GROUP BY lot_id, account HAVING sum(amount) < 0`);
  await q(
    'a lot holds more than it was made with',
    `SELECT l.id FROM loyalty_lots l JOIN loyalty_postings p ON p.lot_id = l.id AND p.account IN ('available', 'pending') WHERE l.workspace_id = $1 GROUP BY l.id HAVING sum(p.amount) > max(l.points)`,
  );
  await q(
    'an order reversed more than it earned',
    `SELECT order_id FROM loyalty_entries WHERE workspace_id = $1 AND order_id IS NOT NULL GROUP BY order_id
      HAVING coalesce(sum(points) FILTER (WHERE kind = 'reverse'), 0) > coalesce(sum(points) FILTER (WHERE kind = 'earn'), 0)`,
  );
  await q(
    'a negative balance beside spendable lots',
    `SELECT customer_id FROM loyalty_postings WHERE workspace_id = $1 AND account = 'available' GROUP BY customer_id
      HAVING sum(amount) FILTER (WHERE lot_id IS NULL) < 0 AND sum(amount) FILTER (WHERE lot_id IS NOT NULL) > 0`,
  );
  await q(
    'the loyalty_points score is not the balance',
    `SELECT s.customer_id FROM customer_scores s WHERE s.workspace_id = $1 AND s.name = 'loyalty_points'
        AND (s.value)::text::bigint <> (SELECT coalesce(sum(amount), 0) FROM loyalty_postings p WHERE p.workspace_id = $1 AND p.customer_id = s.customer_id AND p.account = 'available')`,
  );
  return broken;
}

/** Everything a replay must leave as it was. */
async function snapshot(db: Queryable, ws: number): Promise<string> {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM loyalty_entries WHERE workspace_id = $1)::int AS entries,
            (SELECT count(*) FROM loyalty_postings WHERE workspace_id = $1)::int AS postings,
            (SELECT coalesce(sum(abs(amount)), 0) FROM loyalty_postings WHERE workspace_id = $1)::bigint AS moved,
            (SELECT count(*) FROM loyalty_lots WHERE workspace_id = $1)::int AS lots,
            (SELECT count(*) FROM events WHERE workspace_id = $1)::int AS events,
            (SELECT count(*) FROM derived_work WHERE workspace_id = $1)::int AS work,
            (SELECT string_agg(customer_id || ':' || value::text || ':' || computed_at::text, ',' ORDER BY customer_id) FROM customer_scores WHERE workspace_id = $1) AS scores,
            (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM loyalty_redemptions WHERE workspace_id = $1) AS redemptions`,
    [ws],
  );
  return JSON.stringify(rows[0]);
}

/** The database's lots in id order beside the model's in creation order. */
async function lotsOf(db: Queryable, ws: number): Promise<string[]> {
  const { rows } = await db.query<{ c: number; points: number; exp: Date | null; avail: number; pend: number }>(
    `SELECT l.customer_id AS c, l.points, l.expires_at AS exp,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'available'), 0)::bigint AS avail,
            coalesce(sum(p.amount) FILTER (WHERE p.account = 'pending'), 0)::bigint AS pend
       FROM loyalty_lots l LEFT JOIN loyalty_postings p ON p.lot_id = l.id WHERE l.workspace_id = $1 GROUP BY l.id ORDER BY l.id`,
    [ws],
  );
  return rows.map((r) => `${Number(r.c)} ${Number(r.points)} ${r.exp ? new Date(r.exp).getTime() : null} ${Number(r.avail)} ${Number(r.pend)}`);
}

type Replayable = { label: string; run: () => Promise<{ ok: true; value: EntryResult | EntryResult[] } | { ok: false; code: string }> };

async function runSequence(db: Db, seed: number, ops: number): Promise<void> {
  const rng = new Rng(seed);
  const ws = (await makeWorkspace(db, `lp${seed}`)).workspace.id;
  const members: number[] = [];
  for (const u of ['ann', 'bob', 'cid']) members.push(Number((await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, u])).rows[0]!.id));
  const model = new LedgerModel();
  const replays: Replayable[] = [];
  const orders: Array<{ id: string; c: number }> = [];
  let now = T0;
  let n = 0;
  const tx = <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction(fn);
  const key = () => `k${n}-${rng.int(0, 1e6)}`;
  const expiry = () => (rng.chance(0.2) ? null : now + rng.int(1, 60) * DAY + rng.int(0, 23) * 3_600_000);
  const log: string[] = [];

  for (let i = 0; i < ops; i++) {
    n = i;
    now += rng.int(0, 4) * DAY + rng.int(0, 23) * 3_600_000;
    const at = new Date(now);
    const c = rng.pick(members);
    const op = rng.weighted([
      ['earn', 30],
      ['redeem', 14],
      ['expire', 8],
      ['releaseDue', 7],
      ['releaseOnEvent', 7],
      ['refund', 12],
      ['transfer', 8],
      ['adjust', 7],
      ['replay', 7],
    ] as const);
    let label = `${op} c=${c}`;
    try {
      if (op === 'earn') {
        const points = rng.int(1, 300);
        const exp = expiry();
        const orderId = rng.chance(0.7) ? `o${i}` : null;
        const orderValue = orderId && rng.chance(0.8) ? rng.int(20, 400) : undefined;
        const mode = rng.pick(['now', 'now', 'until', 'event', 'both'] as const);
        const pendUntil = mode === 'until' || mode === 'both' ? now + rng.int(1, 10) * DAY : null;
        const pendEvent = mode === 'event' || mode === 'both' ? DELIVERED : null;
        const input = {
          workspaceId: ws,
          customerId: c,
          at,
          key: key(),
          points,
          expiresAt: exp === null ? null : new Date(exp),
          orderId,
          rule: { id: 'r', name: 'r', programmeVersion: 1, kind: 'order', multiplier: 1, tierMultiplier: 1, ...(orderValue ? { orderValue } : {}) },
          ...(mode === 'now' ? {} : { pending: { until: pendUntil === null ? null : new Date(pendUntil), event: pendEvent } }),
        };
        label += ` ${points} exp=${exp} ${mode} order=${orderId}/${orderValue}`;
        const r = await tx((t) => earn(t, input));
        assert.ok(r.ok && !r.value.replayed, label);
        model.earn(c, points, exp, { pendUntil, pendEvent, orderId, orderValue });
        if (orderId) orders.push({ id: orderId, c });
        replays.push({ label, run: () => tx((t) => earn(t, input)) });
      } else if (op === 'redeem' || (op === 'adjust' && rng.chance(0.5))) {
        const points = rng.int(1, 250);
        const input = { workspaceId: ws, customerId: c, at, key: key(), points, actor: 'admin', reason: 'test' };
        label += ` −${points}`;
        const r = op === 'redeem' ? await tx((t) => redeem(t, input)) : await tx((t) => adjust(t, { ...input, points: -points }));
        const m = model.spend(c, points);
        assert.equal(r.ok, m.ok, `${label}: ${r.ok ? 'ok' : r.code}`);
        if (r.ok && m.ok) {
          if (op === 'redeem' && rng.chance(0.6)) {
            const red = await db.query<{ id: number }>(
              `INSERT INTO loyalty_redemptions (workspace_id, customer_id, reward_id, idempotency_key, entry_id, points, status, channel, created_at, updated_at)
               VALUES ($1, $2, 'gift', $3, $4, $5, 'issued', 'api', $6, $6) RETURNING id`,
              [ws, c, input.key, r.value.entryId, points, at],
            );
            model.redemptions.push({ id: Number(red.rows[0]!.id), c, points, status: 'issued', created: now, exp: m.exp });
          }
          replays.push({ label, run: () => (op === 'redeem' ? tx((t) => redeem(t, input)) : tx((t) => adjust(t, { ...input, points: -points }))) });
        } else if (!r.ok) assert.equal(r.code, 'insufficient_points', label);
      } else if (op === 'adjust') {
        const points = rng.int(1, 200);
        const explicit = rng.chance(0.5);
        const exp = explicit ? expiry() : now + 365 * DAY;
        const input = { workspaceId: ws, customerId: c, at, key: key(), points, actor: 'admin', reason: 'test', ...(explicit ? { expiresAt: exp === null ? null : new Date(exp) } : {}) };
        label += ` +${points} exp=${exp}`;
        const r = await tx((t) => adjust(t, input));
        assert.ok(r.ok, label);
        model.adjustUp(c, points, exp);
        replays.push({ label, run: () => tx((t) => adjust(t, input)) });
      } else if (op === 'transfer') {
        const to = rng.pick(members.filter((x) => x !== c));
        const points = rng.int(1, 250);
        const input = { workspaceId: ws, fromCustomerId: c, toCustomerId: to, at, key: key(), points };
        label += ` → ${to} ${points}`;
        const r = await tx((t) => transfer(t, input));
        const m = model.transfer(c, to, points);
        assert.equal(r.ok, m, `${label}: ${r.ok ? 'ok' : r.code}`);
        if (r.ok) replays.push({ label, run: () => tx((t) => transfer(t, input)) });
      } else if (op === 'expire') {
        const got = await tx((t) => expireDue(t, ws, at));
        assert.equal(got, model.expireDue(now), label);
      } else if (op === 'releaseDue') {
        const got = await tx((t) => releaseDue(t, ws, at));
        assert.equal(got, model.releaseDue(now), label);
      } else if (op === 'releaseOnEvent') {
        const o = orders.length && rng.chance(0.8) ? rng.pick(orders) : { id: `none${i}`, c };
        label = `releaseOnEvent c=${o.c} order=${o.id}`;
        const got = await tx((t) => releaseOnEvent(t, { workspaceId: ws, customerId: o.c, event: DELIVERED, orderId: o.id, at, sourceEvent: `m${i}` }));
        assert.equal(got, model.releaseOnEvent(o.c, DELIVERED, o.id), label);
      } else if (op === 'refund') {
        // Half the time an order whose points were (partly) spent, so refunds reach the policy.
        const spent = model.earns.filter((e) => e.orderId !== null && e.lot.avail + e.lot.pend < e.points - e.reversed).map((e) => ({ id: e.orderId!, c: e.c }));
        const o = spent.length && rng.chance(0.5) ? rng.pick(spent) : orders.length && rng.chance(0.9) ? rng.pick(orders) : { id: `none${i}`, c };
        const amount = rng.chance(0.35) ? null : rng.int(1, 250);
        const policy = rng.pick(['negative', 'clawback'] as const);
        const input = { workspaceId: ws, customerId: o.c, at, key: key(), orderId: o.id, refunded: amount, policy };
        label = `refund c=${o.c} order=${o.id} ${amount} ${policy}`;
        const r = await tx((t) => reverseOrder(t, input));
        assert.ok(r.ok, label);
        const m = model.refund(o.c, o.id, amount, policy, now);
        assert.deepEqual(
          r.value.map((x) => -(x.available + x.pending) || 0),
          m,
          label,
        );
        replays.push({ label, run: () => tx((t) => reverseOrder(t, input)) });
      } else if (op === 'replay' && replays.length > 0) {
        const rp = rng.pick(replays);
        label = `replay of ${rp.label}`;
        const before = await snapshot(db, ws);
        const r = await rp.run();
        assert.ok(r.ok, label);
        for (const v of Array.isArray(r.value) ? r.value : [r.value]) assert.equal(v.replayed, true, label);
        assert.equal(await snapshot(db, ws), before, `${label} changed the tables`);
      }
      log.push(label);
      // After every move: the model's lots and balances, and the invariants.
      const lots = model.lots.map((l) => `${l.c} ${l.points} ${l.exp} ${l.avail} ${l.pend}`);
      assert.deepEqual(await lotsOf(db, ws), lots, `${label}: lots (customer points expiry available pending)`);
      for (const m of members) {
        const b = await balances(db, ws, m);
        assert.deepEqual(b, { available: model.balance(m), pending: model.pending(m) }, `${label}: balances of ${m}`);
      }
      assert.deepEqual(await invariants(db, ws), [], label);
    } catch (e) {
      console.error(`ledger property: seed ${seed} failed at move ${i} (${label}); moves before:\n  ${log.slice(-12).join('\n  ')}`);
      throw e;
    }
  }
  // At the end: Σ of every posting is 0 and the debt the model carries is the lot-less postings' total.
  for (const m of members) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT coalesce(-sum(amount), 0)::int AS n FROM loyalty_postings WHERE workspace_id = $1 AND customer_id = $2 AND account = 'available' AND lot_id IS NULL`,
      [ws, m],
    );
    assert.equal(rows[0]!.n, model.debt.get(m) ?? 0, `seed ${seed}: debt of ${m}`);
  }
  const total = await db.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::int AS n FROM loyalty_postings WHERE workspace_id = $1`, [ws]);
  assert.equal(total.rows[0]!.n, 0);
  const kinds = await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM loyalty_entries WHERE workspace_id = $1 GROUP BY kind`, [ws]);
  for (const k of kinds.rows) seen.set(k.kind, (seen.get(k.kind) ?? 0) + k.n);
  seen.set('replay', (seen.get('replay') ?? 0) + log.filter((l) => l.startsWith('replay')).length);
  const negative = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_postings WHERE workspace_id = $1 AND account = 'available' AND lot_id IS NULL AND amount < 0`, [ws]);
  seen.set('negative', (seen.get('negative') ?? 0) + negative.rows[0]!.n);
}

/** What the sequences did, summed (each kind of move must have happened, or the test proves little). */
const seen = new Map<string, number>();

for (const target of dbTargets()) {
  describe(`loyalty ledger: random move sequences against a model (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('keeps the model’s lots and balances and the ledger’s invariants after every move', async () => {
      const sequences = Number(process.env.LEDGER_SEQUENCES ?? (target.name === 'postgres' ? 60 : 30));
      const ops = Number(process.env.LEDGER_OPS ?? 40);
      const base = Number(process.env.LEDGER_SEED ?? 20_270_101);
      seen.clear();
      for (let s = 0; s < sequences; s++) await runSequence(db, base + s, ops);
      const missing = ['earn', 'release', 'redeem', 'expire', 'adjust', 'reverse', 'transfer', 'settle', 'cancel', 'replay', 'negative'].filter((k) => !seen.get(k));
      assert.deepEqual(missing, [], `moves never made: ${JSON.stringify(Object.fromEntries(seen))}`);
      console.log(`ledger property (${target.name}): ${sequences} × ${ops} moves: ${JSON.stringify(Object.fromEntries(seen))}`);
    });

    it('two workers expiring and releasing the same lots at once write each lot once', async () => {
      const ws = (await makeWorkspace(db, 'lp-race')).workspace.id;
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(Number((await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, $2) RETURNING id`, [ws, `m${i}`])).rows[0]!.id));
      const at = new Date(T0);
      // Each member: 3 lots expiring on day 5 and 2 pending until day 3 (30 expiring, 12 pending in all... by hand: 6 × 3 = 18 and 6 × 2 = 12).
      for (const c of ids) {
        for (let k = 0; k < 3; k++) assert.ok((await db.transaction((t) => earn(t, { workspaceId: ws, customerId: c, at, key: `x${c}-${k}`, points: 10, expiresAt: new Date(T0 + 5 * DAY) }))).ok);
        for (let k = 0; k < 2; k++)
          assert.ok(
            (await db.transaction((t) => earn(t, { workspaceId: ws, customerId: c, at, key: `p${c}-${k}`, points: 7, expiresAt: null, pending: { until: new Date(T0 + 3 * DAY), event: null } }))).ok,
          );
      }
      const released = await Promise.all([0, 1, 2].map(() => db.transaction((t) => releaseDue(t, ws, new Date(T0 + 4 * DAY)))));
      assert.equal(
        released.reduce((s, x) => s + x, 0),
        12,
      );
      const expired = await Promise.all([0, 1, 2].map(() => db.transaction((t) => expireDue(t, ws, new Date(T0 + 6 * DAY)))));
      assert.equal(
        expired.reduce((s, x) => s + x, 0),
        18,
      );
      // Each member keeps 2 × 7 = 14 released points that never expire.
      for (const c of ids) assert.deepEqual(await balances(db, ws, c), { available: 14, pending: 0 });
      assert.deepEqual(await invariants(db, ws), []);
    });
  });
}

/**
 * An erased person appears in no table: one person planted in every table of the plan (and a
 * second who must be untouched), erased; then every text and jsonb column of every table is
 * searched for their userId, anonymousIds, email and phone, and every customer-id column for
 * their ids. With suppression, their later events (track, identify, alias, a batch) are dropped
 * and counted, until lifted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { ingest, plantPerson, type PlantedPerson } from '../../test-support/privacy-fixture.js';
import { ERASURE_PLAN } from './erase-plan.js';
import { eraseCustomerNow, submitRegulation } from './requests.service.js';

const ID_COLUMN = /^(customer_id|.+_customer_id|advocate_id|friend_id|counterparty_id)$/;

/** Every (table, column) where the person shows: customer-id columns holding their ids, text and jsonb holding their identifiers. */
async function whereFound(db: Db, p: PlantedPerson): Promise<string[]> {
  const { rows: cols } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        -- a partition (events_2026_11, events_default) is its parent's rows: counted there
        AND c.table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)
      WHERE c.table_schema = 'public'`,
  );
  const scoped = new Set(cols.filter((c) => c.column_name === 'scope').map((c) => c.table_name));
  const needles = [p.userId, ...p.anonymousIds, p.email, p.phone].map((v) => `%${v.toLowerCase()}%`);
  const found: string[] = [];
  for (const c of cols) {
    const col = `"${c.column_name}"`;
    let sql: string | null = null;
    let params: unknown[] = [];
    if ((c.data_type === 'bigint' || c.data_type === 'integer') && (ID_COLUMN.test(c.column_name) || (c.table_name === 'customers' && c.column_name === 'id'))) {
      sql = `SELECT count(*)::int AS n FROM ${c.table_name} WHERE ${col} = ANY($1::bigint[])`;
      params = [p.customerIds];
    } else if (c.column_name === 'subject_id' && scoped.has(c.table_name)) {
      sql = `SELECT count(*)::int AS n FROM ${c.table_name} WHERE scope = 'customer' AND subject_id = ANY($1::bigint[])`;
      params = [p.customerIds];
    } else if (c.column_name === 'subject_ids') {
      sql = `SELECT count(*)::int AS n FROM ${c.table_name} WHERE subject_ids && $1::bigint[]`;
      params = [p.customerIds];
    } else if (['text', 'character varying', 'jsonb', 'json', 'ARRAY'].includes(c.data_type)) {
      sql = `SELECT count(*)::int AS n FROM ${c.table_name} WHERE lower(${col}::text) LIKE ANY($1::text[])`;
      params = [needles];
    }
    if (!sql) continue;
    const { rows } = await db.query<{ n: number }>(sql, params);
    if (rows[0]!.n > 0) found.push(`${c.table_name}.${c.column_name}: ${rows[0]!.n}`);
  }
  return found.sort();
}

for (const target of dbTargets()) {
  describe(`erasure (${target.name})`, () => {
    let db: Db;
    let ws: number;
    let gone: PlantedPerson;
    let kept: PlantedPerson;
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db)).workspace.id;
      kept = await plantPerson(db, ws, 'keeper');
      gone = await plantPerson(db, ws, 'erasee', kept.customerId);
      // The analytics sync consumed the merge; one still waiting names them too.
      await db.query(`INSERT INTO analytics_merges (workspace_id, from_customer_id, into_customer_id) VALUES ($1, $2, $3), ($1, $4, $5)`, [
        ws,
        gone.customerIds[1],
        gone.customerId,
        kept.customerIds[1],
        kept.customerId,
      ]);
    });
    after(() => db?.close());

    it('removes the person from every table of the plan, leaves the other person whole, and keeps the ledger balanced', async () => {
      const keptBefore = await whereFound(db, kept);
      const goneBefore = await whereFound(db, gone);
      assert.ok(goneBefore.length > 40, `the person is planted widely: ${goneBefore.length} columns`);
      const keptBalance = await db.query<{ n: string }>(`SELECT coalesce(sum(amount), 0) AS n FROM loyalty_postings WHERE customer_id = $1 AND account = 'available'`, [kept.customerId]);
      // Hand-computed: the keeper earned 100, redeemed 10, and received 5 from the erasee.
      assert.equal(Number(keptBalance.rows[0]!.n), 95);

      const receipt = await eraseCustomerNow(db, ws, gone.customerId, { suppress: true }, { kind: 'user', label: 'dpo@example.test' });
      assert.equal(receipt.customers, 1);
      assert.equal(receipt.notFound, 0);
      assert.equal(receipt.erasedBy, 'dpo@example.test');
      const byTable = new Map(receipt.tables.map((t) => [t.table, t.rows]));
      const untouched = Object.keys(ERASURE_PLAN).filter((t) => !byTable.has(t));
      assert.deepEqual(untouched, [], 'every table of the plan had rows of the person');
      // The customer merged into theirs lost its row at the merge; its id is searched for all the same.
      assert.equal(byTable.get('customers'), 1);
      assert.equal(byTable.get('customer_merges'), 1);
      assert.equal(byTable.get('identities'), 3, 'their userId and both anonymousIds');

      assert.deepEqual(await whereFound(db, gone), [], 'the erased person appears in no table');
      // The other person's rows are all there. One row naming them goes: the erasee's own
      // "points transferred" event, whose counterparty was the keeper.
      const expected = keptBefore.map((r) => (r === 'events.properties: 2' ? 'events.properties: 1' : r));
      assert.ok(keptBefore.includes('events.properties: 2'));
      assert.deepEqual(await whereFound(db, kept), expected, "the other person's rows are all there");

      const unbalanced = await db.query(`SELECT entry_id FROM loyalty_postings WHERE workspace_id = $1 GROUP BY entry_id HAVING sum(amount) <> 0`, [ws]);
      assert.equal(unbalanced.rows.length, 0, 'every entry still sums to zero');
      const after = await db.query<{ n: string }>(`SELECT coalesce(sum(amount), 0) AS n FROM loyalty_postings WHERE customer_id = $1 AND account = 'available'`, [kept.customerId]);
      assert.equal(Number(after.rows[0]!.n), 95, 'the transfer the keeper received is still theirs');

      const req = await db.query<{ receipt: unknown; subject: Record<string, unknown>; status: string }>(`SELECT receipt, subject, status FROM privacy_requests WHERE id = $1`, [receipt.requestId]);
      assert.equal(req.rows[0]!.status, 'done');
      assert.equal(req.rows[0]!.subject.pending, undefined, 'no clear value kept on the request');
    });

    it('drops their later events at ingestion (track, identify, alias, by email or phone), counted, until lifted', async () => {
      const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1`, [ws])).rows[0]!.n;
      const dropped = async () => (await db.query<{ n: number }>(`SELECT coalesce(sum(dropped), 0)::int AS n FROM privacy_suppressions WHERE workspace_id = $1`, [ws])).rows[0]!.n;
      const before = await count();
      const r1 = await ingest(db, ws, 'track', { userId: gone.userId, event: 'Came Back' });
      const r2 = await ingest(db, ws, 'page', { anonymousId: gone.anonymousIds[1], name: 'Home' });
      const r3 = await ingest(db, ws, 'identify', { userId: 'someone-new-42', traits: { email: gone.email.toUpperCase() } });
      const r4 = await ingest(db, ws, 'identify', { userId: 'someone-new-43', traits: { phone: gone.phone.replace(/ /g, '') } });
      const r5 = await ingest(db, ws, 'alias', { userId: 'someone-new-44', previousId: gone.anonymousIds[0] });
      for (const r of [r1, r2, r3, r4, r5]) assert.deepEqual([r.inserted, r.suppressed], [0, 1]);
      assert.equal(await count(), before, 'nothing stored');
      assert.equal(await dropped(), 5);
      assert.deepEqual(await whereFound(db, { ...gone, customerIds: [-1] }), [], 'not recreated');
      // Someone else's event is stored as usual.
      assert.equal((await ingest(db, ws, 'track', { userId: kept.userId, event: 'Still Here' })).inserted, 1);

      const lifted = await submitRegulation(db, ws, { regulationType: 'UNSUPPRESS', subjectType: 'USER_ID', subjectIds: [gone.userId] }, { kind: 'key', label: 'ops' });
      assert.ok(lifted.ok);
      assert.equal((await ingest(db, ws, 'track', { userId: gone.userId, event: 'Came Back' })).inserted, 1, 'lifted: stored again');
    });
  });
}

/**
 * THE guard: every table of the database whose columns can hold a customer or an identity is
 * either in ERASURE_PLAN (how a person's rows are removed) or in NOT_PERSONAL (with a reason).
 * A new table with such a column fails here until it is placed in one of them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../test-support/harness.js';
import { ERASURE_PLAN, NOT_PERSONAL } from './erase-plan.js';

/** Column names that can hold a customer (their id, a reference to their rows) or an identifier of one. */
export const PERSONAL_COLUMN =
  /^(customer_ids?|.+_customer_id|subject_ids?|subject_key|advocate_id|friend_id|referee_id|counterparty_id|anonymous_id|user_id|email|.+_email|phone|.+_phone|address|.+_address|ip|user_agent|traits|properties|context|evidence|payload|run_id|task_id|.+_external_id)$/;

describe('erasure plan guard', () => {
  const target = dbTargets()[0]!;
  it('every table with a personal-looking column is in ERASURE_PLAN or NOT_PERSONAL, and both name only real tables', async () => {
    const db = await target.open();
    try {
      const { rows } = await db.query<{ table_name: string; column_name: string }>(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
             -- a partition (events_2026_11, events_default) is its parent's rows: counted there
             AND c.table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)
          WHERE c.table_schema = 'public' ORDER BY 1, 2`,
      );
      const tables = new Set(rows.map((r) => r.table_name));
      assert.ok(tables.size > 80, `read ${tables.size} tables`);
      const missing = new Map<string, string[]>();
      for (const r of rows) {
        if (!PERSONAL_COLUMN.test(r.column_name)) continue;
        if (r.table_name in ERASURE_PLAN || r.table_name in NOT_PERSONAL) continue;
        missing.set(r.table_name, [...(missing.get(r.table_name) ?? []), r.column_name]);
      }
      assert.deepEqual(
        [...missing].map(([t, cols]) => `${t} (${cols.join(', ')})`),
        [],
        'tables that can hold a customer but are in neither ERASURE_PLAN nor NOT_PERSONAL (src/server/privacy/erase-plan.ts)',
      );
      for (const t of [...Object.keys(ERASURE_PLAN), ...Object.keys(NOT_PERSONAL)]) assert.ok(tables.has(t), `${t} is named by the plan but is no table`);
      for (const t of Object.keys(ERASURE_PLAN)) assert.ok(!(t in NOT_PERSONAL), `${t} is in both lists`);
      // The guard itself sees the columns it must: a sample of known personal tables.
      for (const t of ['events', 'customers', 'loyalty_postings', 'referrals', 'support_tickets', 'journey_signals', 'task_notifications', 'suppressions'])
        assert.ok(
          rows.some((r) => r.table_name === t && PERSONAL_COLUMN.test(r.column_name)),
          `${t} has a personal column`,
        );
    } finally {
      await db.close();
    }
  });
});

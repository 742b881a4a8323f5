/**
 * Support measures against hand-computed numbers, on both databases: per customer, per
 * account, as a health measure and as churn features.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { supportMeasures, supportMeasuresOf } from './measures.js';
import { measureSql } from '../predict/health/health-sql.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const H = 3_600_000;
const DAY = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

for (const target of dbTargets()) {
  describe(`support measures (${target.name})`, () => {
    let db: Db;
    let ws: number;
    const ids = { ann: 0, ben: 0, acme: 0 };
    before(async () => {
      db = await target.open();
      ws = (await makeWorkspace(db, 'support-measures')).workspace.id;
      const c = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id) VALUES ($1, 'ann'), ($1, 'ben') RETURNING id`, [ws]);
      ids.ann = Number(c.rows[0]!.id);
      ids.ben = Number(c.rows[1]!.id);
      const a = await db.query<{ id: number }>(`INSERT INTO accounts (workspace_id, group_id, first_seen_at, last_seen_at) VALUES ($1, 'acme', now(), now()) RETURNING id`, [ws]);
      ids.acme = Number(a.rows[0]!.id);
      await db.query(`INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at) VALUES ($1, $2, $3, now())`, [ws, ids.acme, ids.ben]);
      // ann: T1 (10 days ago) answered in 1 h, solved in 5 h, reopened once, rated 0.5;
      //      T2 (5 days ago) answered in 3 h, solved in 9 h, rated 1;
      //      T3 (200 days ago): outside the 90-day window.
      // ben (member of acme): T4 (2 days ago) answered in 6 h, not solved; T5 on account acme directly (no customer): answered in 2 h, solved in 4 h.
      const t = (id: string, customer: number | null, account: number | null, created: number, fr: number | null, solved: number | null, solves: number, reopens: number, rating: number | null) =>
        db.query(
          `INSERT INTO support_tickets (workspace_id, connection_id, ticket_id, customer_id, account_id, created_at, first_response_at, solved_at, solves, reopens, rating, rated_at)
           VALUES ($1, 'hd_x', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            ws,
            id,
            customer,
            account,
            ago(created),
            fr === null ? null : ago(created - fr),
            solved === null ? null : ago(created - solved),
            solves,
            reopens,
            rating,
            rating === null ? null : ago(created - solved! - H),
          ],
        );
      await t('T1', ids.ann, null, 10 * DAY, 1 * H, 5 * H, 2, 1, 0.5);
      await t('T2', ids.ann, null, 5 * DAY, 3 * H, 9 * H, 1, 0, 1);
      await t('T3', ids.ann, null, 200 * DAY, 1 * H, 100 * H, 1, 1, 0);
      await t('T4', ids.ben, ids.acme, 2 * DAY, 6 * H, null, 0, 0, null);
      await t('T5', null, ids.acme, 3 * DAY, 2 * H, 4 * H, 1, 0, null);
    });
    after(() => db.close());

    it('per customer: means over the tickets of the window', async () => {
      // first response (1 + 3) / 2 = 2 h; resolution (5 + 9) / 2 = 7 h; reopened 1 of 2 solved = 0.5; ratings (0.5 + 1) / 2 = 0.75; 2 tickets.
      assert.deepEqual(await supportMeasures(db, 'customer', ids.ann, NOW), { first_response_hours: 2, resolution_hours: 7, reopen_rate: 0.5, csat: 0.75, tickets: 2 });
      // ben: one ticket answered in 6 h, none solved (no resolution, no reopen rate), no rating.
      assert.deepEqual(await supportMeasures(db, 'customer', ids.ben, NOW), { first_response_hours: 6, resolution_hours: null, reopen_rate: null, csat: null, tickets: 1 });
      // Over 365 days T3 counts: first response (1 + 3 + 1) / 3; resolution (5 + 9 + 100) / 3 = 38; reopen 2 of 3.
      const year = await supportMeasures(db, 'customer', ids.ann, NOW, 365);
      assert.ok(Math.abs(year.first_response_hours! - 5 / 3) < 1e-9);
      assert.ok(Math.abs(year.resolution_hours! - 38) < 1e-9);
      assert.ok(Math.abs(year.reopen_rate! - 2 / 3) < 1e-9);
    });

    it('per account: its own tickets and its members’', async () => {
      // T4 (ben's, also on acme) and T5: first response (6 + 2) / 2 = 4 h; resolution 4 h (T5 only); reopen 0 of 1 solved.
      assert.deepEqual(await supportMeasures(db, 'account', ids.acme, NOW), { first_response_hours: 4, resolution_hours: 4, reopen_rate: 0, csat: null, tickets: 2 });
    });

    it('as a health measure: the value and its score through the points', async () => {
      const params: unknown[] = [ws, NOW.toISOString()];
      const m = measureSql(
        {
          type: 'support',
          metric: 'first_response_hours',
          withinDays: 90,
          points: [
            [1, 100],
            [24, 50],
          ],
        },
        NOW,
        params,
        '$2::timestamptz',
      );
      const { rows } = await db.query<{ id: number; value: number | null; score: number | null }>(
        `SELECT c.id, v.value, ${m.score('v.value')} AS score FROM customers c CROSS JOIN LATERAL (SELECT ${m.value} AS value) v WHERE c.workspace_id = $1 ORDER BY c.id`,
        params,
      );
      // ann 2 h: 100 + (2 − 1) × (50 − 100) / (24 − 1) = 97.826…; ben 6 h: 100 − 5 × 50 / 23 = 89.130…
      assert.equal(Number(rows[0]!.value), 2);
      assert.ok(Math.abs(Number(rows[0]!.score) - (100 - 50 / 23)) < 1e-9);
      assert.ok(Math.abs(Number(rows[1]!.score) - (100 - 250 / 23)) < 1e-9);
    });

    it('as churn features: as of a past moment, only what was known then', async () => {
      // Six days ago: only T1 (10 days ago) was open, answered and solved; T2 (5 days ago) not yet opened.
      const m = await supportMeasuresOf(db, ws, [ids.ann, ids.ben], new Date(NOW.getTime() - 6 * DAY));
      assert.deepEqual(m.get(ids.ann), { first_response_hours: 1, resolution_hours: 5, reopen_rate: 1, csat: 0.5, tickets: 1 });
      // ben's only ticket is 2 days old: nothing yet, but he has tickets, so a row of blanks and 0 tickets.
      assert.deepEqual(m.get(ids.ben), { first_response_hours: null, resolution_hours: null, reopen_rate: null, csat: null, tickets: 0 });
    });
  });
}

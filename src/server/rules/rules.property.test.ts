import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionSchema } from '../../contracts/condition.js';
import type { Db } from '../db/client.js';
import { Rng } from '../lib/rng.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { compileCondition } from './compile-sql.js';
import { evaluate, type CustomerFacts } from './evaluate.js';
import { loadMomentFacts, momentPlan } from './moment-facts.js';
import { clean, NOW, randomCondition, randomCustomer } from '../../test-support/random-conditions.js';

// The guard that keeps the two evaluators honest (DESIGN.md, "One rule language"): random
// customers, events and conditions; the SQL compiler and the in-memory evaluator must
// pick the same customers. Numbers are multiples of 0.25, so sums are exact in both. The
// facts the segment worker loads for one moment (moment-facts.ts) must give the same answers.
const CUSTOMERS = 40;
const CONDITIONS = 250; // 40 × 250 = 10,000 cases per database

for (const target of dbTargets()) {
  describe(`rule language: SQL compiler and in-memory evaluator agree (${target.name})`, () => {
    let db: Db;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it(`on ${CUSTOMERS * CONDITIONS} random (customer, condition) cases`, async () => {
      const r = new Rng(20261123);
      const ws = (await makeWorkspace(db, 'rules')).workspace.id;
      const facts = new Map<number, CustomerFacts>();
      for (let i = 0; i < CUSTOMERS; i++) {
        const f = randomCustomer(r);
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits, trait_times, first_touch) VALUES ($1, $2, $3, '{}', $4::jsonb) RETURNING id`, [
          ws,
          `rules-${i}`,
          JSON.stringify(f.traits),
          f.firstTouch ? JSON.stringify({ ...f.firstTouch, medium: null, referrer: null, at: NOW.toISOString() }) : null,
        ]);
        const id = rows[0]!.id;
        facts.set(id, f);
        for (const [k, e] of f.events.entries()) {
          await db.query(`INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`, [
            ws,
            id,
            `rules-${i}-${k}`,
            e.type,
            e.event,
            e.timestamp.toISOString(),
            JSON.stringify(e.properties),
          ]);
        }
        if (f.stage) {
          await db.query(`INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version) VALUES ($1, 'customer', $2, $3, $4, 'test', $4, 1)`, [
            ws,
            id,
            f.stage.key,
            f.stage.since.toISOString(),
          ]);
        }
        for (const seg of f.segments ?? []) await db.query(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES ($1, $2, $3, now())`, [ws, seg, id]);
        for (const [name, value] of Object.entries(f.scores ?? {})) {
          // Both forms a score is stored in: a number, or an object with the number as `score` and details beside it.
          const stored = id % 2 === 0 ? value : { score: value, band: 'green', factors: [{ feature: 'recency', contribution: 0.4 }] };
          await db.query(`INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at) VALUES ($1, $2, $3, $4, now())`, [ws, id, name, JSON.stringify(stored)]);
        }
      }
      let mismatches = 0;
      let matched = 0;
      for (let n = 0; n < CONDITIONS; n++) {
        // The second half under the other activity setting (opens count, clicks do not): the
        // SQL reads it from the workspace row, the in-memory facts carry it.
        if (n === CONDITIONS / 2) {
          const other = { opens: true, clicks: false };
          await db.query(`UPDATE workspaces SET activity = $2::jsonb WHERE id = $1`, [ws, JSON.stringify(other)]);
          for (const f of facts.values()) f.activity = other;
        }
        const cond = ConditionSchema.parse(clean(randomCondition(r, 3)));
        const params: unknown[] = [ws];
        const sql = compileCondition(cond, { now: NOW, params });
        const { rows } = await db.query<{ id: number }>(`SELECT c.id FROM customers c WHERE c.workspace_id = $1 AND ${sql}`, params);
        const bySql = new Set(rows.map((x) => x.id));
        // What the segment worker decides from: only the facts that matter at NOW, loaded from the database.
        const moment = await loadMomentFacts(db, ws, 'customer', [...facts.keys()], momentPlan([cond], NOW), NOW);
        for (const [id, f] of facts) {
          const inMemory = evaluate(cond, f, NOW);
          if (inMemory) matched++;
          if (inMemory !== bySql.has(id)) {
            mismatches++;
            assert.fail(`disagreement on customer ${JSON.stringify(f)}\ncondition ${JSON.stringify(cond)}\nSQL says ${bySql.has(id)}, memory says ${inMemory}`);
          }
          const fromMoment = evaluate(cond, moment.get(id)!, NOW);
          if (fromMoment !== inMemory) {
            assert.fail(
              `moment facts disagree on customer ${JSON.stringify(f)}\nloaded ${JSON.stringify(moment.get(id))}\ncondition ${JSON.stringify(cond)}\nall events say ${inMemory}, moment facts say ${fromMoment}`,
            );
          }
        }
      }
      assert.equal(mismatches, 0);
      // Both outcomes must be common, or the test proves little.
      assert.ok(matched > 1_500 && matched < 8_500, `${matched} of ${CUSTOMERS * CONDITIONS} cases matched`);
    });

    it("on accounts too: an account has its traits, stage and segments, and every member's events", async () => {
      const r = new Rng(20261124);
      const ws = (await makeWorkspace(db, 'rules-accounts')).workspace.id;
      const customers: Array<{ id: number; f: CustomerFacts }> = [];
      for (let i = 0; i < 30; i++) {
        const f = randomCustomer(r);
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits, trait_times) VALUES ($1, $2, '{}', '{}') RETURNING id`, [ws, `acct-member-${i}`]);
        customers.push({ id: rows[0]!.id, f });
        for (const [k, e] of f.events.entries()) {
          await db.query(`INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`, [
            ws,
            rows[0]!.id,
            `acct-${i}-${k}`,
            e.type,
            e.event,
            e.timestamp.toISOString(),
            JSON.stringify(e.properties),
          ]);
        }
      }
      const accounts = new Map<number, CustomerFacts>();
      for (let a = 0; a < 16; a++) {
        const own = randomCustomer(r); // its traits, stage and segments; events come from the members
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO accounts (workspace_id, group_id, traits, trait_times, first_seen_at, last_seen_at) VALUES ($1, $2, $3, '{}', now(), now()) RETURNING id`,
          [ws, `acct-${a}`, JSON.stringify(own.traits)],
        );
        const id = rows[0]!.id;
        const members = customers.filter(() => r.chance(0.12));
        for (const m of members) await db.query(`INSERT INTO account_members (workspace_id, account_id, customer_id, joined_at) VALUES ($1, $2, $3, now())`, [ws, id, m.id]);
        if (own.stage) {
          await db.query(`INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version) VALUES ($1, 'account', $2, $3, $4, 'test', $4, 1)`, [
            ws,
            id,
            own.stage.key,
            own.stage.since.toISOString(),
          ]);
        }
        for (const seg of own.segments ?? []) await db.query(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES ($1, $2, $3, now())`, [ws, seg, id]);
        accounts.set(id, { traits: own.traits, events: members.flatMap((m) => m.f.events), stage: own.stage, segments: own.segments, scores: {}, firstTouch: null });
      }
      let cases = 0;
      let matched = 0;
      for (let n = 0; n < 200; n++) {
        const cond = ConditionSchema.parse(clean(randomCondition(r, 3)));
        const params: unknown[] = [ws];
        const sql = compileCondition(cond, { now: NOW, params, customer: 'a', subject: 'account' });
        const { rows } = await db.query<{ id: number }>(`SELECT a.id FROM accounts a WHERE a.workspace_id = $1 AND ${sql}`, params);
        const bySql = new Set(rows.map((x) => x.id));
        const moment = await loadMomentFacts(db, ws, 'account', [...accounts.keys()], momentPlan([cond], NOW), NOW);
        for (const [id, f] of accounts) {
          const inMemory = evaluate(cond, f, NOW);
          cases++;
          if (inMemory) matched++;
          if (inMemory !== bySql.has(id)) assert.fail(`disagreement on account ${JSON.stringify(f)}\ncondition ${JSON.stringify(cond)}\nSQL says ${bySql.has(id)}, memory says ${inMemory}`);
          if (evaluate(cond, moment.get(id)!, NOW) !== inMemory) assert.fail(`moment facts disagree on account ${JSON.stringify(f)}\ncondition ${JSON.stringify(cond)}`);
        }
      }
      assert.ok(matched > cases * 0.15 && matched < cases * 0.85, `${matched} of ${cases} cases matched`);
    });

    it('rejects a malformed condition with the path of the bad node', () => {
      const r = ConditionSchema.safeParse({ all: [{ trait: { path: 'plan', op: 'eq', value: 'pro' } }, { performed: { event: '', count: { op: 'gte', value: 1 } } }] });
      assert.equal(r.success, false);
      assert.ok(!r.success && r.error.issues.some((i) => i.path.join('.').startsWith('all.1')), JSON.stringify(!r.success && r.error.issues));
    });
  });
}

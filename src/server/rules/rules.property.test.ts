import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionSchema, type Condition, type Duration, type ValueTest, type Window } from '../../contracts/condition.js';
import type { Db } from '../db/client.js';
import { Rng } from '../demo/rng.js';
import { dbTargets, makeWorkspace } from '../../test-support/harness.js';
import { compileCondition } from './compile-sql.js';
import { evaluate, type CustomerFacts } from './evaluate.js';

// The guard that keeps the two evaluators honest (DESIGN.md, "One rule language"): random
// customers, events and conditions; the SQL compiler and the in-memory evaluator must
// pick the same customers. Numbers are multiples of 0.25, so sums are exact in both.
const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const CUSTOMERS = 40;
const CONDITIONS = 250; // 40 × 250 = 10,000 cases per database

const NUMBERS = [-2, -0.5, 0, 0.25, 1, 2.5, 3, 10, 100];
const STRINGS = ['', 'a', 'pro', 'free', 'pro plan', 'Pro'];
const EVENTS = ['Order Completed', 'Signed Up', 'Page Viewed'];
const CHANNELS = ['paid_search', 'organic_search', 'email', 'referral'];
const SOURCES = ['google', 'newsletter'];
const CAMPAIGNS = ['spring', 'winback'];
const TRAIT_PATHS = ['plan', 'score', 'vip', 'address.city', 'address.zip', 'tags.0', 'tags.-1', 'missing', 'plan.x'];
const STAGES = ['awareness', 'conversion', 'churned'];
const SEGMENTS = ['1', '2', 'vip'];
const SCORES = ['churn_risk', 'health'];
const PROPERTY_PATHS = ['revenue', 'plan', 'items.0', 'coupon', 'nested.value', 'missing'];

function randomValue(r: Rng): unknown {
  const k = r.int(0, 9);
  if (k <= 3) return r.pick(NUMBERS);
  if (k <= 6) return r.pick(STRINGS);
  if (k === 7) return r.chance(0.5);
  if (k === 8) return null;
  return r.chance(0.5) ? { x: r.pick(NUMBERS) } : [r.pick(NUMBERS), r.pick(STRINGS)];
}

function randomObject(r: Rng, keys: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) if (r.chance(0.7)) o[k] = randomValue(r);
  return o;
}

function randomCustomer(r: Rng): CustomerFacts {
  const traits = randomObject(r, ['plan', 'score', 'vip']);
  if (r.chance(0.6)) traits.address = randomObject(r, ['city', 'zip']);
  if (r.chance(0.5)) traits.tags = Array.from({ length: r.int(0, 3) }, () => r.pick(STRINGS));
  const events = Array.from({ length: r.int(0, 16) }, () => {
    const properties = randomObject(r, ['revenue', 'plan', 'coupon']);
    if (r.chance(0.4)) properties.items = [r.pick(NUMBERS), r.pick(STRINGS)];
    if (r.chance(0.3)) properties.nested = { value: r.pick(NUMBERS) };
    // Mostly the past 60 days, on a 12-hour grid so events often fall exactly on a window's
    // edge; some in the future, which no condition may count.
    const offset = (r.chance(0.1) ? r.int(1, 4) : -r.int(0, 120)) * 12 * 3_600_000;
    // Some events are Tenure's own (type `tenure`): matched by name, but not activity.
    return { event: r.pick(EVENTS), timestamp: new Date(NOW.getTime() + offset), properties, type: r.chance(0.15) ? 'tenure' : 'track' };
  });
  const stage = r.chance(0.8) ? { key: r.pick(STAGES), since: new Date(NOW.getTime() - r.int(0, 8) * DAY) } : null;
  const segments = new Set(SEGMENTS.filter(() => r.chance(0.4)));
  const scores: Record<string, number> = {};
  for (const name of SCORES) if (r.chance(0.7)) scores[name] = r.pick(NUMBERS);
  const firstTouch = r.chance(0.7) ? { channel: r.pick(CHANNELS), source: r.chance(0.7) ? r.pick(SOURCES) : null, campaign: r.chance(0.5) ? r.pick(CAMPAIGNS) : null } : null;
  return { traits, events, stage, segments, scores, firstTouch };
}

function randomDuration(r: Rng): Duration {
  return r.chance(0.7) ? { amount: r.int(1, 45), unit: 'days' } : { amount: 12 * r.int(1, 6), unit: 'hours' };
}

function randomWindow(r: Rng): Window | undefined {
  if (r.chance(0.35)) return undefined;
  if (r.chance(0.6)) return { within: randomDuration(r) };
  const from = NOW.getTime() - r.int(5, 50) * DAY; // on the grid too
  return { between: { from: new Date(from).toISOString(), to: new Date(from + r.int(1, 30) * DAY).toISOString() } };
}

function randomTest(r: Rng, paths: string[]): ValueTest {
  const path = r.pick(paths);
  switch (r.int(0, 4)) {
    case 0:
      return { path, op: r.chance(0.5) ? 'eq' : 'neq', value: r.chance(0.5) ? r.pick(NUMBERS) : r.chance(0.7) ? r.pick(STRINGS) : r.chance(0.5) };
    case 1:
    case 2:
      return { path, op: r.pick(['gt', 'gte', 'lt', 'lte'] as const), value: r.pick(NUMBERS) };
    case 3:
      return { path, op: 'contains', value: r.pick(['a', 'pro', 'ee', 'P']) };
    default:
      return { path, op: r.chance(0.5) ? 'exists' : 'not_exists' };
  }
}

function randomCondition(r: Rng, depth: number): Condition {
  if (depth > 0 && r.chance(0.35)) {
    const k = r.int(0, 2);
    const children = () => Array.from({ length: r.int(1, 3) }, () => randomCondition(r, depth - 1));
    return k === 0 ? { all: children() } : k === 1 ? { any: children() } : { not: randomCondition(r, depth - 1) };
  }
  const where = () => (r.chance(0.4) ? Array.from({ length: r.int(1, 2) }, () => randomTest(r, PROPERTY_PATHS)) : undefined);
  const window = randomWindow(r);
  switch (r.int(0, 6)) {
    case 0:
      return { trait: randomTest(r, TRAIT_PATHS) };
    case 5: {
      const k = r.int(0, 2);
      if (k === 0) return { stage: { key: r.pick(STAGES), ...(r.chance(0.5) ? { atLeast: { amount: r.int(1, 6), unit: 'days' as const } } : {}) } };
      if (k === 1) return { inSegment: { id: r.pick([...SEGMENTS, 'other']) } };
      return { score: { name: r.pick([...SCORES, 'missing']), op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const), value: r.pick(NUMBERS) } };
    }
    case 6: {
      const a: { channel?: string; source?: string; campaign?: string } = {};
      if (r.chance(0.7)) a.channel = r.chance(0.3) ? 'direct' : r.pick(CHANNELS);
      if (r.chance(0.3)) a.source = r.pick(SOURCES);
      if (r.chance(0.3) || Object.keys(a).length === 0) a.campaign = r.pick(CAMPAIGNS);
      return { acquisition: a };
    }
    case 1:
      return { performed: { event: r.pick(EVENTS), where: where(), ...(r.chance(0.6) ? { count: { op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const), value: r.int(0, 4) } } : {}), ...(window ? { window } : {}) } };
    case 2:
      return { lastPerformed: { event: r.pick(EVENTS), where: where(), op: r.chance(0.5) ? 'within' : 'before', duration: randomDuration(r) } };
    case 3: {
      const test = { op: r.chance(0.5) ? ('within' as const) : ('before' as const), duration: randomDuration(r) };
      return r.chance(0.5) ? { firstSeen: test } : { lastSeen: test };
    }
    default:
      return {
        aggregate: {
          event: r.pick(EVENTS),
          property: r.pick(['revenue', 'revenue', 'nested.value', 'items.0', 'plan']),
          fn: r.pick(['sum', 'avg', 'min', 'max'] as const),
          op: r.pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const),
          value: r.pick(NUMBERS),
          where: where(),
          ...(window ? { window } : {}),
        },
      };
  }
}

/** Drop keys whose value is undefined (the schema is strict about what is there). */
function clean<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

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
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits, trait_times, first_touch) VALUES ($1, $2, $3, '{}', $4::jsonb) RETURNING id`,
          [ws, `rules-${i}`, JSON.stringify(f.traits), f.firstTouch ? JSON.stringify({ ...f.firstTouch, medium: null, referrer: null, at: NOW.toISOString() }) : null]);
        const id = rows[0]!.id;
        facts.set(id, f);
        for (const [k, e] of f.events.entries()) {
          await db.query(
            `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
            [ws, id, `rules-${i}-${k}`, e.type, e.event, e.timestamp.toISOString(), JSON.stringify(e.properties)],
          );
        }
        if (f.stage) {
          await db.query(
            `INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version) VALUES ($1, 'customer', $2, $3, $4, 'test', $4, 1)`,
            [ws, id, f.stage.key, f.stage.since.toISOString()],
          );
        }
        for (const seg of f.segments ?? []) await db.query(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES ($1, $2, $3, now())`, [ws, seg, id]);
        for (const [name, value] of Object.entries(f.scores ?? {})) {
          await db.query(`INSERT INTO customer_scores (workspace_id, customer_id, name, value, computed_at) VALUES ($1, $2, $3, $4, now())`, [ws, id, name, JSON.stringify(value)]);
        }
      }
      let mismatches = 0;
      let matched = 0;
      for (let n = 0; n < CONDITIONS; n++) {
        const cond = ConditionSchema.parse(clean(randomCondition(r, 3)));
        const params: unknown[] = [ws];
        const sql = compileCondition(cond, { now: NOW, params });
        const { rows } = await db.query<{ id: number }>(`SELECT c.id FROM customers c WHERE c.workspace_id = $1 AND ${sql}`, params);
        const bySql = new Set(rows.map((x) => x.id));
        for (const [id, f] of facts) {
          const inMemory = evaluate(cond, f, NOW);
          if (inMemory) matched++;
          if (inMemory !== bySql.has(id)) {
            mismatches++;
            assert.fail(`disagreement on customer ${JSON.stringify(f)}\ncondition ${JSON.stringify(cond)}\nSQL says ${bySql.has(id)}, memory says ${inMemory}`);
          }
        }
      }
      assert.equal(mismatches, 0);
      // Both outcomes must be common, or the test proves little.
      assert.ok(matched > 1_500 && matched < 8_500, `${matched} of ${CUSTOMERS * CONDITIONS} cases matched`);
    });

    it('on accounts too: an account has its traits, stage and segments, and every member\'s events', async () => {
      const r = new Rng(20261124);
      const ws = (await makeWorkspace(db, 'rules-accounts')).workspace.id;
      const customers: Array<{ id: number; f: CustomerFacts }> = [];
      for (let i = 0; i < 30; i++) {
        const f = randomCustomer(r);
        const { rows } = await db.query<{ id: number }>(`INSERT INTO customers (workspace_id, user_id, traits, trait_times) VALUES ($1, $2, '{}', '{}') RETURNING id`, [ws, `acct-member-${i}`]);
        customers.push({ id: rows[0]!.id, f });
        for (const [k, e] of f.events.entries()) {
          await db.query(
            `INSERT INTO events (workspace_id, customer_id, message_id, type, event, timestamp, received_at, properties) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
            [ws, rows[0]!.id, `acct-${i}-${k}`, e.type, e.event, e.timestamp.toISOString(), JSON.stringify(e.properties)],
          );
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
          await db.query(
            `INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, model_version) VALUES ($1, 'account', $2, $3, $4, 'test', $4, 1)`,
            [ws, id, own.stage.key, own.stage.since.toISOString()],
          );
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
        for (const [id, f] of accounts) {
          const inMemory = evaluate(cond, f, NOW);
          cases++;
          if (inMemory) matched++;
          if (inMemory !== bySql.has(id)) assert.fail(`disagreement on account ${JSON.stringify(f)}\ncondition ${JSON.stringify(cond)}\nSQL says ${bySql.has(id)}, memory says ${inMemory}`);
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

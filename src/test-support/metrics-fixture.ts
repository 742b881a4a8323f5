import assert from 'node:assert/strict';
import type { Db } from '../server/db/client.js';
import { normalizeCall, type NormalizedEvent } from '../server/ingest/normalize.js';
import type { Err, Failure, Result } from '../server/lib/result.js';
import type { RowPick } from '../server/db/rows.js';
import type * as schema from '../server/db/schema/index.js';

/**
 * Building blocks for the KPI fixture tests: Segment calls at fixed times, rows the
 * lifecycle and marketing tables would hold, and comparisons that accept a value only
 * when it matches a hand-computed expectation (numbers to the 6 decimals they are written with, nulls exactly).
 */

let seq = 0;

/** One Segment call at `at` (ISO). `receivedAt` defaults to `at`; pass `new Date()` for an event arriving late. */
export function call(type: 'track' | 'identify' | 'page', fields: Record<string, unknown>, at: string, receivedAt: Date = new Date(at)): NormalizedEvent {
  const r = normalizeCall({ messageId: `kpi-${seq++}`, timestamp: at, ...fields }, type, { receivedAt, bodyBytes: 100 }, 0, '');
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

/** A track call of a known user. */
export const track = (userId: string, event: string, at: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  call('track', { userId, event, properties, ...extra }, at);

/** An identify call of a known user. */
export const identify = (userId: string, at: string, extra: Record<string, unknown> = {}) => call('identify', { userId, traits: { email: `${userId}@example.com` }, ...extra }, at);

/** Segment context of a visit from a campaign (utm_source / utm_medium). */
export const campaign = (source: string, medium: string) => ({ context: { campaign: { source, medium, name: `${source}-${medium}` } } });

/** Customer ids by user id (after ingestion and merges). */
export async function customerIds(db: Db, ws: number): Promise<Record<string, number>> {
  const { rows } = await db.query<RowPick<typeof schema.customers, 'user_id' | 'id', { user_id: string }>>(`SELECT user_id, id FROM customers WHERE workspace_id = $1 AND user_id IS NOT NULL`, [ws]);
  return Object.fromEntries(rows.map((r) => [r.user_id, Number(r.id)]));
}

/** Stage history rows, as the stage engine would write them. */
export async function insertTransitions(db: Db, ws: number, rows: Array<{ customer: number; from: string | null; to: string; at: string }>): Promise<void> {
  for (const r of rows) {
    await db.query(
      `INSERT INTO stage_transitions (workspace_id, scope, subject_id, from_stage, to_stage, at, pattern, reason, trigger_message_id)
       VALUES ($1, 'customer', $2, $3, $4, $5::timestamptz, $6, 'fixture', NULL)`,
      [ws, r.customer, r.from, r.to, r.at, r.from === null ? 'entered' : 'linear'],
    );
  }
}

/** Current stage rows, as the stage engine would write them. */
export async function insertStageStates(db: Db, ws: number, rows: Array<{ customer: number; stage: string; since: string }>): Promise<void> {
  for (const r of rows) {
    await db.query(
      `INSERT INTO stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, next_check_at, model_version)
       VALUES ($1, 'customer', $2, $3, $4::timestamptz, 'fixture', '2026-05-01T00:00:00Z', NULL, 1)`,
      [ws, r.customer, r.stage, r.since],
    );
  }
}

/** Marketing spend rows. */
export async function insertSpend(db: Db, ws: number, rows: Array<{ day: string; channel: string; campaign?: string; amount: number }>): Promise<void> {
  for (const r of rows) {
    await db.query(`INSERT INTO marketing_spend (workspace_id, day, channel, campaign, amount, currency) VALUES ($1, $2::date, $3, $4, $5, 'USD')`, [ws, r.day, r.channel, r.campaign ?? '', r.amount]);
  }
}

let tenureSeq = 0;
/** One of Tenure's own timeline entries (type 'tenure'), as the platform writes them. */
export async function insertTenureEvent(db: Db, ws: number, customer: number, event: string, at: string, properties: Record<string, unknown> = {}): Promise<void> {
  await db.query(
    `INSERT INTO events (workspace_id, customer_id, message_id, type, event, user_id, timestamp, received_at, properties, context)
     SELECT $1, c.id, $3, 'tenure', $4, c.user_id, $5::timestamptz, $5::timestamptz, $6::jsonb, '{"library":{"name":"tenure"}}'::jsonb FROM customers c WHERE c.id = $2`,
    [ws, customer, `tenure:fixture:${tenureSeq++}`, event, at, JSON.stringify(properties)],
  );
}

/** A static segment with the given members. */
export async function insertSegment(db: Db, ws: number, id: string, members: number[]): Promise<void> {
  await db.query(`INSERT INTO segments (workspace_id, id, name, description, kind, scope) VALUES ($1, $2, $2, '', 'static', 'customer')`, [ws, id]);
  for (const c of members) await db.query(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, entered_at) VALUES ($1, $2, $3, '2026-01-01T00:00:00Z')`, [ws, id, c]);
}

/** The value of an ok result; fails the test with the error otherwise. */
export function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`expected a value, got ${JSON.stringify(r)}`);
  return r.value;
}

/** The error of a failed result; fails the test when it succeeded. */
export function failed<E extends Failure>(r: Result<unknown, E>): Err<E> {
  if (r.ok) assert.fail(`expected an error, got a value: ${JSON.stringify(r.value).slice(0, 300)}`);
  return r;
}

/** Hand-computed expectations are written to 6 decimals: allow that rounding, nothing more. */
const TOLERANCE = 1e-5;

/** A number within 1e-5 (plus 1e-9 relative) of the expectation, or null exactly when null is expected; never NaN. */
export function assertValue(actual: number | null | undefined, expected: number | null, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, `${what}: expected null, got ${actual}`);
    return;
  }
  assert.ok(typeof actual === 'number' && Number.isFinite(actual), `${what}: expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= TOLERANCE + 1e-9 * Math.abs(expected), `${what}: expected ${expected}, got ${actual}`);
}

/** Compare a list of values element by element (same length). */
export function assertValues(actual: ReadonlyArray<number | null>, expected: ReadonlyArray<number | null>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: expected ${expected.length} values [${expected.join(', ')}], got [${actual.join(', ')}]`);
  expected.forEach((e, i) => assertValue(actual[i], e, `${what}[${i}] (all: [${actual.join(', ')}])`));
}

interface SeriesLike {
  total: number | null;
  series: ReadonlyArray<{ start: string; end: string; value: number | null }>;
}

/** A series' periods (start dates), values per period and total. */
export function assertSeries(s: SeriesLike, expected: { starts?: string[]; values: Array<number | null>; total: number | null }, what: string): void {
  if (expected.starts)
    assert.deepEqual(
      s.series.map((p) => p.start),
      expected.starts,
      `${what}: period starts`,
    );
  assertValues(
    s.series.map((p) => p.value),
    expected.values,
    what,
  );
  assertValue(s.total, expected.total, `${what} total`);
}

/** The first days of the months January to April 2026 and May 1st, the end of the fixture range. */
export const MONTHS = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'];

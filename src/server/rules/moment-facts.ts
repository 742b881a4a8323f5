import { durationMs, leavesOf, type CompareOp, type Condition, type Window } from '../../contracts/condition.js';
import type { Queryable } from '../db/client.js';
import type { FactEvent } from './evaluate.js';
import { activitySql, loadActivitySettings } from './activity.js';
import { loadSubjectRows, type Scope, type SubjectFacts } from './subjects.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { TimeSlice } from '../lib/time-slice.js';

/**
 * Facts for deciding conditions at ONE moment (the segment worker's question: "is this
 * customer in it now?"), loading only what can change the answer at `now` — unlike the
 * stage engine, which replays a whole history and needs every event.
 *
 * Per event name the conditions test, the earliest time any of them looks at:
 * - a window `within D` looks at (now − D, now]; `between` at [from, to): events from
 *   then on are loaded;
 * - `lastPerformed … within D` looks at (now − D, now] too;
 * - a test that only asks whether a matching event happened before then (`performed`
 *   with no window, no `where` and a count that is the same for every n ≥ 1;
 *   `lastPerformed … before D` with no `where`: if nothing since the horizon, the last
 *   one is before it) needs, before the horizon, any one such event: the earliest, which
 *   the customer's index finds first;
 * - anything else (counts or sums over all time, `where` filters with no window) needs
 *   every event of that name.
 * Activity leaves (first seen, last seen) need only the first activity and the last one
 * at or before `now`: two stand-in events (no name, so no `performed` matches them)
 * replace the whole history.
 *
 * The in-memory evaluator gives the same answer at `now` on these facts as on all of the
 * subject's events: the rules property test holds them to the SQL compiler.
 */
export interface MomentPlan {
  /** Event names and, per name, the horizon (null: all of them) and whether one event before it is needed. */
  names: string[];
  since: Array<Date | null>;
  before: boolean[];
  /** Names whose events' properties are read (where filters, aggregates). */
  propertyNames: string[];
  activity: boolean;
  segments: boolean;
  scores: boolean;
  stage: boolean;
}

/** Whether `count op value` is the same for every n ≥ 1 (so only "did it happen at all" matters). */
function existenceOnly(count: { op: CompareOp; value: number } | undefined): boolean {
  if (!count) return true;
  const { op, value: v } = count;
  switch (op) {
    case 'gte':
      return v <= 1;
    case 'gt':
      return v < 1;
    case 'lte':
      return v < 1;
    case 'lt':
      return v <= 1;
    case 'eq':
    case 'neq':
      return v < 1;
  }
}

/** The first moment a window looks at, never after `now` (a window in the future looks at nothing yet). */
function windowStart(w: Window, now: number): number {
  return Math.min(now, 'within' in w ? now - durationMs(w.within) : Date.parse(w.between.from));
}

/** What of a subject's data deciding these conditions at `now` needs. */
export function momentPlan(conditions: Condition[], now: Date): MomentPlan {
  const t = now.getTime();
  const horizon = new Map<string, { since: number | null; before: boolean }>();
  const props = new Set<string>();
  const plan: MomentPlan = { names: [], since: [], before: [], propertyNames: [], activity: false, segments: false, scores: false, stage: false };
  const need = (name: string, since: number | null, before = false) => {
    const h = horizon.get(name) ?? { since: t, before: false };
    h.since = h.since === null || since === null ? null : Math.min(h.since, since);
    h.before ||= before;
    horizon.set(name, h);
  };
  for (const leaf of conditions.flatMap(leavesOf)) {
    if ('performed' in leaf) {
      const p = leaf.performed;
      const filtered = (p.where?.length ?? 0) > 0;
      if (filtered) props.add(p.event);
      if (p.window) need(p.event, windowStart(p.window, t));
      else if (!filtered && existenceOnly(p.count)) need(p.event, t, true);
      else need(p.event, null);
    } else if ('lastPerformed' in leaf) {
      const l = leaf.lastPerformed;
      const filtered = (l.where?.length ?? 0) > 0;
      if (filtered) props.add(l.event);
      if (l.op === 'within') need(l.event, t - durationMs(l.duration));
      else if (!filtered) need(l.event, t - durationMs(l.duration), true);
      else need(l.event, null);
    } else if ('aggregate' in leaf) {
      const a = leaf.aggregate;
      props.add(a.event); // the property summed, and any filter
      need(a.event, a.window ? windowStart(a.window, t) : null);
    } else if ('firstSeen' in leaf || 'lastSeen' in leaf) plan.activity = true;
    else if ('inSegment' in leaf) plan.segments = true;
    else if ('score' in leaf) plan.scores = true;
    else if ('stage' in leaf) plan.stage = true;
  }
  for (const [name, h] of horizon) {
    plan.names.push(name);
    plan.since.push(h.since === null ? null : new Date(h.since));
    plan.before.push(h.since !== null && h.before);
  }
  plan.propertyNames = [...props];
  return plan;
}

type EventTuple = [number, number, string, Record<string, unknown> | null];
const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * Load the facts of customers (or accounts: their traits and all members' events) for
 * deciding conditions at `now` by `plan` (see `momentPlan`); memberships and the stage
 * when the plan reads them. Subjects that do not exist are left out.
 */
export async function loadMomentFacts(db: Queryable, workspaceId: number, scope: Scope, ids: number[], plan: MomentPlan, now: Date): Promise<Map<number, SubjectFacts>> {
  const out = new Map<number, SubjectFacts>();
  if (ids.length === 0) return out;
  const events = new Map<number, FactEvent[]>();
  const activity = await loadActivitySettings(db, workspaceId);
  for (const s of await loadSubjectRows(db, workspaceId, scope, ids)) {
    const list: FactEvent[] = [];
    events.set(s.id, list);
    out.set(s.id, { traits: s.traits, events: list, userId: s.user_id, firstTouch: s.first_touch, segments: new Set(), activity });
  }
  const present = [...out.keys()];
  if (present.length === 0) return out;
  // The subject's events: its own (customers) or its members' (accounts), read once: the
  // events each name's horizon keeps, which names had one before their horizon, and the
  // first and last activity.
  const source =
    scope === 'customer'
      ? `(SELECT e.customer_id AS subject, e.* FROM events e WHERE e.workspace_id = $1 AND e.customer_id = ANY($2::bigint[]))`
      : `(SELECT m.account_id AS subject, e.* FROM account_members m JOIN events e ON e.customer_id = m.customer_id
           WHERE m.workspace_id = $1 AND e.workspace_id = $1 AND m.account_id = ANY($2::bigint[]))`;
  if (plan.names.length > 0 || plan.activity) {
    // One JSON array per subject, far cheaper to move and parse than a row per event:
    // [ms, the name's place in $4 (1-based), call type, properties or null]; no ids (nothing here reports a trigger).
    const tuple = `json_build_array(floor(extract(epoch FROM e.timestamp) * 1000)::float8, n.k, e.type, CASE WHEN e.event = ANY($3::text[]) THEN e.properties END)`;
    const ms = (x: string) => `floor(extract(epoch FROM ${x}) * 1000)::float8`;
    const { rows } = await db.query<{ id: number; ev: string | null; before: number[] | null; first: number | null; last: number | null }>(
      `SELECT e.subject AS id,
              json_agg(${tuple}) FILTER (WHERE n.k IS NOT NULL AND (n.since IS NULL OR e.timestamp >= n.since))::text AS ev,
              array_agg(DISTINCT n.k) FILTER (WHERE n.before AND e.timestamp < n.since) AS before,
              ${plan.activity ? `${ms(`min(e.timestamp) FILTER (WHERE ${activitySql('e', activity)})`)} AS first, ${ms(`max(e.timestamp) FILTER (WHERE ${activitySql('e', activity)} AND e.timestamp <= $7::timestamptz)`)} AS last` : `NULL::float8 AS first, NULL::float8 AS last`}
         FROM ${source} e
         ${plan.activity ? 'LEFT ' : ''}JOIN unnest($4::text[], $5::timestamptz[], $6::bool[]) WITH ORDINALITY AS n(name, since, before, k) ON e.event = n.name
        GROUP BY e.subject`,
      [workspaceId, present, plan.propertyNames, plan.names, plan.since.map((d) => d?.toISOString() ?? null), plan.before, ...(plan.activity ? [now.toISOString()] : [])],
    );
    const slice = new TimeSlice();
    for (const r of rows) {
      if (slice.due) await slice.pause();
      const list = events.get(r.id);
      if (!list) continue;
      for (const [ms, k, type, properties] of r.ev ? (JSON.parse(r.ev) as EventTuple[]) : []) {
        list.push({ timestamp: new Date(ms), event: plan.names[k - 1]!, type, properties: properties ?? EMPTY });
      }
      // A name with events before its horizon: one stand-in just before it does (see the
      // header). Marked Tenure's own so it never counts as activity (which has its own
      // stand-ins, the first and the last).
      for (const k of r.before ?? []) list.push({ timestamp: new Date(plan.since[k - 1]!.getTime() - 1), event: plan.names[k - 1]!, type: 'tenure', properties: EMPTY });
      for (const t of [r.first, r.last]) if (t !== null) list.push({ timestamp: new Date(t), event: null, type: 'track', properties: EMPTY });
    }
  }
  if (plan.segments) {
    const { rows } = await db.query<RowPick<typeof schema.segmentMembers, 'customer_id'> & { ids: string[] }>(
      `SELECT customer_id, array_agg(segment_id) AS ids FROM segment_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) GROUP BY customer_id`,
      [workspaceId, present],
    );
    for (const r of rows) {
      const f = out.get(r.customer_id);
      if (f) f.segments = new Set(r.ids);
    }
  }
  if (plan.stage) {
    const { rows } = await db.query<RowPick<typeof schema.stageStates, 'subject_id' | 'stage' | 'since'>>(
      `SELECT subject_id, stage, since FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[])`,
      [workspaceId, scope, present],
    );
    for (const r of rows) {
      const f = out.get(r.subject_id);
      if (f) f.stage = { key: r.stage, since: r.since };
    }
  }
  if (scope === 'customer' && plan.scores) {
    const { rows } = await db.query<RowPick<typeof schema.customerScores, 'customer_id'> & { scores: Record<string, number> }>(
      // A score is a number, or an object whose `score` is one (as the SQL compiler reads it).
      `SELECT customer_id, jsonb_object_agg(name, CASE jsonb_typeof(value) WHEN 'object' THEN value->'score' ELSE value END) AS scores
         FROM customer_scores WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) GROUP BY customer_id`,
      [workspaceId, present],
    );
    for (const r of rows) {
      const f = out.get(r.customer_id);
      if (f) f.scores = r.scores;
    }
  }
  return out;
}

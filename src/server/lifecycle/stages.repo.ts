import { activitySql, loadActivitySettings } from '../rules/activity.js';
import { LOCK } from '../db/locks.js';
import { leavesOf, type Condition } from '../../contracts/condition.js';
import type { LifecycleModel } from '../../contracts/lifecycle.js';
import { copyValue, type Queryable } from '../db/client.js';
import type { CustomerFacts, FactEvent } from '../rules/evaluate.js';
import type { Move, StageStart } from './replay.js';
import { loadSubjectRows, type Scope, type SubjectFacts } from '../rules/subjects.js';
import { EV } from '../../contracts/events.js';
import { copyTimeline, type CopiedTimelineEvent } from '../timeline/timeline-writer.js';
import { epochMsSql, timelineIdSql } from '../timeline/timeline-id.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { TimeSlice } from '../lib/time-slice.js';

/** The event Tenure writes on a customer's timeline for every stage move. */
export const STAGE_CHANGED_EVENT = EV.stageChanged;

/** What of a customer's data a model's rules read, so loading skips the rest. */
export interface FactNeeds {
  /** Event names the rules test. */
  names: string[];
  /** Event names whose properties the rules test (where / aggregate). */
  propertyNames: string[];
  /** Rules test first/last activity: every event of the customer's own is needed. */
  activity: boolean;
  segments: boolean;
  scores: boolean;
}

export function factNeeds(model: LifecycleModel): FactNeeds {
  const rules: Condition[] = [...model.stages, model.atRisk, model.churned].flatMap((s) => (s.rule ? [s.rule] : []));
  const names = new Set<string>();
  const propertyNames = new Set<string>();
  const needs: FactNeeds = { names: [], propertyNames: [], activity: false, segments: false, scores: false };
  for (const leaf of rules.flatMap(leavesOf)) {
    if ('performed' in leaf || 'lastPerformed' in leaf || 'aggregate' in leaf) {
      const l = 'performed' in leaf ? leaf.performed : 'lastPerformed' in leaf ? leaf.lastPerformed : leaf.aggregate;
      names.add(l.event);
      if ('aggregate' in leaf || (l.where?.length ?? 0) > 0) propertyNames.add(l.event);
    }
    if ('firstSeen' in leaf || 'lastSeen' in leaf) needs.activity = true;
    if ('inSegment' in leaf) needs.segments = true;
    if ('score' in leaf) needs.scores = true;
  }
  return { ...needs, names: [...names], propertyNames: [...propertyNames] };
}

type EventTuple = [number, string | null, string, number, Record<string, unknown> | null];

/**
 * Load the facts of customers (or accounts: their traits and every member's events) for
 * the model's rules: only the events and properties the rules can look at. Event
 * `messageId`s are the events' internal ids as text (`#123`); `resolveTriggers` turns the
 * ones that triggered a move into real messageIds.
 */
export async function loadFacts(db: Queryable, workspaceId: number, scope: Scope, ids: number[], needs: FactNeeds): Promise<Map<number, SubjectFacts>> {
  const out = new Map<number, SubjectFacts>();
  if (ids.length === 0) return out;
  const activity = await loadActivitySettings(db, workspaceId);
  for (const s of await loadSubjectRows(db, workspaceId, scope, ids)) out.set(s.id, { traits: s.traits, events: [], userId: s.user_id, firstTouch: s.first_touch, activity });
  const filter = needs.activity ? `(${activitySql('e', activity)} OR e.event = ANY($3::text[]))` : `e.event = ANY($3::text[])`;
  const tuple = `json_build_array(floor(extract(epoch FROM e.timestamp) * 1000)::float8, e.event, e.type, e.id, CASE WHEN e.event = ANY($4::text[]) THEN e.properties END)`;
  const sql =
    scope === 'customer'
      ? `SELECT e.customer_id AS id, json_agg(${tuple} ORDER BY e.timestamp, e.id)::text AS ev FROM events e
          WHERE e.customer_id = ANY($2::bigint[]) AND e.workspace_id = $1 AND ${filter} GROUP BY e.customer_id`
      : `SELECT m.account_id AS id, json_agg(${tuple} ORDER BY e.timestamp, e.id)::text AS ev FROM account_members m JOIN events e ON e.customer_id = m.customer_id
          WHERE m.account_id = ANY($2::bigint[]) AND m.workspace_id = $1 AND e.workspace_id = $1 AND ${filter} GROUP BY m.account_id`;
  const { rows } = await db.query<{ id: number; ev: string }>(sql, [workspaceId, ids, needs.names, needs.propertyNames]);
  const slice = new TimeSlice();
  for (const r of rows) {
    if (slice.due) await slice.pause();
    const f = out.get(r.id);
    if (!f) continue;
    f.events = (JSON.parse(r.ev) as EventTuple[]).map(([ms, event, type, id, properties]): FactEvent => ({ timestamp: new Date(ms), event, type, messageId: `#${id}`, properties: properties ?? {} }));
  }
  if (needs.segments) {
    const seg = await db.query<RowPick<typeof schema.segmentMembers, 'customer_id'> & { ids: string[] }>(
      `SELECT customer_id, array_agg(segment_id) AS ids FROM segment_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) GROUP BY customer_id`,
      [workspaceId, ids],
    );
    for (const r of seg.rows) {
      const f = out.get(r.customer_id);
      if (f) f.segments = new Set(r.ids);
    }
  }
  if (scope === 'customer' && needs.scores) {
    const sc = await db.query<RowPick<typeof schema.customerScores, 'customer_id'> & { scores: Record<string, number> }>(
      `SELECT customer_id, jsonb_object_agg(name, value) AS scores FROM customer_scores WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) GROUP BY customer_id`,
      [workspaceId, ids],
    );
    for (const r of sc.rows) {
      const f = out.get(r.customer_id);
      if (f) f.scores = r.scores;
    }
  }
  return out;
}

/** A stored stage state: where a replay starts, and what the row holds. */
export interface StoredStart extends StageStart {
  nextCheckAt: Date | null;
  modelVersion: number;
}

/** Stored stage states (with the stages held so far) of these subjects. */
export async function loadStarts(db: Queryable, workspaceId: number, scope: Scope, ids: number[]): Promise<Map<number, StoredStart>> {
  const out = new Map<number, StoredStart>();
  if (ids.length === 0) return out;
  // Two plain lookups by subject rather than a correlated subquery: the planner picks the
  // index for both whatever its statistics say (a correlated history lookup was seen to
  // scan the whole history table per chunk once the statistics were stale).
  const states = await db.query<RowPick<typeof schema.stageStates, 'subject_id' | 'stage' | 'since' | 'reason' | 'evaluated_at' | 'next_check_at' | 'model_version'>>(
    `SELECT subject_id, stage, since, reason, evaluated_at, next_check_at, model_version
       FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[])`,
    [workspaceId, scope, ids],
  );
  const history = await db.query<RowPick<typeof schema.stageTransitions, 'subject_id' | 'to_stage'>>(
    `SELECT subject_id, to_stage FROM stage_transitions
      WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[]) ORDER BY subject_id, at, id`,
    [workspaceId, scope, ids],
  );
  const held = new Map<number, string[]>();
  for (const r of history.rows) {
    const list = held.get(r.subject_id);
    if (list) list.push(r.to_stage);
    else held.set(r.subject_id, [r.to_stage]);
  }
  for (const r of states.rows) {
    out.set(r.subject_id, {
      stage: r.stage,
      since: r.since,
      reason: r.reason,
      evaluatedAt: r.evaluated_at,
      nextCheckAt: r.next_check_at,
      modelVersion: r.model_version,
      history: held.get(r.subject_id) ?? [r.stage],
    });
  }
  return out;
}

/**
 * Serialise work on these subjects' stages across processes (transaction-scoped locks,
 * taken in id order so two workers cannot deadlock). Not needed on PGlite (one connection).
 */
export async function lockSubjects(tx: Queryable, scope: Scope, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`SELECT pg_advisory_xact_lock($1::int, l.k) FROM (SELECT DISTINCT (id % 2147483647)::int AS k FROM unnest($2::bigint[]) id ORDER BY 1) l`, [
    scope === 'customer' ? LOCK.stageCustomer : LOCK.stageAccount,
    ids,
  ]);
}

/** Replace internal event ids (`#123`) in moves' triggers with the events' messageIds. */
export async function resolveTriggers(db: Queryable, moves: Move[]): Promise<void> {
  const ids = [...new Set(moves.flatMap((m) => (m.triggerMessageId?.startsWith('#') ? [Number(m.triggerMessageId.slice(1))] : [])))];
  if (ids.length === 0) return;
  const { rows } = await db.query<RowPick<typeof schema.events, 'id' | 'message_id'>>(`SELECT id, message_id FROM events WHERE id = ANY($1::bigint[])`, [ids]);
  const byId = new Map(rows.map((r) => [`#${r.id}`, r.message_id]));
  for (const m of moves) if (m.triggerMessageId?.startsWith('#')) m.triggerMessageId = byId.get(m.triggerMessageId) ?? null;
}

/** One subject's new state and the moves that led there. */
export interface StageOutcome {
  subjectId: number;
  userId: string | null;
  stage: string;
  since: Date;
  reason: string;
  evaluatedAt: Date;
  nextCheckAt: Date | null;
  moves: Move[];
}

/**
 * Store outcomes: the new states (replacing the old), the moves in the history, and for
 * customers a `Lifecycle Stage Changed` event per move on their timeline (type `tenure`,
 * messageId derived from the move, so a move is never written twice). `cleared`: the
 * subjects' stages were just cleared (a rebuild), so there are no old states to replace.
 */
export async function saveOutcomes(
  tx: Queryable,
  workspaceId: number,
  scope: Scope,
  modelVersion: number,
  modelName: string,
  outcomes: StageOutcome[],
  receivedAt: Date,
  opts: { cleared?: boolean } = {},
): Promise<void> {
  if (outcomes.length === 0) return;
  const ws = String(workspaceId);
  if (!opts.cleared) await tx.query(`DELETE FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[])`, [workspaceId, scope, outcomes.map((o) => o.subjectId)]);
  let states = '';
  let transitions = '';
  const events: CopiedTimelineEvent[] = [];
  for (const o of outcomes) {
    states += `${ws}\t${scope}\t${o.subjectId}\t${copyValue(o.stage)}\t${o.since.toISOString()}\t${copyValue(o.reason)}\t${o.evaluatedAt.toISOString()}\t${o.nextCheckAt ? o.nextCheckAt.toISOString() : '\\N'}\t${modelVersion}\n`;
    for (const m of o.moves) {
      const at = m.at.toISOString();
      transitions += `${ws}\t${scope}\t${o.subjectId}\t${copyValue(m.from)}\t${copyValue(m.to)}\t${at}\t${m.pattern}\t${copyValue(m.reason)}\t${copyValue(m.triggerMessageId)}\n`;
      if (scope === 'customer') {
        const properties = { from: m.from, to: m.to, pattern: m.pattern, reason: m.reason, model: modelName, triggerMessageId: m.triggerMessageId };
        const key = { kind: 'stage', subject: o.subjectId, ms: m.at.getTime(), to: m.to } as const;
        events.push({ workspaceId, customerId: o.subjectId, userId: o.userId, event: STAGE_CHANGED_EVENT, properties, at: m.at, receivedAt, key });
      }
    }
  }
  await tx.copyFrom(`stage_states (workspace_id, scope, subject_id, stage, since, reason, evaluated_at, next_check_at, model_version)`, states);
  if (transitions) await tx.copyFrom(`stage_transitions (workspace_id, scope, subject_id, from_stage, to_stage, at, pattern, reason, trigger_message_id)`, transitions);
  await copyTimeline(tx, events);
}

/** Forget these subjects' stages entirely (history, states and timeline events), before rebuilding them. */
export async function clearStages(tx: Queryable, workspaceId: number, scope: Scope, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  // The timeline events go by their messageIds, derived from the moves being deleted
  // (see saveOutcomes), and by their customer and time (the move's), so the delete is a
  // lookup in events_customer_time_idx however many events the customers have (events is
  // partitioned by time: it has no messageId index, migration 0028).
  const { rows } = await tx.query<{ message_id: string; at: Date }>(
    `DELETE FROM stage_transitions WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[])
     RETURNING ${timelineIdSql('stage', { subject: 'subject_id', ms: epochMsSql('at'), to: 'to_stage' })} AS message_id, at`,
    [workspaceId, scope, ids],
  );
  await tx.query(`DELETE FROM stage_states WHERE workspace_id = $1 AND scope = $2 AND subject_id = ANY($3::bigint[])`, [workspaceId, scope, ids]);
  if (scope === 'customer' && rows.length > 0) {
    await tx.query(`DELETE FROM events WHERE customer_id = ANY($3::bigint[]) AND timestamp = ANY($4::timestamptz[]) AND workspace_id = $1 AND message_id = ANY($2::text[]) AND type = 'tenure'`, [
      workspaceId,
      rows.map((r) => r.message_id),
      ids,
      [...new Set(rows.map((r) => r.at.toISOString()))],
    ]);
  }
}

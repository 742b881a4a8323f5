import { recordWork } from '../jobs/derived-work.repo.js';
import { queueTaskNotifications } from './tasks.repo.js';
import { insertStepInvitations } from '../surveys/invitations.repo.js';
import type { Db, Queryable } from '../db/client.js';
import type { CustomerFacts } from '../rules/evaluate.js';
import { evaluate } from '../rules/evaluate.js';
import { loadMomentFacts, momentPlan } from '../rules/moment-facts.js';
import type { JourneyDefinitions, KnownVersion } from './definitions.js';
import { advance, conditionsOf, type Action, type EngineInput, type RunState } from './engine.js';
import { EV } from '../../contracts/events.js';
import { writeTimeline, type TimelineEvent } from '../timeline/timeline-writer.js';
import type { Col, RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

/** The events Tenure writes on a customer's timeline as they go through journeys. */
export const JOURNEY_ENTERED = EV.journeyEntered;
export const JOURNEY_ENDED = EV.journeyEnded;

export interface RunDueResult {
  /** Runs claimed and moved. */
  runs: number;
  /** Steps executed. */
  steps: number;
  /** Messages (and webhook calls) queued for delivery. */
  messages: number;
  tasks: number;
  /** Survey invitations recorded (the survey sender decides them). */
  surveys: number;
  /** Customers whose traits a step changed (the stage and segment engines should look again). */
  traitsChanged: Map<number, number[]>;
  /** A full batch was claimed: more may be due. */
  more: boolean;
}

type ClaimedRun = RowPick<
  typeof schema.journeyRuns,
  'id' | 'workspace_id' | 'journey_id' | 'version' | 'customer_id' | 'state' | 'trigger' | 'wake_at',
  { state: RunState | Record<string, never>; trigger: Record<string, unknown> | null; wake_at: Date }
> & { journey_name: Col<typeof schema.journeys, 'name'> };

/**
 * Move every run whose timer has come (or that a signal woke), a batch at a time, in one
 * transaction per batch: claim the runs (FOR UPDATE SKIP LOCKED, so workers in other
 * processes take other runs), feed each the engine its inputs (entry, the signals waiting
 * for it, the wake), and store in the same transaction the new states and every action the
 * steps produced: messages queued for the dispatcher under the step's idempotency key,
 * tasks, trait updates. A crash before the commit loses nothing (the runs are claimed
 * again, the engine gives the same actions with the same keys); after it, the actions are
 * durable rows. Runs of paused journeys wait where they are.
 */
export async function runDue(db: Db, defs: JourneyDefinitions, opts: { now: Date; batch?: number }): Promise<RunDueResult> {
  const now = opts.now;
  const batch = opts.batch ?? 500;
  return db.transaction(async (tx) => {
    const { rows: runs } = await tx.query<ClaimedRun>(
      `SELECT r.id, r.workspace_id, r.journey_id, j.name AS journey_name, r.version, r.customer_id, r.state, r.trigger, r.wake_at
         FROM journey_runs r JOIN journeys j ON j.workspace_id = r.workspace_id AND j.id = r.journey_id AND j.status = 'live'
        WHERE r.wake_at <= $1 ORDER BY r.wake_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
      [now.toISOString(), batch],
    );
    const result: RunDueResult = { runs: runs.length, steps: 0, messages: 0, tasks: 0, surveys: 0, traitsChanged: new Map(), more: runs.length >= batch };
    if (runs.length === 0) return result;
    const ids = runs.map((r) => r.id);
    const { rows: sigs } = await tx.query<RowPick<typeof schema.journeySignals, 'id' | 'run_id' | 'event', { event: { name: string; properties: Record<string, unknown>; messageId: string } }>>(
      `SELECT id, run_id, event FROM journey_signals WHERE run_id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
    const signalsOf = new Map<number, EngineInput[]>();
    for (const s of sigs) signalsOf.set(s.run_id, [...(signalsOf.get(s.run_id) ?? []), { kind: 'event', event: s.event }]);

    // Facts per journey version that needs them, for all its customers in this batch at once.
    const groups = new Map<string, ClaimedRun[]>();
    for (const r of runs) groups.set(`${r.workspace_id}:${r.journey_id}:${r.version}`, [...(groups.get(`${r.workspace_id}:${r.journey_id}:${r.version}`) ?? []), r]);
    const updates: Array<{ id: number; state: RunState | null; error?: string }> = [];
    const actions: Array<{ run: ClaimedRun; variant: string | null; action: Action }> = [];
    // Journey Entered / Journey Ended on the customers' timelines (type `tenure`: not the customer's own activity).
    const timeline: TimelineEvent[] = [];
    // Runs through each step in this batch, per workspace, journey and step.
    const passed = new Map<string, StepCount>();
    for (const group of groups.values()) {
      const first = group[0]!;
      const known = await defs.version(tx, first.workspace_id, first.journey_id, first.version);
      const facts = known?.needsFacts ? await loadFacts(tx, known, first.workspace_id, group, now) : null;
      for (const run of group) {
        if (!known) {
          updates.push({ id: run.id, state: null, error: `journey version ${run.version} is missing` });
          continue;
        }
        try {
          const f = facts?.get(run.customer_id);
          if (known.needsFacts && !f) {
            updates.push({ id: run.id, state: null, error: 'the customer no longer exists' });
            continue;
          }
          const fresh = !('step' in run.state);
          if (fresh && known.definition.audience && !evaluate(known.definition.audience, f!, now)) {
            updates.push({ id: run.id, state: null }); // not in the audience: the run never was
            continue;
          }
          let state: RunState | null = fresh ? null : (run.state as RunState);
          const inputs: EngineInput[] = [...(fresh ? [{ kind: 'enter' } as const] : []), ...(signalsOf.get(run.id) ?? []), { kind: 'wake' }];
          const through: string[] = [];
          for (const input of inputs) {
            const r = advance(known.definition, state, input, now, { runKey: `r${run.id}`, facts: f });
            state = r.state;
            result.steps += r.executed.length;
            through.push(...r.executed);
            for (const a of r.actions) actions.push({ run, variant: r.state.variant, action: a });
          }
          updates.push({ id: run.id, state });
          for (const step of through) {
            const k = `${run.workspace_id}:${run.journey_id}:${step}`;
            let c = passed.get(k);
            if (!c) passed.set(k, (c = { ws: run.workspace_id, journey: run.journey_id, step, n: 0 }));
            c.n++;
          }
          const on = { workspaceId: run.workspace_id, customerId: run.customer_id, at: now };
          if (fresh) {
            const properties = { journeyId: run.journey_id, journeyName: run.journey_name, version: run.version };
            timeline.push({ ...on, event: JOURNEY_ENTERED, properties, key: { kind: 'journey', run: run.id, what: 'entered' } });
          }
          if (state && state.status !== 'active' && state.status !== 'waiting') {
            const properties = { journeyId: run.journey_id, journeyName: run.journey_name, outcome: state.status, reason: state.endReason, variant: state.variant };
            timeline.push({ ...on, event: JOURNEY_ENDED, properties, key: { kind: 'journey', run: run.id, what: 'ended' } });
          }
        } catch (err) {
          updates.push({ id: run.id, state: null, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    await saveRuns(tx, updates, now);
    if (sigs.length > 0) await tx.query(`DELETE FROM journey_signals WHERE id = ANY($1::bigint[])`, [sigs.map((s) => s.id)]);
    const written = await saveActions(tx, actions, now);
    result.messages = written.messages;
    result.tasks = written.tasks;
    result.surveys = written.surveys;
    result.traitsChanged = written.traits;
    // Traits a step set: the customers' stages and segments are looked at again (durable, in this transaction).
    for (const [ws, ids] of written.traits) {
      await recordWork(tx, ws, 'stage', ids);
      await recordWork(tx, ws, 'segment', ids, { changes: new Set(['$traits']) });
    }
    await writeTimeline(tx, timeline);
    await saveStepCounts(tx, passed, now);
    return result;
  });
}

async function loadFacts(tx: Queryable, known: KnownVersion, ws: number, runs: ClaimedRun[], now: Date): Promise<Map<number, CustomerFacts>> {
  const plan = momentPlan(conditionsOf(known.definition), now);
  return loadMomentFacts(tx, ws, 'customer', [...new Set(runs.map((r) => r.customer_id))], plan, now);
}

interface StepCount {
  ws: number;
  journey: string;
  step: string;
  n: number;
}

/** Add this batch's runs through each step (one row per journey step; stats sum them). */
async function saveStepCounts(tx: Queryable, passed: Map<string, StepCount>, now: Date): Promise<void> {
  if (passed.size === 0) return;
  const counts = [...passed.values()];
  await tx.query(
    `INSERT INTO journey_step_counts (workspace_id, journey_id, step_id, passed, at)
     SELECT ws, j, s, n, $5::timestamptz FROM unnest($1::int[], $2::text[], $3::text[], $4::int[]) AS x(ws, j, s, n)`,
    [counts.map((c) => c.ws), counts.map((c) => c.journey), counts.map((c) => c.step), counts.map((c) => c.n), now.toISOString()],
  );
}

/** Store runs' new states in one statement; a null state without error deletes the run (it never entered), with an error marks it failed. */
async function saveRuns(tx: Queryable, updates: Array<{ id: number; state: RunState | null; error?: string }>, now: Date): Promise<void> {
  const gone = updates.filter((u) => u.state === null && !u.error).map((u) => u.id);
  if (gone.length > 0) await tx.query(`DELETE FROM journey_runs WHERE id = ANY($1::bigint[])`, [gone]);
  const failed = updates.filter((u) => u.error);
  if (failed.length > 0) {
    await tx.query(
      `UPDATE journey_runs r SET status = 'failed', wake_at = NULL, ended_at = $3, end_reason = 'error', error = x.error, failures = r.failures + 1
         FROM unnest($1::bigint[], $2::text[]) AS x(id, error) WHERE r.id = x.id`,
      [failed.map((u) => u.id), failed.map((u) => u.error!), now.toISOString()],
    );
  }
  const moved = updates.filter((u): u is { id: number; state: RunState } => u.state !== null);
  if (moved.length === 0) return;
  const open = (s: RunState) => s.status === 'active' || s.status === 'waiting';
  await tx.query(
    `UPDATE journey_runs r SET state = x.state, status = x.status, step = x.step, variant = x.variant, wake_at = x.wake_at,
            ended_at = CASE WHEN x.status IN ('active', 'waiting') THEN NULL ELSE $7::timestamptz END, end_reason = x.end_reason
       FROM unnest($1::bigint[], $2::jsonb[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $8::text[]) AS x(id, state, status, step, variant, wake_at, end_reason)
      WHERE r.id = x.id`,
    [
      moved.map((u) => u.id),
      moved.map((u) => JSON.stringify(u.state)),
      moved.map((u) => u.state.status),
      moved.map((u) => u.state.step),
      moved.map((u) => u.state.variant),
      // A run the engine left active (it should not) is looked at again at once.
      moved.map((u) => (open(u.state) ? (u.state.wakeAt ?? (u.state.status === 'active' ? now.toISOString() : null)) : null)),
      now.toISOString(),
      moved.map((u) => u.state.endReason),
    ],
  );
}

/** Messages, tasks and trait updates of a batch's steps, each under its idempotency key (a replayed step writes nothing new). */
async function saveActions(
  tx: Queryable,
  list: Array<{ run: ClaimedRun; variant: string | null; action: Action }>,
  now: Date,
): Promise<{ messages: number; tasks: number; surveys: number; traits: Map<number, number[]> }> {
  const out = { messages: 0, tasks: 0, surveys: 0, traits: new Map<number, number[]>() };
  const msgs = list.filter((x) => x.action.type === 'send' || x.action.type === 'webhook');
  if (msgs.length > 0) {
    const rows = msgs.map(({ run, variant, action }) => {
      const a = action as Extract<Action, { type: 'send' } | { type: 'webhook' }>;
      const context = { journey: { id: run.journey_id, name: run.journey_name, variant }, event: run.trigger, ...(a.type === 'webhook' ? { body: a.body } : {}) };
      return {
        ws: run.workspace_id,
        customer: run.customer_id,
        journey: run.journey_id,
        run: run.id,
        step: a.stepId,
        variant,
        channel: a.type === 'webhook' ? 'webhook' : a.channel,
        template: a.type === 'send' ? a.template : null,
        group: a.type === 'send' ? a.group : null,
        transactional: a.type === 'send' ? a.transactional : true,
        key: a.key,
        to: a.type === 'webhook' ? a.url : null,
        context: JSON.stringify(context),
      };
    });
    const r = await tx.query(
      `INSERT INTO messages (workspace_id, customer_id, journey_id, run_id, step_id, variant, channel, template_id, group_id, transactional, idempotency_key, to_address, context, status, next_attempt_at, created_at)
       SELECT ws, c, j, r, s, v, ch, t, g, tr, k, addr, ctx, 'queued', $14::timestamptz, $14::timestamptz
         FROM unnest($1::int[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[], $11::text[], $12::text[], $13::jsonb[])
           AS x(ws, c, j, r, s, v, ch, t, g, tr, k, addr, ctx)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
      [
        rows.map((x) => x.ws),
        rows.map((x) => x.customer),
        rows.map((x) => x.journey),
        rows.map((x) => x.run),
        rows.map((x) => x.step),
        rows.map((x) => x.variant),
        rows.map((x) => x.channel),
        rows.map((x) => x.template),
        rows.map((x) => x.group),
        rows.map((x) => x.transactional),
        rows.map((x) => x.key),
        rows.map((x) => x.to),
        rows.map((x) => x.context),
        now.toISOString(),
      ],
    );
    out.messages = r.rowCount;
  }
  const tasks = list.filter((x) => x.action.type === 'task');
  if (tasks.length > 0) {
    const t = tasks.map((x) => ({ run: x.run, a: x.action as Extract<Action, { type: 'task' }> }));
    // A step naming a member's email assigns the task to them (and records their email); any other email stays free text.
    const r = await tx.query<{ id: number; assigneeUserId: number | null }>(
      `INSERT INTO tasks (workspace_id, customer_id, journey_id, run_id, idempotency_key, title, note, assignee_role, due_at, created_at, assignee, assignee_user_id)
       SELECT x.ws, x.c, x.j, x.r, x.k, x.t, x.n, x.ar, x.d, $10::timestamptz, x.em,
              (SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.workspace_id = x.ws WHERE u.email = x.em)
         FROM unnest($1::int[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $11::text[]) AS x(ws, c, j, r, k, t, n, ar, d, em)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
       RETURNING id, assignee_user_id AS "assigneeUserId"`,
      [
        t.map((x) => x.run.workspace_id),
        t.map((x) => x.run.customer_id),
        t.map((x) => x.run.journey_id),
        t.map((x) => x.run.id),
        t.map((x) => x.a.key),
        t.map((x) => x.a.title),
        t.map((x) => x.a.note),
        t.map((x) => x.a.assigneeRole),
        t.map((x) => x.a.dueAt.toISOString()),
        now.toISOString(),
        t.map((x) => x.a.assignee),
      ],
    );
    await queueTaskNotifications(
      tx,
      r.rows.flatMap((x) => (x.assigneeUserId === null ? [] : [{ taskId: Number(x.id), userId: x.assigneeUserId }])),
    );
    out.tasks = r.rowCount;
  }
  const surveys = list.flatMap(({ run, action: a }) =>
    a.type === 'survey' ? [{ workspaceId: run.workspace_id, customerId: run.customer_id, journeyId: run.journey_id, runId: run.id, key: a.key, surveyId: a.survey, channel: a.channel }] : [],
  );
  out.surveys = await insertStepInvitations(tx, surveys, now);
  // Trait updates: per customer, every set of the batch merged in step order, written in
  // one statement; rows are locked in customer id order (two workers never wait on each
  // other in a cycle). A trait's first-set time is kept when it had one.
  const merged = new Map<string, { ws: number; id: number; set: Record<string, unknown> }>();
  for (const x of list) {
    if (x.action.type !== 'updateTraits') continue;
    const k = `${x.run.workspace_id}:${x.run.customer_id}`;
    const m = merged.get(k) ?? { ws: x.run.workspace_id, id: x.run.customer_id, set: {} };
    Object.assign(m.set, x.action.set);
    merged.set(k, m);
  }
  if (merged.size > 0) {
    const rows = [...merged.values()].sort((a, b) => a.ws - b.ws || a.id - b.id);
    const stamp = now.toISOString();
    await tx.query(
      `WITH x AS (SELECT * FROM unnest($1::int[], $2::bigint[], $3::jsonb[]) AS x(ws, id, set)),
       locked AS (SELECT c.id FROM customers c JOIN x ON c.workspace_id = x.ws AND c.id = x.id ORDER BY c.id FOR NO KEY UPDATE OF c)
       UPDATE customers c SET traits = c.traits || x.set,
              trait_times = c.trait_times || (SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(coalesce(c.trait_times -> k -> 0, to_jsonb($4::text)), $4::text)), '{}'::jsonb) FROM jsonb_object_keys(x.set) AS t(k)),
              updated_at = now()
         FROM x WHERE c.workspace_id = x.ws AND c.id = x.id AND c.id IN (SELECT id FROM locked)`,
      [rows.map((r) => r.ws), rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.set)), stamp],
    );
    for (const r of rows) out.traits.set(r.ws, [...(out.traits.get(r.ws) ?? []), r.id]);
  }
  return out;
}

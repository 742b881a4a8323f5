import type { Db, Queryable } from '../db/client.js';
import { maintainTables } from '../db/maintenance.js';
import { recordWork } from '../jobs/derived-work.repo.js';
import { FactIndex } from '../rules/evaluate.js';
import type { ModelCache, StoredModel } from './models.repo.js';
import { replay, type Move } from './replay.js';
import { compileModel } from './stage-engine.js';
import { clearStages, factNeeds, loadFacts, loadStarts, lockSubjects, resolveTriggers, saveOutcomes, type StageOutcome } from './stages.repo.js';
import type { Scope } from '../rules/subjects.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';
import { TimeSlice } from '../lib/time-slice.js';

export interface AdvanceOptions {
  now: Date;
  models: ModelCache;
  /** Rebuild from nothing (the full recompute): forget the stored history first. */
  rebuild?: boolean;
}

/** What one advance did. */
export interface AdvanceResult {
  subjects: number;
  moves: number;
  /** Accounts of the customers, for models evaluated on accounts too (advance them next). */
  accounts: number[];
}

/**
 * Bring these customers' (or accounts') stages up to `now`: each one's history is
 * replayed from where it was last evaluated (or from nothing when rebuilding), every
 * move stored with a `Lifecycle Stage Changed` event, in one transaction that holds the
 * subjects' locks so two workers never record the same move.
 */
export async function advanceStages(db: Db, workspaceId: number, scope: Scope, ids: number[], opts: AdvanceOptions): Promise<AdvanceResult> {
  if (ids.length === 0) return { subjects: 0, moves: 0, accounts: [] };
  return db.transaction((tx) => advanceStagesIn(tx, db.kind === 'pglite', workspaceId, scope, ids, opts));
}

/**
 * `advanceStages` inside the caller's transaction (`exclusive`: the only connection, as on
 * PGlite, so no locks are needed). Unless rebuilding, what the moves cause is recorded in
 * the same transaction as durable work: the segments of customers who moved (`$stage`),
 * and the stages of their accounts when the model evaluates accounts.
 */
export async function advanceStagesIn(tx: Queryable, exclusive: boolean, workspaceId: number, scope: Scope, ids: number[], opts: AdvanceOptions): Promise<AdvanceResult> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (unique.length === 0) return { subjects: 0, moves: 0, accounts: [] };
  const stored = await opts.models.get(tx, workspaceId);
  if (!exclusive) await lockSubjects(tx, scope, unique);
  if (opts.rebuild) await clearStages(tx, workspaceId, scope, unique);
  const { outcomes, found } = await evaluateSubjects(tx, workspaceId, scope, unique, stored, opts.now, !opts.rebuild);
  await saveOutcomes(tx, workspaceId, scope, stored.version, stored.model.name, outcomes, opts.now, { cleared: opts.rebuild === true });
  // Subjects gone (merged away): their stage goes with them.
  if (found.size < unique.length)
    await clearStages(
      tx,
      workspaceId,
      scope,
      unique.filter((id) => !found.has(id)),
    );
  let accounts: number[] = [];
  if (scope === 'customer' && stored.model.evaluateAccounts) {
    const { rows } = await tx.query<RowPick<typeof schema.accountMembers, 'account_id'>>(
      `SELECT DISTINCT account_id FROM account_members WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])`,
      [workspaceId, unique],
    );
    accounts = rows.map((r) => r.account_id);
  }
  const moved = outcomes.filter((o) => o.moves.length > 0).map((o) => o.subjectId);
  if (!opts.rebuild) {
    if (scope === 'customer') await recordWork(tx, workspaceId, 'segment', moved, { changes: new Set(['$stage']) });
    await recordWork(tx, workspaceId, 'stage', accounts, { scope: 'account' });
  }
  return { subjects: found.size, moves: outcomes.reduce((n, o) => n + o.moves.length, 0), accounts };
}

/** Replay each subject; `found` holds the subjects that exist, `outcomes` those whose stored state changes. */
async function evaluateSubjects(
  tx: Queryable,
  workspaceId: number,
  scope: Scope,
  ids: number[],
  stored: StoredModel,
  now: Date,
  fromStored: boolean,
): Promise<{ outcomes: StageOutcome[]; found: Set<number> }> {
  const program = compileModel(stored.model);
  // One after the other: a transaction is one connection, which runs one statement at a time.
  const starts = fromStored ? await loadStarts(tx, workspaceId, scope, ids) : null;
  const facts = await loadFacts(tx, workspaceId, scope, ids, factNeeds(stored.model));
  const outcomes: StageOutcome[] = [];
  const moves: Move[] = [];
  const found = new Set<number>();
  const slice = new TimeSlice();
  for (const id of ids) {
    if (slice.due) await slice.pause();
    const f = facts.get(id);
    if (!f) continue; // merged away or deleted meanwhile
    found.add(id);
    const start = starts?.get(id) ?? null;
    // Never evaluate a subject as of a moment before its stored evaluation: a worker whose
    // clock was read before another process (or the sweep) evaluated the subject later
    // would otherwise decide an older stage and then, next time, record the later move a
    // second time (the duplicate timeline messageIds seen under load).
    const until = start && start.evaluatedAt.getTime() > now.getTime() ? start.evaluatedAt : now;
    const r = replay(program, new FactIndex(f), until, start);
    // Nothing moved and the next check is the same: leave the row alone (most events do
    // not move anyone). The next replay then starts from the older evaluation, which
    // changes nothing but the work: the moments in between decide the same stage.
    if (start && r.moves.length === 0 && start.modelVersion === stored.version && start.nextCheckAt?.getTime() === r.nextCheckAt?.getTime()) continue;
    outcomes.push({ subjectId: id, userId: f.userId, stage: r.stage, since: r.since, reason: r.reason, evaluatedAt: until, nextCheckAt: r.nextCheckAt, moves: r.moves });
    moves.push(...r.moves);
  }
  await resolveTriggers(tx, moves);
  return { outcomes, found };
}

const REWRITTEN = new Set(['stage_states', 'stage_transitions', 'events']);

export interface RecomputeOptions {
  now: Date;
  models: ModelCache;
  /** Subjects per transaction (default 2,000). */
  chunk?: number;
  /** Chunks in flight at once (default 2 on PostgreSQL: the database builds one while this process replays another; 1 on PGlite). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** VACUUM/ANALYZE the rewritten tables at the end (default true; a caller that does its own maintenance passes false). */
  maintain?: boolean;
}

/**
 * Rebuild every stage of the workspace from its events (`tenure stages recompute`, and
 * after a model edit): each customer's history is replayed from their first event under
 * the current model, replacing the stored history and its timeline events; then the
 * accounts', when the model evaluates accounts. Chunks commit one by one, so a live
 * worker keeps running alongside (the subject locks keep them apart).
 */
export async function recomputeStages(db: Db, workspaceId: number, opts: RecomputeOptions): Promise<{ subjects: number; moves: number }> {
  const stored = await opts.models.get(db, workspaceId);
  const chunk = opts.chunk ?? 2_000;
  const concurrency = db.kind === 'pglite' ? 1 : Math.max(1, opts.concurrency ?? 2);
  const scopes: Scope[] = stored.model.evaluateAccounts ? ['customer', 'account'] : ['customer'];
  const totals = await Promise.all(
    scopes.map(async (scope) => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${scope === 'customer' ? 'customers' : 'accounts'} WHERE workspace_id = $1`, [workspaceId]);
      return rows[0]!.n;
    }),
  );
  const total = totals.reduce((a, b) => a + b, 0);
  let done = 0;
  let moves = 0;
  opts.onProgress?.(0, total);
  for (const scope of scopes) {
    const table = scope === 'customer' ? 'customers' : 'accounts';
    let after = 0;
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const { rows } = await db.query<{ id: number }>(`SELECT id FROM ${table} WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [workspaceId, after, chunk]);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const ids = rows.map((r) => r.id);
      const p = advanceStages(db, workspaceId, scope, ids, { now: opts.now, models: opts.models, rebuild: true }).then((r) => {
        done += ids.length;
        moves += r.moves;
        opts.onProgress?.(done, total);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (rows.length < chunk) break;
    }
    await Promise.all(inFlight);
  }
  // The history was rewritten: fresh planner statistics for the tables it lives in, now
  // rather than whenever autovacuum (if any: PGlite has none) gets to them.
  if (opts.maintain !== false) await maintainTables(db, { skip: (table) => !REWRITTEN.has(table) });
  return { subjects: done, moves };
}

/** Rebuild the stage history of these customers from their events (after an import of past events), in chunks. */
export async function rebuildStages(db: Db, workspaceId: number, customerIds: number[], opts: { now: Date; models: ModelCache; chunk?: number }): Promise<number> {
  const chunk = opts.chunk ?? 2_000;
  const sorted = [...new Set(customerIds)].sort((a, b) => a - b);
  let moves = 0;
  const accounts = new Set<number>();
  for (let i = 0; i < sorted.length; i += chunk) {
    const r = await advanceStages(db, workspaceId, 'customer', sorted.slice(i, i + chunk), { now: opts.now, models: opts.models, rebuild: true });
    moves += r.moves;
    for (const a of r.accounts) accounts.add(a);
  }
  const accountIds = [...accounts];
  for (let i = 0; i < accountIds.length; i += chunk) {
    moves += (await advanceStages(db, workspaceId, 'account', accountIds.slice(i, i + chunk), { now: opts.now, models: opts.models, rebuild: true })).moves;
  }
  return moves;
}

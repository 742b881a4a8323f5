import { leavesOf, type Condition } from '../../contracts/condition.js';
import { segmentRefs } from '../../contracts/segment-definition.js';
import type { LifecycleModel } from '../../contracts/lifecycle.js';
import type { Queryable } from '../db/client.js';
import { compileCondition } from '../rules/compile-sql.js';
import { listSegments, segmentMembers } from './segments.repo.js';

/** What is wrong with a definition, and where (a dotted path from the body, e.g. `condition.all.1.inSegment.id`). */
export interface DefinitionProblem {
  field: string;
  message: string;
}

/** Dotted paths of every leaf of a condition, in `leavesOf` order. */
function leafPaths(cond: Condition, path: string): Array<[string, Condition]> {
  if ('all' in cond) return cond.all.flatMap((c, i) => leafPaths(c, `${path}.all.${i}`));
  if ('any' in cond) return cond.any.flatMap((c, i) => leafPaths(c, `${path}.any.${i}`));
  if ('not' in cond) return leafPaths(cond.not, `${path}.not`);
  return [[path, cond]];
}

/**
 * Checks a condition's references against the workspace: every `inSegment` names an
 * existing segment and no segment ends up depending on itself; every `stage` names a
 * stage of the lifecycle model. `selfId`: the segment being saved (null for a preview).
 */
export async function checkReferences(
  db: Queryable,
  workspaceId: number,
  selfId: string | null,
  cond: Condition,
  model: LifecycleModel,
  scope: 'customer' | 'account' = 'customer',
): Promise<DefinitionProblem | null> {
  const stages = new Set([...model.stages.map((s) => s.key), model.atRisk.key, model.churned.key]);
  const segs = await listSegments(db, workspaceId);
  const refs = new Map(segs.map((s) => [s.id, s.condition ? segmentRefs(s.condition) : []]));
  const scopes = new Map(segs.map((s) => [s.id, s.scope]));
  if (selfId) refs.set(selfId, segmentRefs(cond));
  for (const [path, leaf] of leafPaths(cond, 'condition')) {
    if ('stage' in leaf && !stages.has(leaf.stage.key)) {
      return { field: `${path}.stage.key`, message: `${path}.stage.key: no stage "${leaf.stage.key}" in the lifecycle model (stages: ${[...stages].join(', ')})` };
    }
    if ('inSegment' in leaf) {
      const id = leaf.inSegment.id;
      if (!refs.has(id)) return { field: `${path}.inSegment.id`, message: `${path}.inSegment.id: no segment "${id}"` };
      if (scopes.get(id) !== scope) return { field: `${path}.inSegment.id`, message: `${path}.inSegment.id: segment "${id}" holds ${scopes.get(id)}s; this condition is about ${scope}s` };
      if (selfId && reaches(refs, id, selfId)) {
        return { field: `${path}.inSegment.id`, message: `${path}.inSegment.id: segment "${id}" ${id === selfId ? 'is this segment' : 'depends on this segment'}; a segment cannot depend on itself` };
      }
    }
  }
  return null;
}

/** Whether following `inSegment` references from `from` leads to `to` (including from = to). */
function reaches(refs: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(refs.get(id) ?? []));
  }
  return false;
}

/** Count and sample the customers matching a condition now, without saving anything. */
export async function previewSegment(db: Queryable, workspaceId: number, cond: Condition, sample: number, now: Date, scope: 'customer' | 'account' = 'customer') {
  const params: unknown[] = [workspaceId];
  const sql = compileCondition(cond, { now, params, subject: scope });
  params.push(sample);
  const limit = `$${params.length}`;
  const { rows } = await db.query<{ n: number; sample: Array<{ customerId: number; userId: string | null; email: string | null }> | null }>(
    scope === 'account'
      ? `WITH m AS MATERIALIZED (SELECT c.id, c.group_id AS user_id, c.traits->>'name' AS email FROM accounts c WHERE c.workspace_id = $1 AND ${sql})
     SELECT (SELECT count(*) FROM m)::int AS n,
            (SELECT json_agg(json_build_object('customerId', s.id, 'userId', s.user_id, 'email', s.email) ORDER BY s.id)
               FROM (SELECT * FROM m ORDER BY id LIMIT ${limit}) s) AS sample`
      : `WITH m AS MATERIALIZED (SELECT c.id, c.user_id, c.traits->>'email' AS email FROM customers c WHERE c.workspace_id = $1 AND ${sql})
     SELECT (SELECT count(*) FROM m)::int AS n,
            (SELECT json_agg(json_build_object('customerId', s.id, 'userId', s.user_id, 'email', s.email) ORDER BY s.id)
               FROM (SELECT * FROM m ORDER BY id LIMIT ${limit}) s) AS sample`,
    params,
  );
  return { count: rows[0]!.n, sample: rows[0]!.sample ?? [] };
}

/** Whether a condition mentions anything a stage move can change. */
export function readsStages(cond: Condition): boolean {
  return leavesOf(cond).some((l) => 'stage' in l);
}

const CSV_HEADER = 'customer_id,user_id,email,entered_at\n';
const ACCOUNT_CSV_HEADER = 'account_id,group_id,name,entered_at\n';

/** A CSV field, quoted when needed; text that a spreadsheet would run as a formula gets a leading `'`. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A segment's members as CSV, produced a page at a time (keyset on customer id), so an
 * export of any size holds one page in memory. `at`: as of a past moment.
 */
export async function* membersCsv(db: Queryable, workspaceId: number, segmentId: string, opts: { at?: Date; pageSize?: number; scope?: 'customer' | 'account' } = {}): AsyncGenerator<string> {
  yield opts.scope === 'account' ? ACCOUNT_CSV_HEADER : CSV_HEADER;
  const pageSize = opts.pageSize ?? 5_000;
  let after = 0;
  for (;;) {
    const page = await segmentMembers(db, workspaceId, segmentId, { limit: pageSize, after, at: opts.at, scope: opts.scope });
    if (page.length === 0) return;
    let chunk = '';
    for (const m of page) chunk += `${m.customerId},${csvField(m.userId)},${csvField(m.email)},${m.enteredAt}\n`;
    yield chunk;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.customerId;
  }
}

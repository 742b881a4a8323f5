import { durationMs, type CompareOp, type Condition, type ValueTest, type Window } from '../../contracts/condition.js';
import { workspaceActivitySql } from './activity.js';

/**
 * Compile a condition to one SQL boolean expression over a `customers` row (alias `c` by
 * default), for evaluating every customer at once: `SELECT c.id FROM customers c WHERE
 * c.workspace_id = $1 AND (<sql>)`. Values go into `params` (the caller's own parameters
 * may already be there; placeholders continue after them). The semantics are exactly
 * those of the in-memory evaluator (./evaluate.ts); see src/contracts/condition.ts.
 */
export function compileCondition(cond: Condition, opts: { now: Date; params: unknown[]; customer?: string; subject?: 'customer' | 'account' }): string {
  const ctx: Ctx = { params: opts.params, customer: opts.customer ?? 'c', subject: opts.subject ?? 'customer', now: opts.now, nowParam: null };
  return node(cond, ctx);
}

/**
 * The events of the subject: a customer's own, or (accounts) every member's, as the
 * stage engine reads an account's facts.
 */
function ownEvents(ctx: Ctx): string {
  return ctx.subject === 'customer' ? `e.customer_id = ${ctx.customer}.id` : `e.customer_id IN (SELECT am.customer_id FROM account_members am WHERE am.account_id = ${ctx.customer}.id)`;
}

interface Ctx {
  params: unknown[];
  /** Alias of the subject's row: a `customers` row, or an `accounts` row when `subject` is account. */
  customer: string;
  subject: 'customer' | 'account';
  now: Date;
  /** The placeholder of `now`, added on first use (an unused parameter has no type). */
  nowParam: string | null;
}

function nowRef(ctx: Ctx): string {
  ctx.nowParam ??= param(ctx, ctx.now.toISOString(), 'timestamptz');
  return ctx.nowParam;
}

function param(ctx: Ctx, value: unknown, type: string): string {
  ctx.params.push(value);
  return `$${ctx.params.length}::${type}`;
}

const SQL_OP: Record<CompareOp, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

function node(cond: Condition, ctx: Ctx): string {
  if ('all' in cond) return `(${cond.all.map((c) => node(c, ctx)).join(' AND ')})`;
  if ('any' in cond) return `(${cond.any.map((c) => node(c, ctx)).join(' OR ')})`;
  if ('not' in cond) return `(NOT ${node(cond.not, ctx)})`;
  if ('trait' in cond) return valueTest(cond.trait, `${ctx.customer}.traits`, ctx);
  if ('performed' in cond) {
    const p = cond.performed;
    const count = `(SELECT count(*) FROM events e WHERE ${eventFilter(p.event, p.where, p.window, ctx)})`;
    return `(${count} ${SQL_OP[p.count?.op ?? 'gte']} ${param(ctx, p.count?.value ?? 1, 'int8')})`;
  }
  if ('lastPerformed' in cond) {
    const l = cond.lastPerformed;
    const last = `(SELECT max(e.timestamp) FROM events e WHERE ${eventFilter(l.event, l.where, undefined, ctx)})`;
    const edge = param(ctx, new Date(ctx.now.getTime() - durationMs(l.duration)).toISOString(), 'timestamptz');
    return `COALESCE(${last} ${l.op === 'within' ? '>' : '<='} ${edge}, false)`;
  }
  if ('stage' in cond) {
    const s = cond.stage;
    const since = s.atLeast ? ` AND s.since <= ${param(ctx, new Date(ctx.now.getTime() - durationMs(s.atLeast)).toISOString(), 'timestamptz')}` : '';
    return `EXISTS (SELECT 1 FROM stage_states s WHERE s.workspace_id = ${ctx.customer}.workspace_id AND s.scope = '${ctx.subject}' AND s.subject_id = ${ctx.customer}.id AND s.stage = ${param(ctx, s.key, 'text')}${since})`;
  }
  if ('inSegment' in cond) {
    return `EXISTS (SELECT 1 FROM segment_members m WHERE m.workspace_id = ${ctx.customer}.workspace_id AND m.segment_id = ${param(ctx, cond.inSegment.id, 'text')} AND m.customer_id = ${ctx.customer}.id)`;
  }
  if ('score' in cond) {
    if (ctx.subject === 'account') return 'false'; // scores are computed for customers only
    const s = cond.score;
    // A score is a number, or an object whose `score` is one (the details beside it: reasons, bands).
    const v = `(CASE jsonb_typeof(x.value) WHEN 'object' THEN x.value->'score' ELSE x.value END)`;
    return `COALESCE((SELECT CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v})::numeric ${SQL_OP[s.op]} ${param(ctx, s.value, 'numeric')} ELSE false END
      FROM customer_scores x WHERE x.customer_id = ${ctx.customer}.id AND x.name = ${param(ctx, s.name, 'text')}), false)`;
  }
  if ('acquisition' in cond) {
    const a = cond.acquisition;
    const parts: string[] = [];
    const touch = ctx.subject === 'customer' ? `${ctx.customer}.first_touch` : 'NULL::jsonb'; // accounts have no first touch
    if (a.channel !== undefined) parts.push(`COALESCE(${touch}->>'channel', 'direct') = ${param(ctx, a.channel, 'text')}`);
    if (a.source !== undefined) parts.push(`COALESCE(${touch}->>'source' = ${param(ctx, a.source, 'text')}, false)`);
    if (a.campaign !== undefined) parts.push(`COALESCE(${touch}->>'campaign' = ${param(ctx, a.campaign, 'text')}, false)`);
    return `(${parts.join(' AND ')})`;
  }
  if ('firstSeen' in cond || 'lastSeen' in cond) {
    const [fn, test] = 'firstSeen' in cond ? ['min', cond.firstSeen] : ['max', cond.lastSeen];
    const at = `(SELECT ${fn}(e.timestamp) FROM events e WHERE ${ownEvents(ctx)} AND e.timestamp <= ${nowRef(ctx)} AND ${workspaceActivitySql('e', `${ctx.customer}.workspace_id`)})`;
    const edge = param(ctx, new Date(ctx.now.getTime() - durationMs(test.duration)).toISOString(), 'timestamptz');
    return `COALESCE(${at} ${test.op === 'within' ? '>' : '<='} ${edge}, false)`;
  }
  const a = cond.aggregate;
  const v = `(e.properties #> ${param(ctx, a.property.split('.'), 'text[]')})`;
  const num = `CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v})::numeric END`;
  const value = param(ctx, a.value, 'numeric');
  const op = SQL_OP[a.op];
  const from = `FROM events e WHERE ${eventFilter(a.event, a.where, a.window, ctx)}`;
  switch (a.fn) {
    case 'sum':
      return `COALESCE((SELECT COALESCE(sum(${num}), 0) ${op} ${value} ${from}), false)`;
    case 'avg':
      // avg op v ⇔ sum op v × count, count > 0 (as the in-memory evaluator, without division).
      return `COALESCE((SELECT count(${num}) > 0 AND sum(${num}) ${op} ${value} * count(${num}) ${from}), false)`;
    case 'min':
    case 'max':
      return `COALESCE((SELECT ${a.fn}(${num}) ${op} ${value} ${from}), false)`;
  }
}

/** Events of the customer named `name`, at or before now, in the window, passing every `where` test. */
function eventFilter(name: string, where: ValueTest[] | undefined, window: Window | undefined, ctx: Ctx): string {
  const parts = [ownEvents(ctx), `e.event = ${param(ctx, name, 'text')}`, `e.timestamp <= ${nowRef(ctx)}`];
  if (window && 'within' in window) parts.push(`e.timestamp > ${param(ctx, new Date(ctx.now.getTime() - durationMs(window.within)).toISOString(), 'timestamptz')}`);
  if (window && 'between' in window) {
    parts.push(`e.timestamp >= ${param(ctx, new Date(window.between.from).toISOString(), 'timestamptz')}`);
    parts.push(`e.timestamp < ${param(ctx, new Date(window.between.to).toISOString(), 'timestamptz')}`);
  }
  for (const w of where ?? []) parts.push(valueTest(w, 'e.properties', ctx));
  return parts.join(' AND ');
}

/** One value test on a jsonb column; never NULL (a missing value is false, or true for neq / not_exists). */
function valueTest(test: ValueTest, column: string, ctx: Ctx): string {
  const v = `(${column} #> ${param(ctx, test.path.split('.'), 'text[]')})`;
  switch (test.op) {
    case 'exists':
      return `(${v} IS NOT NULL)`;
    case 'not_exists':
      return `(${v} IS NULL)`;
    case 'eq':
      return `COALESCE(${v} = ${param(ctx, JSON.stringify(test.value), 'jsonb')}, false)`;
    case 'neq':
      return `(${v} IS DISTINCT FROM ${param(ctx, JSON.stringify(test.value), 'jsonb')})`;
    case 'contains':
      return `(CASE WHEN jsonb_typeof(${v}) = 'string' THEN strpos(${v} #>> '{}', ${param(ctx, test.value, 'text')}) > 0 ELSE false END)`;
    default:
      return `(CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v})::numeric ${SQL_OP[test.op]} ${param(ctx, test.value, 'numeric')} ELSE false END)`;
  }
}

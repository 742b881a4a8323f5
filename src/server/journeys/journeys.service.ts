import { checkGraph, type JourneyDefinition } from '../../contracts/journey.js';
import type { LifecycleModel } from '../../contracts/lifecycle.js';
import type { Queryable } from '../db/client.js';
import { compileTemplate } from '../channels/templates.js';
import { listSegments } from '../segments/segments.repo.js';
import { checkReferences } from '../segments/segments.service.js';
import type { Condition } from '../../contracts/condition.js';
import type { RowPick } from '../db/rows.js';
import type * as schema from '../db/schema/index.js';

export interface DefinitionProblem {
  field: string;
  message: string;
}

/**
 * Everything about a definition the schema cannot see: the graph (./contracts checkGraph),
 * and that what it names exists — templates (of the step's channel), subscription groups
 * (of the step's channel), segments and stages in triggers and conditions — and that a
 * webhook body is a valid Liquid template. Returns the first problem, naming the step.
 */
export async function checkDefinition(db: Queryable, workspaceId: number, def: JourneyDefinition, model: LifecycleModel, prefix = 'definition'): Promise<DefinitionProblem | null> {
  const graph = checkGraph(def, prefix);
  if (graph) return graph;
  const stages = new Set([...model.stages.map((s) => s.key), model.atRisk.key, model.churned.key]);
  const t = def.trigger;
  const stage = 'stageEntered' in t ? t.stageEntered.stage : 'stageExited' in t ? t.stageExited.stage : null;
  if (stage !== null && !stages.has(stage)) {
    return { field: `${prefix}.trigger`, message: `${prefix}.trigger: no stage "${stage}" in the lifecycle model (stages: ${[...stages].join(', ')})` };
  }
  const segment =
    'segmentEntered' in t ? t.segmentEntered.segment : 'segmentExited' in t ? t.segmentExited.segment : 'schedule' in t ? t.schedule.segment : 'broadcast' in t ? t.broadcast.segment : null;
  if (segment !== null) {
    const segs = await listSegments(db, workspaceId);
    const seg = segs.find((s) => s.id === segment);
    if (!seg) return { field: `${prefix}.trigger`, message: `${prefix}.trigger: no segment "${segment}"` };
    if (seg.scope !== 'customer') return { field: `${prefix}.trigger`, message: `${prefix}.trigger: segment "${segment}" holds accounts; journeys are for customers` };
  }
  for (const [path, cond] of conditionPaths(def, prefix)) {
    const p = await checkReferences(db, workspaceId, null, cond, model, 'customer');
    // Its paths start at "condition"; say where in the journey that condition is.
    if (p) return { field: p.field.replace(/^condition/, path), message: p.message.replace(/^condition/, path) };
  }
  const { rows: templates } = await db.query<RowPick<typeof schema.templates, 'id' | 'channel'>>(`SELECT id, channel FROM templates WHERE workspace_id = $1`, [workspaceId]);
  const { rows: groups } = await db.query<RowPick<typeof schema.subscriptionGroups, 'id' | 'channel'>>(`SELECT id, channel FROM subscription_groups WHERE workspace_id = $1`, [workspaceId]);
  const tpl = new Map(templates.map((x) => [x.id, x.channel]));
  const grp = new Map(groups.map((x) => [x.id, x.channel]));
  for (const [i, s] of def.steps.entries()) {
    const at = `${prefix}.steps.${i}`;
    if (s.type === 'send') {
      const ch = tpl.get(s.template);
      if (!ch) return { field: `${at}.template`, message: `step "${s.id}": no template "${s.template}"` };
      if (ch !== s.channel) return { field: `${at}.template`, message: `step "${s.id}": template "${s.template}" is for ${ch}, and this step sends ${s.channel}` };
      if (s.group !== undefined) {
        const g = grp.get(s.group);
        if (!g) return { field: `${at}.group`, message: `step "${s.id}": no subscription group "${s.group}"` };
        if (g !== s.channel) return { field: `${at}.group`, message: `step "${s.id}": subscription group "${s.group}" is for ${g}, and this step sends ${s.channel}` };
      }
    }
    if (s.type === 'webhook' && s.body !== undefined) {
      const c = await compileTemplate({ channel: 'webhook', body: s.body, format: 'text' });
      if (!c.ok) return { field: `${at}.body`, message: `step "${s.id}": body line ${c.line}, column ${c.column}: ${c.message}` };
    }
  }
  return null;
}

/** Every condition of a definition with its dotted path. */
function conditionPaths(def: JourneyDefinition, prefix: string): Array<[string, Condition]> {
  const out: Array<[string, Condition]> = [];
  if (def.audience) out.push([`${prefix}.audience`, def.audience]);
  if (def.goal?.condition) out.push([`${prefix}.goal.condition`, def.goal.condition]);
  if (def.exitWhen?.condition) out.push([`${prefix}.exitWhen.condition`, def.exitWhen.condition]);
  for (const [i, s] of def.steps.entries()) {
    if (s.type === 'branch') for (const [j, b] of s.branches.entries()) out.push([`${prefix}.steps.${i}.branches.${j}.condition`, b.condition]);
    if (s.type === 'waitFor' && s.condition) out.push([`${prefix}.steps.${i}.condition`, s.condition]);
  }
  return out;
}

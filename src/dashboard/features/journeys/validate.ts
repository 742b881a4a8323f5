import { checkGraph, JourneyDefinitionSchema, type JourneyDefinition } from '../../../contracts/journey.js';
import { TRIGGER } from './model.js';

/** A problem with a definition, placed on the canvas node it concerns. */
export interface Problem {
  /** A step id, or TRIGGER for the trigger and journey-wide settings. */
  nodeId: string;
  /** The field inside the step (`duration.amount`), or inside the definition for the trigger node (`trigger.event.name`). */
  path: string;
  message: string;
}

/**
 * Place a dotted field (`body.definition.steps.2.next`, `definition.trigger.event.name`) on
 * the node it belongs to.
 */
export function placeField(def: JourneyDefinition, field: string, message: string): Problem {
  const f = field.replace(/^body\./, '').replace(/^definition\.?/, '');
  const m = /^steps\.(\d+)(?:\.(.*))?$/.exec(f);
  if (m) {
    const step = def.steps[Number(m[1])];
    if (step) return { nodeId: step.id, path: m[2] ?? '', message };
  }
  return { nodeId: TRIGGER, path: f, message };
}

const FRIENDLY: Array<[RegExp, string]> = [
  [/(^|\.)(duration|timeout|due|holdoutWindow)\.amount$/, 'enter a whole number of at least 1'],
  [/^template$/, 'choose a template'],
  [/^survey$/, 'choose a survey'],
  [/^trigger\.event\.name$/, 'name the event that starts the journey'],
  [/(^|\.)event\.name$/, 'name the event'],
  [/^url$/, 'enter an http(s) URL'],
];

/** Check a definition as the server will (schema, then the step graph); problems in words, by node. */
export function validateDefinition(def: JourneyDefinition): Problem[] {
  const r = JourneyDefinitionSchema.safeParse(def);
  if (!r.success) {
    return r.error.issues.map((i) => {
      const path = i.path.map(String).join('.');
      const p = placeField(def, path, i.message);
      const friendly = FRIENDLY.find(([re]) => re.test(p.path));
      return { ...p, message: friendly ? friendly[1] : `${p.path ? `${p.path}: ` : ''}${i.message}` };
    });
  }
  const g = checkGraph(r.data, 'definition');
  return g ? [placeField(def, g.field, g.message)] : [];
}

/** The problems of one node, with a field prefix stripped for the inspector's fields. */
export function problemsAt(problems: Problem[], nodeId: string, prefix = ''): string[] {
  return problems.filter((p) => p.nodeId === nodeId && (prefix === '' ? true : p.path === prefix || p.path.startsWith(prefix + '.'))).map((p) => p.message);
}

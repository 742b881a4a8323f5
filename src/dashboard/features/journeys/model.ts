import type { JourneyDefinition, Step, StepType } from '../../../contracts/journey.js';
import { EV } from '../../../contracts/events.js';

/**
 * The journey canvas edits a JourneyDefinition directly: nodes and edges are a view of it,
 * and every edit is an immutable update that touches only the fields it changes, so a
 * definition loaded and saved without edits is the same definition.
 */

/** The canvas id of the trigger node (a colon can never be in a step id). */
export const TRIGGER = 'trigger:';

/** One way out of a node: the field holding the id of the step that follows. */
export interface Port {
  /** `next`, `timeoutNext`, `otherwise`, `branches.0`, `variants.1`, or `start` on the trigger. */
  key: string;
  label: string;
  target: string;
}

/** The ways out of a step, in the order they are drawn (left to right). */
export function portsOf(step: Step): Port[] {
  switch (step.type) {
    case 'exit':
      return [];
    case 'branch': {
      const one = step.branches.length === 1;
      return [
        ...step.branches.map((b, i) => ({ key: `branches.${i}`, label: one ? 'yes' : `if ${i + 1}`, target: b.next })),
        { key: 'otherwise', label: one ? 'no' : 'otherwise', target: step.otherwise },
      ];
    }
    case 'split': {
      const total = step.variants.reduce((a, v) => a + (Number(v.weight) || 0), 0) + (Number(step.holdout?.weight) || 0);
      return step.variants.map((v, i) => ({ key: `variants.${i}`, label: `${v.key}${total > 0 ? ` · ${Math.round(((Number(v.weight) || 0) / total) * 100)}%` : ''}`, target: v.next }));
    }
    case 'waitFor':
      return [
        { key: 'next', label: step.event ? 'event came' : 'condition held', target: step.next },
        { key: 'timeoutNext', label: 'timed out', target: step.timeoutNext },
      ];
    default:
      return [{ key: 'next', label: '', target: step.next }];
  }
}

/** The ways out of a canvas node (the trigger's one is the definition's start). */
export function nodePorts(def: JourneyDefinition, nodeId: string): Port[] {
  if (nodeId === TRIGGER) return [{ key: 'start', label: '', target: def.start }];
  const s = def.steps.find((x) => x.id === nodeId);
  return s ? portsOf(s) : [];
}

/** Point one port of a step at another step. */
export function setPortTarget(step: Step, key: string, target: string): Step {
  const [field, idx] = key.split('.');
  const i = Number(idx);
  if (step.type === 'branch' && field === 'branches') return { ...step, branches: step.branches.map((b, j) => (j === i ? { ...b, next: target } : b)) };
  if (step.type === 'branch' && field === 'otherwise') return { ...step, otherwise: target };
  if (step.type === 'split' && field === 'variants') return { ...step, variants: step.variants.map((v, j) => (j === i ? { ...v, next: target } : v)) };
  if (step.type === 'waitFor' && field === 'timeoutNext') return { ...step, timeoutNext: target };
  if (step.type !== 'exit' && field === 'next' && 'next' in step) return { ...step, next: target } as Step;
  return step;
}

/** Connect a node's port to a step. */
export function connect(def: JourneyDefinition, nodeId: string, port: string, target: string): JourneyDefinition {
  if (nodeId === TRIGGER) return { ...def, start: target };
  return { ...def, steps: def.steps.map((s) => (s.id === nodeId ? setPortTarget(s, port, target) : s)) };
}

/** Every step type the palette offers, with a short description. */
export const STEP_TYPES: Array<{ type: StepType; label: string; icon: string; hint: string }> = [
  { type: 'wait', label: 'Wait', icon: '◷', hint: 'Pause for a duration' },
  { type: 'waitUntil', label: 'Wait until', icon: '☼', hint: 'Until a time of day' },
  { type: 'waitFor', label: 'Wait for', icon: '◎', hint: 'An event, with a timeout' },
  { type: 'branch', label: 'Branch', icon: '⋔', hint: 'If a condition holds' },
  { type: 'split', label: 'A/B split', icon: '⚖', hint: 'Divide at random' },
  { type: 'send', label: 'Send', icon: '✉', hint: 'Email, SMS or in-app' },
  { type: 'task', label: 'Task', icon: '☑', hint: 'Hand off to a person' },
  { type: 'survey', label: 'Survey', icon: '☆', hint: 'Ask NPS, CSAT or CES' },
  { type: 'updateTraits', label: 'Update traits', icon: '✎', hint: 'Set customer traits' },
  { type: 'webhook', label: 'Webhook', icon: '⇪', hint: 'POST to a URL' },
  { type: 'exit', label: 'Exit', icon: '■', hint: 'End the journey' },
];

/** The palette's label for a step type. */
export function typeLabel(t: StepType): string {
  return STEP_TYPES.find((x) => x.type === t)?.label ?? t;
}

/** A fresh step id like `wait-2`, unused in the definition. */
export function newStepId(def: JourneyDefinition, type: StepType): string {
  const used = new Set(def.steps.map((s) => s.id));
  const base = type.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (let n = 1; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A new step of a type whose every way out leads to `next`; fields left for the inspector to fill are empty. */
export function newStep(id: string, type: StepType, next: string, opts: { template?: string } = {}): Step {
  switch (type) {
    case 'wait':
      return { id, type, duration: { amount: 1, unit: 'days' }, next };
    case 'waitUntil':
      return { id, type, time: '09:00', next };
    case 'waitFor':
      return { id, type, event: { name: '' }, timeout: { amount: 3, unit: 'days' }, next, timeoutNext: next };
    case 'branch':
      return { id, type, branches: [{ condition: { performed: { event: EV.orderCompleted } }, next }], otherwise: next };
    case 'split':
      return {
        id,
        type,
        variants: [
          { key: 'a', weight: 50, next },
          { key: 'b', weight: 50, next },
        ],
      };
    case 'send':
      return { id, type, channel: 'email', template: opts.template ?? '', transactional: false, next };
    case 'task':
      return { id, type, title: 'Follow up with this customer', assigneeRole: 'customer-success', due: { amount: 2, unit: 'days' }, next };
    case 'updateTraits':
      return { id, type, set: {}, next };
    case 'webhook':
      return { id, type, url: '', next };
    case 'survey':
      return { id, type, survey: '', channel: 'email', next };
    case 'exit':
      return { id, type };
  }
}

/** Steps reachable from the start. */
export function reachable(def: JourneyDefinition): Set<string> {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const queue = [def.start];
  while (queue.length) {
    const id = queue.pop()!;
    const s = byId.get(id);
    if (!s || seen.has(id)) continue;
    seen.add(id);
    for (const p of portsOf(s)) queue.push(p.target);
  }
  return seen;
}

/** Drop the steps no path reaches any more; says which went. */
function prune(def: JourneyDefinition, before: Set<string>): { def: JourneyDefinition; removed: string[] } {
  const live = reachable(def);
  // Only steps that were reachable before the edit go: a step the person left detached stays (and is flagged).
  const removed = def.steps.filter((s) => !live.has(s.id) && before.has(s.id)).map((s) => s.id);
  if (removed.length === 0 || removed.length === def.steps.length) return { def, removed: [] };
  return { def: { ...def, steps: def.steps.filter((s) => !removed.includes(s.id)) }, removed };
}

export interface EditResult {
  def: JourneyDefinition;
  /** The step to select after the edit. */
  select?: string;
  /** What the person should know (steps removed, or why nothing changed). */
  note?: string;
}

/**
 * Insert a new step on a port: the port leads to the new step, and the new step's ways
 * out lead where the port led. An exit ends the path there (steps only it reached go).
 */
export function insertStep(def: JourneyDefinition, from: string, port: string, type: StepType, opts: { template?: string } = {}): EditResult {
  const old = nodePorts(def, from).find((p) => p.key === port)?.target ?? '';
  const id = newStepId(def, type);
  const step = newStep(id, type, old, opts);
  const at = from === TRIGGER ? 0 : def.steps.findIndex((s) => s.id === from) + 1;
  const steps = [...def.steps.slice(0, at), step, ...def.steps.slice(at)];
  const before = reachable(def);
  const linked = connect({ ...def, steps }, from, port, id);
  const { def: out, removed } = prune(linked, before);
  return { def: out, select: id, note: removed.length ? `Removed steps no path reaches any more: ${removed.join(', ')}.` : undefined };
}

/** Delete a step: what led to it leads to where it went (its first way out); an exit hands its paths to another exit. */
export function deleteStep(def: JourneyDefinition, id: string): EditResult {
  const step = def.steps.find((s) => s.id === id);
  if (!step) return { def };
  if (def.steps.length === 1) return { def, note: 'A journey needs at least one step.' };
  let heir = portsOf(step)[0]?.target;
  if (step.type === 'exit') heir = def.steps.find((s) => s.type === 'exit' && s.id !== id)?.id;
  const referenced = def.start === id || def.steps.some((s) => s.id !== id && portsOf(s).some((p) => p.target === id));
  if (referenced && (heir === undefined || heir === id)) return { def, note: `Add another exit before deleting "${id}": the paths that end here need an end.` };
  const before = reachable(def);
  const rewire = (s: Step): Step => portsOf(s).reduce((acc, p) => (p.target === id ? setPortTarget(acc, p.key, heir!) : acc), s);
  const next: JourneyDefinition = { ...def, start: def.start === id ? heir! : def.start, steps: def.steps.filter((s) => s.id !== id).map(rewire) };
  const { def: out, removed } = prune(next, before);
  return { def: out, note: removed.length ? `Also removed steps no path reaches any more: ${removed.join(', ')}.` : undefined };
}

/** Rename a step, keeping every reference to it. */
export function renameStep(def: JourneyDefinition, from: string, to: string): JourneyDefinition {
  const rewire = (s: Step): Step => portsOf(s).reduce((acc, p) => (p.target === from ? setPortTarget(acc, p.key, to) : acc), s);
  return { ...def, start: def.start === from ? to : def.start, steps: def.steps.map((s) => rewire(s.id === from ? { ...s, id: to } : s)) };
}

/** Replace one step (by its id) with an edited version. */
export function replaceStep(def: JourneyDefinition, id: string, step: Step): JourneyDefinition {
  return { ...def, steps: def.steps.map((s) => (s.id === id ? step : s)) };
}

/** A new, empty journey: the trigger to choose, then an exit. */
export function emptyDefinition(): JourneyDefinition {
  return { trigger: { event: { name: '' } }, start: 'end', steps: [{ id: 'end', type: 'exit' }] } as unknown as JourneyDefinition;
}

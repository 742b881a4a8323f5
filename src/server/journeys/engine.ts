import { durationMs, type Condition } from '../../contracts/condition.js';
import type { Channel, EventMatch, JourneyDefinition, Step } from '../../contracts/journey.js';
import { FactIndex, prepare, testValue, type CustomerFacts, type Prepared } from '../rules/evaluate.js';
import { nextLocalTime, zoneOf } from '../lib/local-time.js';
import { hash32 } from '../hash.js';

/**
 * The journey engine: a pure step function. Given a definition, a run's state, what
 * happened (the run was entered, its timer came due, or an event arrived) and the time, it
 * returns the new state and the side effects to perform. No clock, no database, no
 * randomness of its own: the runner (./runner.ts) persists the state and the actions in one
 * transaction, and performs the actions later, each under its idempotency key.
 */

export type RunStatus = 'active' | 'waiting' | 'completed' | 'converted' | 'exited';

/** Where a run stands; stored as JSON with the run. */
export interface RunState {
  /** The step the run is at: waiting in it, or (status active) about to execute it. */
  step: string;
  status: RunStatus;
  /** When the run wants a `wake` (a wait ending, a timeout); null: only an event moves it. */
  wakeAt: string | null;
  /** When the current wait began (ISO). */
  since: string | null;
  /** The A/B variant the run was put in (`holdout` for the control group). */
  variant: string | null;
  /** Steps executed so far; part of every idempotency key, so a step visited twice acts twice. */
  steps: number;
  /** Why the run ended: `exit:<step>`, `goal`, `exit criteria`, `holdout`. */
  endReason: string | null;
}

export interface EngineEvent {
  name: string;
  properties: Record<string, unknown>;
  messageId: string;
}

export type EngineInput = { kind: 'enter' } | { kind: 'wake' } | { kind: 'event'; event: EngineEvent };

export interface EngineContext {
  /** A stable, unique name of the run (e.g. `r123`): the seed of splits and the root of idempotency keys. */
  runKey: string;
  /** The customer's facts at `now`, for conditions (needed when the definition has any) and the timezone trait. */
  facts?: CustomerFacts;
}

interface Effect {
  /** Idempotency key: the same run, step and visit always make the same key. */
  key: string;
  stepId: string;
}

export type Action =
  | (Effect & { type: 'send'; channel: Channel; template: string; group: string | null; transactional: boolean })
  | (Effect & { type: 'updateTraits'; set: Record<string, string | number | boolean | null> })
  | (Effect & { type: 'task'; title: string; assigneeRole: string; assignee: string | null; dueAt: Date; note: string | null })
  | (Effect & { type: 'webhook'; url: string; body: string | null })
  | (Effect & { type: 'survey'; survey: string; channel: 'email' | 'sms' | 'inapp' });

export interface StepResult {
  state: RunState;
  actions: Action[];
  /** Ids of the steps executed in this call, in order (a wait counts when it ends). */
  executed: string[];
}

/** More steps than this in one call means a definition bug (checkGraph forbids loops with no wait). */
const MAX_STEPS_PER_CALL = 1_000;

/** Whether an event is the one `m` describes. */
export function matchesEvent(m: EventMatch, e: EngineEvent): boolean {
  return m.name === e.name && (m.where ?? []).every((t) => testValue(t, e.properties));
}

/** The first state of a run entering at `now`. */
export function initialState(def: JourneyDefinition): RunState {
  return { step: def.start, status: 'active', wakeAt: null, since: null, variant: null, steps: 0, endReason: null };
}

/**
 * Move a run: `enter` (state null: a new run), `wake` (its timer came due) or `event` (an
 * event of the customer's arrived). Ended runs never move. Goal and exit criteria are
 * checked first: an event matching them, or their condition holding at `now`, ends the run
 * (goal first: converting wins). Then steps execute until one waits or the run ends.
 */
export function advance(def: JourneyDefinition, prior: RunState | null, input: EngineInput, now: Date, ctx: EngineContext): StepResult {
  const state: RunState = prior ? { ...prior } : initialState(def);
  const out: StepResult = { state, actions: [], executed: [] };
  if (state.status !== 'active' && state.status !== 'waiting') return out;
  const steps = new Map(def.steps.map((s) => [s.id, s]));
  const conditions = new ConditionCache(ctx.facts, now);

  if (input.kind === 'event') {
    if (def.goal?.event && matchesEvent(def.goal.event, input.event)) return end(out, 'converted', 'goal');
    if (def.exitWhen?.event && matchesEvent(def.exitWhen.event, input.event)) return end(out, 'exited', 'exit criteria');
  }
  if (def.goal?.condition && conditions.test(def.goal.condition)) return end(out, 'converted', 'goal');
  if (def.exitWhen?.condition && conditions.test(def.exitWhen.condition)) return end(out, 'exited', 'exit criteria');

  // A run waiting in a step: does this input end the wait?
  if (state.status === 'waiting' && state.variant === 'holdout') {
    const due = state.wakeAt !== null && now.getTime() >= Date.parse(state.wakeAt);
    return due ? end(out, 'exited', 'holdout') : out;
  }
  if (state.status === 'waiting') {
    const step = steps.get(state.step);
    if (!step) return end(out, 'exited', `step "${state.step}" is gone`);
    const resumeAt = resume(step, state, input, now, conditions);
    if (resumeAt === null) return out;
    out.executed.push(step.id);
    state.steps++;
    state.step = resumeAt;
    state.status = 'active';
    state.wakeAt = null;
    state.since = null;
  }

  for (let n = 0; state.status === 'active'; n++) {
    if (n >= MAX_STEPS_PER_CALL) throw new Error(`journey run ${ctx.runKey} executed ${n} steps without waiting: the definition loops`);
    const step = steps.get(state.step);
    if (!step) return end(out, 'exited', `step "${state.step}" is gone`);
    const key = `${ctx.runKey}:${step.id}:${state.steps}`;
    let next: string | null = null;
    switch (step.type) {
      case 'wait':
        waitUntil(state, new Date(now.getTime() + durationMs(step.duration)), now);
        break;
      case 'waitUntil': {
        const at = nextLocalTime(now, zoneOf(ctx.facts?.traits.timezone), step.time, step.weekdays);
        if (at.getTime() <= now.getTime()) next = step.next;
        else waitUntil(state, at, now);
        break;
      }
      case 'waitFor':
        if (step.condition && conditions.test(step.condition)) next = step.next;
        else waitUntil(state, new Date(now.getTime() + durationMs(step.timeout)), now);
        break;
      case 'branch':
        next = step.branches.find((b) => conditions.test(b.condition))?.next ?? step.otherwise;
        break;
      case 'split': {
        const pick = chooseVariant(step, `${ctx.runKey}:${step.id}`);
        if (pick === null) {
          // The control group gets nothing; with a goal it is watched for conversion for the holdout window.
          state.variant = 'holdout';
          out.executed.push(step.id);
          state.steps++;
          if (!def.goal) return end(out, 'exited', 'holdout');
          waitUntil(state, new Date(now.getTime() + durationMs(def.goal.holdoutWindow)), now);
          return out;
        }
        state.variant = pick.key;
        next = pick.next;
        break;
      }
      case 'send':
        out.actions.push({ type: 'send', key, stepId: step.id, channel: step.channel, template: step.template, group: step.group ?? null, transactional: step.transactional });
        next = step.next;
        break;
      case 'updateTraits':
        out.actions.push({ type: 'updateTraits', key, stepId: step.id, set: step.set });
        next = step.next;
        break;
      case 'task':
        out.actions.push({
          type: 'task',
          key,
          stepId: step.id,
          title: step.title,
          assigneeRole: step.assigneeRole,
          assignee: step.assignee ?? null,
          dueAt: new Date(now.getTime() + durationMs(step.due)),
          note: step.note ?? null,
        });
        next = step.next;
        break;
      case 'webhook':
        out.actions.push({ type: 'webhook', key, stepId: step.id, url: step.url, body: step.body ?? null });
        next = step.next;
        break;
      case 'survey':
        out.actions.push({ type: 'survey', key, stepId: step.id, survey: step.survey, channel: step.channel });
        next = step.next;
        break;
      case 'exit':
        out.executed.push(step.id);
        state.steps++;
        return end(out, 'completed', `exit:${step.id}`);
    }
    if (next === null) break; // waiting
    out.executed.push(step.id);
    state.steps++;
    state.step = next;
  }
  return out;
}

/** Where a waiting run goes on this input, or null when it keeps waiting. */
function resume(step: Step, state: RunState, input: EngineInput, now: Date, conditions: ConditionCache): string | null {
  const due = state.wakeAt !== null && now.getTime() >= Date.parse(state.wakeAt);
  switch (step.type) {
    case 'wait':
    case 'waitUntil':
      return due ? step.next : null;
    case 'waitFor':
      if (step.event && input.kind === 'event' && matchesEvent(step.event, input.event)) return step.next;
      if (step.condition && conditions.test(step.condition)) return step.next;
      return due ? step.timeoutNext : null;
    default:
      // Only waits wait; a run stored waiting elsewhere (an old engine) carries on.
      return step.id;
  }
}

function waitUntil(state: RunState, at: Date, now: Date): void {
  state.status = 'waiting';
  state.wakeAt = at.toISOString();
  state.since = now.toISOString();
}

function end(out: StepResult, status: RunStatus, reason: string): StepResult {
  out.state.status = status;
  out.state.wakeAt = null;
  out.state.endReason = reason;
  return out;
}

/** The variant for a seed, by weight; null: the holdout. Uniform and stable: the same seed, the same answer. */
export function chooseVariant<V extends { weight: number }>(step: { variants: V[]; holdout?: { weight: number } }, seed: string): V | null {
  const total = step.variants.reduce((s, v) => s + v.weight, 0) + (step.holdout?.weight ?? 0);
  let x = unitHash(seed) * total;
  for (const v of step.variants) {
    if (x < v.weight) return v;
    x -= v.weight;
  }
  return step.holdout ? null : step.variants[step.variants.length - 1]!;
}

/** A string to [0, 1), uniformly: 52 bits from two independently seeded 32-bit hashes. */
export function unitHash(s: string): number {
  const hi = hash32(s);
  const lo = hash32(s, 0x01000193 ^ 0x5bd1e995);
  return (hi * 2 ** 20 + (lo >>> 12)) / 2 ** 52;
}

/** Conditions evaluated at most once per call, against one index of the facts. */
class ConditionCache {
  private index: FactIndex | null = null;
  private readonly prepared = new Map<Condition, Prepared>();
  constructor(
    private readonly facts: CustomerFacts | undefined,
    private readonly now: Date,
  ) {}

  test(cond: Condition): boolean {
    if (!this.facts) throw new Error('this journey tests conditions: the runner must pass the customer facts');
    this.index ??= new FactIndex(this.facts);
    let p = this.prepared.get(cond);
    if (!p) this.prepared.set(cond, (p = prepare(cond)));
    return p.test(this.index, this.now.getTime());
  }
}

/** Every condition a definition tests (audience, goal, exit, branches, condition waits): what the runner must load facts for. */
export function conditionsOf(def: JourneyDefinition): Condition[] {
  const out: Condition[] = [];
  if (def.audience) out.push(def.audience);
  if (def.goal?.condition) out.push(def.goal.condition);
  if (def.exitWhen?.condition) out.push(def.exitWhen.condition);
  for (const s of def.steps) {
    if (s.type === 'branch') for (const b of s.branches) out.push(b.condition);
    if (s.type === 'waitFor' && s.condition) out.push(s.condition);
  }
  return out;
}

/** Event names that can move a run of this journey (goal, exit criteria, event waits, condition waits read events too). */
export function listenedEvents(def: JourneyDefinition): Set<string> {
  const names = new Set<string>();
  if (def.goal?.event) names.add(def.goal.event.name);
  if (def.exitWhen?.event) names.add(def.exitWhen.event.name);
  for (const s of def.steps) if (s.type === 'waitFor' && s.event) names.add(s.event.name);
  return names;
}

/** Whether runs of this journey must re-check conditions on any of the customer's events (condition goal/exit/wait). */
export function listensToEverything(def: JourneyDefinition): boolean {
  return Boolean(def.goal?.condition || def.exitWhen?.condition || def.steps.some((s) => s.type === 'waitFor' && s.condition));
}

import { countAtOrBefore, FactIndex, type CustomerFacts } from '../rules/evaluate.js';
import { classifyMove, type Movement } from './movement.js';
import type { ModelProgram } from './stage-engine.js';

/** One move between stages. */
export interface Move {
  from: string | null;
  to: string;
  at: Date;
  pattern: Movement;
  reason: string;
  /** The event at the moment of the move; null when time passing caused it. */
  triggerMessageId: string | null;
}

/** Where a customer stands after a replay, and the moves that got them there. */
export interface ReplayResult {
  stage: string;
  since: Date;
  reason: string;
  moves: Move[];
  /** The next moment the stage may change without a new event; null when none is known. */
  nextCheckAt: Date | null;
}

/** What is known of a customer's stage before the replay (absent: never evaluated). */
export interface StageStart {
  stage: string;
  since: Date;
  reason: string;
  /** Evaluated up to here: the replay looks at what changed after it. */
  evaluatedAt: Date;
  /** Stages held so far, oldest first (the last one is `stage`). */
  history: string[];
}

/**
 * Work out a customer's moves from `start` (or from nothing) up to `until`: the stage is
 * decided at every moment it may change (`changeTimes`) after `start.evaluatedAt`, and
 * each change is a move at that moment. Events that arrived late (timed before
 * `evaluatedAt`) count from `until`, when they became known. Pure.
 */
export function replay(program: ModelProgram, facts: CustomerFacts | FactIndex, until: Date, start: StageStart | null = null): ReplayResult {
  const ix = facts instanceof FactIndex ? facts : new FactIndex(facts);
  const end = until.getTime();
  const after = start ? start.evaluatedAt.getTime() : -Infinity;
  const times = program.changeTimes(ix);
  // A new customer enters their first stage with their first event, whatever it is.
  const firstEvent = ix.events[0]?.timestamp.getTime();
  if (!start && firstEvent !== undefined && firstEvent !== times[0]) times.unshift(firstEvent);
  const history = start ? [...start.history] : [];
  let current: { stage: string; since: Date; reason: string } | null = start ? { stage: start.stage, since: start.since, reason: start.reason } : null;
  const moves: Move[] = [];
  const eventTimes = ix.events.map((e) => e.timestamp.getTime());

  const visit = (t: number, candidate: boolean) => {
    const d = program.decide(ix, t);
    if (current && current.stage === d.stage) return;
    const n = countAtOrBefore(eventTimes, t);
    const trigger = n > 0 && eventTimes[n - 1] === t ? ix.events[n - 1]! : null;
    const at = new Date(t);
    const reason = trigger ? d.reason : candidate ? `${d.reason} (time passed; no new event)` : `${d.reason} (found on re-evaluation)`;
    moves.push({ from: current?.stage ?? null, to: d.stage, at, pattern: classifyMove(program.model, history, d.stage), reason, triggerMessageId: trigger?.messageId ?? null });
    history.push(d.stage);
    current = { stage: d.stage, since: at, reason };
  };

  let i = countAtOrBefore(times, after);
  for (; i < times.length && times[i]! <= end; i++) visit(times[i]!, true);
  // Late events, or a customer with no events: the state as of `until`.
  if (!current || times[i - 1] !== end) visit(end, false);
  const settled = current as unknown as { stage: string; since: Date; reason: string };
  return { ...settled, moves, nextCheckAt: i < times.length ? new Date(times[i]!) : null };
}

import type { LifecycleModel } from '../../contracts/lifecycle.js';

/**
 * How a move between stages reads:
 * - `entered`: the customer's first stage;
 * - `linear`: to the next stage of the ladder;
 * - `skip`: ahead by more than one stage;
 * - `regression`: back down the ladder, or into `at_risk` / `churned`;
 * - `cyclical`: back down the ladder by a customer who had already reached its last stage
 *   (a loyal customer starting over, e.g. with a new product line);
 * - `recovered`: out of `at_risk` / `churned` into the ladder stage they held before.
 * Moves out of `at_risk` / `churned` are read against the last ladder stage held before.
 */
export type Movement = 'entered' | 'linear' | 'skip' | 'regression' | 'cyclical' | 'recovered';

/**
 * Classify the move to `to`, given the stages the customer held so far, oldest first
 * (`history`; its last element is the stage being left). Pure.
 */
export function classifyMove(model: LifecycleModel, history: readonly string[], to: string): Movement {
  if (history.length === 0) return 'entered';
  const rank = new Map(model.stages.map((s, i) => [s.key, i]));
  const last = model.stages.length - 1;
  const target = rank.get(to);
  if (target === undefined) return 'regression'; // into at_risk or churned
  const ladder = history.map((k) => rank.get(k)).filter((i): i is number => i !== undefined);
  const before = ladder[ladder.length - 1];
  if (before === undefined) return target === 0 ? 'linear' : 'skip'; // only ever in states so far
  const fromState = !rank.has(history[history.length - 1]!);
  if (fromState && target === before) return 'recovered';
  if (target === before + 1) return 'linear';
  if (target > before + 1) return 'skip';
  // Down the ladder (or back to the same stage after a state, handled above).
  return ladder.includes(last) ? 'cyclical' : 'regression';
}

/** A customer has stayed in a stage longer than its `expectedDays` ("extended"). */
export function isExtended(model: LifecycleModel, stage: string, since: Date, now: Date): boolean {
  const s = [...model.stages, model.atRisk, model.churned].find((x) => x.key === stage);
  return s?.expectedDays !== undefined && now.getTime() - since.getTime() > s.expectedDays * 86_400_000;
}

import type { LifecycleModel } from '../../contracts/lifecycle.js';
import { evaluate, type CustomerFacts } from '../rules/evaluate.js';

/** Where a customer stands, and why. */
export interface StageDecision {
  stage: string;
  /** Human-readable: which rule decided. */
  reason: string;
}

/**
 * The stage engine's core, pure: (model, customer facts, now) → stage. `churned` wins
 * over everything, then `at_risk`; otherwise the customer is in the furthest stage whose
 * entry rule holds, or the first stage when none does. A customer may match a later
 * stage without an earlier one (a skip); the history records that move as it happened.
 */
export function decideStage(model: LifecycleModel, facts: CustomerFacts, now: Date): StageDecision {
  if (model.churned.rule && evaluate(model.churned.rule, facts, now)) return { stage: model.churned.key, reason: `the "${model.churned.name}" rule holds` };
  if (model.atRisk.rule && evaluate(model.atRisk.rule, facts, now)) return { stage: model.atRisk.key, reason: `the "${model.atRisk.name}" rule holds` };
  for (let i = model.stages.length - 1; i >= 1; i--) {
    const s = model.stages[i]!;
    if (s.rule && evaluate(s.rule, facts, now)) return { stage: s.key, reason: `the entry rule of "${s.name}" holds` };
  }
  const first = model.stages[0]!;
  return { stage: first.key, reason: `no later stage's rule holds; every customer starts in "${first.name}"` };
}

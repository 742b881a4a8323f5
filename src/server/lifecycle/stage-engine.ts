import type { LifecycleModel } from '../../contracts/lifecycle.js';
import { FactIndex, prepare, type CustomerFacts, type Prepared } from '../rules/evaluate.js';

/** Where a customer stands, and why. */
export interface StageDecision {
  stage: string;
  /** Human-readable: which rule decided. */
  reason: string;
}

/** A lifecycle model made ready to evaluate many customers at many times. */
export interface ModelProgram {
  model: LifecycleModel;
  /** The stage at `now` (ms), and why; the same answer as `decideStage`. */
  decide(ix: FactIndex, now: number): StageDecision;
  /** Every time the stage may change for this customer, ascending, without repeats. */
  changeTimes(ix: FactIndex): number[];
}

const programs = new WeakMap<LifecycleModel, ModelProgram>();

/**
 * Prepare a model once (rules compiled for indexed evaluation). The decision is the stage
 * engine's core: `churned` wins over everything, then `at_risk`; otherwise the customer is
 * in the furthest stage whose entry rule holds, or the first stage when none does. A
 * customer may match a later stage without an earlier one (a skip); the history records
 * that move as it happened.
 */
export function compileModel(model: LifecycleModel): ModelProgram {
  const known = programs.get(model);
  if (known) return known;
  const churned = model.churned.rule ? prepare(model.churned.rule) : null;
  const atRisk = model.atRisk.rule ? prepare(model.atRisk.rule) : null;
  const ladder = model.stages.map((s) => (s.rule ? prepare(s.rule) : null));
  const all = [churned, atRisk, ...ladder].filter((p): p is Prepared => p !== null);
  const first = model.stages[0]!;
  const program: ModelProgram = {
    model,
    decide(ix, now) {
      if (churned?.test(ix, now)) return { stage: model.churned.key, reason: `the "${model.churned.name}" rule holds` };
      if (atRisk?.test(ix, now)) return { stage: model.atRisk.key, reason: `the "${model.atRisk.name}" rule holds` };
      for (let i = ladder.length - 1; i >= 1; i--) {
        if (ladder[i]?.test(ix, now)) return { stage: model.stages[i]!.key, reason: `the entry rule of "${model.stages[i]!.name}" holds` };
      }
      return { stage: first.key, reason: `no later stage's rule holds; every customer starts in "${first.name}"` };
    },
    changeTimes(ix) {
      const out: number[] = [];
      for (const p of all) p.changeTimes(ix, out);
      out.sort((a, b) => a - b);
      let n = 0;
      for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!;
      out.length = n;
      return out;
    },
  };
  programs.set(model, program);
  return program;
}

/** The stage engine, pure: (model, customer facts, now) → stage and the rule that decided. */
export function decideStage(model: LifecycleModel, facts: CustomerFacts, now: Date): StageDecision {
  return compileModel(model).decide(new FactIndex(facts), now.getTime());
}

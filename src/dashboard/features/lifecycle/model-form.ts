import type { Condition } from '../../../contracts/condition.js';
import type { LifecycleModel, Stage } from '../../../contracts/lifecycle.js';
import { checkDraft, initialDraft, type ConditionDraft } from '../../components/condition/draft.js';
import { checkModel, type Checked } from './validate.js';

/**
 * The lifecycle model as a form: the model as loaded, and one condition draft per stage
 * rule (the ladder's stages in order, then at-risk, then churned). Everything but the rules
 * is kept as it was; the whole model is edited as JSON for that.
 */
export interface ModelForm {
  base: LifecycleModel;
  drafts: ConditionDraft[];
}

/** The ladder's stages, then at-risk and churned: the order of the form's drafts. */
export function stagesOf(m: LifecycleModel): Stage[] {
  return [...m.stages, m.atRisk, m.churned];
}

/** Where each stage sits in the model, as a path (`stages.2`, `atRisk`). */
export function stagePath(m: LifecycleModel, i: number): string {
  return i < m.stages.length ? `stages.${i}` : i === m.stages.length ? 'atRisk' : 'churned';
}

/** The form of a model. */
export function formOf(m: LifecycleModel): ModelForm {
  return { base: m, drafts: stagesOf(m).map((s) => initialDraft(s.rule)) };
}

/** The model with each stage's rule taken from `ruleOf` (undefined: no rule). */
function withRules(m: LifecycleModel, ruleOf: (i: number) => Condition | undefined): LifecycleModel {
  const set = (s: Stage, i: number): Stage => {
    const rule = ruleOf(i);
    if (rule !== undefined) return { ...s, rule };
    const { rule: _r, ...rest } = s;
    return rest;
  };
  const n = m.stages.length;
  return { ...m, stages: m.stages.map(set), atRisk: set(m.atRisk, n), churned: set(m.churned, n + 1) };
}

/** Check the form: every rule complete, then the whole model as the server checks it. */
export function checkForm(f: ModelForm): Checked {
  const states = f.drafts.map((d, i) => checkDraft(d, i === 0).state);
  const bad = states.findIndex((s) => s.status === 'invalid');
  if (bad >= 0) {
    const s = states[bad] as { message: string };
    return { ok: false, path: `${stagePath(f.base, bad)}.rule (${stagesOf(f.base)[bad]!.name})`, message: s.message };
  }
  return checkModel(withRules(f.base, (i) => (states[i]!.status === 'ok' ? (states[i] as { condition: Condition }).condition : undefined)));
}

/** The form's model so far as JSON text (incomplete rules as far as they go), for the JSON view. */
export function formJson(f: ModelForm): string {
  const model = withRules(f.base, (i) => {
    const c = checkDraft(f.drafts[i]!, i === 0);
    return c.state.status === 'ok' ? c.state.condition : (c.partial ?? undefined);
  });
  return JSON.stringify(model, null, 2);
}

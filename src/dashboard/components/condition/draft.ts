import { ConditionSchema, type Condition } from '../../../contracts/condition.js';
import { emptyRoot, fromCondition, toCondition, type GroupNode, type Problems } from './model.js';

/**
 * What a condition editor holds: the builder tree, and the JSON view's text while that view
 * is open. The tree is kept while the JSON view is open, so JSON that does not parse (or
 * breaks the schema) never costs the form its state.
 */
export interface ConditionDraft {
  root: GroupNode;
  /** The JSON view's text while it is open; null while the form is shown. */
  json: string | null;
}

/** Where a draft stands: a condition, nothing (an optional editor left empty), or the first problem in words. */
export type DraftStatus = { status: 'ok'; condition: Condition } | { status: 'empty' } | { status: 'invalid'; message: string };

export interface DraftCheck {
  state: DraftStatus;
  /** The form's condition so far (rows with problems left out), for the JSON view. */
  partial: Condition | null;
  /** The form's problems by node id (empty in the JSON view). */
  problems: Problems;
  /** The JSON view's problem (parse or schema), or null. */
  jsonError: string | null;
}

/** A draft of a saved condition (or of none). */
export function initialDraft(c: unknown): ConditionDraft {
  return { root: c === undefined || c === null ? emptyRoot() : fromCondition(c), json: null };
}

/** The issues of a zod-checked condition, in words with their paths (`all.1.performed.count.op: …`). */
function schemaError(v: unknown): string | null {
  const r = ConditionSchema.safeParse(v);
  if (r.success) return null;
  return r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'condition'}: ${i.message}`)
    .join('; ');
}

/** Parse the JSON view's text: the condition, nothing (empty and optional), or the problem. */
export function parseJson(text: string, optional: boolean): { condition: Condition } | { empty: true } | { error: string } {
  if (text.trim() === '') return optional ? { empty: true } : { error: 'Enter a condition (JSON), or go back to the form.' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  const bad = schemaError(v);
  return bad ? { error: bad } : { condition: v as Condition };
}

/** Check a draft; `optional` editors may be left empty (no condition at all). */
export function checkDraft(d: ConditionDraft, optional = false): DraftCheck {
  const form = toCondition(d.root);
  if (d.json !== null) {
    const r = parseJson(d.json, optional);
    const state: DraftStatus = 'condition' in r ? { status: 'ok', condition: r.condition } : 'empty' in r ? { status: 'empty' } : { status: 'invalid', message: r.error };
    return { state, partial: form.partial, problems: new Map(), jsonError: 'error' in r ? r.error : null };
  }
  if (optional && d.root.children.length === 0) return { state: { status: 'empty' }, partial: null, problems: new Map(), jsonError: null };
  if (form.condition) return { state: { status: 'ok', condition: form.condition }, partial: form.partial, problems: form.problems, jsonError: null };
  const n = form.problems.size;
  const message = n === 1 ? [...form.problems.values()][0]! : `${n} rows need attention`;
  return { state: { status: 'invalid', message }, partial: form.partial, problems: form.problems, jsonError: null };
}

/** Open the JSON view with the form's condition so far. */
export function openJson(d: ConditionDraft): ConditionDraft {
  const { partial } = toCondition(d.root);
  return { ...d, json: partial === null ? '' : JSON.stringify(partial, null, 2) };
}

/**
 * Back to the form with the JSON view's condition: the new draft, or the problem that keeps
 * the JSON view open (the form is untouched until the JSON is valid).
 */
export function closeJson(d: ConditionDraft, optional = false): { draft: ConditionDraft } | { error: string } {
  if (d.json === null) return { draft: d };
  const r = parseJson(d.json, optional);
  if ('error' in r) return { error: r.error };
  return { draft: { root: 'empty' in r ? emptyRoot() : fromCondition(r.condition), json: null } };
}

/** Leave the JSON view without its edits: the form as it was. */
export function discardJson(d: ConditionDraft): ConditionDraft {
  return { ...d, json: null };
}

import { LifecycleModelSchema, type LifecycleModel } from '../../../contracts/lifecycle.js';

/** The editor's model, checked: the model, or the first problem with where it is. */
export type Checked = { ok: true; model: LifecycleModel } | { ok: false; path: string; message: string };

/** Validate a model with the same schema the server uses for PUT /api/lifecycle/model. */
export function checkModel(value: unknown): Checked {
  const r = LifecycleModelSchema.safeParse(value);
  if (r.success) return { ok: true, model: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, path: issue.path.length ? issue.path.map(String).join('.') : '(the model)', message: issue.message };
}

/** Parse the JSON and validate it as `checkModel` does. */
export function checkModelText(text: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, path: 'JSON', message: (err as Error).message };
  }
  return checkModel(value);
}

import { useEffect, useState } from 'react';
import { setSearch } from '../../router.js';
import { useStages } from './MetricControls.js';
import { EVENT_SUGGESTIONS } from './vocabulary.js';

/** Most steps a funnel may have in the builder. */
const MAX_STEPS = 10;
const STEP_LIST_ID = 'ana-funnel-steps';

/** What is wrong with a draft funnel, in words, or null. */
export function funnelProblem(steps: string[]): string | null {
  const filled = steps.map((s) => s.trim());
  const empty = filled.findIndex((s) => s === '');
  if (empty >= 0) return `Step ${empty + 1} needs an event name (or remove it).`;
  if (filled.length < 2) return 'A funnel needs at least two steps.';
  const comma = filled.findIndex((s) => s.includes(','));
  if (comma >= 0) return `Step ${comma + 1}: an event name in a funnel cannot contain a comma.`;
  const long = filled.findIndex((s) => s.length > 200);
  if (long >= 0) return `Step ${long + 1}: at most 200 characters.`;
  return null;
}

/**
 * Add, remove, rename and reorder funnel steps (event names, or `stage:KEY` for entering a
 * lifecycle stage). The draft is local; "Show funnel" puts it in the URL, which runs it.
 */
export function FunnelBuilder({ steps }: { steps: string[] }) {
  const [draft, setDraft] = useState<string[]>(steps.length ? steps : ['', '']);
  const [problem, setProblem] = useState<string | null>(null);
  const stages = useStages();
  // A new URL (back button, a shared link) replaces the draft.
  const key = steps.join(',');
  useEffect(() => {
    if (key) setDraft(key.split(','));
  }, [key]);
  const change = (next: string[]) => {
    setDraft(next);
    setProblem(null);
  };
  const move = (i: number, d: -1 | 1) => {
    const next = [...draft];
    [next[i], next[i + d]] = [next[i + d]!, next[i]!];
    change(next);
  };
  const run = () => {
    const why = funnelProblem(draft);
    setProblem(why);
    if (!why) setSearch({ steps: draft.map((s) => s.trim()).join(',') });
  };
  return (
    <form
      className="stack ana-funnel-builder"
      aria-label="Funnel steps"
      onSubmit={(e) => {
        e.preventDefault();
        run();
      }}
    >
      <datalist id={STEP_LIST_ID}>
        {EVENT_SUGGESTIONS.map((e) => (
          <option key={e} value={e} />
        ))}
        {stages.map((s) => (
          <option key={s.key} value={`stage:${s.key}`}>
            Entered stage {s.name}
          </option>
        ))}
      </datalist>
      <ol className="ana-steps">
        {draft.map((s, i) => (
          <li key={i} className="ana-step">
            <span className="ana-step-no" aria-hidden="true">
              {i + 1}
            </span>
            <input
              aria-label={`Step ${i + 1} event`}
              list={STEP_LIST_ID}
              value={s}
              placeholder={i === 0 ? 'e.g. Product Viewed' : 'Event name or stage:KEY'}
              onChange={(e) => change(draft.map((x, j) => (j === i ? e.target.value : x)))}
            />
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Move step ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Move step ${i + 1} down`} disabled={i === draft.length - 1} onClick={() => move(i, 1)}>
              ↓
            </button>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove step ${i + 1}`} disabled={draft.length <= 1} onClick={() => change(draft.filter((_, j) => j !== i))}>
              ✕
            </button>
          </li>
        ))}
      </ol>
      {problem ? (
        <p className="form-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="row">
        <button type="button" className="btn btn-small" disabled={draft.length >= MAX_STEPS} onClick={() => change([...draft, ''])}>
          Add step
        </button>
        <span className="spacer" />
        <button type="submit" className="btn btn-primary">
          Show funnel
        </button>
      </div>
    </form>
  );
}

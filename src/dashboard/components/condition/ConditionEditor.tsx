import { useId, useMemo, useState, type ReactNode } from 'react';
import { ConditionBuilder } from './ConditionBuilder.js';
import { checkDraft, closeJson, discardJson, openJson, type ConditionDraft } from './draft.js';
import './condition.css';

/**
 * A condition in the one rule language, edited with the visual builder, or as JSON for
 * power users (the "JSON" switch). The JSON view is checked against the contract's zod
 * schema as it is typed; the form keeps its state while the JSON is invalid, and the
 * switch back to the form is refused (with the reason) until the JSON is valid or its
 * edits are discarded. Controlled: the caller holds the draft (see `draft.ts`).
 */
export function ConditionEditor({
  label,
  value,
  onChange,
  optional = false,
  readOnly = false,
  showLabel = true,
  hint,
}: {
  label: string;
  value: ConditionDraft;
  onChange: (d: ConditionDraft) => void;
  optional?: boolean;
  readOnly?: boolean;
  showLabel?: boolean;
  hint?: ReactNode;
}) {
  const id = useId();
  const checked = useMemo(() => checkDraft(value, optional), [value, optional]);
  const [blocked, setBlocked] = useState<string | null>(null);
  const inJson = value.json !== null;
  const toForm = () => {
    const r = closeJson(value, optional);
    if ('error' in r) setBlocked(r.error);
    else {
      setBlocked(null);
      onChange(r.draft);
    }
  };
  return (
    <section className="cond-editor" aria-label={label}>
      <div className="cond-editor-head">
        {showLabel ? <span className="cond-label">{label}</span> : null}
        <div className="seg-toggle" role="group" aria-label={`${label}: view`}>
          <button type="button" aria-pressed={!inJson} className={!inJson ? 'active' : ''} onClick={() => inJson && toForm()}>
            Form
          </button>
          <button
            type="button"
            aria-pressed={inJson}
            className={inJson ? 'active' : ''}
            onClick={() => {
              if (inJson) return;
              setBlocked(null);
              onChange(openJson(value));
            }}
          >
            JSON
          </button>
        </div>
        {hint ? <span className="muted cond-hint">{hint}</span> : null}
      </div>
      {inJson ? (
        <div className="cond-json">
          <label className="field">
            <span>Condition JSON</span>
            <textarea
              rows={Math.min(18, Math.max(4, value.json!.split('\n').length + 1))}
              value={value.json!}
              readOnly={readOnly}
              spellCheck={false}
              aria-invalid={checked.jsonError !== null}
              aria-describedby={checked.jsonError ? `${id}-err` : undefined}
              onChange={(e) => {
                setBlocked(null);
                onChange({ ...value, json: e.target.value });
              }}
            />
          </label>
          {checked.jsonError ? (
            <p className="seg-row-error" id={`${id}-err`} role="alert">
              {checked.jsonError}
            </p>
          ) : null}
          {blocked ? (
            <div className="cond-blocked" role="alert">
              <span>The form shows only a valid condition: fix the JSON first, or discard its edits to get the form back as it was.</span>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  setBlocked(null);
                  onChange(discardJson(value));
                }}
              >
                Discard JSON edits
              </button>
            </div>
          ) : null}
        </div>
      ) : (
        <fieldset className="seg-fieldset" disabled={readOnly}>
          <ConditionBuilder root={value.root} problems={checked.problems} onChange={(root) => onChange({ ...value, root })} />
          {optional && value.root.children.length === 0 ? <p className="muted cond-hint">No condition: everyone qualifies.</p> : null}
        </fieldset>
      )}
    </section>
  );
}

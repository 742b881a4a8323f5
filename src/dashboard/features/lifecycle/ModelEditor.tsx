import type { ApiBody } from '../../../contracts/api-routes.js';
import { api } from '../../api/client.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LifecycleModel } from '../../../contracts/lifecycle.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { stableJson } from '../../components/condition/model.js';
import { Card } from '../../components/layout.js';
import { JobProgress } from './JobProgress.js';
import { checkForm, formJson, formOf, type ModelForm } from './model-form.js';
import { StageRulesForm } from './StageRulesForm.js';
import type { ModelResponse, ModelSavedView } from './types.js';
import { checkModelText } from './validate.js';

/**
 * The lifecycle model editor: each stage's rule in the visual condition builder, or the
 * whole model as JSON (checked as you type against the server's own schema, first problem
 * shown with its path). A preset can be loaded; saving asks for confirmation and starts the
 * recompute of every stage (its progress shown until done).
 */
export function ModelEditor({ current }: { current: ModelResponse }) {
  const original = useMemo(() => JSON.stringify(current.model, null, 2), [current.model]);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [form, setForm] = useState<ModelForm>(() => formOf(current.model));
  const [text, setText] = useState(original);
  const [blocked, setBlocked] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [preset, setPreset] = useState('');
  const [saved, setSaved] = useState<ModelSavedView | null>(null);
  const presets = useApi('/api/lifecycle/presets', undefined, { staleTime: 10 * 60_000 });
  const checked = useMemo(() => (mode === 'form' ? checkForm(form) : checkModelText(text)), [mode, form, text]);
  const changed = checked.ok ? stableJson(checked.model) !== stableJson(current.model) : mode === 'form' || text !== original;

  const load = (m: LifecycleModel, json: string) => {
    setForm(formOf(m));
    setText(json);
    setBlocked(null);
    setConfirming(false);
  };
  // A newly saved model comes back as the new original: show it (as the server keeps it).
  const adopt = useRef(false);
  useEffect(() => {
    if (adopt.current) load(current.model, original);
    adopt.current = false;
  }, [original, current.model]);

  const save = useApiMutation((body: ApiBody<'PUT', '/api/lifecycle/model'>) => api.put('/api/lifecycle/model', { body }), {
    invalidates: ['/api/lifecycle/model'],
    onSuccess: (r) => {
      adopt.current = true;
      setSaved(r);
      setConfirming(false);
    },
  });
  const edited = () => {
    setConfirming(false);
    save.reset();
  };

  const loadPreset = () => {
    const p = presets.data?.presets.find((x) => x.name === preset);
    if (!p) return;
    const json = JSON.stringify(p.model, null, 2);
    const c = checkModelText(json);
    if (c.ok) load(c.model, json);
    else setText(json);
  };

  const switchTo = (m: 'form' | 'json') => {
    if (m === mode) return;
    if (m === 'json') {
      setText(formJson(form));
      setBlocked(null);
      setMode('json');
      return;
    }
    const c = checkModelText(text);
    if (!c.ok) {
      setBlocked(`${c.path}: ${c.message}`);
      return;
    }
    setForm(formOf(c.model));
    setBlocked(null);
    setMode('form');
  };

  return (
    <Card
      title="Edit the model"
      actions={
        <span className="muted lc-small">
          version {current.version}
          {current.version === 0 ? ' (built-in default)' : ''}
        </span>
      }
    >
      <div className="row lc-presets">
        <label className="field">
          <span>Preset</span>
          <select value={preset} onChange={(e) => setPreset(e.target.value)} disabled={!presets.data}>
            <option value="">{presets.error ? 'Presets unavailable' : presets.data ? 'Choose a preset…' : 'Loading presets…'}</option>
            {presets.data?.presets.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" disabled={!preset} onClick={loadPreset}>
          Load preset into editor
        </button>
        <button type="button" className="btn btn-ghost" disabled={!changed} onClick={() => load(current.model, original)}>
          Revert to saved
        </button>
      </div>
      {presets.error ? <p className="form-error">Could not load the presets: {presets.error.message}</p> : null}
      <div className="row lc-modes">
        <div className="seg-toggle" role="group" aria-label="Edit the model as">
          <button type="button" aria-pressed={mode === 'form'} className={mode === 'form' ? 'active' : ''} onClick={() => switchTo('form')}>
            Stage rules (form)
          </button>
          <button type="button" aria-pressed={mode === 'json'} className={mode === 'json' ? 'active' : ''} onClick={() => switchTo('json')}>
            Whole model (JSON)
          </button>
        </div>
      </div>
      {blocked ? (
        <div className="form-error" role="alert">
          The form needs a valid model: {blocked}.{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setBlocked(null);
              setMode('form');
            }}
          >
            Discard JSON edits
          </button>
        </div>
      ) : null}
      {mode === 'form' ? (
        <StageRulesForm
          form={form}
          onChange={(f) => {
            setForm(f);
            edited();
          }}
        />
      ) : (
        <label className="field lc-editor">
          <span>Lifecycle model (JSON)</span>
          <textarea
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setBlocked(null);
              edited();
            }}
            rows={22}
            spellCheck={false}
            aria-invalid={!checked.ok}
            aria-describedby="lc-model-check"
          />
        </label>
      )}
      <div id="lc-model-check" aria-live="polite">
        {checked.ok ? (
          <p className="form-ok">
            Valid model: {checked.model.stages.length} stages{changed ? ', not saved yet' : ', as saved'}.
          </p>
        ) : (
          <p className="form-error" role="alert">
            <strong>{checked.path}</strong>: {checked.message}
          </p>
        )}
      </div>
      {save.error ? (
        <p className="form-error" role="alert">
          The server refused the model{save.error.field ? ` at ${save.error.field}` : ''}: {save.error.message}
        </p>
      ) : null}
      {confirming ? (
        <div className="lc-confirm" role="group" aria-label="Confirm saving the model">
          <p>Saving replaces the model and recomputes the stage of every customer, which moves them between stages. Continue?</p>
          <div className="row">
            <button type="button" className="btn btn-primary" disabled={!checked.ok || save.isPending} onClick={() => checked.ok && save.mutate(checked.model)}>
              {save.isPending ? 'Saving…' : 'Yes, save and recompute'}
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="row">
          <button type="button" className="btn btn-primary" disabled={!checked.ok} onClick={() => setConfirming(true)}>
            Save model
          </button>
          {!checked.ok ? <span className="muted lc-small">Fix the model to save it.</span> : null}
        </div>
      )}
      {saved ? <JobProgress key={saved.job.id} job={saved.job} /> : null}
    </Card>
  );
}

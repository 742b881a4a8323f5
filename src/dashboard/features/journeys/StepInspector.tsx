import { useEffect, useState } from 'react';
import { z } from 'zod';
import type { Step } from '../../../contracts/journey.js';
import { ConditionField } from '../../components/condition/ConditionField.js';
import { DurationField, JsonField, numberOrText, SelectField, TextField } from './fields.js';
import { SurveyStepFields } from './SurveyStepFields.js';
import { typeLabel } from './model.js';
import type { TemplateView } from './types.js';
import type { Problem } from './validate.js';
import { EV } from '../../../contracts/events.js';

const TraitsSet = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export interface InspectorContext {
  templates: TemplateView[];
  groups: Array<{ id: string; name: string; channel: string }>;
  /** The surveys a survey step can send (GET /api/surveys). */
  surveys: Array<{ id: string; name: string; status: string; definition: { type: string } }>;
  onPending: (key: string, bad: boolean) => void;
}

/** Edit one step's fields; problems are shown by the field they concern. */
export function StepInspector({
  step,
  problems,
  ctx,
  onChange,
  onRename,
  onDelete,
}: {
  step: Step;
  problems: Problem[];
  ctx: InspectorContext;
  onChange: (s: Step) => void;
  onRename: (id: string) => string | null;
  onDelete: () => void;
}) {
  const at = (prefix: string) => problems.filter((p) => p.path === prefix || p.path.startsWith(prefix + '.')).map((p) => p.message);
  const shownElsewhere = new Set<string>();
  const mark = (prefix: string) => {
    for (const p of problems) if (p.path === prefix || p.path.startsWith(prefix + '.')) shownElsewhere.add(p.message);
    return at(prefix);
  };
  const [idText, setIdText] = useState(step.id);
  const [idError, setIdError] = useState<string | null>(null);
  useEffect(() => {
    setIdText(step.id);
    setIdError(null);
  }, [step.id]);
  const pending = (k: string) => (bad: boolean) => ctx.onPending(`${step.id}:${k}`, bad);

  const body = (() => {
    switch (step.type) {
      case 'wait':
        return <DurationField label="Wait for" value={step.duration} errors={mark('duration')} onChange={(duration) => onChange({ ...step, duration })} />;
      case 'waitUntil':
        return (
          <>
            <TextField label="Time of day (their timezone)" type="time" value={step.time} errors={mark('time')} onChange={(time) => onChange({ ...step, time })} />
            <fieldset className="jny-days">
              <legend>Weekdays (none: every day)</legend>
              {DAYS.map((d, i) => (
                <label key={d} className="jny-check">
                  <input
                    type="checkbox"
                    checked={step.weekdays?.includes(i + 1) ?? false}
                    onChange={(e) => {
                      const set = new Set(step.weekdays ?? []);
                      if (e.target.checked) set.add(i + 1);
                      else set.delete(i + 1);
                      const { weekdays: _w, ...rest } = step;
                      onChange(set.size ? { ...rest, weekdays: [...set].sort((a, b) => a - b) } : rest);
                    }}
                  />
                  {d}
                </label>
              ))}
            </fieldset>
          </>
        );
      case 'waitFor':
        return (
          <>
            <SelectField
              label="Wait for"
              value={step.event ? 'event' : 'condition'}
              options={[
                { value: 'event', label: 'An event' },
                { value: 'condition', label: 'A condition to hold' },
              ]}
              onChange={(v) => {
                const { event: _e, condition: _c, ...rest } = step;
                onChange(v === 'event' ? { ...rest, event: step.event ?? { name: '' } } : { ...rest, condition: step.condition ?? { performed: { event: EV.orderCompleted } } });
              }}
            />
            {step.event ? (
              <TextField label="Event name" value={step.event.name} errors={mark('event')} onChange={(name) => onChange({ ...step, event: { ...step.event!, name } })} />
            ) : (
              <ConditionField label="Condition to wait for" value={step.condition} onPending={pending('condition')} onChange={(condition) => condition && onChange({ ...step, condition })} />
            )}
            <DurationField label="Timeout" value={step.timeout} errors={mark('timeout')} onChange={(timeout) => onChange({ ...step, timeout })} />
          </>
        );
      case 'branch':
        return (
          <>
            {step.branches.map((b, i) => (
              <div key={i} className="jny-sub">
                <ConditionField
                  label={step.branches.length === 1 ? 'Branch condition: "yes" when it holds' : `Branch condition ${i + 1}`}
                  value={b.condition}
                  onPending={pending(`branch${i}`)}
                  onChange={(condition) => condition && onChange({ ...step, branches: step.branches.map((x, j) => (j === i ? { ...x, condition } : x)) })}
                />
                {step.branches.length > 1 ? (
                  <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange({ ...step, branches: step.branches.filter((_, j) => j !== i) })}>
                    Remove condition {i + 1}
                  </button>
                ) : null}
              </div>
            ))}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onChange({ ...step, branches: [...step.branches, { condition: { performed: { event: EV.orderCompleted } }, next: step.otherwise }] })}
            >
              Add a condition
            </button>
          </>
        );
      case 'split':
        return (
          <>
            {step.variants.map((v, i) => (
              <div key={i} className="jny-variant jny-sub">
                <TextField
                  label={`Variant ${i + 1} key`}
                  value={v.key}
                  errors={mark(`variants.${i}.key`)}
                  onChange={(key) => onChange({ ...step, variants: step.variants.map((x, j) => (j === i ? { ...x, key } : x)) })}
                />
                <TextField
                  label="Weight"
                  type="number"
                  value={String(v.weight)}
                  errors={mark(`variants.${i}.weight`)}
                  onChange={(w) => onChange({ ...step, variants: step.variants.map((x, j) => (j === i ? { ...x, weight: numberOrText(w) } : x)) })}
                />
                {step.variants.length > 1 ? (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    aria-label={`Remove variant ${v.key}`}
                    onClick={() => onChange({ ...step, variants: step.variants.filter((_, j) => j !== i) })}
                  >
                    ✕
                  </button>
                ) : null}
              </div>
            ))}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onChange({ ...step, variants: [...step.variants, { key: String.fromCharCode(97 + step.variants.length), weight: 50, next: step.variants[0]!.next }] })}
            >
              Add a variant
            </button>
            <label className="jny-check">
              <input
                type="checkbox"
                checked={step.holdout !== undefined}
                onChange={(e) => {
                  const { holdout: _h, ...rest } = step;
                  onChange(e.target.checked ? { ...rest, holdout: { weight: 10 } } : rest);
                }}
              />
              Holdout (control group: leaves here, gets nothing)
            </label>
            {step.holdout ? (
              <TextField
                label="Holdout weight"
                type="number"
                value={String(step.holdout.weight)}
                errors={mark('holdout')}
                onChange={(w) => onChange({ ...step, holdout: { weight: numberOrText(w) } })}
              />
            ) : null}
          </>
        );
      case 'send': {
        const options = ctx.templates.filter((t) => t.channel === step.channel);
        const groups = ctx.groups.filter((g) => g.channel === step.channel);
        return (
          <>
            <SelectField
              label="Channel"
              value={step.channel}
              options={(['email', 'sms', 'inapp'] as const).map((c) => ({ value: c, label: c === 'inapp' ? 'In-app' : c === 'sms' ? 'SMS' : 'Email' }))}
              onChange={(channel) => {
                const keep = ctx.templates.find((t) => t.id === step.template)?.channel === channel;
                const { group: _g, ...rest } = step;
                onChange({ ...rest, channel: channel as 'email', template: keep ? step.template : '' });
              }}
            />
            <SelectField
              label="Template"
              value={step.template}
              errors={mark('template')}
              options={[
                { value: '', label: options.length ? 'Choose a template…' : `No ${step.channel} templates yet` },
                ...(step.template && ctx.templates.length && !ctx.templates.some((t) => t.id === step.template) ? [{ value: step.template, label: `${step.template} (deleted template)` }] : []),
                ...options.map((t) => ({ value: t.id, label: t.name })),
              ]}
              onChange={(template) => onChange({ ...step, template })}
            />
            <SelectField
              label="Subscription group"
              value={step.group ?? ''}
              errors={mark('group')}
              options={[{ value: '', label: 'None (everyone not unsubscribed)' }, ...groups.map((g) => ({ value: g.id, label: g.name }))]}
              onChange={(group) => {
                const { group: _g, ...rest } = step;
                onChange(group ? { ...rest, group } : rest);
              }}
            />
            <label className="jny-check">
              <input type="checkbox" checked={step.transactional ?? false} onChange={(e) => onChange({ ...step, transactional: e.target.checked })} />
              Transactional (ignores caps and quiet hours)
            </label>
          </>
        );
      }
      case 'task':
        return (
          <>
            <TextField label="Task title" value={step.title} errors={mark('title')} onChange={(title) => onChange({ ...step, title })} />
            <TextField label="Assignee role" value={step.assigneeRole} errors={mark('assigneeRole')} onChange={(assigneeRole) => onChange({ ...step, assigneeRole })} />
            <DurationField label="Due after" value={step.due} errors={mark('due')} onChange={(due) => onChange({ ...step, due })} />
            <label className="field">
              <span>Note</span>
              <textarea
                rows={3}
                value={step.note ?? ''}
                onChange={(e) => {
                  const { note: _n, ...rest } = step;
                  onChange(e.target.value ? { ...rest, note: e.target.value } : rest);
                }}
              />
            </label>
          </>
        );
      case 'survey':
        return <SurveyStepFields step={step} surveys={ctx.surveys} errors={mark('survey')} onChange={onChange} />;
      case 'updateTraits':
        return <JsonField label="Traits to set (JSON object)" value={step.set} schema={TraitsSet} onPending={pending('set')} onChange={(set) => onChange({ ...step, set: set ?? {} })} />;
      case 'webhook':
        return (
          <>
            <TextField label="URL" type="url" value={step.url} errors={mark('url')} placeholder="https://…" onChange={(url) => onChange({ ...step, url })} />
            <label className="field">
              <span>Body (Liquid producing JSON; empty: customer and journey)</span>
              <textarea
                rows={4}
                value={step.body ?? ''}
                onChange={(e) => {
                  const { body: _b, ...rest } = step;
                  onChange(e.target.value ? { ...rest, body: e.target.value } : rest);
                }}
              />
            </label>
          </>
        );
      case 'exit':
        return <p className="muted">Customers who reach this step finish the journey.</p>;
    }
  })();

  const other = problems.filter((p) => !shownElsewhere.has(p.message) && !['name', 'id'].includes(p.path));
  return (
    <div className="stack jny-inspector-body">
      <div className="jny-inspector-title">
        <strong>{typeLabel(step.type)}</strong> <code>{step.id}</code>
      </div>
      <TextField
        label="Label (optional)"
        value={step.name ?? ''}
        errors={at('name')}
        onChange={(name) => {
          const { name: _n, ...rest } = step;
          onChange(name ? { ...rest, name } : (rest as Step));
        }}
      />
      <div className="row jny-id-row">
        <TextField label="Step id" value={idText} errors={idError ? [idError] : at('id')} onChange={setIdText} />
        {idText !== step.id ? (
          <button type="button" className="btn btn-small" onClick={() => setIdError(onRename(idText))}>
            Rename
          </button>
        ) : null}
      </div>
      {body}
      {other.length ? (
        <div className="form-error" role="alert">
          {other.map((p) => p.message).join('; ')}
        </div>
      ) : null}
      <button type="button" className="btn btn-danger" onClick={onDelete}>
        Delete step
      </button>
    </div>
  );
}

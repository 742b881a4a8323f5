import { useEffect, useState, type FormEvent } from 'react';
import { SurveySettingsSchema, type SurveySettings } from '../../../contracts/surveys.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { FieldErrors } from '../journeys/fields.js';

/** The rules' fields: key in SurveySettings (dotted), label. */
const FIELDS: Array<{ key: string; label: string; hint?: string }> = [
  { key: 'globalDays', label: 'Any survey', hint: 'days since the last survey of any kind' },
  { key: 'perTypeDays.nps', label: 'NPS' },
  { key: 'perTypeDays.csat', label: 'CSAT' },
  { key: 'perTypeDays.ces', label: 'CES' },
  { key: 'perChannelDays.email', label: 'Email' },
  { key: 'perChannelDays.sms', label: 'SMS' },
  { key: 'perChannelDays.inapp', label: 'In-app' },
  { key: 'firstSurveyDelayDays', label: 'First survey after sign-up', hint: 'days after a customer was first seen' },
];

type Draft = Record<string, string>;

function toDraft(s: SurveySettings): Draft {
  return Object.fromEntries(FIELDS.map((f) => [f.key, String(f.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], s))]));
}

function fromDraft(d: Draft): { ok: true; settings: SurveySettings } | { ok: false; errors: Record<string, string> } {
  const n = (k: string) => (d[k]!.trim() === '' ? NaN : Number(d[k]));
  const r = SurveySettingsSchema.safeParse({
    globalDays: n('globalDays'),
    perTypeDays: { nps: n('perTypeDays.nps'), csat: n('perTypeDays.csat'), ces: n('perTypeDays.ces') },
    perChannelDays: { email: n('perChannelDays.email'), sms: n('perChannelDays.sms'), inapp: n('perChannelDays.inapp') },
    firstSurveyDelayDays: n('firstSurveyDelayDays'),
  });
  if (r.success) return { ok: true, settings: r.data };
  return { ok: false, errors: Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), 'a whole number of days from 0 to 3650'])) };
}

/** The workspace's survey fatigue rules: how long a customer rests between surveys, by any, type and channel. */
export function FatigueSection() {
  const q = useApi('/api/survey-settings');
  return (
    <Card title="Fatigue rules">
      <p className="muted">
        Do not survey a customer again within this many days (0: no rule). A held invitation waits until the customer is eligible, or is skipped — each survey says which, and can add its own rest and
        sampling.
      </p>
      <QueryView query={q}>{(s) => <FatigueForm settings={s} />}</QueryView>
    </Card>
  );
}

function FatigueForm({ settings }: { settings: SurveySettings }) {
  const [d, setD] = useState<Draft>(() => toDraft(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => setD(toDraft(settings)), [settings]);
  const save = useApiMutation((body: SurveySettings) => api.put('/api/survey-settings', { body }), { invalidates: ['/api/survey-settings'], onSuccess: () => setSaved(true) });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const r = fromDraft(d);
    if (!r.ok) return setErrors(r.errors);
    setErrors({});
    save.mutate(r.settings);
  }
  const field = (f: (typeof FIELDS)[number]) => (
    <label key={f.key} className="field">
      <span>{f.label}</span>
      <input
        aria-label={`${f.label} (days)`}
        inputMode="numeric"
        value={d[f.key]}
        aria-invalid={errors[f.key] ? true : undefined}
        onChange={(e) => {
          setSaved(false);
          setD({ ...d, [f.key]: e.target.value });
        }}
      />
      {f.hint ? <small className="muted">{f.hint}</small> : null}
      <FieldErrors errors={errors[f.key] ? [errors[f.key]!] : []} />
    </label>
  );
  return (
    <form className="stack" onSubmit={submit} aria-label="Survey fatigue rules" noValidate>
      <fieldset className="svy-fieldset">
        <legend>Rest between surveys (days)</legend>
        <div className="svy-grid4">{FIELDS.slice(0, 1).map(field)}</div>
        <p className="muted">Per survey type</p>
        <div className="svy-grid4">{FIELDS.slice(1, 4).map(field)}</div>
        <p className="muted">Per channel</p>
        <div className="svy-grid4">{FIELDS.slice(4, 7).map(field)}</div>
      </fieldset>
      <div className="svy-grid4">{FIELDS.slice(7).map(field)}</div>
      {save.error ? (
        <p className="form-error" role="alert">
          {save.error.message}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save fatigue rules
        </button>
        {saved ? (
          <span className="form-ok" role="status">
            Saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}

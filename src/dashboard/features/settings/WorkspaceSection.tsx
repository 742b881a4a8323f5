import { api } from '../../api/client.js';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useApiMutation } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { updateWorkspace, useCan, useSession } from '../../api/session.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { WorkspacePatch, WorkspaceView } from '../../../contracts/workspace.js';
import { FieldNote, FormError, serverErrorFor } from './forms.js';
import { currencyOptions, timezoneOptions } from './options.js';

/** The workspace's name, timezone, currency and gross margin. */
export function WorkspaceSection() {
  const { query: q } = useWorkspace();
  return (
    <Card title="Workspace">
      <QueryView query={q}>{(ws) => <WorkspaceForm ws={ws} />}</QueryView>
    </Card>
  );
}

function WorkspaceForm({ ws }: { ws: WorkspaceView }) {
  const { workspace: session } = useSession();
  const canEdit = useCan('settings.write');
  const [name, setName] = useState(ws.name);
  const [timezone, setTimezone] = useState(ws.timezone);
  const [currency, setCurrency] = useState(ws.currency);
  const [margin, setMargin] = useState(ws.grossMargin === null ? '' : String(Math.round(ws.grossMargin * 1000) / 10));
  const [marginError, setMarginError] = useState<string | undefined>();
  const [nameError, setNameError] = useState<string | undefined>();
  const [saved, setSaved] = useState<string | null>(null);
  const zones = useMemo(() => timezoneOptions(ws.timezone), [ws.timezone]);
  const currencies = useMemo(() => currencyOptions(ws.currency), [ws.currency]);

  // A save (or another tab) changed the workspace: show what the server has.
  useEffect(() => {
    setName(ws.name);
    setTimezone(ws.timezone);
    setCurrency(ws.currency);
    setMargin(ws.grossMargin === null ? '' : String(Math.round(ws.grossMargin * 1000) / 10));
  }, [ws.name, ws.timezone, ws.currency, ws.grossMargin]);

  const save = useApiMutation((body: WorkspacePatch) => api.patch('/api/workspace', { body }), {
    // Metrics are cut in the timezone and money shown in the currency: everything reads again.
    invalidates: ['/api/'],
    onSuccess: (r, body) => {
      if (session && r.name !== session.name) updateWorkspace(session.id, { name: r.name });
      setSaved(body.timezone ? 'Saved. The analytics cut customer-days again in the new timezone on their next sync (a moment on large workspaces).' : 'Saved.');
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    if (!name.trim()) return setNameError('Give the workspace a name.');
    setNameError(undefined);
    const body: WorkspacePatch = {};
    if (name.trim() !== ws.name) body.name = name.trim();
    if (timezone !== ws.timezone) body.timezone = timezone;
    if (currency !== ws.currency) body.currency = currency;
    const m = margin.trim() === '' ? null : Number(margin);
    if (m !== null && !(Number.isFinite(m) && m > 0 && m <= 100)) return setMarginError('A gross margin is a percentage above 0 and at most 100, or empty for none.');
    setMarginError(undefined);
    const fraction = m === null ? null : Math.round(m * 10) / 1000;
    if (fraction !== ws.grossMargin) body.grossMargin = fraction;
    if (Object.keys(body).length === 0) return setSaved('Nothing changed.');
    save.mutate(body);
  }

  const err = (f: string) => (f === 'name' ? nameError : f === 'grossMargin' ? marginError : undefined) ?? serverErrorFor(save.error, f);
  return (
    <form className="stack" onSubmit={submit} aria-label="Workspace settings" noValidate>
      <fieldset className="grid grid-3 set-plain" disabled={!canEdit}>
        <label className="field">
          <span>Workspace name</span>
          <input aria-label="Workspace name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} aria-invalid={err('name') ? true : undefined} aria-describedby="ws-name-err" />
          <FieldNote id="ws-name-err" message={err('name')} />
        </label>
        <label className="field">
          <span>Timezone</span>
          <select aria-label="Timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-invalid={err('timezone') ? true : undefined} aria-describedby="ws-tz-err ws-tz-help">
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
          <FieldNote id="ws-tz-err" message={err('timezone')} />
        </label>
        <label className="field">
          <span>Currency</span>
          <select aria-label="Currency" value={currency} onChange={(e) => setCurrency(e.target.value)} aria-invalid={err('currency') ? true : undefined} aria-describedby="ws-cur-err">
            {currencies.map((c) => (
              <option key={c.code} value={c.code}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldNote id="ws-cur-err" message={err('currency')} />
        </label>
        <label className="field">
          <span>Gross margin (%)</span>
          <input
            aria-label="Gross margin"
            inputMode="decimal"
            placeholder="not set: CLV on revenue"
            value={margin}
            onChange={(e) => setMargin(e.target.value)}
            aria-invalid={err('grossMargin') ? true : undefined}
            aria-describedby="ws-margin-err"
          />
          <FieldNote id="ws-margin-err" message={err('grossMargin')} />
        </label>
      </fieldset>
      <p id="ws-tz-help" className="muted set-help">
        Days, weeks and months in every report are cut in the timezone. Money is shown in the currency; amounts are not converted. With a gross margin, CLV and CLV : CAC are profit (revenue × margin);
        without one they are revenue, and say so. Workspace <code>{ws.slug}</code> (id {ws.id}).
      </p>
      <FormError error={save.error} fields={['name', 'timezone', 'currency', 'grossMargin']} />
      {saved && !save.error ? (
        <p className="form-ok" role="status">
          {saved}
        </p>
      ) : null}
      {canEdit ? (
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save workspace'}
          </button>
        </div>
      ) : (
        <p className="muted set-help">Your role reads these settings; an owner or admin changes them.</p>
      )}
    </form>
  );
}

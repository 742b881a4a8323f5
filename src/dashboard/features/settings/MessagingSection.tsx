import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { MessagingSettingsInput } from '../../../contracts/messaging.js';
import { FieldNote, FormError } from './forms.js';
import { fromDraft, toDraft, type CapDraft, type MessagingDraft } from './messaging-form.js';
import { CHANNELS, type ChannelValue } from './options.js';

const UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;

/** Frequency caps, quiet hours and the email sender, edited as a form. */
export function MessagingSection() {
  const q = useApi('/api/messaging/settings');
  return (
    <Card title="Channels & messaging">
      <QueryView query={q}>{(s) => <MessagingForm settings={s} />}</QueryView>
    </Card>
  );
}

function MessagingForm({ settings }: { settings: MessagingSettingsInput }) {
  const [d, setD] = useState<MessagingDraft>(() => toDraft(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => setD(toDraft(settings)), [settings]);

  const save = useApiMutation((body: MessagingSettingsInput) => api.put('/api/messaging/settings', { body }), {
    invalidates: ['/api/messaging/settings'],
    onSuccess: () => setSaved(true),
  });

  const set = (patch: Partial<MessagingDraft>) => {
    setSaved(false);
    setD((x) => ({ ...x, ...patch }));
  };
  const setCap = (i: number, patch: Partial<CapDraft>) => set({ caps: d.caps.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const r = fromDraft(d);
    if (!r.ok) return setErrors(r.errors);
    setErrors({});
    save.mutate(r.body);
  }

  const serverField = save.error instanceof ApiError ? save.error.field : undefined;
  const err = (f: string) => errors[f] ?? (serverField === f && placed.has(f) ? save.error?.message : undefined);
  // Fields with a place for their message; a server error on any other shows under the form.
  const placed = new Set([
    'caps',
    'emailFrom',
    ...(d.quiet ? ['quietHours.start', 'quietHours.end', 'quietHours.channels'] : []),
    ...d.caps.flatMap((_, i) => [`caps.${i}.max`, `caps.${i}.within.amount`]),
  ]);
  const shown = serverField && placed.has(serverField) ? [serverField] : [];

  return (
    <form className="stack" onSubmit={submit} aria-label="Messaging settings" noValidate>
      <fieldset className="set-fieldset">
        <legend>Frequency caps</legend>
        <p className="muted set-help">At most this many marketing messages per customer on a channel in any rolling window. Transactional messages are never capped.</p>
        {d.caps.length === 0 ? <p className="muted">No caps: customers can get any number of messages.</p> : null}
        <ol className="set-caps">
          {d.caps.map((c, i) => (
            <li key={i} className="set-cap" aria-label={`Cap ${i + 1}`}>
              <label className="field">
                <span>Channel</span>
                <select aria-label={`Channel of cap ${i + 1}`} value={c.channel} onChange={(e) => setCap(i, { channel: e.target.value as ChannelValue })}>
                  {CHANNELS.map((ch) => (
                    <option key={ch.value} value={ch.value}>
                      {ch.label}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>At most</span>
                <input
                  aria-label={`Maximum messages of cap ${i + 1}`}
                  inputMode="numeric"
                  value={c.max}
                  onChange={(e) => setCap(i, { max: e.target.value })}
                  aria-invalid={err(`caps.${i}.max`) ? true : undefined}
                />
                <FieldNote id={`msg-err-caps.${i}.max`} message={err(`caps.${i}.max`)} />
              </label>
              <label className="field">
                <span>per</span>
                <input
                  aria-label={`Window length of cap ${i + 1}`}
                  inputMode="numeric"
                  value={c.amount}
                  onChange={(e) => setCap(i, { amount: e.target.value })}
                  aria-invalid={err(`caps.${i}.within.amount`) ? true : undefined}
                />
                <FieldNote id={`msg-err-caps.${i}.within.amount`} message={err(`caps.${i}.within.amount`)} />
              </label>
              <label className="field">
                <span>Unit</span>
                <select aria-label={`Window unit of cap ${i + 1}`} value={c.unit} onChange={(e) => setCap(i, { unit: e.target.value as CapDraft['unit'] })}>
                  {UNITS.map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                </select>
              </label>
              <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove cap ${i + 1}`} onClick={() => set({ caps: d.caps.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </li>
          ))}
        </ol>
        <FieldNote id="msg-err-caps" message={err('caps')} />
        <div className="row">
          <button type="button" className="btn btn-small" disabled={d.caps.length >= 20} onClick={() => set({ caps: [...d.caps, { channel: 'email', max: '5', amount: '7', unit: 'days' }] })}>
            Add a cap
          </button>
        </div>
      </fieldset>

      <fieldset className="set-fieldset">
        <legend>Quiet hours</legend>
        <label className="set-check">
          <input type="checkbox" checked={d.quiet} onChange={(e) => set({ quiet: e.target.checked })} /> No marketing messages during quiet hours (customer’s local time)
        </label>
        {d.quiet ? (
          <div className="grid grid-3">
            <label className="field">
              <span>From</span>
              <input type="time" aria-label="Quiet hours start" value={d.start} onChange={(e) => set({ start: e.target.value })} aria-invalid={err('quietHours.start') ? true : undefined} />
              <FieldNote id="msg-err-quietHours.start" message={err('quietHours.start')} />
            </label>
            <label className="field">
              <span>Until</span>
              <input type="time" aria-label="Quiet hours end" value={d.end} onChange={(e) => set({ end: e.target.value })} aria-invalid={err('quietHours.end') ? true : undefined} />
              <FieldNote id="msg-err-quietHours.end" message={err('quietHours.end')} />
            </label>
            <label className="field">
              <span>A message due then is</span>
              <select aria-label="Quiet hours action" value={d.action} onChange={(e) => set({ action: e.target.value as 'delay' | 'skip' })}>
                <option value="delay">held until they end</option>
                <option value="skip">skipped</option>
              </select>
            </label>
            <fieldset className="set-fieldset set-inline span-3">
              <legend>Quiet channels</legend>
              {CHANNELS.map((ch) => (
                <label key={ch.value} className="set-check">
                  <input
                    type="checkbox"
                    checked={d.quietChannels.includes(ch.value)}
                    onChange={(e) => set({ quietChannels: e.target.checked ? [...d.quietChannels, ch.value] : d.quietChannels.filter((x) => x !== ch.value) })}
                  />{' '}
                  {ch.label}
                </label>
              ))}
              <FieldNote id="msg-err-quietHours.channels" message={err('quietHours.channels')} />
            </fieldset>
          </div>
        ) : null}
      </fieldset>

      <fieldset className="set-fieldset">
        <legend>Sender</legend>
        <label className="field">
          <span>Email “From”</span>
          <input
            aria-label="Email From"
            value={d.emailFrom}
            onChange={(e) => set({ emailFrom: e.target.value })}
            placeholder="Server default ($EMAIL_FROM)"
            maxLength={300}
            aria-invalid={err('emailFrom') ? true : undefined}
          />
          <FieldNote id="msg-err-emailFrom" message={err('emailFrom')} />
        </label>
        <p className="muted set-help">Leave empty to use the From of the email provider connected below, else the server’s EMAIL_FROM (default “Tenure &lt;no-reply@localhost&gt;”).</p>
      </fieldset>

      {Object.keys(errors).length > 0 ? (
        <p className="form-error" role="alert">
          Check the fields marked above.
        </p>
      ) : null}
      <FormError error={save.error} fields={shown} />
      {saved && !save.error ? (
        <p className="form-ok" role="status">
          Messaging settings saved.
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save messaging settings'}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setErrors({});
            save.reset();
            set(toDraft(settings));
          }}
        >
          Undo changes
        </button>
      </div>
    </form>
  );
}

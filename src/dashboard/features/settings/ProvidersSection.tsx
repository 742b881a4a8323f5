import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { ProviderInput, ProviderView } from '../../../contracts/providers.js';
import { FieldNote, FormError } from './forms.js';
import './providers.css';

type Channel = ProviderView['channel'];

interface FieldDef {
  name: string;
  label: string;
  kind?: 'text' | 'password' | 'select';
  options?: Array<[string, string]>;
  placeholder?: string;
  inputMode?: 'numeric' | 'email' | 'url';
}

/** The form of each channel: its fields, and the request body made from them. */
const FORMS: Record<
  Channel,
  { title: string; fields: FieldDef[]; secret: string; empty: Record<string, string>; body(d: Record<string, string>): unknown; testLabel: string; testPlaceholder: string }
> = {
  email: {
    title: 'Email (SMTP)',
    secret: 'password',
    fields: [
      { name: 'host', label: 'SMTP host', placeholder: 'smtp.example.com' },
      { name: 'port', label: 'Port', inputMode: 'numeric' },
      {
        name: 'security',
        label: 'Security',
        kind: 'select',
        options: [
          ['starttls', 'STARTTLS (usually port 587)'],
          ['tls', 'TLS (usually port 465)'],
          ['none', 'None (a relay on a trusted network)'],
        ],
      },
      { name: 'username', label: 'User name', placeholder: 'Empty: no login' },
      { name: 'password', label: 'Password', kind: 'password' },
      { name: 'from', label: 'From', placeholder: 'Acme <hello@acme.test>', inputMode: 'email' },
    ],
    empty: { host: '', port: '587', security: 'starttls', username: '', password: '', from: '' },
    body: (d) => ({
      kind: 'smtp',
      host: d.host,
      port: /^\d+$/.test(d.port!.trim()) ? Number(d.port) : d.port,
      security: d.security,
      username: d.username!.trim() || null,
      password: d.password || undefined,
      from: d.from,
    }),
    testLabel: 'Send a test to',
    testPlaceholder: 'you@example.com',
  },
  sms: {
    title: 'SMS (Twilio-compatible API)',
    secret: 'authToken',
    fields: [
      { name: 'apiUrl', label: 'API URL', placeholder: 'https://api.twilio.com', inputMode: 'url' },
      { name: 'accountSid', label: 'Account SID', placeholder: 'AC…' },
      { name: 'authToken', label: 'Auth token', kind: 'password' },
      { name: 'from', label: 'From', placeholder: '+15551234567' },
    ],
    empty: { apiUrl: 'https://api.twilio.com', accountSid: '', authToken: '', from: '' },
    body: (d) => ({ kind: 'http', apiUrl: d.apiUrl, accountSid: d.accountSid, from: d.from, authToken: d.authToken || undefined }),
    testLabel: 'Send a test SMS to',
    testPlaceholder: '+15551234567',
  },
};

const draftOf = (p: ProviderView): Record<string, string> => {
  const base = { ...FORMS[p.channel].empty };
  if (!p.settings) return base;
  for (const [k, v] of Object.entries(p.settings)) base[k] = v === null ? '' : String(v);
  return base;
};

/**
 * Settings › Channels: connect an SMTP server and an SMS API for this workspace. Passwords
 * and tokens are sent, sealed by the server, and never shown again; "Send test" sends a
 * real message through the saved settings and shows what the provider answered.
 */
export function ProvidersSection() {
  const q = useApi('/api/providers');
  return (
    <Card title="Email and SMS providers">
      <p className="muted set-help">
        Connect the servers this workspace sends through. Passwords and tokens are stored encrypted with the server secret (<code>TENURE_SECRET</code>) and never shown again. Saved settings are used
        from the next message on, with no restart; messages already kept in the Outbox stay there.
      </p>
      <QueryView query={q}>
        {(v) => (
          <div className="stack">
            {!v.secretStorage.available ? (
              <p className="form-error" role="alert">
                Credentials cannot be saved on this server: {v.secretStorage.message}
              </p>
            ) : null}
            {v.providers.map((p) => (
              <ProviderForm key={p.channel} p={p} />
            ))}
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function ProviderForm({ p }: { p: ProviderView }) {
  const form = FORMS[p.channel];
  const [d, setD] = useState<Record<string, string>>(() => draftOf(p));
  const [saved, setSaved] = useState<string | null>(null);
  const [to, setTo] = useState('');
  useEffect(() => setD(draftOf(p)), [p]);
  const invalidates = ['/api/providers', '/api/channels'];
  const save = useApiMutation((body: ProviderInput) => api.put('/api/providers/:channel', { params: { channel: p.channel }, body }), {
    invalidates,
    onSuccess: () => setSaved('Saved. New messages go out through this provider.'),
  });
  const remove = useApiMutation(() => api.delete('/api/providers/:channel', { params: { channel: p.channel } }), { invalidates, onSuccess: () => setSaved('Disconnected.') });
  const test = useApiMutation((body: { to: string }) => api.post('/api/providers/:channel/test', { params: { channel: p.channel }, body }));

  const set = (k: string, v: string) => {
    setSaved(null);
    save.reset();
    setD((x) => ({ ...x, [k]: v }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    remove.reset();
    // What the person typed, unchecked here: the server names the field it refuses.
    save.mutate(form.body(d) as ProviderInput);
  };
  const fieldError = (name: string) => (save.error instanceof ApiError && save.error.field === name ? save.error.message : undefined);
  const id = (name: string) => `prov-${p.channel}-${name}`;
  const label = form.title;

  return (
    <form className="set-fieldset prov-form" onSubmit={submit} aria-label={`${label} provider`} noValidate data-channel={p.channel}>
      <legend>
        {label}{' '}
        {p.connected ? (
          <Badge tone="good">connected</Badge>
        ) : p.sends ? (
          <Badge tone="info">server provider{p.serverProvider ? `: ${p.serverProvider}` : ''}</Badge>
        ) : (
          <Badge tone="warn">not connected: outbox only</Badge>
        )}
      </legend>
      <div className="grid grid-3">
        {form.fields.map((f) => {
          const secret = f.name === form.secret;
          const err = fieldError(f.name);
          return (
            <label key={f.name} className="field">
              <span>{f.label}</span>
              {f.kind === 'select' ? (
                <select id={id(f.name)} aria-label={f.label} value={d[f.name]} onChange={(e) => set(f.name, e.target.value)}>
                  {f.options!.map(([v, l]) => (
                    <option key={v} value={v}>
                      {l}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id(f.name)}
                  aria-label={f.label}
                  type={f.kind === 'password' ? 'password' : 'text'}
                  autoComplete={f.kind === 'password' ? 'new-password' : 'off'}
                  inputMode={f.inputMode}
                  value={d[f.name]}
                  placeholder={secret && p.secretSet ? 'saved — leave blank to keep' : f.placeholder}
                  onChange={(e) => set(f.name, e.target.value)}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={err ? `${id(f.name)}-err` : undefined}
                />
              )}
              <FieldNote id={`${id(f.name)}-err`} message={err} />
            </label>
          );
        })}
      </div>
      <FormError error={save.error ?? remove.error} fields={form.fields.map((f) => f.name)} />
      {saved ? (
        <p className="form-ok" role="status">
          {saved}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : `Save ${p.channel === 'email' ? 'email' : 'SMS'} provider`}
        </button>
        {p.connected ? (
          <button type="button" className="btn btn-ghost" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Disconnect
          </button>
        ) : null}
      </div>
      <div className="prov-test">
        <label className="field">
          <span>{form.testLabel}</span>
          <input
            aria-label={`${form.testLabel} (${p.channel})`}
            value={to}
            placeholder={form.testPlaceholder}
            onChange={(e) => {
              setTo(e.target.value);
              test.reset();
            }}
          />
        </label>
        <button
          type="button"
          className="btn"
          disabled={!p.connected || test.isPending || to.trim() === ''}
          title={p.connected ? undefined : 'Save the provider first'}
          onClick={() => test.mutate({ to: to.trim() })}
        >
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
      </div>
      {test.data ? (
        <p className="form-ok" role="status" data-testid={`test-outcome-${p.channel}`}>
          {test.data.message}
        </p>
      ) : null}
      {test.error ? (
        <p className="form-error" role="alert" data-testid={`test-outcome-${p.channel}`}>
          {test.error.message}
          <span className="muted"> ({test.error.code})</span>
        </p>
      ) : null}
    </form>
  );
}

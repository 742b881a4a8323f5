import { useState, type FormEvent } from 'react';
import type { HelpdeskConnectionView, HelpdeskKind } from '../../../contracts/support.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { FieldNote, FormError, serverErrorFor } from './forms.js';
import { HelpdeskConnection } from './HelpdeskConnection.js';
import { NewKey } from './NewKey.js';

const KINDS: Array<{ value: HelpdeskKind; label: string; secretHint: string }> = [
  { value: 'chatwoot', label: 'Chatwoot', secretHint: 'the webhook secret Chatwoot shows (Settings → Integrations → Webhooks)' },
  { value: 'zendesk', label: 'Zendesk', secretHint: 'the webhook’s signing secret (Admin Center → Webhooks → Signing secret)' },
  { value: 'generic', label: 'Other (generic mapping)', secretHint: 'leave empty to have one generated; send it as the X-Tenure-Signature HMAC key' },
];

/** Helpdesk connections: webhooks from Chatwoot, Zendesk or any tool, turned into ticket events on customers' timelines. */
export function HelpdeskSection() {
  const q = useApi('/api/helpdesk/connections');
  const [made, setMade] = useState<HelpdeskConnectionView | null>(null);
  return (
    <Card title="Helpdesk">
      <p className="muted set-help">
        Support conversations become events (Ticket Created, Replied, Solved, Reopened, Rated) on the customer’s timeline, matched by email, phone or id. Paste the webhook URL into the helpdesk; each
        delivery’s signature is checked, and refused ones show here with the reason.
      </p>
      {made ? <MadeNote c={made} onDone={() => setMade(null)} /> : null}
      <QueryView query={q} empty={{ title: 'No helpdesk connected', hint: 'Connect one below.' }} isEmpty={(d) => d.connections.length === 0}>
        {(d) => (
          <ul className="set-groups" aria-label="Helpdesk connections">
            {d.connections.map((c) => (
              <HelpdeskConnection key={c.id} c={c} />
            ))}
          </ul>
        )}
      </QueryView>
      <CreateForm onMade={setMade} />
    </Card>
  );
}

/** The new connection's webhook URL, and its generated secret shown this once. */
function MadeNote({ c, onDone }: { c: HelpdeskConnectionView; onDone: () => void }) {
  return (
    <div className="stack">
      <p className="form-ok" role="status">
        “{c.name}” is connected. Webhook URL: <code data-testid="new-webhook-url">{c.webhookUrl}</code>
      </p>
      {c.secret ? <NewKey label="Signing secret" value={c.secret} onDone={onDone} /> : null}
    </div>
  );
}

function CreateForm({ onMade }: { onMade: (c: HelpdeskConnectionView) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<HelpdeskKind>('chatwoot');
  const [secret, setSecret] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const create = useApiMutation((body: { name: string; kind: HelpdeskKind; secret?: string }) => api.post('/api/helpdesk/connections', { body }), {
    invalidates: ['/api/helpdesk'],
    onSuccess: (c) => {
      setName('');
      setSecret('');
      onMade(c);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!name.trim()) errs.name = 'give the connection a name';
    if (kind !== 'generic' && secret.length < 8) errs.secret = 'paste the helpdesk’s signing secret (at least 8 characters)';
    if (kind === 'generic' && secret && secret.length < 8) errs.secret = 'at least 8 characters, or leave it empty';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    create.mutate({ name: name.trim(), kind, ...(secret ? { secret } : {}) });
  }
  const err = (f: string) => local[f] ?? serverErrorFor(create.error, f);
  return (
    <form className="stack set-create" onSubmit={submit} aria-label="Connect a helpdesk" noValidate>
      <h3>Connect a helpdesk</h3>
      <div className="row">
        <label className="field">
          <span>Name</span>
          <input
            aria-label="Connection name"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={err('name') ? true : undefined}
            placeholder="e.g. Support (Chatwoot)"
          />
          <FieldNote id="hd-err-name" message={err('name')} />
        </label>
        <label className="field">
          <span>Helpdesk</span>
          <select aria-label="Helpdesk" value={kind} onChange={(e) => setKind(e.target.value as HelpdeskKind)}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Signing secret</span>
          <input
            aria-label="Signing secret"
            type="password"
            autoComplete="off"
            value={secret}
            maxLength={500}
            onChange={(e) => setSecret(e.target.value)}
            aria-invalid={err('secret') ? true : undefined}
          />
          <FieldNote id="hd-err-secret" message={err('secret')} />
        </label>
      </div>
      <small className="muted">{KINDS.find((k) => k.value === kind)!.secretHint}</small>
      <FormError error={create.error} fields={['name', 'secret']} />
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Connect
        </button>
      </div>
    </form>
  );
}

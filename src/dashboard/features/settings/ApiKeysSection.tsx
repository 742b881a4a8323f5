import { useState, type FormEvent } from 'react';
import type { ApiKeyView, KeyScope } from '../../../contracts/team.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { fmtDateTime, fmtRelative } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { FieldNote, FormError, serverErrorFor } from './forms.js';
import { NewKey } from './NewKey.js';
import { SCOPE_LABELS } from './roles.js';

const SCOPES: KeyScope[] = ['ingest', 'read', 'admin'];

/** Settings → API keys: named keys with a scope (made, listed, revoked); the secret is shown once. */
export function ApiKeysSection() {
  const q = useApi('/api/keys');
  return (
    <Card title="API keys">
      <div className="stack">
        <p className="muted set-help">
          One key per script or integration, so each can be revoked alone. <strong>Ingest</strong> sends events, <strong>read</strong> reads the admin API, <strong>admin</strong> reads and changes
          everything except the team and the workspace itself. Only the first characters of a key are kept in clear.
        </p>
        <CreateKey />
        <QueryView query={q} empty={{ title: 'No API keys yet', hint: 'Create one above for each script or integration.' }} isEmpty={(d) => d.keys.length === 0}>
          {(d) => (
            <div className="table-wrap">
              <table aria-label="API keys">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Scope</th>
                    <th>Key</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.keys.map((k) => (
                    <KeyRow key={k.id} k={k} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
    </Card>
  );
}

function CreateKey() {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<KeyScope>('read');
  const [fresh, setFresh] = useState<{ name: string; secret: string } | null>(null);
  const create = useApiMutation((body: { name: string; scope: KeyScope }) => api.post('/api/keys', { body }), {
    invalidates: ['/api/keys'],
    onSuccess: (r) => {
      setFresh({ name: r.key.name, secret: r.secret });
      setName('');
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setFresh(null);
    create.mutate({ name: name.trim(), scope });
  }
  return (
    <form className="stack" onSubmit={submit} aria-label="Create an API key" noValidate>
      <div className="row set-invite">
        <label className="field">
          <span>Key name</span>
          <input name="keyName" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="e.g. Warehouse sync" aria-describedby="key-name-err" />
          <FieldNote id="key-name-err" message={serverErrorFor(create.error, 'name')} />
        </label>
        <label className="field">
          <span>Scope</span>
          <select name="keyScope" value={scope} onChange={(e) => setScope(e.target.value as KeyScope)}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {SCOPE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
      <FormError error={create.error} fields={['name']} />
      {fresh ? <NewKey label={`New key “${fresh.name}”`} value={fresh.secret} onDone={() => setFresh(null)} /> : null}
    </form>
  );
}

function KeyRow({ k }: { k: ApiKeyView }) {
  const [confirm, setConfirm] = useState(false);
  const revoke = useApiMutation(() => api.delete('/api/keys/:id', { params: { id: k.id } }), { invalidates: ['/api/keys'], onSuccess: () => setConfirm(false) });
  return (
    <tr>
      <td>{k.name}</td>
      <td>{k.scope}</td>
      <td>
        <code>{k.prefix}…</code>
      </td>
      <td>
        {fmtDateTime(k.createdAt)}
        {k.createdBy ? <div className="muted">by {k.createdBy}</div> : null}
      </td>
      <td>{k.lastUsedAt ? fmtRelative(k.lastUsedAt) : 'Never'}</td>
      <td>
        {k.revokedAt ? (
          <Badge tone="bad" title={`Revoked ${fmtDateTime(k.revokedAt)}`}>
            revoked
          </Badge>
        ) : confirm ? (
          <div className="row" role="group" aria-label={`Confirm revoking ${k.name}`}>
            <button type="button" className="btn btn-small btn-danger" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
              Yes, revoke {k.name}
            </button>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirm(true)} aria-label={`Revoke ${k.name}`}>
            Revoke…
          </button>
        )}
        <FormError error={revoke.error} fields={[]} />
      </td>
    </tr>
  );
}

import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { refreshMe } from '../../api/me.js';
import { chooseWorkspace } from '../../api/session.js';
import { NewKey } from '../settings/NewKey.js';
import { AuthCard } from './AuthCard.js';

/** "Add a workspace" for a signed-in person: create one (they own it), switch to it, and show its write key once. */
export function AddWorkspace({ onDone, intro }: { onDone: () => void; intro?: string }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; writeKey: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError(new Error('Give the workspace a name.'));
    setBusy(true);
    setError(null);
    try {
      const r = await api.post('/api/workspaces', { body: { name: name.trim(), ...(slug.trim() ? { slug: slug.trim() } : {}) } });
      chooseWorkspace(r.workspace.id, r.workspace);
      await refreshMe();
      await qc.invalidateQueries();
      setCreated({ name: r.workspace.name, writeKey: r.writeKey });
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  if (created)
    return (
      <div className="signin signin-inline">
        <AuthCard label="Workspace created">
          <h1>{created.name} is ready</h1>
          <p className="muted">You own it, and the dashboard has switched to it. Apps and SDKs send its events with this write key:</p>
          <NewKey label="Write key" value={created.writeKey} onDone={onDone} />
        </AuthCard>
      </div>
    );
  return (
    <div className="signin signin-inline">
      <AuthCard onSubmit={submit} label="Add a workspace">
        <h1>Add a workspace</h1>
        <p className="muted">{intro ?? 'A workspace has its own customers, events, journeys and team. You will be its owner.'}</p>
        <label className="field">
          <span>Workspace name</span>
          <input name="name" autoFocus value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        </label>
        <label className="field">
          <span>Slug (optional)</span>
          <input name="slug" value={slug} onChange={(e) => setSlug(e.target.value.toLowerCase())} maxLength={48} placeholder="made from the name when empty" />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error.message}
            {error instanceof ApiError ? <span className="muted"> ({error.code})</span> : null}
          </p>
        ) : null}
        <div className="row">
          <button className="btn btn-primary" type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create workspace'}
          </button>
          {intro ? null : (
            <button className="btn" type="button" onClick={onDone}>
              Cancel
            </button>
          )}
        </div>
      </AuthCard>
    </div>
  );
}

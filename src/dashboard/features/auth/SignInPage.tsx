import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { signIn } from '../../api/session.js';

/**
 * Sign in with a workspace's admin key. The key is checked against `/api/workspace`, then
 * kept in sessionStorage for this tab only (never in the URL). `adding` signs in to another
 * workspace while staying signed in to the others.
 */
export function SignInPage({ adding = false, onDone }: { adding?: boolean; onDone?: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    if (!k) return setError('Paste the admin key: `tenure serve` printed it at first start (it begins with ta_).');
    setBusy(true);
    setError(null);
    try {
      const ws = await api.get('/api/workspace', { key: k });
      signIn({ key: k, id: ws.id, slug: ws.slug, name: ws.name });
      setKey('');
      onDone?.();
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) setError('That is a write key: it can only send events. The dashboard needs the admin key (it begins with ta_).');
      else if (err instanceof ApiError && err.status === 401) setError('No workspace has this admin key. Check for a missing character, or rotate the keys with `tenure keys rotate`.');
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={adding ? 'signin signin-inline' : 'signin'}>
      <form className="card signin-card" onSubmit={submit} aria-label="Sign in">
        {!adding ? (
          <div className="brand brand-large">
            <span className="logo" aria-hidden="true">
              T
            </span>
            <span>Tenure</span>
          </div>
        ) : null}
        <h1>{adding ? 'Add a workspace' : 'Sign in'}</h1>
        <p className="muted">Enter the workspace’s admin key. It stays in this browser tab and is forgotten when you close it.</p>
        <label className="field">
          <span>Admin key</span>
          <input name="adminKey" type="password" autoComplete="off" autoFocus value={key} onChange={(e) => setKey(e.target.value)} placeholder="ta_…" aria-invalid={error ? true : undefined} />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="row">
          <button className="btn btn-primary" type="submit" disabled={busy}>
            {busy ? 'Checking…' : adding ? 'Add workspace' : 'Sign in'}
          </button>
          {adding && onDone ? (
            <button className="btn" type="button" onClick={onDone}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
    </div>
  );
}

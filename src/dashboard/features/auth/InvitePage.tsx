import { useEffect, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import type { InvitationPreview } from '../../../contracts/team.js';
import { api, ApiError } from '../../api/client.js';
import { chooseWorkspace, markSignedIn } from '../../api/session.js';
import { Loading } from '../../components/states.js';
import { Link, navigate } from '../../router.js';
import { AuthCard, Brand } from './AuthCard.js';
import { ROLE_LABELS } from '../settings/roles.js';

type Preview = z.infer<typeof InvitationPreview>;

/**
 * `/invite/:token`: the link in an invitation email. Shows the workspace and role, asks a new
 * person for a name and password (someone with an account for their password), accepts, and
 * lands signed in, in that workspace.
 */
export function InvitePage({ token }: { token: string }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .get('/api/auth/invitations/:token', { params: { token } })
      .then(setPreview, (err: unknown) =>
        setLoadError(
          err instanceof ApiError && (err.status === 404 || err.status === 410)
            ? 'This invitation link has expired, was revoked or was already used. Ask whoever invited you for a new one.'
            : (err as Error).message,
        ),
      );
  }, [token]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!preview) return;
    if (!preview.hasAccount && password.length < 10) return setError('Choose a password of at least 10 characters.');
    if (preview.hasAccount && !password) return setError('Enter the password of your Tenure account.');
    setBusy(true);
    setError(null);
    try {
      const r = await api.post('/api/auth/invitations/accept', { body: { token, password, ...(name.trim() ? { name: name.trim() } : {}) } });
      const joined = r.workspaces.find((w) => w.name === preview.workspace);
      if (joined) chooseWorkspace(joined.id);
      navigate('/', { replace: true });
      // The shell asks /api/auth/me next (who, which workspaces, what the role may do).
      markSignedIn(r.csrfToken);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  if (loadError)
    return (
      <div className="signin">
        <AuthCard label="Invitation">
          <Brand />
          <h1>Invitation</h1>
          <p className="form-error" role="alert">
            {loadError}
          </p>
          <Link to="/">Go to sign-in</Link>
        </AuthCard>
      </div>
    );
  if (!preview) return <Loading label="Reading the invitation…" />;
  return (
    <div className="signin">
      <AuthCard onSubmit={submit} label="Accept the invitation">
        <Brand />
        <h1>Join {preview.workspace}</h1>
        <p className="muted">
          You are invited as <strong>{ROLE_LABELS[preview.role]}</strong> with the address <strong>{preview.email}</strong>.
        </p>
        {!preview.hasAccount ? (
          <label className="field">
            <span>Your name</span>
            <input name="name" autoComplete="name" autoFocus value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
          </label>
        ) : null}
        <label className="field">
          <span>{preview.hasAccount ? 'Your password' : 'Choose a password'}</span>
          <input
            name="password"
            type="password"
            autoComplete={preview.hasAccount ? 'current-password' : 'new-password'}
            autoFocus={preview.hasAccount}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
          />
        </label>
        {!preview.hasAccount ? <p className="muted">At least 10 characters: a few words you will remember beat a short clever one.</p> : null}
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="row">
          <button className="btn btn-primary" type="submit" disabled={busy}>
            {busy ? 'Joining…' : `Join ${preview.workspace}`}
          </button>
        </div>
      </AuthCard>
    </div>
  );
}

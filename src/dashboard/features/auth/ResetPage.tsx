import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { Link } from '../../router.js';
import { AuthCard, Brand } from './AuthCard.js';

/** `/reset/:token`: the link in a password-reset email. Choose a new password, then sign in with it. */
export function ResetPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < 10) return setError('Choose a password of at least 10 characters.');
    if (password !== again) return setError('The two passwords differ: type the same one twice.');
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/password-reset', { body: { token, password } });
      setDone(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <AuthCard onSubmit={submit} label="Choose a new password">
        <Brand />
        <h1>Choose a new password</h1>
        {done ? (
          <>
            <p className="form-ok" role="status">
              Your password is changed, and every other session of your account is signed out.
            </p>
            <Link to="/" className="btn btn-primary">
              Sign in
            </Link>
          </>
        ) : (
          <>
            <label className="field">
              <span>New password</span>
              <input name="password" type="password" autoComplete="new-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={error ? true : undefined} />
            </label>
            <label className="field">
              <span>New password, again</span>
              <input name="again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} aria-invalid={error ? true : undefined} />
            </label>
            <p className="muted">At least 10 characters.</p>
            {error ? (
              <p className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <div className="row">
              <button className="btn btn-primary" type="submit" disabled={busy}>
                {busy ? 'Saving…' : 'Save the new password'}
              </button>
              <Link to="/">Back to sign-in</Link>
            </div>
          </>
        )}
      </AuthCard>
    </div>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.js';
import { markSignedIn, signIn } from '../../api/session.js';
import { AuthCard, Brand } from './AuthCard.js';

type Mode = 'password' | 'key' | 'forgot';

/**
 * Sign in: with email and password (the main way; the session is an HTTP-only cookie), with
 * single sign-on when the server has a provider, or with a workspace's admin key (kept in
 * sessionStorage for this tab only, never in the URL). `adding` signs in to another
 * workspace with its admin key while staying signed in to the others.
 */
export function SignInPage({ adding = false, onDone }: { adding?: boolean; onDone?: () => void }) {
  const [mode, setMode] = useState<Mode>(adding ? 'key' : 'password');
  return (
    <div className={adding ? 'signin signin-inline' : 'signin'}>
      {mode === 'key' ? <KeyForm adding={adding} onDone={onDone} onBack={adding ? undefined : () => setMode('password')} /> : null}
      {mode === 'password' ? <PasswordForm onKey={() => setMode('key')} onForgot={() => setMode('forgot')} /> : null}
      {mode === 'forgot' ? <ForgotForm onBack={() => setMode('password')} /> : null}
    </div>
  );
}

function Alert({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

function PasswordForm({ onKey, onForgot }: { onKey: () => void; onForgot: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // A failed single sign-on comes back as /signin?error=… (the server's words).
  const [error, setError] = useState<string | null>(() => new URLSearchParams(window.location.search).get('error'));
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<{ enabled: boolean; name: string | null } | null>(null);

  useEffect(() => {
    let live = true;
    api.get('/api/auth/oidc').then(
      (o) => live && setOidc(o),
      () => live && setOidc(null),
    );
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) return setError('Enter your email address and your password.');
    setBusy(true);
    setError(null);
    try {
      const r = await api.post('/api/auth/signin', { body: { email: email.trim(), password } });
      // The shell asks /api/auth/me next (who, which workspaces, what the role may do).
      markSignedIn(r.csrfToken);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That email and password do not match an account. Check both, or reset the password.' : (err as Error).message);
      setBusy(false);
    }
  }

  const returnTo = window.location.pathname === '/signin' ? '/' : window.location.pathname + window.location.search;
  return (
    <AuthCard onSubmit={submit} label="Sign in">
      <Brand />
      <h1>Sign in</h1>
      <label className="field">
        <span>Email</span>
        <input name="email" type="email" autoComplete="username" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={error ? true : undefined} />
      </label>
      <label className="field">
        <span>Password</span>
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={error ? true : undefined} />
      </label>
      <Alert error={error} />
      <div className="row">
        <button className="btn btn-primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <span className="spacer" />
        <button className="btn btn-ghost btn-small" type="button" onClick={onForgot}>
          Forgot password?
        </button>
      </div>
      {oidc?.enabled ? (
        <a
          className="btn"
          href={`/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`}
          onClick={() => {
            try {
              localStorage.setItem('tenure.signedIn', '1');
            } catch {
              /* the page asks the server anyway after the redirect */
            }
          }}
        >
          Sign in with {oidc.name ?? 'single sign-on'}
        </a>
      ) : null}
      <hr className="signin-rule" />
      <button className="btn btn-ghost" type="button" onClick={onKey}>
        Sign in with an API key
      </button>
    </AuthCard>
  );
}

function KeyForm({ adding, onDone, onBack }: { adding: boolean; onDone?: () => void; onBack?: () => void }) {
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
      // What the key's scope allows (an admin key: everything but the team), for the UI to offer only that.
      const me = await api.get('/api/auth/me', { key: k });
      signIn({ key: k, id: ws.id, slug: ws.slug, name: ws.name, permissions: me.permissions });
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
    <AuthCard onSubmit={submit} label={adding ? 'Add a workspace' : 'Sign in with an API key'}>
      {!adding ? <Brand /> : null}
      <h1>{adding ? 'Add a workspace' : 'Sign in with an API key'}</h1>
      <p className="muted">Enter the workspace’s admin key. It stays in this browser tab and is forgotten when you close it.</p>
      <label className="field">
        <span>Admin key</span>
        <input name="adminKey" type="password" autoComplete="off" autoFocus value={key} onChange={(e) => setKey(e.target.value)} placeholder="ta_…" aria-invalid={error ? true : undefined} />
      </label>
      <Alert error={error} />
      <div className="row">
        <button className="btn btn-primary" type="submit" disabled={busy}>
          {busy ? 'Checking…' : adding ? 'Add workspace' : 'Sign in'}
        </button>
        {adding && onDone ? (
          <button className="btn" type="button" onClick={onDone}>
            Cancel
          </button>
        ) : null}
        {onBack ? (
          <>
            <span className="spacer" />
            <button className="btn btn-ghost btn-small" type="button" onClick={onBack}>
              Use email and password
            </button>
          </>
        ) : null}
      </div>
    </AuthCard>
  );
}

function ForgotForm({ onBack }: { onBack: () => void }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim()) return setError('Enter the email address you sign in with.');
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/password-reset/request', { body: { email: email.trim() } });
      setSent(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard onSubmit={submit} label="Reset your password">
      <Brand />
      <h1>Reset your password</h1>
      {sent ? (
        <p className="form-ok" role="status">
          If an account has the address {email.trim()}, a link to choose a new password is on its way.
        </p>
      ) : (
        <>
          <p className="muted">Enter the email address you sign in with: Tenure emails a link to choose a new password.</p>
          <label className="field">
            <span>Email</span>
            <input name="email" type="email" autoComplete="username" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={error ? true : undefined} />
          </label>
          <Alert error={error} />
        </>
      )}
      <div className="row">
        {!sent ? (
          <button className="btn btn-primary" type="submit" disabled={busy}>
            {busy ? 'Sending…' : 'Send the link'}
          </button>
        ) : null}
        <button className="btn btn-ghost" type="button" onClick={onBack}>
          Back to sign-in
        </button>
      </div>
    </AuthCard>
  );
}

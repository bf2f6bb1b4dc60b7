import { useId, useState, type FormEvent } from 'react';
import { Notice } from '../ui';

// Sign-in with user name and password. The hub answers with a session cookie the page cannot
// read (httpOnly); scripts keep using API tokens. Users come from an admin (Users page) or
// `tillstream users add`.
export function SignIn(props: { onSignIn(user: string, password: string): Promise<void> }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSignIn(user.trim(), password);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setPassword('');
      setBusy(false);
    }
  };
  return (
    <div className="signin-wrap">
      <form className="signin card" onSubmit={submit} aria-labelledby={`${id}-h`}>
        <div className="brand big">
          <span className="logo" aria-hidden="true">◆</span> Tillstream <span className="brand-hq">HQ</span>
        </div>
        <h1 id={`${id}-h`}>Sign in to head office</h1>
        <p className="muted">Sales, prices, stock, registers and books for every store of the chain.</p>
        <label className="field" htmlFor={`${id}-u`}>
          <span>User name</span>
          <input id={`${id}-u`} data-testid="signin-user" autoComplete="username" autoFocus required maxLength={64} value={user} onChange={(e) => setUser(e.target.value)} />
        </label>
        <label className="field" htmlFor={`${id}-p`}>
          <span>Password</span>
          <input id={`${id}-p`} data-testid="signin-password" type="password" autoComplete="current-password" required maxLength={1024} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error ? <Notice kind="error" testId="signin-error">{error}</Notice> : null}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || !user.trim() || !password} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Your administrator creates users in the console (Users) or with tillstream users add.</p>
      </form>
    </div>
  );
}

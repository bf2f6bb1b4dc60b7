import { useId, useState, type FormEvent } from 'react';
import { Notice } from '../ui';

// Sign-in with an API token (tsu_…), as `tillstream hub` prints for its admin and POST
// /api/users hands out. The token is kept for this browser tab only (sessionStorage).
export function SignIn(props: { onSignIn(token: string): Promise<void> }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSignIn(token.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
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
        <label className="field" htmlFor={id}>
          <span>API token</span>
          <input
            id={id}
            data-testid="signin-token"
            type="password"
            autoComplete="current-password"
            autoFocus
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="tsu_…"
          />
        </label>
        {error ? <Notice kind="error" testId="signin-error">{error}</Notice> : null}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || !token.trim()} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Your administrator creates users and tokens (POST /api/users or the hub's admin token).</p>
      </form>
    </div>
  );
}

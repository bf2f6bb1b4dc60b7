import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Notice } from '../ui';

// Sign-in with user name and password. The hub answers with a session cookie the page cannot
// read (httpOnly); scripts keep using API tokens. Users come from an admin (Users page) or
// `tillstream users add`.
export function SignIn(props: { onSignIn(user: string, password: string): Promise<void>; languageSwitch?: ReactNode }) {
  const { t } = useTranslation();
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
        <div className="row between">
          <div className="brand big">
            <span className="logo" aria-hidden="true">◆</span> Tillstream <span className="brand-hq">HQ</span>
          </div>
          {props.languageSwitch}
        </div>
        <h1 id={`${id}-h`}>{t('signin.title')}</h1>
        <p className="muted">{t('signin.lead')}</p>
        <label className="field" htmlFor={`${id}-u`}>
          <span>{t('signin.user')}</span>
          <input id={`${id}-u`} data-testid="signin-user" autoComplete="username" autoFocus required maxLength={64} value={user} onChange={(e) => setUser(e.target.value)} />
        </label>
        <label className="field" htmlFor={`${id}-p`}>
          <span>{t('signin.password')}</span>
          <input id={`${id}-p`} data-testid="signin-password" type="password" autoComplete="current-password" required maxLength={1024} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error ? <Notice kind="error" testId="signin-error">{error}</Notice> : null}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || !user.trim() || !password} data-testid="signin-submit">
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
        <p className="muted small">{t('signin.hint')}</p>
      </form>
    </div>
  );
}

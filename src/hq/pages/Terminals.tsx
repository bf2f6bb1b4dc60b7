import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { errorText, type TerminalRow } from '../api';
import { ago, Notice, PageHeader, StoreSelect, storeName, useLoad, useSession } from '../ui';

// Registers per store: journal position the hub has applied, when each last connected,
// whether its credential is live; enrollment codes (text and QR) for new registers, and
// revoking a register's credential (its connection is dropped at once, on every hub).

export function Terminals() {
  const { api, stores } = useSession();
  const [store, setStore] = useState('');
  const list = useLoad(() => api.get<{ terminals: TerminalRow[]; next_cursor: string | null }>('/api/terminals', { store_id: store || undefined, limit: 500 }), [store]);
  const enrollStore = store || stores[0]?.store_id || '';
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  useEffect(() => {
    const t = setInterval(list.reload, 5000);
    return () => clearInterval(t);
  }, [store]);
  const revoke = async (terminal: string) => {
    setConfirm(null);
    try {
      const r = await api.post<{ revoked: number }>('/api/credentials/revoke', { terminal_id: terminal });
      setMsg({ kind: 'ok', text: `${terminal}: ${r.revoked} credential revoked; the register is disconnected.` });
      list.reload();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <>
      <PageHeader title="Registers" subtitle="Every enrolled register, what the hub has from it, and its credential." />
      <div className="stack">
        <section className="card" aria-label="Registers">
          <div className="filters">
            <StoreSelect value={store} onChange={setStore} all testId="terminals-store" />
          </div>
          {msg ? <Notice kind={msg.kind} testId="terminals-msg">{msg.text}</Notice> : null}
          <table className="table" data-testid="terminals-table">
            <thead>
              <tr>
                <th scope="col">Register</th>
                <th scope="col">Store</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Version</th>
                <th scope="col" className="num">Journal at hub</th>
                <th scope="col" className="num">Store changes applied</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(list.data?.terminals ?? []).map((t) => (
                <tr key={t.terminal_id} data-testid="terminal-row" data-terminal={t.terminal_id}>
                  <th scope="row">{t.terminal_id}</th>
                  <td>{storeName(stores, t.store_id)}</td>
                  <td>
                    {!t.enrolled ? (
                      <span className="pill pill-bad" data-testid="terminal-status">
                        Revoked
                      </span>
                    ) : t.online ? (
                      <span className="pill pill-ok" data-testid="terminal-status">
                        Online
                      </span>
                    ) : (
                      <span className="pill pill-off" data-testid="terminal-status">
                        Offline
                      </span>
                    )}
                  </td>
                  <td title={t.last_seen_at ?? ''} className="nowrap">
                    {ago(t.last_seen_at)}
                  </td>
                  <td className="mono small">{t.app_version ?? '—'}</td>
                  <td className="num">seq {t.applied_through}</td>
                  <td className="num" data-testid="terminal-changes">
                    {t.changes_behind > 0 ? (
                      <span className="warn">
                        {t.change_cursor} of {t.store_change_cursor} ({t.changes_behind} behind)
                      </span>
                    ) : (
                      <span>
                        {t.change_cursor} of {t.store_change_cursor} <span className="ok">✓</span>
                      </span>
                    )}
                  </td>
                  <td className="num">
                    {!t.enrolled ? null : confirm === t.terminal_id ? (
                      <span className="row gap end">
                        <button type="button" className="btn btn-danger btn-small" onClick={() => revoke(t.terminal_id)} data-testid="revoke-confirm" autoFocus>
                          Revoke {t.terminal_id}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setConfirm(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => setConfirm(t.terminal_id)} aria-label={`Revoke ${t.terminal_id}`} data-testid="revoke">
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data && list.data.terminals.length === 0 ? <p className="muted">No registers yet.</p> : null}
        </section>
        <EnrollmentCode store={enrollStore} onDone={list.reload} />
      </div>
    </>
  );
}

function EnrollmentCode(props: { store: string; onDone(): void }) {
  const { api, stores } = useSession();
  const [store, setStore] = useState(props.store);
  const [terminal, setTerminal] = useState('');
  const [hours, setHours] = useState('24');
  const [code, setCode] = useState<{ code: string; terminal_id: string; store_id: string; expires_at: string; pin: string | null; qr: string; command: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.post<{ code: string; store_id: string; terminal_id: string; expires_at: string; pin: string | null }>('/api/enrollment-codes', {
        store_id: store,
        terminal_id: terminal.trim(),
        ttl_minutes: Math.max(1, Math.round(Number(hours) * 60)),
      });
      // What a register's enrollment screen (or `tillstream register enroll`) needs: the hub and the code.
      // What a register needs to enroll: this hub, the code and, when the hub serves TLS itself, the certificate pin.
      const qr = await QRCode.toDataURL(JSON.stringify({ hub: location.origin, code: r.code, ...(r.pin ? { pin: r.pin } : {}) }), { margin: 1, width: 200 });
      const command = `tillstream register enroll --hub ${location.origin} --code ${r.code}${r.pin ? ` --pin ${r.pin}` : ''}`;
      setCode({ ...r, qr, command });
      props.onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section className="card" aria-labelledby="enroll-h" data-testid="enroll">
      <h2 id="enroll-h">Enroll a register</h2>
      <div className="enroll-card">
      <form onSubmit={submit}>
        <p className="muted small">A one-time code the register exchanges for its own credential.</p>
        <StoreSelect value={store} onChange={setStore} testId="enroll-store" />
        <label className="field">
          <span>Register id</span>
          <input value={terminal} onChange={(e) => setTerminal(e.target.value)} required placeholder="T03" data-testid="enroll-terminal" />
        </label>
        <label className="field">
          <span>Valid for (hours)</span>
          <input value={hours} onChange={(e) => setHours(e.target.value)} inputMode="numeric" required />
        </label>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <button type="submit" className="btn btn-primary" data-testid="enroll-create">
          Create code
        </button>
      </form>
      {code ? (
        <div className="enroll-code" data-testid="enroll-result">
          <img src={code.qr} alt={`QR code for enrollment code ${code.code}`} width={160} height={160} data-testid="enroll-qr" />
          <div>
            <div className="code" data-testid="enroll-code">
              {code.code}
            </div>
            <div className="small">
              for {code.terminal_id} in {storeName(stores, code.store_id)}
            </div>
            <div className="muted small">valid until {new Date(code.expires_at).toLocaleString()}</div>
            <div className="muted small mono" data-testid="enroll-command">
              {code.command}
            </div>
          </div>
        </div>
      ) : (
        <p className="muted small">The code appears here as text and as a QR code for the register's enrollment screen.</p>
      )}
      </div>
    </section>
  );
}

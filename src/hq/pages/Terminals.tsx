import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { errorText, type TerminalRow } from '../api';
import { useTranslation } from 'react-i18next';
import { currentLocale } from '../i18n';
import { PagedTable, usePaged, type Column } from '../paged';
import { ago, Notice, PageHeader, StoreSelect, storeName, timeText, useSession } from '../ui';

// Registers per store: journal position the hub has applied, when each last connected,
// whether its credential is live; enrollment codes (text and QR) for new registers, and
// revoking a register's credential (its connection is dropped at once, on every hub).

export function Terminals() {
  const { api, stores } = useSession();
  const [store, setStore] = useState('');
  const { t } = useTranslation();
  const list = usePaged(
    (cursor) => api.get<{ terminals: TerminalRow[]; next_cursor: string | null }>('/api/terminals', { store_id: store || undefined, limit: 50, cursor }).then((r) => ({ rows: r.terminals, next_cursor: r.next_cursor })),
    store,
  );
  const enrollStore = store || stores[0]?.store_id || '';
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(list.reload, 5000);
    return () => clearInterval(timer);
  }, [store]);
  const revoke = async (terminal: string) => {
    setConfirm(null);
    try {
      const r = await api.post<{ revoked: number }>('/api/credentials/revoke', { terminal_id: terminal });
      setMsg({ kind: 'ok', text: t('terminals.revokedMsg', { terminal, count: r.revoked }) });
      list.reload();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  const columns: Array<Column<TerminalRow>> = [
    { header: t('terminals.register'), cell: (r) => <strong>{r.terminal_id}</strong> },
    { header: t('common.store'), cell: (r) => storeName(stores, r.store_id) },
    {
      header: t('terminals.status'),
      cell: (r) =>
        !r.enrolled ? (
          <span className="pill pill-bad" data-testid="terminal-status">
            {t('terminals.revoked')}
          </span>
        ) : r.online ? (
          <span className="pill pill-ok" data-testid="terminal-status">
            {t('terminals.online')}
          </span>
        ) : (
          <span className="pill pill-off" data-testid="terminal-status">
            {t('terminals.offline')}
          </span>
        ),
    },
    { header: t('terminals.lastSeen'), className: 'nowrap', cell: (r) => <span title={r.last_seen_at ?? ''}>{ago(r.last_seen_at)}</span> },
    { header: t('terminals.version'), className: 'mono small', cell: (r) => r.reported?.app_version ?? r.app_version ?? '—' },
    { header: t('regstatus.reported'), cell: (r) => <Reported row={r} /> },
    { header: t('terminals.journalAtHub'), num: true, cell: (r) => t('terminals.seq', { seq: r.applied_through }) },
    {
      header: t('terminals.changesApplied'),
      num: true,
      cell: (r) => (
        <span data-testid="terminal-changes">
          {r.changes_behind > 0 ? (
            <span className="warn">
              {t('terminals.changesOf', { done: r.change_cursor, total: r.store_change_cursor })} {t('terminals.behind', { count: r.changes_behind })}
            </span>
          ) : (
            <span>
              {t('terminals.changesOf', { done: r.change_cursor, total: r.store_change_cursor })} <span className="ok">✓</span>
            </span>
          )}
        </span>
      ),
    },
    {
      header: <span className="sr-only">{t('common.actions')}</span>,
      num: true,
      cell: (r) =>
        !r.enrolled ? null : confirm === r.terminal_id ? (
          <span className="row gap end">
            <button type="button" className="btn btn-danger btn-small" onClick={() => revoke(r.terminal_id)} data-testid="revoke-confirm" autoFocus>
              {t('terminals.revoke', { terminal: r.terminal_id })}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirm(null)}>
              {t('terminals.keep')}
            </button>
          </span>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setConfirm(r.terminal_id)} aria-label={t('terminals.revoke', { terminal: r.terminal_id })} data-testid="revoke">
            {t('terminals.revokeAsk')}
          </button>
        ),
    },
  ];
  return (
    <>
      <PageHeader title={t('terminals.title')} subtitle={t('terminals.subtitle')} />
      <div className="stack">
        <section className="card" aria-label={t('terminals.title')}>
          <div className="filters">
            <StoreSelect value={store} onChange={setStore} all testId="terminals-store" />
          </div>
          {msg ? <Notice kind={msg.kind} testId="terminals-msg">{msg.text}</Notice> : null}
          <PagedTable paged={list} columns={columns} rowKey={(r) => r.terminal_id} rowData={(r) => ({ terminal: r.terminal_id })} label={t('terminals.title')} testId="terminals-table" rowTestId="terminal-row" empty={t('terminals.none')} />
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
  const { t } = useTranslation();
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
      <h2 id="enroll-h">{t('terminals.enrollTitle')}</h2>
      <div className="enroll-card">
      <form onSubmit={submit}>
        <p className="muted small">{t('terminals.enrollLead')}</p>
        <StoreSelect value={store} onChange={setStore} testId="enroll-store" />
        <label className="field">
          <span>{t('terminals.registerId')}</span>
          <input value={terminal} onChange={(e) => setTerminal(e.target.value)} required placeholder="T03" data-testid="enroll-terminal" />
        </label>
        <label className="field">
          <span>{t('terminals.validHours')}</span>
          <input value={hours} onChange={(e) => setHours(e.target.value)} inputMode="numeric" required />
        </label>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <button type="submit" className="btn btn-primary" data-testid="enroll-create">
          {t('terminals.createCode')}
        </button>
      </form>
      {code ? (
        <div className="enroll-code" data-testid="enroll-result">
          <img src={code.qr} alt={t('terminals.qrAlt', { code: code.code })} width={160} height={160} data-testid="enroll-qr" />
          <div>
            <div className="code" data-testid="enroll-code">
              {code.code}
            </div>
            <div className="small">
              {t('terminals.codeFor', { terminal: code.terminal_id, store: storeName(stores, code.store_id) })}
            </div>
            <div className="muted small">{t('terminals.validUntil', { when: new Date(code.expires_at).toLocaleString(currentLocale()) })}</div>
            <div className="muted small mono" data-testid="enroll-command">
              {code.command}
            </div>
          </div>
        </div>
      ) : (
        <p className="muted small">{t('terminals.codeHint')}</p>
      )}
      </div>
    </section>
  );
}

/** What the register last reported about itself (status.report): unsynced events, open shift, devices. */
function Reported(props: { row: TerminalRow }) {
  const { t } = useTranslation();
  const r = props.row.reported;
  if (!r) return <span className="muted small">{t('regstatus.never')}</span>;
  return (
    <div className="reported small" data-testid="reported">
      <div data-testid="reported-unsynced" className={r.unsynced_count > 0 ? 'warn' : undefined}>
        {r.unsynced_count > 0 ? t('regstatus.unsynced', { count: r.unsynced_count, age: ago(r.oldest_unsynced_at) }) : t('regstatus.allSynced')}
      </div>
      <div data-testid="reported-shift">{r.open_shift ? t('regstatus.shiftOpen', { when: timeText(r.open_shift.opened_at) }) : t('regstatus.noShift')}</div>
      <div>
        {r.devices.map((d, i) => (
          <span key={i} className={`tag tag-dev-${d.state}`} title={d.message ?? ''} data-testid="reported-device" data-state={d.state}>
            {t(`regstatus.dev_${d.kind}`, { defaultValue: d.kind })}
            {d.state !== 'ok' && d.message ? `: ${d.message}` : ''}
          </span>
        ))}
      </div>
      <div className="muted">{t('regstatus.at', { age: ago(r.at) })}</div>
    </div>
  );
}

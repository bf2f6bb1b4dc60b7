import { useEffect, useState } from 'react';
import { ApiError, errorText, type AlertRow } from '../api';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { Empty, Notice, PageHeader, StoreSelect, storeName, timeText, useLoad, useSession } from '../ui';

// Alerts that wait for a person (oversells, rejected events, tampering, lockouts): new ones
// arrive live; acknowledging records who looked and when.

const KINDS = new Set(['oversell', 'rejected_event', 'tamper', 'auth_lockout', 'alert_flood']);
const kindLabel = (k: string) => (KINDS.has(k) ? i18next.t(`alerts.k_${k}`) : k);

export function Alerts() {
  const { api, stores, live } = useSession();
  const { t } = useTranslation();
  const [store, setStore] = useState('');
  const [showDone, setShowDone] = useState(false);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(
    () => api.get<{ alerts: AlertRow[]; next_cursor: string | null; open_count: number }>('/api/alerts', { store_id: store || undefined, state: showDone ? 'all' : 'open', limit: 50, cursor }),
    [store, showDone, cursor],
  );
  useEffect(() => setCursors([]), [store, showDone]);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => live.onAlert(() => list.reload()), [live, store, showDone, cursor]);
  const rows = list.data?.alerts ?? [];
  const ack = async (a: AlertRow) => {
    try {
      await api.post(`/api/alerts/${a.alert_id}/acknowledge`, {});
      setMsg({ kind: 'ok', text: t('alerts.acked', { id: a.alert_id }) });
      list.reload();
    } catch (err) {
      // Someone else got there first (409): the list shows who.
      setMsg({ kind: err instanceof ApiError && err.code === 'ALREADY_ACKNOWLEDGED' ? 'ok' : 'error', text: errorText(err) });
      list.reload();
    }
  };
  return (
    <>
      <PageHeader title={t('alerts.title')} subtitle={t('alerts.subtitle')} />
      <section className="card">
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="alerts-store" />
          <label className="check">
            <input type="checkbox" checked={showDone} onChange={(e) => setShowDone(e.target.checked)} data-testid="alerts-show-done" /> {t('alerts.showDone')}
          </label>
        </div>
        {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
        {list.error ? <Notice kind="error">{list.error}</Notice> : null}
        {rows.length === 0 ? (
          <Empty>{list.loading ? t('alerts.loading') : t('alerts.empty')}</Empty>
        ) : (
          <table className="table" data-testid="alerts-table">
            <thead>
              <tr>
                <th scope="col">{t('alerts.when')}</th>
                <th scope="col">{t('alerts.kind')}</th>
                <th scope="col">{t('common.store')}</th>
                <th scope="col">{t('alerts.what')}</th>
                <th scope="col">
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.alert_id} data-testid="alert-row" data-kind={a.kind} className={a.acknowledged_at ? 'done' : ''}>
                  <td>{timeText(a.created_at)}</td>
                  <td>
                    <span className={`tag tag-${a.kind}`}>{kindLabel(a.kind)}</span>
                  </td>
                  <td>
                    {storeName(stores, a.store_id)}
                    {a.terminal_id ? <span className="muted"> · {a.terminal_id}</span> : null}
                  </td>
                  <td>
                    {a.message}
                    {a.folded ? <span className="muted small"> {t('alerts.more', { count: a.folded })}</span> : null}
                  </td>
                  <td className="num">
                    {a.acknowledged_at ? (
                      <span className="muted small">
                        {a.acknowledged_by ? t('alerts.acknowledgedBy', { who: a.acknowledged_by, when: timeText(a.acknowledged_at) }) : t('alerts.acknowledged', { when: timeText(a.acknowledged_at) })}
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => ack(a)} data-testid="alert-ack" aria-label={t('alerts.ackLabel', { id: a.alert_id, message: a.message })}>
                        {t('alerts.ack')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="pager" aria-label={t('alerts.pages')}>
          <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            {t('alerts.newer')}
          </button>
          <span>
            {t('alerts.page', { page: cursors.length + 1, open: list.data?.open_count ?? 0 })}
          </span>
          <button type="button" className="btn btn-small" disabled={!list.data?.next_cursor} onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}>
            {t('alerts.older')}
          </button>
        </nav>
      </section>
    </>
  );
}

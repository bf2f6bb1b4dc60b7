import { useEffect, useState } from 'react';
import { ApiError, errorText, type AlertRow } from '../api';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { PagedTable, usePaged } from '../paged';
import { Notice, PageHeader, StoreSelect, storeName, timeText, useSession } from '../ui';

// Alerts that wait for a person (oversells, rejected events, tampering, lockouts): new ones
// arrive live; acknowledging records who looked and when.

const KINDS = new Set(['oversell', 'rejected_event', 'tamper', 'auth_lockout', 'alert_flood', 'transfer_short']);
const kindLabel = (k: string) => (KINDS.has(k) ? i18next.t(`alerts.k_${k}`) : k);

export function Alerts() {
  const { api, stores, live } = useSession();
  const { t } = useTranslation();
  const [store, setStore] = useState('');
  const [showDone, setShowDone] = useState(false);
  const [openCount, setOpenCount] = useState(0);
  const list = usePaged(
    (cursor) =>
      api.get<{ alerts: AlertRow[]; next_cursor: string | null; open_count: number }>('/api/alerts', { store_id: store || undefined, state: showDone ? 'all' : 'open', limit: 50, cursor }).then((r) => {
        setOpenCount(r.open_count);
        return { rows: r.alerts, next_cursor: r.next_cursor };
      }),
    `${store}|${showDone}`,
  );
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => live.onAlert(() => list.reload()), [live, store, showDone, list.page]);
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
        <p className="muted small" data-testid="alerts-open-count">
          {t('alerts.openNow', { count: openCount })}
        </p>
        <PagedTable
          paged={list}
          columns={[
            { header: t('alerts.when'), cell: (a) => timeText(a.created_at) },
            { header: t('alerts.kind'), cell: (a) => <span className={`tag tag-${a.kind}`}>{kindLabel(a.kind)}</span> },
            {
              header: t('common.store'),
              cell: (a) => (
                <>
                  {storeName(stores, a.store_id)}
                  {a.terminal_id ? <span className="muted"> · {a.terminal_id}</span> : null}
                </>
              ),
            },
            {
              header: t('alerts.what'),
              cell: (a) => (
                <>
                  {a.message}
                  {a.folded ? <span className="muted small"> {t('alerts.more', { count: a.folded })}</span> : null}
                </>
              ),
            },
            {
              header: <span className="sr-only">{t('common.actions')}</span>,
              num: true,
              cell: (a) =>
                a.acknowledged_at ? (
                  <span className="muted small">
                    {a.acknowledged_by ? t('alerts.acknowledgedBy', { who: a.acknowledged_by, when: timeText(a.acknowledged_at) }) : t('alerts.acknowledged', { when: timeText(a.acknowledged_at) })}
                  </span>
                ) : (
                  <button type="button" className="btn btn-small" onClick={() => ack(a)} data-testid="alert-ack" aria-label={t('alerts.ackLabel', { id: a.alert_id, message: a.message })}>
                    {t('alerts.ack')}
                  </button>
                ),
            },
          ]}
          rowKey={(a) => String(a.alert_id)}
          rowClass={(a) => (a.acknowledged_at ? 'done' : '')}
          rowData={(a) => ({ kind: a.kind })}
          label={t('alerts.title')}
          testId="alerts-table"
          rowTestId="alert-row"
          empty={t('alerts.empty')}
        />
      </section>
    </>
  );
}

import { useEffect, useState } from 'react';
import { ApiError, errorText, type AlertRow } from '../api';
import { Empty, Notice, PageHeader, StoreSelect, storeName, timeText, useLoad, useSession } from '../ui';

// Alerts that wait for a person (oversells, rejected events, tampering, lockouts): new ones
// arrive live; acknowledging records who looked and when.

const KIND_LABEL: Record<string, string> = {
  oversell: 'Oversell',
  rejected_event: 'Rejected event',
  tamper: 'Tampering',
  auth_lockout: 'Sign-in lockout',
  alert_flood: 'Many alerts',
};

export function Alerts() {
  const { api, stores, live } = useSession();
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
      setMsg({ kind: 'ok', text: `Alert ${a.alert_id} acknowledged.` });
      list.reload();
    } catch (err) {
      // Someone else got there first (409): the list shows who.
      setMsg({ kind: err instanceof ApiError && err.code === 'ALREADY_ACKNOWLEDGED' ? 'ok' : 'error', text: errorText(err) });
      list.reload();
    }
  };
  return (
    <>
      <PageHeader title="Alerts" subtitle="What needs a person's attention, newest first." />
      <section className="card">
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="alerts-store" />
          <label className="check">
            <input type="checkbox" checked={showDone} onChange={(e) => setShowDone(e.target.checked)} data-testid="alerts-show-done" /> Show acknowledged
          </label>
        </div>
        {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
        {list.error ? <Notice kind="error">{list.error}</Notice> : null}
        {rows.length === 0 ? (
          <Empty>{list.loading ? 'Loading…' : 'No open alerts. Everything is in order.'}</Empty>
        ) : (
          <table className="table" data-testid="alerts-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Store</th>
                <th scope="col">What happened</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.alert_id} data-testid="alert-row" data-kind={a.kind} className={a.acknowledged_at ? 'done' : ''}>
                  <td>{timeText(a.created_at)}</td>
                  <td>
                    <span className={`tag tag-${a.kind}`}>{KIND_LABEL[a.kind] ?? a.kind}</span>
                  </td>
                  <td>
                    {storeName(stores, a.store_id)}
                    {a.terminal_id ? <span className="muted"> · {a.terminal_id}</span> : null}
                  </td>
                  <td>
                    {a.message}
                    {a.folded ? <span className="muted small"> (+{a.folded} more like it)</span> : null}
                  </td>
                  <td className="num">
                    {a.acknowledged_at ? (
                      <span className="muted small">
                        acknowledged{a.acknowledged_by ? ` by ${a.acknowledged_by}` : ''} {timeText(a.acknowledged_at)}
                      </span>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => ack(a)} data-testid="alert-ack" aria-label={`Acknowledge alert ${a.alert_id}: ${a.message}`}>
                        Acknowledge
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Newer
          </button>
          <span>
            Page {cursors.length + 1} · {list.data?.open_count ?? 0} open
          </span>
          <button type="button" className="btn btn-small" disabled={!list.data?.next_cursor} onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}>
            Older →
          </button>
        </nav>
      </section>
    </>
  );
}

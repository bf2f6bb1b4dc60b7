import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { fmt } from '../money';
import { usePaged, PagedTable, type Column } from '../paged';
import { currentLocale } from '../i18n';
import { PageHeader, StoreSelect, storeName, timeText, useSession } from '../ui';

// Integrity watch (docs/audit.md): what each register says its open shift's totals are next
// to what the hub applied (agree, differ, pending), and a register's sync audit log (connect,
// hello, push, ack, rejection, disconnect, error) in the order the hub recorded it.

interface Totals {
  sales_count: number;
  gross_sales: number;
  net_sales: number;
}
interface TotalsRow {
  terminal_id: string;
  store_id: string;
  shift_id: string;
  currency: string;
  through_seq: number;
  status: 'agree' | 'differ' | 'pending';
  register: Totals;
  hub: Totals | null;
  differences: string[];
  reported_at: string;
}
interface AuditRow {
  audit_id: number;
  at: string;
  kind: string;
  first_seq: number | null;
  last_seq: number | null;
  events: number | null;
  bytes: number | null;
  duration_ms: number | null;
  applied_through: number | null;
  code: string | null;
  detail: string | null;
}

function pair(reg: number, hub: number | undefined, money: (n: number) => string | number, vsHub: string) {
  if (hub === undefined) return <>{money(reg)}</>;
  return reg === hub ? <>{money(reg)}</> : (
    <strong>
      {money(reg)} <span className="muted">{vsHub}</span> {money(hub)}
    </strong>
  );
}

function auditText(r: AuditRow, t: TFunction, count: (n: number) => string): string {
  switch (r.kind) {
    case 'push':
      return t('integrity.a_push', { first: r.first_seq ?? '?', last: r.last_seq ?? '?', events: count(r.events ?? 0), bytes: count(r.bytes ?? 0), ms: count(r.duration_ms ?? 0) });
    case 'ack':
      return `${t('integrity.a_ack', { seq: r.applied_through ?? '?' })}${r.detail ? ` · ${r.detail}` : ''}`;
    case 'hello':
      return t('integrity.a_hello', { seq: r.applied_through ?? '?', detail: r.detail ?? '' });
    case 'rejection':
      return `seq ${r.first_seq ?? '?'} ${r.code ?? ''}: ${r.detail ?? ''}`;
    case 'error':
      return `${r.code ?? ''}: ${r.detail ?? ''}`;
    default:
      return r.detail ?? '';
  }
}

export function Integrity() {
  const { api, stores, live } = useSession();
  const { t } = useTranslation();
  const count = (n: number): string => n.toLocaleString(currentLocale());
  const statusLabel = (s: TotalsRow['status']): string => t(`integrity.status_${s}`);
  const [store, setStore] = useState('');
  const [status, setStatus] = useState<'' | 'agree' | 'differ' | 'pending'>('');
  const [terminal, setTerminal] = useState('');
  const totals = usePaged(
    (cursor) => api.get<{ rows: TotalsRow[]; next_cursor: string | null }>('/api/register-totals', { store_id: store || undefined, status: status || undefined, limit: 20, cursor }),
    `${store}|${status}`,
  );
  useEffect(() => live.onAlert(() => totals.reload()), [live, store, status]);
  const shown = terminal || totals.rows[0]?.terminal_id || '';
  const audit = usePaged(
    (cursor) => (shown ? api.get<{ rows: AuditRow[]; next_cursor: string | null }>(`/api/terminals/${encodeURIComponent(shown)}/sync-audit`, { limit: 12, cursor }) : Promise.resolve({ rows: [], next_cursor: null })),
    shown,
  );

  const totalsColumns: Array<Column<TotalsRow>> = [
    {
      header: t('integrity.register'),
      cell: (r) => (
        <button type="button" className="btn btn-small" onClick={() => setTerminal(r.terminal_id)} data-testid="integrity-terminal">
          {r.terminal_id}
        </button>
      ),
    },
    { header: t('integrity.store'), cell: (r) => storeName(stores, r.store_id) },
    { header: t('integrity.shift'), cell: (r) => <span className="muted small">{r.shift_id.slice(0, 8)} · {t('integrity.throughSeq', { seq: r.through_seq })}</span> },
    { header: t('integrity.figures'), cell: (r) => <span className={`tag tag-totals-${r.status}`}>{statusLabel(r.status)}</span> },
    { header: t('integrity.sales'), num: true, cell: (r) => pair(r.register.sales_count, r.hub?.sales_count, count, t('integrity.vsHub')) },
    { header: t('integrity.gross'), num: true, cell: (r) => pair(r.register.gross_sales, r.hub?.gross_sales, (n) => fmt(n, r.currency), t('integrity.vsHub')) },
    { header: t('integrity.net'), num: true, cell: (r) => pair(r.register.net_sales, r.hub?.net_sales, (n) => fmt(n, r.currency), t('integrity.vsHub')) },
    { header: t('integrity.reported'), cell: (r) => timeText(r.reported_at) },
  ];
  const auditColumns: Array<Column<AuditRow>> = [
    { header: t('integrity.when'), cell: (r) => timeText(r.at) },
    { header: t('integrity.what'), cell: (r) => <span className={`tag tag-audit-${r.kind}`}>{t(`integrity.kind_${r.kind}`, { defaultValue: r.kind })}</span> },
    // Connects, errors and rejections show the hub's own words (details, codes): data, not the console's.
    { header: t('integrity.detail'), cell: (r) => <span className="small" data-data={['push', 'ack', 'hello'].includes(r.kind) ? undefined : ''}>{auditText(r, t, count)}</span> },
  ];
  return (
    <>
      <PageHeader title={t('integrity.title')} subtitle={t('integrity.subtitle')} />
      <section className="card">
        <h2>{t('integrity.totalsTitle')}</h2>
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="integrity-store" />
          <label className="field">
            <span>{t('integrity.figures')}</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} data-testid="integrity-status">
              <option value="">{t('integrity.all')}</option>
              <option value="differ">{statusLabel('differ')}</option>
              <option value="pending">{statusLabel('pending')}</option>
              <option value="agree">{statusLabel('agree')}</option>
            </select>
          </label>
        </div>
        <PagedTable
          paged={totals}
          columns={totalsColumns}
          rowKey={(r) => `${r.terminal_id}/${r.shift_id}`}
          rowData={(r) => ({ terminal: r.terminal_id, status: r.status })}
          rowClass={(r) => (r.status === 'differ' ? 'warn' : '')}
          label={t('integrity.totals')}
          testId="integrity-totals"
          rowTestId="totals-row"
          empty={t('integrity.noTotals')}
          pagerWords={[t('paged.previous'), t('paged.next')]}
          compact
        />
      </section>
      <section className="card">
        <h2>{t('integrity.auditTitle')} {shown ? `· ${shown}` : ''}</h2>
        <PagedTable
          paged={audit}
          columns={auditColumns}
          rowKey={(r) => String(r.audit_id)}
          rowData={(r) => ({ kind: r.kind })}
          label={t('integrity.auditTitle')}
          testId="integrity-audit"
          rowTestId="audit-row"
          empty={shown ? t('integrity.noAudit') : t('integrity.pick')}
          pagerWords={[t('integrity.earlier'), t('integrity.later')]}
          compact
        />
      </section>
    </>
  );
}

import { useEffect, useState } from 'react';
import { fmt } from '../money';
import { usePaged, PagedTable, type Column } from '../paged';
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

const STATUS_LABEL = { agree: 'Agree', differ: 'Differ', pending: 'In flight' } as const;

function pair(reg: number, hub: number | undefined, money: (n: number) => string | number) {
  if (hub === undefined) return <>{money(reg)}</>;
  return reg === hub ? <>{money(reg)}</> : (
    <strong>
      {money(reg)} <span className="muted">vs hub</span> {money(hub)}
    </strong>
  );
}

function auditText(r: AuditRow): string {
  switch (r.kind) {
    case 'push':
      return `seq ${r.first_seq ?? '?'}–${r.last_seq ?? '?'} · ${r.events ?? 0} events · ${r.bytes ?? 0} bytes · ${r.duration_ms ?? 0} ms`;
    case 'ack':
      return `applied through ${r.applied_through ?? '?'}${r.detail ? ` · ${r.detail}` : ''}`;
    case 'hello':
      return `hub's mark ${r.applied_through ?? '?'} · ${r.detail ?? ''}`;
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
      header: 'Register',
      cell: (r) => (
        <button type="button" className="btn btn-small" onClick={() => setTerminal(r.terminal_id)} data-testid="integrity-terminal">
          {r.terminal_id}
        </button>
      ),
    },
    { header: 'Store', cell: (r) => storeName(stores, r.store_id) },
    { header: 'Shift', cell: (r) => <span className="muted small">{r.shift_id.slice(0, 8)} · through seq {r.through_seq}</span> },
    { header: 'Figures', cell: (r) => <span className={`tag tag-totals-${r.status}`}>{STATUS_LABEL[r.status]}</span> },
    { header: 'Sales', num: true, cell: (r) => pair(r.register.sales_count, r.hub?.sales_count, (n) => n) },
    { header: 'Gross', num: true, cell: (r) => pair(r.register.gross_sales, r.hub?.gross_sales, (n) => fmt(n, r.currency)) },
    { header: 'Net', num: true, cell: (r) => pair(r.register.net_sales, r.hub?.net_sales, (n) => fmt(n, r.currency)) },
    { header: 'Reported', cell: (r) => timeText(r.reported_at) },
  ];
  const auditColumns: Array<Column<AuditRow>> = [
    { header: 'When', cell: (r) => timeText(r.at) },
    { header: 'What', cell: (r) => <span className={`tag tag-audit-${r.kind}`}>{r.kind}</span> },
    { header: 'Detail', cell: (r) => <span className="small">{auditText(r)}</span> },
  ];
  return (
    <>
      <PageHeader title="Integrity" subtitle="Each register's own totals next to what the hub applied, and every register's sync log." />
      <section className="card">
        <h2>Register totals vs hub</h2>
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="integrity-store" />
          <label>
            Figures{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} data-testid="integrity-status">
              <option value="">All</option>
              <option value="differ">Differ</option>
              <option value="pending">In flight</option>
              <option value="agree">Agree</option>
            </select>
          </label>
        </div>
        <PagedTable
          paged={totals}
          columns={totalsColumns}
          rowKey={(r) => `${r.terminal_id}/${r.shift_id}`}
          rowData={(r) => ({ terminal: r.terminal_id, status: r.status })}
          rowClass={(r) => (r.status === 'differ' ? 'warn' : '')}
          label="Register totals"
          testId="integrity-totals"
          rowTestId="totals-row"
          empty="No register has reported its totals yet (registers report their open shift every 30 s)."
          pagerWords={['← Previous', 'Next →']}
          compact
        />
      </section>
      <section className="card">
        <h2>Sync audit log {shown ? `· ${shown}` : ''}</h2>
        <PagedTable
          paged={audit}
          columns={auditColumns}
          rowKey={(r) => String(r.audit_id)}
          rowData={(r) => ({ kind: r.kind })}
          label="Sync audit log"
          testId="integrity-audit"
          rowTestId="audit-row"
          empty={shown ? 'Nothing recorded for this register.' : 'Pick a register above.'}
          pagerWords={['← Earlier', 'Later →']}
          compact
        />
      </section>
    </>
  );
}

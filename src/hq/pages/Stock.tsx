import { useEffect, useState, type FormEvent } from 'react';
import { parseQuantity, trimDecimalZeros } from '../../core/money';
import { errorText, type MovementRow, type StockRow } from '../api';
import { fmt } from '../money';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { PagedTable, usePaged, useSort, type Column } from '../paged';
import { ago, Empty, Notice, PageHeader, StoreSelect, storeCurrency, useLoad, useSession } from '../ui';
import { InTransitCard, ShipForm, TransfersTab } from './Transfers';

// Stock per store with product names and value at the store's price, what is in transit to
// and from it, and deliveries, counts and adjustments booked as stock movements (pushed to the
// store's registers like a price). Transfers between stores have their own tab (Transfers.tsx).

const REASONS = ['delivery', 'count', 'adjustment', 'shrinkage'] as const;

type TabId = 'levels' | 'transfers';
const tabFromHash = (): TabId => (/[?&]tab=transfers\b/.test(location.hash) ? 'transfers' : 'levels');

export function Stock() {
  const [tab, setTab] = useState<TabId>(tabFromHash);
  const { t } = useTranslation();
  useEffect(() => {
    const on = () => setTab(tabFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return (
    <>
      <PageHeader title={t('stock.title')} subtitle={t('stock.subtitle')} />
      <nav className="tabs" aria-label={t('stock.title')}>
        {(['levels', 'transfers'] as const).map((x) => (
          <a key={x} href={`#/stock?tab=${x}`} className={x === tab ? 'on' : ''} aria-current={x === tab ? 'page' : undefined} data-testid={`stock-tab-${x}`}>
            {t(`stock.tab_${x}`)}
          </a>
        ))}
      </nav>
      {tab === 'levels' ? <Levels /> : <TransfersTab />}
    </>
  );
}

function Levels() {
  const { api, stores } = useSession();
  const [store, setStore] = useState(stores[0]?.store_id ?? '');
  const [q, setQ] = useState('');
  const [oversold, setOversold] = useState(false);
  const [version, setVersion] = useState(0);
  const { t } = useTranslation();
  // By SKU (the hub's own order), or by name, quantity or value (docs/hub.md "Sorting").
  const sort = useSort('sku', ['sku', 'name', 'quantity', 'value']);
  const list = usePaged(
    (cursor) =>
      api
        .get<{ stock: StockRow[]; next_cursor: string | null }>('/api/stock', { store_id: store, q: q.trim() || undefined, negative: oversold ? 'true' : undefined, sort: sort.value, cursor, limit: 15 })
        .then((r) => ({ rows: r.stock, next_cursor: r.next_cursor })),
    `${store}|${q}|${oversold}|${sort.value}`,
  );
  useEffect(() => {
    if (version) list.reload();
  }, [version]);
  const currency = storeCurrency(stores, store);
  const columns: Array<Column<StockRow>> = [
    {
      header: t('stock.product'),
      sort: 'name',
      cell: (p) => (
        <>
          <div className="strong">{p.name ?? <span className="muted">{t('stock.notInCatalog')}</span>}</div>
          <div className="muted small">
            {p.sku}
            {p.category ? ` · ${p.category}` : ''}
          </div>
        </>
      ),
    },
    {
      header: t('stock.onHand'),
      num: true,
      sort: 'quantity',
      cell: (p) => {
        const qty = Number(p.on_hand_decimal);
        return (
          <span className={qty < 0 ? 'neg strong' : qty === 0 ? 'warn' : ''} data-testid="stock-qty">
            {trimDecimalZeros(p.on_hand_decimal)}
          </span>
        );
      },
    },
    {
      header: t('transfers.inTransit'),
      num: true,
      cell: (p) =>
        p.in_transit_in === '0' && p.in_transit_out === '0' ? (
          <span className="muted">—</span>
        ) : (
          <span data-testid="stock-transit">
            {p.in_transit_in !== '0' ? <div title={t('transfers.incoming')} className="ok">+{p.in_transit_in}</div> : null}
            {p.in_transit_out !== '0' ? <div title={t('transfers.outgoing')} className="muted">−{p.in_transit_out}</div> : null}
          </span>
        ),
    },
    { header: t('stock.price'), num: true, cell: (p) => (p.price !== null && p.currency ? fmt(p.price, p.currency) : '—') },
    { header: t('stock.value'), num: true, sort: 'value', sortFirst: 'desc', cell: (p) => <span className={(p.value ?? 0) < 0 ? 'neg' : ''}>{p.value === null ? '—' : fmt(p.value, p.currency ?? currency)}</span> },
  ];
  return (
    <>
      <div className="grid-2 wide-left">
        <section className="card" aria-label={t('stock.levels')}>
          <div className="filters">
            <StoreSelect value={store} onChange={setStore} testId="stock-store" />
            <label className="field grow">
              <span>{t('common.search')}</span>
              <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('stock.searchPlaceholder')} data-testid="stock-search" />
            </label>
            <label className="check">
              <input type="checkbox" checked={oversold} onChange={(e) => setOversold(e.target.checked)} data-testid="stock-oversold" /> {t('stock.oversoldOnly')}
            </label>
          </div>
          <PagedTable
            paged={list}
            columns={columns}
            rowKey={(p) => p.sku}
            rowData={(p) => ({ sku: p.sku })}
            label={t('stock.levels')}
            testId="stock-table"
            rowTestId="stock-row"
            empty={t('stock.nothing')}
            pagerWords={[t('paged.previous'), t('paged.next')]}
            sort={sort}
          />
        </section>
        <div className="stack">
          <InTransitCard store={store} version={version} />
          <ShipForm from={store} onDone={() => setVersion((v) => v + 1)} />
          <Adjust store={store} onDone={() => setVersion((v) => v + 1)} />
          <Movements store={store} version={version} />
        </div>
      </div>
    </>
  );
}


const reasonLabel = (r: string) => i18next.t(`stock.m_${r}`, { defaultValue: r });

function Movements(props: { store: string; version: number }) {
  const { api, live } = useSession();
  const { t } = useTranslation();
  const list = useLoad(() => api.get<{ movements: MovementRow[] }>('/api/stock/movements', { store_id: props.store, limit: 8 }), [props.store, props.version]);
  useEffect(() => live.onJournal((e) => e.store_id === props.store && list.reload()), [live, props.store]);
  return (
    <section className="card" aria-labelledby="mov-h" data-testid="stock-movements">
      <h2 id="mov-h">{t('stock.latestMovements')}</h2>
      {(list.data?.movements ?? []).length === 0 ? (
        <Empty>{t('stock.noMovements')}</Empty>
      ) : (
        <table className="table compact">
          <tbody>
            {list.data!.movements.map((m) => (
              <tr key={m.movement_id}>
                <td>
                  {m.name ?? m.sku}
                  <div className="muted small">
                    {reasonLabel(m.reason)} · {ago(m.created_at)}
                  </div>
                </td>
                <td className={`num ${m.quantity_decimal.startsWith('-') ? 'neg' : ''}`}>{trimDecimalZeros(m.quantity_decimal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Adjust(props: { store: string; onDone(): void }) {
  const { api } = useSession();
  const [sku, setSku] = useState('');
  const [qty, setQty] = useState('');
  const [reason, setReason] = useState<(typeof REASONS)[number]>('delivery');
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const { t } = useTranslation();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    let quantity;
    try {
      quantity = parseQuantity(qty.trim().replace(',', '.'));
    } catch {
      return setMsg({ kind: 'error', text: t('stock.notQuantitySigned', { text: qty }) });
    }
    try {
      await api.post('/api/stock/adjustments', { store_id: props.store, reason, items: [{ sku: sku.trim(), quantity }] });
      setMsg({ kind: 'ok', text: t('stock.booked', { qty, sku: sku.trim(), reason: t(`stock.r_${reason}`) }) });
      setQty('');
      props.onDone();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="adj-h" data-testid="stock-adjust">
      <h2 id="adj-h">{t('stock.bookTitle')}</h2>
      <label className="field">
        <span>{t('stock.sku')}</span>
        <input value={sku} onChange={(e) => setSku(e.target.value)} required data-testid="adjust-sku" />
      </label>
      <label className="field">
        <span>{t('stock.quantitySigned')}</span>
        <input value={qty} onChange={(e) => setQty(e.target.value)} required inputMode="decimal" data-testid="adjust-qty" />
      </label>
      <label className="field">
        <span>{t('stock.reason')}</span>
        <select value={reason} onChange={(e) => setReason(e.target.value as typeof reason)} data-testid="adjust-reason">
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`stock.r_${r}`)}
            </option>
          ))}
        </select>
      </label>
      {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
      <button type="submit" className="btn btn-primary" data-testid="adjust-save">
        {t('stock.book')}
      </button>
    </form>
  );
}

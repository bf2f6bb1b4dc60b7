import { useEffect, useState, type FormEvent } from 'react';
import { parseQuantity } from '../../core/money';
import { errorText, type MovementRow, type StockRow } from '../api';
import { fmt } from '../money';
import { ago, Empty, Notice, PageHeader, StoreSelect, storeCurrency, storeName, useLoad, useSession } from '../ui';

// Stock per store with product names and value at the store's price, and deliveries, counts
// and adjustments booked as stock movements (pushed to the store's registers like a price).

const REASONS = [
  { id: 'delivery', label: 'Delivery received' },
  { id: 'count', label: 'Count correction' },
  { id: 'adjustment', label: 'Adjustment' },
  { id: 'shrinkage', label: 'Shrinkage (loss, damage)' },
] as const;

export function Stock() {
  const { api, stores } = useSession();
  const [store, setStore] = useState(stores[0]?.store_id ?? '');
  const [q, setQ] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [oversold, setOversold] = useState(false);
  const [version, setVersion] = useState(0);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(
    () => api.get<{ stock: StockRow[]; next_cursor: string | null }>('/api/stock', { store_id: store, q: q.trim() || undefined, negative: oversold ? 'true' : undefined, cursor, limit: 15 }),
    [store, q, cursor, oversold, version],
  );
  useEffect(() => setCursors([]), [store, q, oversold]);
  const currency = storeCurrency(stores, store);
  const rows = list.data?.stock ?? [];
  return (
    <>
      <PageHeader title="Stock" subtitle="On hand per store is the sum of its movements: sales, returns, deliveries, counts and adjustments." />
      <div className="grid-2 wide-left">
        <section className="card" aria-label="Stock levels">
          <div className="filters">
            <StoreSelect value={store} onChange={setStore} testId="stock-store" />
            <label className="field grow">
              <span>Search</span>
              <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Name or SKU" data-testid="stock-search" />
            </label>
            <label className="check">
              <input type="checkbox" checked={oversold} onChange={(e) => setOversold(e.target.checked)} data-testid="stock-oversold" /> Oversold only
            </label>
          </div>
          {list.error ? <Notice kind="error">{list.error}</Notice> : null}
          {!list.data ? (
            <Empty>Loading…</Empty>
          ) : rows.length === 0 ? (
            <Empty>Nothing to show.</Empty>
          ) : (
            <table className="table" data-testid="stock-table">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">On hand</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">Value</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => {
                  const qty = Number(p.on_hand_decimal);
                  return (
                    <tr key={p.sku} data-testid="stock-row" data-sku={p.sku}>
                      <td>
                        <div className="strong">{p.name ?? <span className="muted">not in the catalog</span>}</div>
                        <div className="muted small">
                          {p.sku}
                          {p.category ? ` · ${p.category}` : ''}
                        </div>
                      </td>
                      <td className={`num ${qty < 0 ? 'neg strong' : qty === 0 ? 'warn' : ''}`} data-testid="stock-qty">
                        {trimQty(p.on_hand_decimal)}
                      </td>
                      <td className="num">{p.price !== null && p.currency ? fmt(p.price, p.currency) : '—'}</td>
                      <td className={`num ${(p.value ?? 0) < 0 ? 'neg' : ''}`}>{p.value === null ? '—' : fmt(p.value, p.currency ?? currency)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Pages">
            <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Previous
            </button>
            <span>Page {cursors.length + 1}</span>
            <button type="button" className="btn btn-small" disabled={!list.data?.next_cursor} onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}>
              Next →
            </button>
          </nav>
        </section>
        <div className="stack">
          <Transfer from={store} onDone={() => setVersion((v) => v + 1)} />
          <Adjust store={store} onDone={() => setVersion((v) => v + 1)} />
          <Movements store={store} version={version} />
        </div>
      </div>
    </>
  );
}

function trimQty(q: string): string {
  return q.includes('.') ? q.replace(/\.?0+$/, '') : q;
}

const REASON_LABEL: Record<string, string> = {
  sale: 'Sale',
  refund: 'Return',
  post_void: 'Post-void',
  opening: 'Opening stock',
  delivery: 'Delivery',
  count: 'Count',
  adjustment: 'Adjustment',
  shrinkage: 'Shrinkage',
  transfer_out: 'Transfer out',
  transfer_in: 'Transfer in',
};

function Movements(props: { store: string; version: number }) {
  const { api, live } = useSession();
  const list = useLoad(() => api.get<{ movements: MovementRow[] }>('/api/stock/movements', { store_id: props.store, limit: 8 }), [props.store, props.version]);
  useEffect(() => live.onJournal((e) => e.store_id === props.store && list.reload()), [live, props.store]);
  return (
    <section className="card" aria-labelledby="mov-h" data-testid="stock-movements">
      <h2 id="mov-h">Latest movements</h2>
      {(list.data?.movements ?? []).length === 0 ? (
        <Empty>No movements yet.</Empty>
      ) : (
        <table className="table compact">
          <tbody>
            {list.data!.movements.map((m) => (
              <tr key={m.movement_id}>
                <td>
                  {m.name ?? m.sku}
                  <div className="muted small">
                    {REASON_LABEL[m.reason] ?? m.reason} · {ago(m.created_at)}
                  </div>
                </td>
                <td className={`num ${m.quantity_decimal.startsWith('-') ? 'neg' : ''}`}>{trimQty(m.quantity_decimal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Transfer(props: { from: string; onDone(): void }) {
  const { api, stores } = useSession();
  const [to, setTo] = useState(stores.find((s) => s.store_id !== props.from)?.store_id ?? '');
  const [sku, setSku] = useState('');
  const [qty, setQty] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    if (to === props.from) setTo(stores.find((s) => s.store_id !== props.from)?.store_id ?? '');
  }, [props.from]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    let quantity;
    try {
      quantity = parseQuantity(qty.trim().replace(',', '.'));
    } catch {
      return setMsg({ kind: 'error', text: `"${qty}" is not a quantity (e.g. 12 or 1.250)` });
    }
    setBusy(true);
    try {
      const r = await api.post<{ transfer_id: number }>('/api/stock/transfers', { from_store: props.from, to_store: to, items: [{ sku: sku.trim(), quantity }], ...(note.trim() ? { note: note.trim() } : {}) });
      setMsg({ kind: 'ok', text: `Transfer #${r.transfer_id}: ${qty} of ${sku.trim()} from ${storeName(stores, props.from)} to ${storeName(stores, to)}.` });
      setQty('');
      props.onDone();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="tr-h" data-testid="stock-transfer">
      <h2 id="tr-h">Transfer to another store</h2>
      <p className="muted small">Out of {storeName(stores, props.from)} and into the other store in one step; both stores' registers see the new levels.</p>
      <StoreSelect value={to} onChange={setTo} label="To store" testId="transfer-to" />
      <div className="row gap">
        <label className="field grow">
          <span>SKU</span>
          <input value={sku} onChange={(e) => setSku(e.target.value)} required data-testid="transfer-sku" />
        </label>
        <label className="field">
          <span>Quantity</span>
          <input value={qty} onChange={(e) => setQty(e.target.value)} required inputMode="decimal" size={6} data-testid="transfer-qty" />
        </label>
      </div>
      <label className="field">
        <span>Note (optional)</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} />
      </label>
      {msg ? <Notice kind={msg.kind} testId="transfer-msg">{msg.text}</Notice> : null}
      <button type="submit" className="btn btn-primary" disabled={busy || !to || to === props.from} data-testid="transfer-save">
        {busy ? 'Transferring…' : 'Transfer'}
      </button>
    </form>
  );
}

function Adjust(props: { store: string; onDone(): void }) {
  const { api } = useSession();
  const [sku, setSku] = useState('');
  const [qty, setQty] = useState('');
  const [reason, setReason] = useState<(typeof REASONS)[number]['id']>('delivery');
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    let quantity;
    try {
      quantity = parseQuantity(qty.trim().replace(',', '.'));
    } catch {
      return setMsg({ kind: 'error', text: `"${qty}" is not a quantity (e.g. 12, -3 or 1.250)` });
    }
    try {
      await api.post('/api/stock/adjustments', { store_id: props.store, reason, items: [{ sku: sku.trim(), quantity }] });
      setMsg({ kind: 'ok', text: `Booked ${qty} of ${sku.trim()} (${reason}).` });
      setQty('');
      props.onDone();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="adj-h" data-testid="stock-adjust">
      <h2 id="adj-h">Book a movement</h2>
      <label className="field">
        <span>SKU</span>
        <input value={sku} onChange={(e) => setSku(e.target.value)} required data-testid="adjust-sku" />
      </label>
      <label className="field">
        <span>Quantity (negative takes stock out)</span>
        <input value={qty} onChange={(e) => setQty(e.target.value)} required inputMode="decimal" data-testid="adjust-qty" />
      </label>
      <label className="field">
        <span>Reason</span>
        <select value={reason} onChange={(e) => setReason(e.target.value as typeof reason)} data-testid="adjust-reason">
          {REASONS.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
      <button type="submit" className="btn btn-primary" data-testid="adjust-save">
        Book
      </button>
    </form>
  );
}

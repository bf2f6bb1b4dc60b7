import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { parseQuantity, trimDecimalZeros } from '../../core/money';
import { errorText, type InTransitRow, type TransferRow, type TransferState } from '../api';
import { PagedTable, usePaged, type Column } from '../paged';
import { Empty, Notice, StoreSelect, storeName, timeText, useLoad, useSession } from '../ui';

// Transfers between stores as a chain ships them (docs/hq.md, Stock): ship from the Stock
// page, see what is in transit to and from a store, and on the Transfers tab receive a
// delivery (all, or line by line when some is missing) or cancel one still on the road. A
// store manager receives into and ships from their own stores; the hub checks it again.

const STATES: Array<TransferState | 'open' | ''> = ['', 'open', 'in_transit', 'received', 'received_short', 'cancelled'];
/** A key per action, so a resent click after a lost reply is answered once (the hub's idempotency keys). */
const newKey = () => `hq-${crypto.randomUUID()}`;

function toQuantity(text: string, zero: boolean) {
  const v = text.trim().replace(',', '.');
  if (zero && /^0+(\.0+)?$/.test(v)) return { units: 0, scale: 0 };
  return parseQuantity(v);
}

export function StateTag(props: { state: TransferState }) {
  const { t } = useTranslation();
  return <span className={`tag tag-t-${props.state}`} data-testid="transfer-state" data-state={props.state}>{t(`transfers.s_${props.state}`)}</span>;
}

/** Ship goods from `from` to another store: out of it now, in transit until received. */
export function ShipForm(props: { from: string; onDone(): void }) {
  const { api, stores, me } = useSession();
  const { t } = useTranslation();
  const [to, setTo] = useState(stores.find((s) => s.store_id !== props.from)?.store_id ?? '');
  const [lines, setLines] = useState([{ sku: '', qty: '' }]);
  const [note, setNote] = useState('');
  const [oneStep, setOneStep] = useState(false);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newKey);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    // Another source store: the last answer was about the one before.
    setMsg(null);
    if (to === props.from) setTo(stores.find((s) => s.store_id !== props.from)?.store_id ?? '');
  }, [props.from]);
  const mayReceive = me.role !== 'store_manager' || me.store_ids.includes(to);
  const setLine = (i: number, patch: Partial<{ sku: string; qty: string }>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    const items = [];
    for (const l of lines.filter((x) => x.sku.trim() || x.qty.trim())) {
      try {
        items.push({ sku: l.sku.trim(), quantity: toQuantity(l.qty, false) });
      } catch {
        return setMsg({ kind: 'error', text: t('stock.notQuantity', { text: l.qty }) });
      }
    }
    if (!items.length) return setMsg({ kind: 'error', text: t('transfers.noLines') });
    setBusy(true);
    try {
      const r = await api.post<{ transfer_id: number; state: TransferState }>('/api/stock/transfers', {
        from_store: props.from,
        to_store: to,
        items,
        key,
        receive: oneStep,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      const where = { id: r.transfer_id, count: items.length, from: storeName(stores, props.from), to: storeName(stores, to) };
      setMsg({ kind: 'ok', text: r.state === 'in_transit' ? t('transfers.shipped', where) : t('stock.transferred', { ...where, qty: lines[0]!.qty, sku: items[0]!.sku }) });
      setLines([{ sku: '', qty: '' }]);
      setNote('');
      setKey(newKey());
      props.onDone();
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="tr-h" data-testid="stock-transfer">
      <h2 id="tr-h">{t('transfers.shipTitle')}</h2>
      <p className="muted small">{t('transfers.shipLead', { from: storeName(stores, props.from) })}</p>
      <StoreSelect value={to} onChange={setTo} label={t('stock.toStore')} testId="transfer-to" />
      {lines.map((l, i) => (
        <div className="row gap" key={i}>
          <label className="field grow">
            <span>{t('stock.sku')}</span>
            <input value={l.sku} onChange={(e) => setLine(i, { sku: e.target.value })} required={i === 0} data-testid="transfer-sku" />
          </label>
          <label className="field">
            <span>{t('stock.quantity')}</span>
            <input value={l.qty} onChange={(e) => setLine(i, { qty: e.target.value })} required={i === 0} inputMode="decimal" size={6} data-testid="transfer-qty" />
          </label>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => setLines((ls) => [...ls, { sku: '', qty: '' }])} disabled={lines.length >= 50} data-testid="transfer-add-line">
        {t('transfers.addLine')}
      </button>
      <label className="field">
        <span>{t('stock.note')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} data-testid="transfer-note" />
      </label>
      {mayReceive ? (
        <label className="check">
          <input type="checkbox" checked={oneStep} onChange={(e) => setOneStep(e.target.checked)} data-testid="transfer-one-step" /> {t('transfers.oneStep')}
        </label>
      ) : null}
      {msg ? <Notice kind={msg.kind} testId="transfer-msg">{msg.text}</Notice> : null}
      <button type="submit" className="btn btn-primary" disabled={busy || !to || to === props.from} data-testid="transfer-save">
        {busy ? t('transfers.shipping') : oneStep ? t('stock.transfer') : t('transfers.ship')}
      </button>
    </form>
  );
}

/** What the store's open transfers carry to it and from it, per SKU. */
export function InTransitCard(props: { store: string; version: number }) {
  const { api } = useSession();
  const { t } = useTranslation();
  const list = useLoad(() => api.get<{ in_transit: InTransitRow[]; next_cursor: string | null }>('/api/stock/in-transit', { store_id: props.store, limit: 10 }), [props.store, props.version]);
  const rows = list.data?.in_transit ?? [];
  return (
    <section className="card" aria-labelledby="transit-h" data-testid="stock-in-transit">
      <h2 id="transit-h">{t('transfers.inTransitTitle')}</h2>
      {list.error ? <Notice kind="error">{list.error}</Notice> : null}
      {rows.length === 0 ? (
        <Empty>{t('transfers.nothingInTransit')}</Empty>
      ) : (
        <div className="table-scroll">
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">{t('stock.product')}</th>
              <th scope="col" className="num" title={t('transfers.incoming')}>{t('transfers.colIn')}</th>
              <th scope="col" className="num" title={t('transfers.outgoing')}>{t('transfers.colOut')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.sku} data-testid="in-transit-row" data-sku={r.sku}>
                <td>
                  {r.name ?? r.sku}
                  <div className="muted small">{r.sku}</div>
                </td>
                <td className="num" data-testid="in-transit-in">{r.incoming === '0' ? '—' : `+${r.incoming}`}</td>
                <td className="num" data-testid="in-transit-out">{r.outgoing === '0' ? '—' : `−${r.outgoing}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {list.data?.next_cursor ? <p className="muted small">{t('transfers.moreInTransit')}</p> : null}
      <a href="#/stock?tab=transfers" className="small" data-testid="transfers-link">
        {t('transfers.allTransfers')}
      </a>
    </section>
  );
}

/** The Transfers tab: every transfer of the stores one manages, with receive and cancel. */
export function TransfersTab() {
  const { api, stores, me } = useSession();
  const { t } = useTranslation();
  const [store, setStore] = useState('');
  const [state, setState] = useState<(typeof STATES)[number]>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [receiving, setReceiving] = useState<TransferRow | null>(null);
  const [cancelAsk, setCancelAsk] = useState<number | null>(null);
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const bad = Boolean(from && to && from >= to);
  const list = usePaged(
    (cursor) =>
      api
        .get<{ transfers: TransferRow[]; next_cursor: string | null }>('/api/stock/transfers', {
          store_id: store || undefined,
          state: state || undefined,
          from: from || undefined,
          to: bad ? undefined : to || undefined,
          cursor,
          limit: 10,
        })
        .then((r) => ({ rows: r.transfers, next_cursor: r.next_cursor })),
    `${store}|${state}|${from}|${bad ? '' : to}`,
  );
  const may = (s: string) => me.role !== 'store_manager' || me.store_ids.includes(s);
  const cancel = async (tr: TransferRow) => {
    setMsg(null);
    try {
      const r = await api.post<{ transfer: TransferRow }>(`/api/stock/transfers/${tr.transfer_id}/cancel`, { key: newKey() });
      list.update((x) => x.transfer_id === tr.transfer_id, r.transfer);
      setMsg({ kind: 'ok', text: t('transfers.cancelled', { id: tr.transfer_id, from: storeName(stores, tr.from_store) }) });
    } catch (err) {
      setMsg({ kind: 'error', text: errorText(err) });
    } finally {
      setCancelAsk(null);
    }
  };
  const columns: Array<Column<TransferRow>> = [
    {
      header: t('transfers.transfer'),
      cell: (r) => (
        <>
          <div className="strong">#{r.transfer_id}</div>
          <div className="muted small">{timeText(r.created_at)}</div>
        </>
      ),
    },
    {
      header: t('transfers.route'),
      cell: (r) => (
        <>
          <div>
            {storeName(stores, r.from_store)} → {storeName(stores, r.to_store)}
          </div>
          {r.note ? <div className="muted small" data-data>{r.note}</div> : null}
        </>
      ),
    },
    {
      header: t('transfers.lines'),
      cell: (r) => (
        <div data-testid="transfer-lines">
          {r.lines.map((l) => (
            <div key={l.sku} className="small">
              {l.name ?? l.sku} <span className="muted">× {l.shipped}</span>
              {l.short && l.short !== '0' ? <span className="neg strong"> {t('transfers.lineShort', { short: l.short, received: l.received })}</span> : null}
            </div>
          ))}
          {r.line_count > r.lines.length ? <div className="muted small">{t('transfers.moreLines', { count: r.line_count - r.lines.length })}</div> : null}
        </div>
      ),
    },
    {
      header: t('transfers.state'),
      cell: (r) => (
        <>
          <StateTag state={r.state} />
          <div className="muted small">
            {r.state === 'in_transit'
              ? t('transfers.shippedBy', { who: r.created_by ?? '—' })
              : r.cancelled_at
                ? t('transfers.cancelledBy', { who: r.cancelled_by ?? '—', when: timeText(r.cancelled_at) })
                : t('transfers.receivedBy', { who: r.received_by ?? '—', when: timeText(r.received_at) })}
          </div>
          {r.receive_note || r.cancel_note ? <div className="muted small" data-data>{r.receive_note ?? r.cancel_note}</div> : null}
        </>
      ),
    },
    {
      header: t('common.actions'),
      cell: (r) =>
        r.state !== 'in_transit' ? null : cancelAsk === r.transfer_id ? (
          <div className="row gap">
            <button type="button" className="btn btn-small btn-danger" onClick={() => void cancel(r)} data-testid="transfer-cancel-confirm">
              {t('transfers.cancelConfirm')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setCancelAsk(null)}>
              {t('transfers.keep')}
            </button>
          </div>
        ) : (
          <div className="row gap">
            {may(r.to_store) ? (
              <button type="button" className="btn btn-small btn-primary" onClick={() => setReceiving(r)} data-testid="transfer-receive">
                {t('transfers.receive')}
              </button>
            ) : null}
            {may(r.from_store) ? (
              <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setCancelAsk(r.transfer_id)} data-testid="transfer-cancel">
                {t('transfers.cancelAsk')}
              </button>
            ) : null}
          </div>
        ),
    },
  ];
  return (
    <>
      <section className="card" aria-label={t('transfers.title')}>
        <div className="filters">
          <StoreSelect value={store} onChange={setStore} all testId="transfers-store" />
          <label className="field">
            <span>{t('transfers.state')}</span>
            <select value={state} onChange={(e) => setState(e.target.value as typeof state)} data-testid="transfers-state">
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {s === '' ? t('transfers.anyState') : s === 'open' ? t('transfers.s_open') : t(`transfers.s_${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('transfers.shippedFrom')}</span>
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="transfers-from" />
          </label>
          <label className="field">
            <span>{t('transfers.shippedBefore')}</span>
            <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="transfers-to" />
          </label>
        </div>
        {bad ? <Notice kind="error">{t('transfers.badRange')}</Notice> : null}
        {msg ? <Notice kind={msg.kind} testId="transfers-msg">{msg.text}</Notice> : null}
        <PagedTable
          paged={list}
          columns={columns}
          rowKey={(r) => String(r.transfer_id)}
          rowData={(r) => ({ transfer: String(r.transfer_id), state: r.state })}
          label={t('transfers.title')}
          testId="transfers-table"
          rowTestId="transfer-row"
          empty={t('transfers.none')}
        />
      </section>
      {receiving ? (
        <ReceivePanel
          transfer={receiving}
          onClose={() => setReceiving(null)}
          onDone={(next) => {
            list.update((x) => x.transfer_id === next.transfer_id, next);
            setReceiving(null);
            setMsg({ kind: next.state === 'received_short' ? 'error' : 'ok', text: t(next.state === 'received_short' ? 'transfers.receivedShortMsg' : 'transfers.receivedMsg', { id: next.transfer_id, to: storeName(stores, next.to_store) }) });
          }}
        />
      ) : null}
    </>
  );
}

/** Receive at the destination: what arrived, line by line (prefilled with what was shipped). */
function ReceivePanel(props: { transfer: TransferRow; onClose(): void; onDone(t: TransferRow): void }) {
  const { api, stores } = useSession();
  const { t } = useTranslation();
  // A list carries the first lines only: the panel reads the whole transfer.
  const full = useLoad(() => api.get<TransferRow>(`/api/stock/transfers/${props.transfer.transfer_id}`), [props.transfer.transfer_id]);
  const tr = full.data ?? props.transfer;
  const [got, setGot] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [key] = useState(newKey);
  const [err, setErr] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    const items = [];
    for (const l of tr.lines) {
      const text = got[l.sku];
      if (text === undefined || text.trim() === l.shipped) continue;
      try {
        items.push({ sku: l.sku, quantity: toQuantity(text, true) });
      } catch {
        return setErr(t('stock.notQuantity', { text }));
      }
    }
    setBusy(true);
    try {
      const r = await api.post<{ transfer: TransferRow }>(`/api/stock/transfers/${tr.transfer_id}/receive`, { key, ...(items.length ? { items } : {}), ...(note.trim() ? { note: note.trim() } : {}) });
      props.onDone(r.transfer);
    } catch (e2) {
      setErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  };
  const missing = tr.lines.some((l) => got[l.sku] !== undefined && got[l.sku]!.trim() !== l.shipped);
  return (
    <form className="card" onSubmit={submit} aria-labelledby="rcv-h" data-testid="receive-panel">
      <h2 id="rcv-h">{t('transfers.receiveTitle', { id: tr.transfer_id, from: storeName(stores, tr.from_store), to: storeName(stores, tr.to_store) })}</h2>
      <p className="muted small">{t('transfers.receiveLead')}</p>
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col">{t('stock.product')}</th>
            <th scope="col" className="num">{t('transfers.shippedQty')}</th>
            <th scope="col" className="num">{t('transfers.receivedQty')}</th>
          </tr>
        </thead>
        <tbody>
          {tr.lines.map((l) => (
            <tr key={l.sku} data-testid="receive-line" data-sku={l.sku}>
              <td>
                {l.name ?? l.sku}
                <div className="muted small">{l.sku}</div>
              </td>
              <td className="num">{trimDecimalZeros(l.shipped)}</td>
              <td className="num">
                <input
                  value={got[l.sku] ?? l.shipped}
                  onChange={(e) => setGot((g) => ({ ...g, [l.sku]: e.target.value }))}
                  inputMode="decimal"
                  size={6}
                  aria-label={t('transfers.receivedOf', { sku: l.sku })}
                  data-testid="receive-qty"
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <label className="field">
        <span>{t('transfers.receiveNote')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} data-testid="receive-note" />
      </label>
      {missing ? <Notice kind="info">{t('transfers.shortWarning')}</Notice> : null}
      {err ? <Notice kind="error" testId="receive-error">{err}</Notice> : null}
      <div className="row gap">
        <button type="submit" className="btn btn-primary" disabled={busy || full.loading} data-testid="receive-save">
          {busy ? t('transfers.receiving') : missing ? t('transfers.receiveShort') : t('transfers.receiveAll')}
        </button>
        <button type="button" className="btn" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </div>
    </form>
  );
}

import { currentLocale } from '../i18n';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { quantityToString } from '../../core/money';
import type { AdjustmentChange } from '../../core/ledger/adjustment-changes';
import type { EventRow } from '../api';
import { fmt, parsePrice } from '../money';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import { Account, accountText, useAccountNames, type AccountNames } from '../accounts';
import { PagedTable, usePaged, useSort, type Column } from '../paged';
import { Empty, Notice, PageHeader, StoreSelect, storeCurrency, storeName, timeText, typeLabel, useLoad, useSession } from '../ui';

// Find a sale and open it down to its ledger entry: the receipt lines and tenders as the
// register journalled them, its place in the register's hash chain, every ledger line posted
// for it and the stock it moved.

const PAGE = 20;
/** The hub's sorts of /api/sales (docs/hub.md "Sorting"); newest first is its own order. */
const SORTS = ['time', 'total'] as const;

function openFromHash(): string | null {
  const m = /[?&]open=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

interface Filters {
  store: string;
  terminal: string;
  type: string;
  from: string;
  to: string;
  receipt: string;
  cashier: string;
  amount: string;
  card: string;
}
const NO_FILTERS: Filters = { store: '', terminal: '', type: '', from: '', to: '', receipt: '', cashier: '', amount: '', card: '' };

export function Sales() {
  const { api, stores } = useSession();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [open, setOpen] = useState<string | null>(openFromHash);
  const [formError, setFormError] = useState<string | null>(null);
  const sort = useSort('-time', SORTS);
  const query = useMemo(() => {
    const currency = storeCurrency(stores, filters.store || stores[0]?.store_id || '');
    const amount = filters.amount.trim() ? parseSigned(filters.amount, currency) : undefined;
    return {
      store_id: filters.store || undefined,
      terminal_id: filters.terminal.trim() || undefined,
      type: filters.type || undefined,
      from: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined,
      to: filters.to ? new Date(new Date(`${filters.to}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined,
      receipt_no: filters.receipt.trim() || undefined,
      cashier_id: filters.cashier.trim() || undefined,
      amount,
      card_last4: filters.card.trim() || undefined,
      sort: sort.value,
      limit: PAGE,
    };
  }, [filters, stores, sort.value]);
  const list = usePaged((cursor) => api.get<{ sales: EventRow[]; next_cursor: string | null }>('/api/sales', { ...query, cursor }).then((r) => ({ rows: r.sales, next_cursor: r.next_cursor })), JSON.stringify(query));
  const { t } = useTranslation();

  useEffect(() => {
    const on = () => setOpen(openFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const search = (e?: FormEvent) => {
    e?.preventDefault();
    if (draft.amount.trim() && parseSigned(draft.amount, storeCurrency(stores, draft.store || stores[0]?.store_id || '')) === undefined) {
      return setFormError(t('sales.notAmount', { text: draft.amount }));
    }
    setFormError(null);
    setFilters(draft);
  };
  // Selects apply at once; text fields on Enter or Search.
  const choose = (k: 'store' | 'type') => (v: string) => {
    const next = { ...draft, [k]: v };
    setDraft(next);
    setFilters(next);
  };

  return (
    <>
      <PageHeader title={t('sales.title')} subtitle={t('sales.subtitle')}>
        <button type="button" className="btn" onClick={list.reload} data-testid="sales-reload">
          {t('common.refresh')}
        </button>
      </PageHeader>
      <form className="filters card" onSubmit={search} aria-label={t('sales.find')}>
        <StoreSelect value={draft.store} onChange={choose('store')} all testId="sales-store" />
        <label className="field">
          <span>{t('sales.type')}</span>
          <select value={draft.type} onChange={(e) => choose('type')(e.target.value)} data-testid="sales-type">
            <option value="">{t('sales.allTypes')}</option>
            <option value="sale.completed">{t('sales.sales')}</option>
            <option value="sale.refunded">{t('sales.refunds')}</option>
            <option value="sale.post_voided">{t('sales.postVoids')}</option>
          </select>
        </label>
        <label className="field narrow">
          <span>{t('sales.receipt')}</span>
          <input value={draft.receipt} onChange={(e) => set('receipt')(e.target.value)} placeholder="T01-000042" data-testid="sales-receipt" />
        </label>
        <label className="field narrow">
          <span>{t('sales.register')}</span>
          <input value={draft.terminal} onChange={(e) => set('terminal')(e.target.value)} placeholder="T01" data-testid="sales-terminal" />
        </label>
        <label className="field narrow">
          <span>{t('sales.cashier')}</span>
          <input value={draft.cashier} onChange={(e) => set('cashier')(e.target.value)} data-testid="sales-cashier" />
        </label>
        <label className="field narrow">
          <span>{t('sales.amount')}</span>
          <input value={draft.amount} onChange={(e) => set('amount')(e.target.value)} inputMode="decimal" placeholder="-12.50" data-testid="sales-amount" />
        </label>
        <label className="field tiny">
          <span>{t('sales.card')}</span>
          <input value={draft.card} onChange={(e) => set('card')(e.target.value)} inputMode="numeric" maxLength={4} data-testid="sales-card" />
        </label>
        <label className="field">
          <span>{t('common.from')}</span>
          <input type="date" value={draft.from} onChange={(e) => set('from')(e.target.value)} data-testid="sales-from" />
        </label>
        <label className="field">
          <span>{t('common.to')}</span>
          <input type="date" value={draft.to} onChange={(e) => set('to')(e.target.value)} data-testid="sales-to" />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="sales-search">
          {t('common.search')}
        </button>
      </form>
      {formError ? <Notice kind="error">{formError}</Notice> : null}
      <p className="muted small" data-testid="sales-as-sold">{t('sales.asSoldNote')}</p>
      <div className={open ? 'split' : ''}>
        <section className="card" aria-label={t('sales.results')}>
          <PagedTable
            paged={list}
            columns={columns(stores, t, sort.value === sort.fallback ? null : sort.value)}
            sort={sort}
            rowKey={(e) => e.event_id}
            rowClass={(e) => (open === e.event_id ? 'selected' : '')}
            rowData={(e) => ({ event: `${e.terminal_id}/${e.seq}` })}
            label={t('sales.results')}
            testId="sales-table"
            rowTestId="sale-row"
            empty={t('sales.empty')}
          />
        </section>
        {open ? <SaleDetail id={open} onClose={() => (location.hash = '#/sales')} /> : null}
      </div>
    </>
  );
}

function columns(stores: ReturnType<typeof useSession>['stores'], t: (k: string) => string, sort: string | null): Array<Column<EventRow>> {
  return [
    { header: t('sales.time'), cell: (e) => shortTime(e.occurred_at), className: 'nowrap', sort: 'time', sortFirst: 'desc' },
    { header: t('common.store'), cell: (e) => storeName(stores, e.store_id) },
    {
      header: t('sales.receipt'),
      className: 'nowrap',
      cell: (e) => (
        // Opening a sale keeps the list's sort in the URL.
        <a href={`#/sales?${sort ? `sort=${encodeURIComponent(sort)}&` : ''}open=${e.event_id}`} aria-label={i18next.t('sales.openLabel', { type: typeLabel(e.type), receipt: e.receipt_no })} data-testid="sale-open">
          {e.receipt_no}
        </a>
      ),
    },
    {
      header: t('sales.type'),
      cell: (e) => (
        <>
          <span className={`tag tag-${e.type.replace('sale.', '')}`}>{typeLabel(e.type)}</span>
          {e.adjusted ? (
            <span className="tag tag-adjusted" title={t('sales.adjustedTitle')} data-testid="sale-adjusted">
              {t('sales.adjustedTag')}
            </span>
          ) : null}
        </>
      ),
    },
    {
      header: t('sales.amount'),
      num: true,
      sort: 'total',
      sortFirst: 'desc',
      cell: (e) => (
        <span className={(e.amount ?? 0) < 0 ? 'neg' : ''} data-testid="sale-amount">
          {e.currency && e.amount !== null ? fmt(e.amount, e.currency) : '—'}
        </span>
      ),
    },
  ];
}

/** "Dec 1, 7:18 PM" (the year only when it is not this one). */
function shortTime(iso: string): string {
  const d = new Date(iso);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return new Intl.DateTimeFormat(currentLocale(), { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }), hour: 'numeric', minute: '2-digit' }).format(d);
}

/** "-12.50" or "12,50" in the currency → signed minor units, or undefined. */
function parseSigned(text: string, currency: string): number | undefined {
  const t = text.trim();
  const neg = t.startsWith('-') || t.startsWith('−');
  const p = parsePrice(neg ? t.slice(1) : t, currency);
  return p.ok ? (neg ? -p.amount : p.amount) : undefined;
}

interface EventDetail {
  event: EventRow;
  payload: Record<string, unknown>;
  chain: { seq: number; prev_hash: string; hash: string; terminal_applied_through: number };
  ledger: Array<{ entry_id: string; date: string; memo: string; reverses: string | null; adjusts: string | null; posted_at: string; lines: Array<{ account: string; currency: string; debit: number; credit: number }> }>;
  original: EventRow | null;
  reversals: EventRow[];
  receipt: { receipt_no: string; kind: 'sale' | 'refund'; text: string } | null;
  adjustments: Adjustment[];
  books: { stores: Array<{ store_id: string; amount: number; currency: string }>; tenders: Array<{ tender: string; amount: number; currency: string }> } | null;
}
interface Adjustment {
  entry_id: string;
  adjusts: string;
  date: string;
  memo: string;
  posted_at: string;
  source: { import_id: number; batch_id: number; format: string; file_name: string; imported_by: string; imported_at: string } | null;
  changes: AdjustmentChange[];
  lines: Array<{ account: string; currency: string; debit: number; credit: number; dimensions: { store_id?: string } }>;
}
interface PayloadLine {
  sku: string;
  description: string;
  quantity: { units: number; scale: number };
  unit_price: number;
  total: number;
}

type Payload = {
  currency?: string;
  cashier_id?: string;
  approved_by?: string;
  reason?: string;
  lines?: PayloadLine[];
  tenders?: Array<{ kind: string; amount: number; masked_pan?: string; card_brand?: string }>;
  totals?: { total: number; tax_total: number };
  original?: Payload;
};

function SaleDetail(props: { id: string; onClose(): void }) {
  const { api, stores } = useSession();
  const { t } = useTranslation();
  const names = useAccountNames(api);
  const d = useLoad(() => api.get<EventDetail>(`/api/sales/${encodeURIComponent(props.id)}`), [props.id]);
  const e = d.data?.event;
  // A post-void carries the sale it voids; its lines are the original's, shown negative.
  const raw = d.data?.payload as Payload | undefined;
  const p = raw?.original && !raw.lines ? { ...raw.original, cashier_id: raw.cashier_id, approved_by: raw.approved_by, reason: raw.reason } : raw;
  const cur = p?.currency ?? e?.currency ?? 'USD';
  const sign = e && (e.type === 'sale.refunded' || e.type === 'sale.post_voided') ? -1 : 1;
  const link = (x: EventRow) => (
    <a href={`#/sales?open=${x.event_id}`}>
      {typeLabel(x.type)} {x.receipt_no}
    </a>
  );
  return (
    <aside className="card detail" aria-label={t('sales.receiptOf', { receipt: e?.receipt_no ?? '' })} data-testid="sale-detail">
      <div className="row between">
        <h2>
          {e ? `${typeLabel(e.type)} ${e.receipt_no}` : t('paged.loading')}
        </h2>
        <button type="button" className="btn btn-small" onClick={props.onClose} aria-label={t('sales.closeDetails')}>
          {t('common.close')}
        </button>
      </div>
      {d.error ? <Notice kind="error">{d.error}</Notice> : null}
      {!e || !p ? null : (
        <>
          <dl className="facts">
            <dt>{d.data!.books ? t('sales.storeAsSold') : t('common.store')}</dt>
            <dd>
              {storeName(stores, e.store_id)} · {e.terminal_id}
            </dd>
            {d.data!.books ? (
              <>
                <dt>{t('sales.inBooks')}</dt>
                <dd data-testid="detail-books">
                  {d.data!.books.stores.map((s) => storeName(stores, s.store_id)).join(', ') || '—'}
                  {d.data!.books.tenders.length ? ' · ' : ''}
                  {d.data!.books.tenders.map((x) => `${tenderText(x.tender)} ${fmt(x.amount, x.currency)}`).join(', ')}
                  <div className="muted small">{t('sales.inBooksNote', { count: d.data!.adjustments.length })}</div>
                </dd>
              </>
            ) : null}
            <dt>{t('sales.cashier')}</dt>
            <dd>
              {p.cashier_id ?? '—'}
              {p.approved_by ? ` ${t('sales.approvedBy', { who: p.approved_by })}` : ''}
            </dd>
            {p.reason ? (
              <>
                <dt>{t('sales.reason')}</dt>
                <dd>{p.reason}</dd>
              </>
            ) : null}
            <dt>{t('sales.occurred')}</dt>
            <dd>{timeText(e.occurred_at)}</dd>
            {d.data!.original ? (
              <>
                <dt>{t('sales.reverses')}</dt>
                <dd data-testid="detail-original">{link(d.data!.original)}</dd>
              </>
            ) : null}
            {d.data!.reversals.length ? (
              <>
                <dt>{t('sales.returns')}</dt>
                <dd data-testid="detail-reversals">
                  {d.data!.reversals.map((r, i) => (
                    <span key={r.event_id}>
                      {i ? ', ' : ''}
                      {link(r)} {r.amount !== null && r.currency ? fmt(r.amount, r.currency) : ''}
                    </span>
                  ))}
                </dd>
              </>
            ) : null}
          </dl>
          {p.lines?.length ? (
            <>
              <h3>{t('sales.receipt')}</h3>
              <table className="table compact receipt">
                <tbody>
                  {p.lines.map((l, i) => (
                    <tr key={i}>
                      <td>
                        {l.description}
                        <div className="muted small">{l.sku}</div>
                      </td>
                      <td className="num">
                        {quantityToString(l.quantity)} × {fmt(l.unit_price, cur)}
                      </td>
                      <td className={`num ${sign < 0 ? 'neg' : ''}`}>{fmt(sign * l.total, cur)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  {p.totals?.tax_total ? (
                    <tr>
                      <td colSpan={2} className="muted">
                        {t('sales.ofWhichTax')}
                      </td>
                      <td className="num muted">{fmt(sign * p.totals.tax_total, cur)}</td>
                    </tr>
                  ) : null}
                  <tr>
                    <th colSpan={2}>{t('sales.total')}</th>
                    <td className={`num strong ${sign < 0 ? 'neg' : ''}`} data-testid="detail-total">
                      {p.totals ? fmt(sign * p.totals.total, cur) : '—'}
                    </td>
                  </tr>
                  {p.tenders?.map((tender, i) => (
                    <tr key={i} className="muted">
                      <td colSpan={2}>
                        {tender.kind === 'card' ? `${tender.card_brand ?? i18next.t('sales.tender_card')} ${tender.masked_pan ?? ''}` : i18next.t(`sales.tender_${tender.kind}`, { defaultValue: tender.kind })}
                      </td>
                      <td className="num">{fmt(sign * tender.amount, cur)}</td>
                    </tr>
                  ))}
                </tfoot>
              </table>
            </>
          ) : null}
          {d.data!.receipt ? (
            <>
              <h3>{t('sales.printed')}</h3>
              <pre className="printed-receipt" data-testid="printed-receipt" aria-label={t('sales.printedLabel', { receipt: d.data!.receipt.receipt_no })}>
                {d.data!.receipt.text}
              </pre>
              <p className="muted small">{t('sales.printedNote')}</p>
            </>
          ) : null}
          <h3>{t('sales.ledger')}</h3>
          {d.data!.ledger.length === 0 ? (
            <Empty>{t('sales.noLedger')}</Empty>
          ) : (
            d.data!.ledger.map((en) => (
              <table className="table compact ledger" key={en.entry_id} data-testid="ledger-entry" aria-label={t('sales.ledgerEntry', { id: en.entry_id })}>
                <caption data-data>
                  {en.date} · {en.memo || en.entry_id}
                  {en.reverses ? ` · ${t('sales.reversesEntry', { id: en.reverses })}` : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('sales.account')}</th>
                    <th scope="col" className="num">{t('sales.debit')}</th>
                    <th scope="col" className="num">{t('sales.credit')}</th>
                  </tr>
                </thead>
                <tbody>
                  {en.lines.map((l, i) => (
                    <tr key={i} data-testid="ledger-line">
                      <td>
                        <Account names={names} code={l.account} />
                      </td>
                      <td className="num">{l.debit ? fmt(l.debit, l.currency) : ''}</td>
                      <td className="num">{l.credit ? fmt(l.credit, l.currency) : ''}</td>
                    </tr>
                  ))}
                </tbody>
                {d.data!.adjustments.some((a) => a.adjusts === en.entry_id) ? (
                  <tbody className="adjustments">
                    <tr>
                      <td colSpan={3}>
                        {d.data!.adjustments
                          .filter((a) => a.adjusts === en.entry_id)
                          .map((a) => (
                            <AdjustmentView key={a.entry_id} a={a} names={names} stores={stores} />
                          ))}
                      </td>
                    </tr>
                  </tbody>
                ) : null}
              </table>
            ))
          )}
          <h3>{t('sales.journal')}</h3>
          <dl className="facts mono">
            <dt>{t('sales.position')}</dt>
            <dd>
              {t('sales.positionText', { terminal: e.terminal_id, seq: d.data!.chain.seq, hub: d.data!.chain.terminal_applied_through })}
            </dd>
            <dt>{t('sales.eventId')}</dt>
            <dd>{e.event_id}</dd>
            <dt>{t('sales.hash')}</dt>
            <dd data-testid="detail-hash">{d.data!.chain.hash}</dd>
            <dt>{t('sales.previous')}</dt>
            <dd>{d.data!.chain.prev_hash}</dd>
          </dl>
        </>
      )}
    </aside>
  );
}

function tenderText(kind: string): string {
  return i18next.t(`sales.kind_${kind}`, { defaultValue: kind });
}

/** One change in the shop's terms: "Tender: card → cash · $10.70". */
function changeText(c: AdjustmentChange, names: AccountNames, stores: ReturnType<typeof useSession>['stores']): string {
  const amount = fmt(c.amount, c.currency);
  const none = i18next.t('sales.nothing');
  if (c.kind === 'removed') return i18next.t('sales.change_removed', { amount });
  if (c.kind === 'tender') return i18next.t('sales.change_tender', { from: tenderText(c.from!), to: tenderText(c.to!), amount });
  if (c.kind === 'store') return i18next.t('sales.change_store', { from: storeName(stores, c.from!), to: storeName(stores, c.to!), amount });
  return i18next.t('sales.change_account', { from: c.from ? accountText(names, c.from) : none, to: c.to ? accountText(names, c.to) : none, amount });
}

/** A correction from the books under the entry it adjusts: what changed, who brought it from which file, its lines. */
function AdjustmentView(props: { a: Adjustment; names: AccountNames; stores: ReturnType<typeof useSession>['stores'] }) {
  const { a, names, stores } = props;
  const { t } = useTranslation();
  return (
    <div className="adjustment" data-testid="sale-adjustment" data-entry={a.entry_id}>
      <div className="adjustment-head">
        <span className="tag tag-adjusted">{t('sales.correction')}</span>
        <span className="mono small" data-data>
          {a.entry_id}
        </span>
      </div>
      <ul className="adjustment-changes">
        {a.changes.map((c, i) => (
          <li key={i} data-testid="adjustment-change" data-kind={c.kind}>
            {changeText(c, names, stores)}
          </li>
        ))}
      </ul>
      <div className="muted small" data-testid="adjustment-source">
        {a.source
          ? t('sales.correctionSource', { who: a.source.imported_by, when: timeText(a.source.imported_at), file: a.source.file_name || t('sales.unnamedFile'), format: a.source.format, batch: a.source.batch_id, import: a.source.import_id })
          : t('sales.correctionPosted', { when: timeText(a.posted_at) })}
      </div>
      <table className="table compact">
        <tbody>
          {a.lines.map((l, i) => (
            <tr key={i} data-testid="adjustment-line">
              <td>
                <Account names={names} code={l.account} />
                {l.dimensions.store_id ? <span className="muted small"> · {storeName(stores, l.dimensions.store_id)}</span> : null}
              </td>
              <td className="num">{l.debit ? fmt(l.debit, l.currency) : ''}</td>
              <td className="num">{l.credit ? fmt(l.credit, l.currency) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

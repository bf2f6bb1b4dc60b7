import { useEffect, useMemo, useRef, useState } from 'react';
import { CardCheck } from '../components/CardCheck';
import { useTranslation } from 'react-i18next';
import type { CatalogItemView, SaleView, SaleLine } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney, formatQty, parseAmount } from '../format';
import { TenderPanel } from './TenderPanel';
import { RefundPanel } from './RefundPanel';
import { Keypad } from '../components/Keypad';
import { QuickKeys } from '../components/QuickKeys';
import { CustomerDialog } from '../components/CustomerDialog';
import { GiftCardDialog } from '../components/GiftCardDialog';

type LineDialog = { kind: 'qty' | 'weight' | 'discount'; line: SaleLine } | { kind: 'saleDiscount' } | null;
type ValueDialog = 'customer' | 'giftcard' | null;

export function SaleScreen({ sale, onReturn }: { sale: SaleView; onReturn(): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval } = useRegister();
  const run = useAction();
  const [code, setCode] = useState('');
  const [results, setResults] = useState<CatalogItemView[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [tendering, setTendering] = useState(false);
  const [dialog, setDialog] = useState<LineDialog>(null);
  const [valueDialog, setValueDialog] = useState<ValueDialog>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const live = sale.lines.filter((l) => !l.voided);
  const done = sale.status === 'completed' || sale.status === 'voided';
  // A return has its own labels and colour, so nobody mistakes money going out for a sale.
  const refund = sale.kind === 'refund';
  const line = sale.lines.find((l) => l.line_id === selected && !l.voided) ?? null;

  useEffect(() => {
    listRef.current?.scrollTo({ top: listRef.current.scrollHeight });
  }, [sale.lines.length]);
  useEffect(() => {
    if (sale.status === 'idle' || sale.lines.length === 0) setTendering(false);
    if (sale.status === 'tendering') setTendering(true);
  }, [sale.status, sale.lines.length]);

  // Typing in the scan field searches names and codes as you go (the register answers from
  // its indexed catalog); a scanner's digits still go to sale.scan on Enter.
  const [highlight, setHighlight] = useState(-1);
  const asked = useRef(0);
  useEffect(() => {
    const q = code.trim();
    if (q.length < 2 || /^\d{8,}$/.test(q)) {
      setResults(null);
      return;
    }
    const n = ++asked.current;
    const timer = setTimeout(() => {
      api.call('catalog.search', { query: q, limit: 8 }).then((found) => {
        if (n === asked.current) {
          setResults(found);
          setHighlight(-1);
        }
      }, () => {});
    }, 120);
    return () => clearTimeout(timer);
  }, [code, api]);

  const pick = async (sku: string) => {
    const r = await run(() => api.call('sale.addSku', { sku }));
    if (r) {
      asked.current++;
      setResults(null);
      setCode('');
    }
  };
  const submitCode = async () => {
    const q = code.trim();
    if (!q) return;
    if (results && highlight >= 0 && results[highlight]) return pick(results[highlight].sku);
    if (/^\d{4,}$/.test(q)) {
      const r = await run(() => api.call('sale.scan', { data: q }));
      if (r) {
        asked.current++;
        setResults(null);
        setCode('');
      }
      return;
    }
    if (results?.[0]) return pick(results[0].sku);
    const found = await run(() => api.call('catalog.search', { query: q, limit: 8 }));
    if (found) setResults(found);
  };
  const onCodeKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') void submitCode();
    else if (e.key === 'ArrowDown' && results?.length) {
      e.preventDefault();
      setHighlight((h) => Math.min(results.length - 1, h + 1));
    } else if (e.key === 'ArrowUp' && results?.length) {
      e.preventDefault();
      setHighlight((h) => Math.max(0, h - 1));
    }
  };

  const shortcuts = useMemo(
    () => (e: KeyboardEvent) => {
      if (e.key === 'F12' && !done && live.length) { e.preventDefault(); setTendering(true); }
      if (e.key === 'F2' && selected) { e.preventDefault(); setDialog(line ? { kind: 'qty', line } : null); }
      if (e.key === 'Escape') { setDialog(null); setResults(null); setCode(''); }
    },
    [done, live.length, selected, line],
  );
  useEffect(() => {
    window.addEventListener('keydown', shortcuts);
    return () => window.removeEventListener('keydown', shortcuts);
  }, [shortcuts]);

  return (
    <div className={`sale-layout${refund ? ' mode-refund' : ''}`} data-mode={refund ? 'refund' : 'sale'}>
      <section className="sale-main">
        {tendering && !done && !refund ? <TenderPanel sale={sale} onBack={() => setTendering(false)} /> : <>
        <div className="scan-bar">
          <input className="input big grow" data-testid="code-input" placeholder={t('sale.scanHint')} aria-label={t('sale.code')} value={code}
            role="combobox" aria-expanded={!!results} aria-controls="search-results" autoComplete="off"
            onChange={(e) => setCode(e.target.value.slice(0, 64))} onKeyDown={onCodeKey} disabled={done} />
          <button className="btn btn-secondary" data-testid="code-add" onClick={() => void submitCode()} disabled={done}>{t('sale.add')}</button>
        </div>
        {results && (
          <div className="search-results" id="search-results" role="listbox" data-testid="search-results">
            {results.length === 0 && <p className="muted pad">{t('sale.noResults')}</p>}
            {results.map((r, i) => (
              <button key={r.sku} role="option" aria-selected={i === highlight} data-testid="search-result" data-sku={r.sku}
                className={`result ${i === highlight ? 'result-on' : ''}`} onMouseDown={(e) => e.preventDefault()} onClick={() => void pick(r.sku)}>
                <span className="result-name">{r.name}</span><span className="muted small">{r.sku}</span><strong>{fm(r.price)}{r.unit !== 'each' ? ` / ${r.unit}` : ''}</strong>
              </button>
            ))}
            <p className="muted small result-hint">{t('sale.searchHint')}</p>
          </div>
        )}
        <div className="lines" ref={listRef} data-testid="sale-lines">
          {sale.kind === 'refund' && <div className="banner banner-info">{sale.original_receipt_no ? t('refund.original', { no: sale.original_receipt_no }) : t('refund.noReceipt')}</div>}
          {sale.lines.length === 0 && <div className="empty-state"><div className="empty-icon">▥</div><p>{t('sale.empty')}</p></div>}
          {sale.lines.map((l) => (
            <button key={l.line_id} data-testid="sale-line" data-sku={l.sku} className={`line ${l.voided ? 'line-voided' : ''} ${selected === l.line_id ? 'line-selected' : ''}`}
              onClick={() => !l.voided && !done && setSelected(selected === l.line_id ? null : l.line_id)}>
              <div className="line-name">
                <strong>{l.name}</strong>
                <span className="muted small">{l.sku} · {formatQty(l.quantity, l.unit, store.locale)} × {fm(l.unit_price)}{l.unit !== 'each' ? `/${l.unit}` : ''}</span>
                {l.promotion && <span className="tag tag-promo">{t('sale.promo')}: {l.promotion}</span>}
                {l.discount.amount !== 0 && !l.promotion && <span className="tag tag-discount">{t('sale.discount')} −{fm(l.discount)}</span>}
                {l.price_changed && <span className="tag tag-warn">{t('sale.priceChanged', { from: fm(l.price_changed.from), to: fm(l.price_changed.to) })}</span>}
              </div>
              {/* As on the receipt: quantity × price before discounts and tax; the discount under it. */}
              <div className="line-amount">
                <strong data-testid="line-amount">{fm(l.extended)}</strong>
                {l.discount.amount !== 0 && <span className="accent small">−{fm(l.discount)}</span>}
              </div>
            </button>
          ))}
        </div>
        {line && !done && (
          <div className="line-actions" data-testid="line-actions">
            <button className="btn btn-secondary" onClick={() => setDialog({ kind: 'qty', line })}>{t('sale.setQty')} <kbd>F2</kbd></button>
            {line.unit !== 'each' && <button className="btn btn-secondary" onClick={() => void run(() => api.call('sale.setWeight', { line_id: line.line_id }))}>{t('sale.weigh')}</button>}
            <button className="btn btn-secondary" onClick={() => setDialog({ kind: 'discount', line })}>{t('sale.lineDiscount')}</button>
            <button className="btn btn-danger" data-testid="void-line" onClick={() => void withApproval(t('sale.voidLine'), (approval) => api.call('sale.voidLine', { line_id: line.line_id, approval })).then(() => setSelected(null))}>{t('sale.voidLine')}</button>
          </div>
        )}
        {!line && !done && !refund && <QuickKeys disabled={done} />}
        </>}
      </section>
      <aside className="sale-side">
        <div className="totals" data-testid="totals">
          <div className="row between"><span>{t('sale.items', { count: live.length })}</span><span>{sale.receipt_no ? t('sale.receipt', { no: sale.receipt_no }) : ''}</span></div>
          <div className="row between"><span>{t('sale.subtotal')}</span><span>{fm(sale.subtotal)}</span></div>
          {sale.discount_total.amount !== 0 && <div className="row between accent"><span>{t(refund ? 'refund.discount' : 'sale.discount')}</span><span>−{fm(sale.discount_total)}</span></div>}
          {/* As on the receipt: a tax line even when nothing in the sale is taxed. */}
          {sale.taxes.length === 0 && <div className="row between muted small"><span>{t('sale.tax')}</span><span>{fm(sale.tax_total)}</span></div>}
          {sale.taxes.map((x) => (
            <div className="row between muted small" key={x.code}><span>{x.label} {(x.rate_ppm / 10_000).toLocaleString(store.locale, { maximumFractionDigits: 4 })} %{x.included ? ' incl.' : ''}</span><span>{fm(x.amount)}</span></div>
          ))}
          <div className="row between grand"><span>{t(refund ? 'refund.total' : 'sale.total')}</span><span data-testid="sale-total">{fm(sale.total)}</span></div>
          {sale.paid.amount !== 0 && <div className="row between"><span>{t('sale.paid')}</span><span>{fm(sale.paid)}</span></div>}
          {sale.status !== 'completed' && sale.paid.amount !== 0 && <div className="row between due"><span>{t('sale.due')}</span><span data-testid="sale-due">{fm(sale.due)}</span></div>}
          {sale.change_due.amount > 0 && <div className="row between change"><span>{t('sale.change')}</span><span data-testid="change-due">{fm(sale.change_due)}</span></div>}
        </div>
        {sale.card_check && <CardCheck check={sale.card_check} />}
        {!refund && sale.customer && (
          <div className="customer-strip" data-testid="sale-customer">
            <div className="customer-who">
              <strong>{sale.customer.name}</strong>
              <span className="muted small" data-testid="sale-customer-points">
                {done && sale.points_earned !== undefined
                  ? t('customer.earned', { earned: sale.points_earned, balance: sale.customer.points + sale.points_earned })
                  : t('customer.points', { points: sale.customer.points })}
              </span>
              {sale.customer.provisional && <span className="tag tag-warn">{t('customer.provisional')}</span>}
            </div>
            {!done && sale.tenders.length === 0 && <button className="btn btn-ghost btn-sm" data-testid="customer-remove" onClick={() => void run(() => api.call('customer.attach', { customer_id: null }))}>{t('customer.remove')}</button>}
          </div>
        )}
        {done ? (
          <div className="done-panel" data-testid="sale-done">
            <div className={`done-badge ${sale.status === 'voided' ? 'voided' : ''}`}>{sale.status === 'completed' ? '✓ ' + t(refund ? 'refund.completed' : 'sale.completed') : t(refund ? 'refund.voided' : 'sale.voided')}</div>
            {sale.status === 'completed' && <button className="btn btn-secondary btn-block" onClick={() => void run(() => api.call('receipt.reprint', {}))}>{t('sale.reprint')}</button>}
            <button className="btn btn-primary btn-block btn-xl" data-testid="new-sale" onClick={() => void run(() => api.call('sale.new', {}))}>{t('sale.newSale')}</button>
          </div>
        ) : tendering ? (
          // A return's refund panel (engine's) stays beside the lines; a sale's payment step fills the main area.
          sale.kind === 'refund' ? <RefundPanel sale={sale} onBack={() => setTendering(false)} /> : null
        ) : (
          <div className="actions">
            <button className="btn btn-pay btn-xl" data-testid="pay" disabled={live.length === 0} onClick={() => setTendering(true)}>{t(refund ? 'refund.pay' : 'sale.pay')} <kbd>F12</kbd></button>
            <div className="grid2">
              <button className="btn btn-secondary" disabled={live.length === 0} onClick={() => setDialog({ kind: 'saleDiscount' })}>{t('sale.saleDiscount')}</button>
              <button className="btn btn-secondary" data-testid="returns" disabled={live.length > 0} onClick={onReturn}>{t('sale.refund')}</button>
              <button className="btn btn-danger-ghost" data-testid="void-sale" disabled={sale.lines.length === 0 || !!sale.card_check} title={sale.card_check ? t('cardCheck.blocked') : undefined}
                onClick={() => void withApproval(t('sale.voidSale'), (approval) => api.call('sale.void', { approval }))}>{t('sale.voidSale')}</button>
              <button className="btn btn-secondary" onClick={() => void run(() => api.call('receipt.reprint', {}))}>{t('sale.reprint')}</button>
              <button className="btn btn-secondary" data-testid="customer-open" onClick={() => setValueDialog('customer')}>{t('customer.button')}</button>
              <button className="btn btn-secondary" data-testid="giftcard-open" onClick={() => setValueDialog('giftcard')}>{t('giftcard.button')}</button>
            </div>
          </div>
        )}
      </aside>
      {dialog && <LineDialogView dialog={dialog} onClose={() => setDialog(null)} />}
      {valueDialog === 'customer' && <CustomerDialog onClose={() => setValueDialog(null)} />}
      {valueDialog === 'giftcard' && <GiftCardDialog onClose={() => setValueDialog(null)} />}
    </div>
  );
}

function LineDialogView({ dialog, onClose }: { dialog: NonNullable<LineDialog>; onClose(): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval } = useRegister();
  const run = useAction();
  const [value, setValue] = useState('');
  const [mode, setMode] = useState<'percent' | 'amount'>('percent');
  const title = dialog.kind === 'qty' ? t('sale.setQty') : dialog.kind === 'weight' ? t('sale.weightKg') : dialog.kind === 'discount' ? t('sale.lineDiscount') : t('sale.saleDiscount');
  const apply = async () => {
    if (dialog.kind === 'qty') {
      const n = Number.parseInt(value, 10);
      if (!(n > 0)) return;
      await run(() => api.call('sale.setQuantity', { line_id: dialog.line.line_id, quantity: { units: n, scale: 0 } }));
    } else {
      const line_id = dialog.kind === 'discount' ? dialog.line.line_id : undefined;
      const params = mode === 'percent' ? { percent_bp: Math.round(Number.parseInt(value || '0', 10) * 100) } : { amount: parseAmount(value, store.currency) ?? undefined };
      const r = await withApproval(title, (approval) => api.call('sale.discount', { line_id, ...params, approval }));
      if (!r) return;
    }
    onClose();
  };
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label={title}>
      <div className="modal">
        <h2>{title}</h2>
        {dialog.kind !== 'qty' && dialog.kind !== 'weight' && (
          <div className="segmented">
            <button className={mode === 'percent' ? 'on' : ''} onClick={() => setMode('percent')}>%</button>
            <button className={mode === 'amount' ? 'on' : ''} onClick={() => setMode('amount')}>{store.currency}</button>
          </div>
        )}
        <input className="input big" autoFocus data-testid="dialog-value" value={value} onChange={(e) => setValue(e.target.value.slice(0, 12))} onKeyDown={(e) => e.key === 'Enter' && void apply()} />
        <Keypad value={value} onChange={setValue} />
        <div className="row gap">
          <button className="btn btn-ghost" onClick={onClose}>{t('common.cancel')}</button>
          <button className="btn btn-primary grow" data-testid="dialog-ok" onClick={() => void apply()}>{t('common.ok')}</button>
        </div>
      </div>
    </div>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleView } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney, formatQty } from '../format';
import { useWedgeScanner } from '../hooks';

// Returns start from the receipt: its barcode/QR (scanned anywhere on this screen) or the
// number typed in, from this register or any other of the store (the hub has those). The
// original's lines are listed with what is left to return after earlier returns; the cashier
// picks how many of each go back (all that is left by default).
export function RefundScreen({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval, notify } = useRegister();
  const run = useAction();
  const [receipt, setReceipt] = useState('');
  const [original, setOriginal] = useState<SaleView | null>(null);
  const [current, setCurrent] = useState<SaleView | null>(null);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [noReceiptSku, setNoReceiptSku] = useState('');
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const find = async (r: string) => {
    const res = await run(() => api.call('refund.start', { receipt: r }));
    if (res) {
      setOriginal(res.original);
      setCurrent(res.sale);
      setQty({});
    }
  };
  useWedgeScanner((data) => void find(data), !original);
  const inReturn = new Map(current?.lines.map((l) => [l.line_id, l]) ?? []);
  return (
    <div className="page mode-refund" data-testid="refund-screen">
      <div className="row between"><h1>{t('refund.title')}</h1><button className="btn btn-ghost" onClick={onDone}>{t('common.back')}</button></div>
      {!original ? (
        <div className="card narrow">
          <p className="big-hint">⌗ {t('refund.scan')}</p>
          <div className="row gap">
            <input className="input big grow" data-testid="refund-receipt" placeholder={t('refund.receipt')} value={receipt} onChange={(e) => setReceipt(e.target.value.slice(0, 128))} onKeyDown={(e) => e.key === 'Enter' && void find(receipt)} />
            <button className="btn btn-primary" data-testid="refund-find" onClick={() => void find(receipt)}>{t('refund.find')}</button>
          </div>
          <hr />
          <p className="muted">{t('refund.noReceiptHint', { limit: '' })}</p>
          <div className="row gap">
            <input className="input grow" data-testid="noreceipt-sku" placeholder={t('sale.code')} value={noReceiptSku} onChange={(e) => setNoReceiptSku(e.target.value.slice(0, 64))} />
            <button className="btn btn-refund" data-testid="noreceipt-start" disabled={!noReceiptSku}
              onClick={() => void withApproval(t('refund.noReceipt'), (approval) => api.call('refund.noReceipt', { lines: [{ sku: noReceiptSku.trim() }], approval })).then((r) => r && onDone())}>{t('refund.noReceipt')}</button>
          </div>
          <hr />
          <p className="muted">{t('sale.postVoidHint')}</p>
          <button className="btn btn-danger-ghost" data-testid="post-void" disabled={!receipt}
            onClick={() => {
              const no = receipt.trim();
              void withApproval(t('sale.postVoid'), (approval) => api.call('sale.postVoid', { receipt_no: no, approval })).then((r) => {
                if (!r) return;
                notify(t('sale.postVoided', { no }));
                onDone();
              });
            }}>{t('sale.postVoid')}</button>
        </div>
      ) : (
        <div className="card">
          <h2>{t('refund.original', { no: original.receipt_no ?? '' })}</h2>
          {original.lines.map((l) => {
            const left = l.unit === 'each' ? l.quantity.units / 10 ** l.quantity.scale : 0;
            const chosen = inReturn.get(l.line_id);
            const n = Math.min(qty[l.line_id] ?? left, left);
            return (
              <div key={l.line_id} className="line static" data-testid="original-line" data-sku={l.sku} data-left={left}>
                <div className="line-name">
                  <strong>{l.name}</strong>
                  <span className="muted small">{l.voided ? t('refund.none') : t('refund.left', { qty: formatQty(l.quantity, l.unit, store.locale) })}{chosen ? ` · ${t('refund.returned')}: ${formatQty(chosen.quantity, chosen.unit, store.locale)} · ${fm(chosen.total)}` : ''}</span>
                </div>
                {!l.voided && l.unit === 'each' && left > 1 && (
                  <span className="qty-stepper">
                    <button className="btn btn-ghost" data-testid="refund-qty-minus" disabled={n <= 1} onClick={() => setQty({ ...qty, [l.line_id]: n - 1 })}>−</button>
                    <strong data-testid="refund-qty">{n}</strong>
                    <button className="btn btn-ghost" data-testid="refund-qty-plus" disabled={n >= left} onClick={() => setQty({ ...qty, [l.line_id]: n + 1 })}>+</button>
                  </span>
                )}
                <button className="btn btn-secondary" data-testid="refund-line" disabled={l.voided}
                  onClick={() => void run(async () => setCurrent(await api.call('refund.addLine', { original_line_id: l.line_id, ...(l.unit === 'each' ? { quantity: { units: n, scale: 0 } } : {}) })))}>
                  {chosen ? '✓' : t('refund.add')}
                </button>
              </div>
            );
          })}
          <div className="row end"><button className="btn btn-refund btn-xl" data-testid="refund-continue" disabled={!current || current.lines.length === 0} onClick={onDone}>{t('refund.pay')} →</button></div>
        </div>
      )}
    </div>
  );
}

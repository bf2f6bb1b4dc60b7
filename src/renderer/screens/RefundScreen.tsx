import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleView } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney, formatQty } from '../format';
import { useWedgeScanner } from '../hooks';

// Returns start from the receipt: its barcode/QR (scanned anywhere on this screen) or the
// number typed in. The original's lines are listed; each one tapped is added to the return.
export function RefundScreen({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval } = useRegister();
  const run = useAction();
  const [receipt, setReceipt] = useState('');
  const [original, setOriginal] = useState<SaleView | null>(null);
  const [current, setCurrent] = useState<SaleView | null>(null);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const find = async (r: string) => {
    const res = await run(() => api.call('refund.start', { receipt: r }));
    if (res) {
      setOriginal(res.original);
      setCurrent(res.sale);
    }
  };
  useWedgeScanner((data) => void find(data), !original);
  const returned = new Set(current?.lines.filter((l) => !l.voided).map((l) => l.sku) ?? []);
  return (
    <div className="page" data-testid="refund-screen">
      <div className="row between"><h1>{t('refund.title')}</h1><button className="btn btn-ghost" onClick={onDone}>{t('common.back')}</button></div>
      {!original ? (
        <div className="card narrow">
          <p className="big-hint">⌗ {t('refund.scan')}</p>
          <div className="row gap">
            <input className="input big grow" data-testid="refund-receipt" placeholder={t('refund.receipt')} value={receipt} onChange={(e) => setReceipt(e.target.value.slice(0, 128))} onKeyDown={(e) => e.key === 'Enter' && void find(receipt)} />
            <button className="btn btn-primary" data-testid="refund-find" onClick={() => void find(receipt)}>{t('refund.find')}</button>
          </div>
          <hr />
          <p className="muted">{t('sale.postVoidHint')}</p>
          <button className="btn btn-danger-ghost" data-testid="post-void" disabled={!receipt}
            onClick={() => void withApproval(t('sale.postVoid'), (approval) => api.call('sale.postVoid', { receipt_no: receipt.trim(), approval })).then((r) => r && onDone())}>{t('sale.postVoid')}</button>
        </div>
      ) : (
        <div className="card">
          <h2>{t('refund.original', { no: original.receipt_no ?? '' })}</h2>
          {original.lines.filter((l) => !l.voided).map((l) => (
            <div key={l.line_id} className="line static" data-testid="original-line" data-sku={l.sku}>
              <div className="line-name"><strong>{l.name}</strong><span className="muted small">{formatQty(l.quantity, l.unit, store.locale)} · {fm(l.total)}</span></div>
              <button className="btn btn-secondary" data-testid="refund-line" disabled={returned.has(l.sku)}
                onClick={() => void run(async () => setCurrent(await api.call('refund.addLine', { original_line_id: l.line_id })))}>{returned.has(l.sku) ? '✓' : t('refund.add')}</button>
            </div>
          ))}
          <div className="row end"><button className="btn btn-primary btn-xl" data-testid="refund-continue" disabled={!current || current.lines.length === 0} onClick={onDone}>{t('tender.title')} →</button></div>
        </div>
      )}
    </div>
  );
}

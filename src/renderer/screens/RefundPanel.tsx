import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleView } from '../../core/register-api';
import { useRegister } from '../context';
import { formatMoney } from '../format';

// Paying back a return. The register plans it (core's refund plan): card payments back to the
// same card up to what each paid, the rest in cash. Pending rows are that plan; the cashier
// confirms once. If the terminal declines or cannot confirm, the cashier may retry or give
// the rest in cash.
export function RefundPanel({ sale, onBack }: { sale: SaleView; onBack(): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval } = useRegister();
  const [busy, setBusy] = useState(false);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const failed = sale.tenders.some((x) => x.status === 'declined' || x.status === 'unknown');
  const last = sale.tenders[sale.tenders.length - 1];
  // An open unknown card refund blocks paying until "Check with terminal" resolves it.
  const blocked = !!sale.card_check;
  const why = blocked ? t('cardCheck.blocked') : undefined;
  const pay = async (restInCash: boolean) => {
    setBusy(true);
    await withApproval(t('refund.pay'), (approval) => api.call('refund.pay', { ...(restInCash ? { rest_in_cash: true } : {}), approval }));
    setBusy(false);
  };
  return (
    <div className="tender refund-panel" data-testid="refund-panel">
      <div className="row between"><h2>{t('refund.payTitle')}</h2><button className="btn btn-ghost btn-sm" onClick={onBack} disabled={sale.paid.amount > 0 || busy}>{t('tender.back')}</button></div>
      {sale.tenders.map((x) => (
        <div key={x.tender_id} className={`tender-row status-${x.status}`} data-testid="refund-row" data-kind={x.kind} data-status={x.status}>
          <span>{x.kind === 'card' ? t('refund.toCard', { pan: x.masked_pan ?? '' }) : t(`refund.to_${x.kind}`)}{x.auth_code ? ` · ${x.auth_code}` : ''}</span>
          <span><strong>{fm(x.amount)}</strong><br /><span className="small">{t(x.status === 'pending' ? 'refund.planned' : x.status === 'unknown' ? 'tender.unknownShort' : `tender.${x.status}`)}</span></span>
        </div>
      ))}
      {busy && <div className="banner banner-info" data-testid="card-waiting">{t('tender.waiting')}</div>}
      {last?.status === 'declined' && <div className="banner banner-error">{t('refund.cardDeclined')}{last.message ? `: ${last.message}` : ''}</div>}
      {blocked ? <div className="banner banner-warn" data-testid="tender-blocked" role="status">{why}</div>
        : last?.status === 'unknown' && <div className="banner banner-warn">{t('tender.unknown')}</div>}
      <div className="amount-display" data-testid="refund-due">{fm(sale.due)}</div>
      {/* After a declined or unknown card refund: retry and "rest in cash" side by side, so both fit at 768 px. */}
      <div className={failed ? 'refund-actions two' : 'refund-actions'}>
        <button className="btn btn-refund btn-xl" data-testid="refund-pay" disabled={busy || blocked || sale.due.amount === 0} title={why} onClick={() => void pay(false)}>{failed ? t('refund.retry') : t('refund.pay')}</button>
        {failed && <button className="btn btn-cash btn-xl" data-testid="refund-rest-cash" disabled={busy || blocked} title={why} onClick={() => void pay(true)}>{t('refund.restInCash')}</button>}
      </div>
    </div>
  );
}

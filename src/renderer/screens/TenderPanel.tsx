import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleView } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney, keypadAmount } from '../format';
import { Keypad } from '../components/Keypad';

export function TenderPanel({ sale, onBack }: { sale: SaleView; onBack(): void }) {
  const { t } = useTranslation();
  const { api, store } = useRegister();
  const run = useAction();
  const [digits, setDigits] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [giftCode, setGiftCode] = useState('');
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const entered = keypadAmount(digits, sale.currency);
  const amount = digits ? entered : sale.due;
  const refund = sale.kind === 'refund';

  const tender = async (kind: 'cash' | 'card' | 'gift', amt = amount) => {
    setBusy(kind);
    await run(() => api.call('sale.tender', { kind, amount: amt, gift_code: kind === 'gift' ? giftCode : undefined }));
    setBusy(null);
    setDigits('');
  };
  // Quick amounts: exact, then the next round notes above what is due.
  const quick = [sale.due, ...store.cash_quick_amounts.filter((q) => q.amount > sale.due.amount)].slice(0, 4);
  const last = sale.tenders[sale.tenders.length - 1];

  // Laid out for 1024×768 and 1366×768: amount, quick cash and every tender on the left, the
  // keypad on the right, nothing below the fold.
  return (
    <div className="tender" data-testid="tender-panel">
      <div className="tender-head row between"><h2>{t('tender.title')}</h2><button className="btn btn-ghost btn-sm" onClick={onBack} disabled={sale.tenders.some((x) => x.status === 'approved')}>{t('tender.back')}</button></div>
      <div className="tender-info">
        {sale.tenders.map((x) => (
          <div key={x.tender_id} className={`tender-row status-${x.status}`} data-testid="tender-row">
            <span>{t(`tender.${x.kind}`)}{x.masked_pan ? ` ${x.masked_pan}` : ''}{x.auth_code ? ` · ${x.auth_code}` : ''}</span>
            <span>{fm(x.amount)} · {t(`tender.${x.status}`)}</span>
          </div>
        ))}
        {busy === 'card' && <div className="banner banner-info" data-testid="card-waiting">{t('tender.waiting')}</div>}
        {last?.status === 'declined' && <div className="banner banner-error">{t('tender.declined')}{last.message ? `: ${last.message}` : ''}</div>}
        {last?.status === 'unknown' && <div className="banner banner-warn">{t('tender.unknown')}</div>}
        <div className="amount-display" data-testid="tender-amount">{fm(amount)}</div>
        <input className="sr-only" aria-label={t('tender.amount')} data-testid="tender-input" value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, ''))} />
        <p className="muted small tender-hint">{t('tender.split')}</p>
        {!refund && (
          <div className="quick">
            {quick.map((q, i) => (
              <button key={i} className="btn btn-secondary" data-testid={i === 0 ? 'cash-exact' : undefined} disabled={!!busy} onClick={() => void tender('cash', q)}>
                {i === 0 ? t('tender.exact') : fm(q)}
              </button>
            ))}
          </div>
        )}
        <input className="input" placeholder={t('tender.giftCode')} aria-label={t('tender.giftCode')} value={giftCode} onChange={(e) => setGiftCode(e.target.value.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32))} />
      </div>
      <div className="tender-pad"><Keypad value={digits} onChange={setDigits} maxLength={9} /></div>
      <div className="tender-buttons grid3">
        <button className="btn btn-cash btn-xl" data-testid="tender-cash" disabled={!!busy} onClick={() => void tender('cash')}>{refund ? t('tender.refundCash') : t('tender.cash')}</button>
        <button className="btn btn-card btn-xl" data-testid="tender-card" disabled={!!busy} onClick={() => void tender('card')}>{refund ? t('tender.refundCard') : t('tender.card')}</button>
        <button className="btn btn-gift btn-xl" data-testid="tender-gift" disabled={!!busy || giftCode.length < 6} onClick={() => void tender('gift')}>{t('tender.gift')}</button>
      </div>
    </div>
  );
}

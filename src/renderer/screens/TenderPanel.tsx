import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction, useRegister } from '../context';
import type { MoneyView, SaleView } from '../../core/register-api';
import { formatMoney, keypadAmount } from '../format';
import { Keypad } from '../components/Keypad';

export function TenderPanel({ sale, onBack }: { sale: SaleView; onBack(): void }) {
  const { t } = useTranslation();
  const { api, store, claimScanner, notify } = useRegister();
  const run = useAction();
  const [digits, setDigits] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [giftCode, setGiftCode] = useState('');
  /** The hub's answer to a balance check of the typed card (null: unknown card). */
  const [card, setCard] = useState<{ code: string; balance: MoneyView; available: MoneyView } | null | undefined>(undefined);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const entered = keypadAmount(digits, sale.currency);
  const amount = digits ? entered : sale.due;
  const refund = sale.kind === 'refund';
  const customer = sale.customer ?? null;
  const pointValue = customer?.point_value ?? 1;
  const pointsWorth = customer ? Math.max(0, customer.points_available ?? 0) * pointValue : 0;
  // Partial use: a card (or the points) pays what it holds when that is less than the amount.
  const giftAmount = card && card.code === giftCode ? { ...amount, amount: Math.min(amount.amount, card.available.amount) } : amount;
  const pointsAmount = { ...amount, amount: Math.min(amount.amount, pointsWorth) };
  // A card payment with an unknown outcome blocks every tender until "Check with terminal"
  // (beside the totals) resolves it: the buttons say so instead of failing when pressed.
  const blocked = !!sale.card_check;
  const off = !!busy || blocked;
  const why = blocked ? t('cardCheck.blocked') : undefined;

  // A scan in the payment step is a gift card: it fills the number and asks for its balance.
  useEffect(() => {
    claimScanner((data) => {
      const c = data.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32);
      setGiftCode(c);
      void checkCard(c);
    });
    return () => claimScanner(null);
    // checkCard reads only api, run and t, which live as long as the panel.
  }, [claimScanner]);

  const checkCard = async (code: string) => {
    if (!/^[0-9A-Za-z-]{6,32}$/.test(code)) return;
    const r = await run(() => api.call('giftcard.balance', { code }));
    if (r === undefined) return;
    setCard(r ? { code, balance: r.balance, available: r.available } : null);
    if (!r) notify(t('tender.giftUnknown', { code }), 'error');
  };

  const tender = async (kind: 'cash' | 'card' | 'gift' | 'points', amt = amount) => {
    if (amt.amount <= 0) return;
    setBusy(kind);
    const r = await run(() => api.call('sale.tender', { kind, amount: amt, gift_code: kind === 'gift' ? giftCode : undefined }));
    setBusy(null);
    setDigits('');
    if (r && kind === 'gift') {
      if (amt.amount < amount.amount && r.due.amount > 0) notify(t('tender.giftPartial', { amount: fm(amt) }));
      setCard(undefined);
      void checkCard(giftCode);
    }
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
            <span>{fm(x.amount)} · {t(x.status === 'unknown' ? 'tender.unknownShort' : `tender.${x.status}`)}</span>
          </div>
        ))}
        {busy === 'card' && <div className="banner banner-info" data-testid="card-waiting">{t('tender.waiting')}</div>}
        {last?.status === 'declined' && <div className="banner banner-error">{t('tender.declined')}{last.message ? `: ${last.message}` : ''}</div>}
        {/* The card-check panel explains an open unknown payment; this says only why nothing can be paid now. */}
        {blocked ? <div className="banner banner-warn" data-testid="tender-blocked" role="status">{why}</div>
          : last?.status === 'unknown' && <div className="banner banner-warn">{t('tender.unknown')}</div>}
        <div className="amount-display" data-testid="tender-amount">{fm(amount)}</div>
        <input className="sr-only" aria-label={t('tender.amount')} data-testid="tender-input" value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, ''))} />
        <p className="muted small tender-hint">{t('tender.split')}</p>
        {!refund && (
          <div className="quick">
            {quick.map((q, i) => (
              <button key={i} className="btn btn-secondary" data-testid={i === 0 ? 'cash-exact' : undefined} disabled={off} title={why} onClick={() => void tender('cash', q)}>
                {i === 0 ? t('tender.exact') : fm(q)}
              </button>
            ))}
          </div>
        )}
        {!refund && (
          <div className="row gap">
            <input className="input grow" data-testid="tender-gift-code" placeholder={t('tender.giftCode')} aria-label={t('tender.giftCode')} value={giftCode}
              onChange={(e) => { setGiftCode(e.target.value.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32)); setCard(undefined); }}
              onKeyDown={(e) => e.key === 'Enter' && void checkCard(giftCode)} />
            <button className="btn btn-secondary" data-testid="tender-gift-check" disabled={giftCode.length < 6} onClick={() => void checkCard(giftCode)}>{t('tender.balance')}</button>
          </div>
        )}
        {card && card.code === giftCode && <div className="banner banner-info" data-testid="tender-gift-balance">{t('tender.giftBalance', { code: card.code.slice(-4), balance: fm(card.balance), available: fm(card.available) })}</div>}
        {customer && !refund && <div className="banner banner-info" data-testid="tender-points-available">{customer.name}: {t('tender.pointsAvailable', { points: customer.points_available ?? 0, value: fm({ amount: pointsWorth, currency: sale.currency }) })}</div>}
      </div>
      <div className="tender-pad"><Keypad value={digits} onChange={setDigits} maxLength={9} /></div>
      <div className={`tender-buttons ${customer && !refund ? 'grid4' : 'grid3'}`}>
        <button className="btn btn-cash btn-xl" data-testid="tender-cash" disabled={off} title={why} onClick={() => void tender('cash')}>{refund ? t('tender.refundCash') : t('tender.cash')}</button>
        <button className="btn btn-card btn-xl" data-testid="tender-card" disabled={off} title={why} onClick={() => void tender('card')}>{refund ? t('tender.refundCard') : t('tender.card')}</button>
        <button className="btn btn-gift btn-xl" data-testid="tender-gift" title={why} disabled={off || giftCode.length < 6 || giftAmount.amount <= 0} onClick={() => void tender('gift', giftAmount)}>{t('tender.gift')}</button>
        {customer && !refund && <button className="btn btn-points btn-xl" data-testid="tender-points" title={why} disabled={off || pointsAmount.amount < pointValue} onClick={() => void tender('points', pointsAmount)}>{t('tender.points')}</button>}
      </div>
    </div>
  );
}

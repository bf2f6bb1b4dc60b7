import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction, useRegister } from '../context';
import { formatMoney, keypadAmount } from '../format';
import { Keypad } from './Keypad';

type Balance = { gift_card_id: string; balance: { amount: number; currency: string }; available: { amount: number; currency: string } } | null;

// Sell or reload a gift card (a line of the sale: no tax, no discount, no points) and check a
// card's balance at the hub. A scan while the dialog is open fills the card number.
export function GiftCardDialog({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const { api, store, claimScanner } = useRegister();
  const run = useAction();
  const [code, setCode] = useState('');
  const [digits, setDigits] = useState('');
  const [balance, setBalance] = useState<Balance | undefined>(undefined);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const valid = /^[0-9A-Za-z-]{6,32}$/.test(code);
  const amount = keypadAmount(digits, store.currency);

  const check = useCallback(async (c: string) => {
    const r = await run(() => api.call('giftcard.balance', { code: c }));
    if (r !== undefined) setBalance(r);
  }, [api, run]);

  useEffect(() => {
    claimScanner((data) => {
      const c = data.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32);
      setCode(c);
      setBalance(undefined);
      if (/^[0-9A-Za-z-]{6,32}$/.test(c)) void check(c);
    });
    return () => claimScanner(null);
  }, [claimScanner, check]);

  const load = async () => {
    const r = await run(() => api.call('giftcard.load', { code, amount }));
    if (r) onClose();
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label={t('giftcard.title')}>
      <div className="modal modal-wide" data-testid="giftcard-dialog">
        <div className="row between"><h2>{t('giftcard.title')}</h2><button className="btn btn-ghost btn-sm" onClick={onClose}>{t('common.close')}</button></div>
        <div className="row gap">
          <input className="input grow" autoFocus data-testid="giftcard-code" placeholder={t('giftcard.scanHint')} aria-label={t('giftcard.code')} value={code}
            onChange={(e) => { setCode(e.target.value.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32)); setBalance(undefined); }}
            onKeyDown={(e) => e.key === 'Enter' && valid && void check(code)} />
          <button className="btn btn-secondary" data-testid="giftcard-check" disabled={!valid} onClick={() => void check(code)}>{t('giftcard.check')}</button>
        </div>
        {balance !== undefined && (
          <div className={`banner ${balance ? 'banner-info' : 'banner-warn'}`} data-testid="giftcard-balance">
            {balance ? t('giftcard.balance', { balance: fm(balance.balance), available: fm(balance.available) }) : t('giftcard.unknown')}
          </div>
        )}
        <div className="giftcard-load">
          <div>
            <span className="muted small">{t('giftcard.amount')}</span>
            <div className="amount-display" data-testid="giftcard-amount">{fm(amount)}</div>
            <input className="sr-only" aria-label={t('giftcard.amount')} data-testid="giftcard-amount-input" value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, '').slice(0, 7))} />
            <button className="btn btn-gift btn-block" data-testid="giftcard-load" disabled={!valid || amount.amount <= 0} onClick={() => void load()}>{t('giftcard.load')}</button>
          </div>
          <Keypad value={digits} onChange={setDigits} maxLength={7} />
        </div>
      </div>
    </div>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleView } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney } from '../format';

// A card payment whose result the terminal never reported. The customer may have been
// charged, so nothing else can be paid until the terminal is asked (one button); the state
// comes from the journal, so it is still here after a restart.
export function CardCheck({ check }: { check: NonNullable<SaleView['card_check']> }) {
  const { t } = useTranslation();
  const { api, store } = useRegister();
  const run = useAction();
  const [busy, setBusy] = useState(false);
  return (
    <div className="banner banner-warn card-check" data-testid="card-check" role="alert">
      <strong>{t('cardCheck.title')}</strong>
      <span className="small">{t('cardCheck.hint', { amount: formatMoney(check.amount, store.locale), ref: check.reference })}</span>
      <button className="btn btn-primary btn-block" data-testid="check-terminal" disabled={busy}
        onClick={() => { setBusy(true); void run(() => api.call('sale.checkCard', {})).finally(() => setBusy(false)); }}>
        {busy ? t('tender.waiting') : t('cardCheck.button')}
      </button>
    </div>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction, useRegister } from '../context';
import { Keypad } from '../components/Keypad';
import { formatMoney, keypadAmount } from '../format';

export function OpenShift({ cashierName }: { cashierName: string }) {
  const { t } = useTranslation();
  const { api, store } = useRegister();
  const run = useAction();
  const [digits, setDigits] = useState('');
  const amount = keypadAmount(digits, store.currency);
  return (
    <div className="center-screen">
      <div className="card signin">
        <h1>{t('shift.openTitle')}</h1>
        <p className="muted">{cashierName}</p>
        <label className="field"><span>{t('shift.float')}</span>
          <div className="amount-display" data-testid="float-amount">{formatMoney(amount, store.locale)}</div>
        </label>
        <input className="sr-only" aria-label={t('shift.float')} data-testid="float-input" value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, ''))} />
        <Keypad value={digits} onChange={setDigits} maxLength={9} />
        <div className="row gap">
          <button className="btn btn-ghost" onClick={() => void run(() => api.call('session.signOut', {}))}>{t('shift.signOut')}</button>
          <button className="btn btn-primary grow" data-testid="open-shift" onClick={() => void run(() => api.call('shift.open', { opening_float: amount }))}>{t('shift.open')}</button>
        </div>
      </div>
    </div>
  );
}

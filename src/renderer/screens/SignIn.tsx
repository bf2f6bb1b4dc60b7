import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction, useRegister } from '../context';
import { Keypad } from '../components/Keypad';

export function SignIn() {
  const { t } = useTranslation();
  const { api, store } = useRegister();
  const run = useAction();
  const [cashier, setCashier] = useState('');
  const [pin, setPin] = useState('');
  const [field, setField] = useState<'cashier' | 'pin'>('cashier');
  const submit = () => void run(() => api.call('session.signIn', { cashier_id: cashier, pin }));
  return (
    <div className="center-screen">
      <div className="card signin">
        <div className="brand big-brand"><span className="logo">◆</span> Tillstream</div>
        <p className="muted">{store.store_name} · {t('app.register', { id: store.terminal_id ?? '—' })}</p>
        <h1>{t('signin.title')}</h1>
        <p className="muted">{t('signin.hint')}</p>
        <label className="field">
          <span>{t('signin.cashier')}</span>
          <input className="input big" data-testid="signin-cashier" inputMode="numeric" autoFocus value={cashier}
            onFocus={() => setField('cashier')} onChange={(e) => setCashier(e.target.value.trim().slice(0, 32))}
            onKeyDown={(e) => e.key === 'Enter' && setField('pin')} />
        </label>
        <label className="field">
          <span>{t('signin.pin')}</span>
          <input className="input big" data-testid="signin-pin" type="password" inputMode="numeric" value={pin}
            ref={(el) => { if (el && field === 'pin') el.focus(); }}
            onFocus={() => setField('pin')} onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 8))}
            onKeyDown={(e) => e.key === 'Enter' && submit()} />
        </label>
        <Keypad value={field === 'cashier' ? cashier : pin} onChange={field === 'cashier' ? setCashier : setPin} maxLength={8} />
        <button className="btn btn-primary btn-block" data-testid="signin-submit" disabled={!cashier || pin.length < 4} onClick={submit}>{t('signin.submit')}</button>
      </div>
    </div>
  );
}

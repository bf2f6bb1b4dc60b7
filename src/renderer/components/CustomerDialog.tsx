import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegisterCustomerView } from '../../core/register-api';
import { useAction, useRegister } from '../context';

type By = 'loyalty_id' | 'phone' | 'name';

// Attach a customer to the sale (docs/loyalty.md): scan the loyalty card (a scan goes here
// while the dialog is open, wherever focus is), or search by phone or name, or create one.
// The register answers from the hub; offline it creates a provisional customer the hub merges
// later, and finds only those created here. The screen shows what the register is sent:
// name, card number, last four digits of the phone, points — never more.
export function CustomerDialog({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const { api, claimScanner, notify } = useRegister();
  const run = useAction();
  const [mode, setMode] = useState<By | 'new'>('loyalty_id');
  const [q, setQ] = useState('');
  const [found, setFound] = useState<RegisterCustomerView[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({ name: '', phone: '', loyalty_id: '', email: '', marketing: false });

  const attach = useCallback(async (c: RegisterCustomerView) => {
    const r = await run(() => api.call('customer.attach', { customer_id: c.customer_id }));
    if (r) onClose();
  }, [api, run, onClose]);

  const search = useCallback(async (by: By, text: string) => {
    const query = text.trim();
    if (!query) return;
    setBusy(true);
    const r = await run(() => api.call('customer.find', { by, q: query }));
    setBusy(false);
    if (!r) return;
    setFound(r);
    // A card scan names one customer: attach at once, as the cashier expects from a scan.
    if (by === 'loyalty_id' && r.length === 1) await attach(r[0]!);
  }, [api, run, attach]);

  useEffect(() => {
    claimScanner((data) => {
      setMode('loyalty_id');
      setQ(data);
      void search('loyalty_id', data);
    });
    return () => claimScanner(null);
  }, [claimScanner, search]);

  const create = async () => {
    const name = form.name.trim();
    if (!name) return;
    setBusy(true);
    const c = await run(() => api.call('customer.create', {
      name,
      marketing: form.marketing,
      ...(form.phone ? { phone: form.phone } : {}),
      ...(form.loyalty_id ? { loyalty_id: form.loyalty_id } : {}),
      ...(form.email.trim() ? { email: form.email.trim() } : {}),
    }));
    setBusy(false);
    if (!c) return;
    notify(t('customer.created', { name: c.name }));
    await attach(c);
  };

  const hint = mode === 'loyalty_id' ? t('customer.scanHint') : mode === 'phone' ? t('customer.phoneHint') : t('customer.nameHint');
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label={t('customer.title')}>
      <div className="modal modal-wide" data-testid="customer-dialog">
        <div className="row between"><h2>{t('customer.title')}</h2><button className="btn btn-ghost btn-sm" onClick={onClose}>{t('common.close')}</button></div>
        <div className="segmented">
          {(['loyalty_id', 'phone', 'name', 'new'] as const).map((m) => (
            <button key={m} data-testid={`customer-mode-${m}`} className={mode === m ? 'on' : ''} onClick={() => { setMode(m); setFound(null); setQ(''); }}>
              {t(m === 'loyalty_id' ? 'customer.card' : m === 'new' ? 'customer.create' : `customer.${m}`)}
            </button>
          ))}
        </div>
        {mode !== 'new' ? (
          <>
            <div className="row gap">
              <input className="input grow" autoFocus data-testid="customer-query" placeholder={hint} aria-label={hint} value={q} inputMode={mode === 'phone' ? 'tel' : 'text'}
                onChange={(e) => setQ(e.target.value.slice(0, 80))} onKeyDown={(e) => e.key === 'Enter' && void search(mode, q)} />
              <button className="btn btn-primary" data-testid="customer-search" disabled={busy || !q.trim()} onClick={() => void search(mode, q)}>{t('customer.search')}</button>
            </div>
            <div className="customer-results" data-testid="customer-results">
              {found && found.length === 0 && <p className="muted">{t('customer.none')}</p>}
              {found?.map((c) => (
                <button key={c.customer_id} className="customer-row" data-testid="customer-result" onClick={() => void attach(c)}>
                  <span className="customer-who">
                    <strong>{c.name}</strong>
                    <span className="muted small">{[c.loyalty_id, c.phone_last4 ? `··${c.phone_last4}` : null].filter(Boolean).join(' · ')}</span>
                    {c.provisional && <span className="tag tag-warn">{t('customer.provisional')}</span>}
                  </span>
                  <span className="customer-points">{t('customer.points', { points: c.points })}</span>
                  <span className="btn btn-secondary btn-sm">{t('customer.attach')}</span>
                </button>
              ))}
            </div>
          </>
        ) : (
          <div className="customer-form">
            <label>{t('customer.newName')}<input className="input" autoFocus data-testid="customer-new-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value.slice(0, 120) })} /></label>
            <label>{t('customer.newPhone')}<input className="input" data-testid="customer-new-phone" inputMode="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value.replace(/\D/g, '').slice(0, 20) })} /></label>
            <label>{t('customer.newCard')}<input className="input" data-testid="customer-new-card" value={form.loyalty_id} onChange={(e) => setForm({ ...form, loyalty_id: e.target.value.replace(/[^0-9A-Za-z-]/g, '').slice(0, 32) })} /></label>
            <label>{t('customer.newEmail')}<input className="input" data-testid="customer-new-email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value.slice(0, 200) })} /></label>
            <label className="check"><input type="checkbox" data-testid="customer-new-marketing" checked={form.marketing} onChange={(e) => setForm({ ...form, marketing: e.target.checked })} /> {t('customer.marketing')}</label>
            <button className="btn btn-primary" data-testid="customer-create" disabled={busy || !form.name.trim()} onClick={() => void create()}>{t('customer.createAttach')}</button>
          </div>
        )}
      </div>
    </div>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from './Keypad';

export function ApprovalDialog({ what, error, onSubmit, onCancel }: { what: string; error?: string; onSubmit(pin: string): void; onCancel(): void }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-label={t('approval.title')}>
      <div className="modal">
        <h2>{t('approval.title')}</h2>
        <p>{t('approval.hint', { what })}</p>
        {error && <p className="error-text">{error}</p>}
        <input
          className="input big"
          type="password"
          inputMode="numeric"
          autoFocus
          aria-label={t('approval.pin')}
          placeholder={t('approval.pin')}
          value={pin}
          data-testid="approval-pin"
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 8))}
          onKeyDown={(e) => e.key === 'Enter' && pin.length >= 4 && onSubmit(pin)}
        />
        <Keypad value={pin} onChange={setPin} maxLength={8} />
        <div className="row gap">
          <button className="btn btn-ghost" onClick={onCancel}>{t('common.cancel')}</button>
          <button className="btn btn-primary" data-testid="approval-ok" disabled={pin.length < 4} onClick={() => onSubmit(pin)}>{t('common.confirm')}</button>
        </div>
      </div>
    </div>
  );
}

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuickKeyView } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatMoney } from '../format';

// The quick-key grid: goods without a barcode (bread, coffee, loose produce), laid out by HQ
// in the catalog (groups and positions). One touch adds the item; a kg item is weighed on the
// scale by the register. Groups are tabs, so the grid stays two rows high on a 768-px screen.
export function QuickKeys({ disabled }: { disabled: boolean }) {
  const { t } = useTranslation();
  const { api, store } = useRegister();
  const run = useAction();
  const [keys, setKeys] = useState<QuickKeyView[]>([]);
  const [group, setGroup] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('catalog.quickKeys', {}).then((k) => live && setKeys(k), () => {});
    return () => {
      live = false;
    };
  }, [api]);
  if (keys.length === 0) return null;
  const groups = [...new Set(keys.map((k) => k.group))];
  const current = group && groups.includes(group) ? group : groups[0]!;
  return (
    <div className="quick-keys" data-testid="quick-keys" aria-label={t('sale.quickKeys')}>
      {groups.length > 1 && (
        <div className="qk-tabs" role="tablist">
          {groups.map((g) => (
            <button key={g} role="tab" aria-selected={g === current} className={g === current ? 'on' : ''} onClick={() => setGroup(g)}>{g}</button>
          ))}
        </div>
      )}
      <div className="qk-grid">
        {keys.filter((k) => k.group === current).slice(0, 8).map((k) => (
          <button key={k.sku} className="qk" data-testid="quick-key" data-sku={k.sku} disabled={disabled}
            onClick={() => void run(() => api.call('sale.addSku', { sku: k.sku }))}>
            <span className="qk-label">{k.label}</span>
            <span className="qk-price">{formatMoney(k.price, store.locale)}{k.unit === 'kg' ? ` ${t('sale.perKg')}` : ''}</span>
          </button>
        ))}
      </div>
    </div>
  );
}

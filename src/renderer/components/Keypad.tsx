import { useTranslation } from 'react-i18next';

// A big-button numeric keypad for touch screens; physical keys work too (the input keeps focus).
export function Keypad({ value, onChange, onEnter, maxLength = 12, testId }: { value: string; onChange(v: string): void; onEnter?(): void; maxLength?: number; testId?: string }) {
  const { t } = useTranslation();
  const press = (k: string) => {
    if (k === 'C') onChange('');
    else if (k === '⌫') onChange(value.slice(0, -1));
    else if (value.length < maxLength) onChange(value + k);
  };
  return (
    <div className="keypad" data-testid={testId}>
      {['7', '8', '9', '4', '5', '6', '1', '2', '3', 'C', '0', '⌫'].map((k) => (
        <button key={k} type="button" className={`key ${k === 'C' ? 'key-muted' : ''}`} onClick={() => press(k)} aria-label={k === 'C' ? t('common.clear') : k}>
          {k}
        </button>
      ))}
      {onEnter && (
        <button type="button" className="key key-enter" onClick={onEnter}>
          {t('common.enter')}
        </button>
      )}
    </div>
  );
}

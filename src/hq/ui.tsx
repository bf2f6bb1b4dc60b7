import { createContext, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import type { Api, Me, StoreRow } from './api';
import type { Live } from './live';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { currentLocale } from './i18n';

// Shared pieces of the console: the session context and small accessible building blocks.

export interface Session {
  api: Api;
  me: Me;
  stores: StoreRow[];
  live: Live;
  reloadStores(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in console');
  return s;
}

export function storeName(stores: StoreRow[], id: string): string {
  return stores.find((s) => s.store_id === id)?.name ?? id;
}
export function storeCurrency(stores: StoreRow[], id: string): string {
  return stores.find((s) => s.store_id === id)?.currency ?? 'USD';
}

export function PageHeader(props: { title: string; children?: ReactNode; subtitle?: string }) {
  return (
    <header className="page-head">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle ? <p className="muted">{props.subtitle}</p> : null}
      </div>
      <div className="page-actions">{props.children}</div>
    </header>
  );
}

export function StoreSelect(props: { value: string; onChange(v: string): void; all?: boolean; label?: string; testId?: string }) {
  const { stores } = useSession();
  const { t } = useTranslation();
  const id = useId();
  return (
    <label className="field" htmlFor={id}>
      <span>{props.label ?? t('common.store')}</span>
      <select id={id} data-testid={props.testId ?? 'store-select'} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.all ? <option value="">{t('common.allStores')}</option> : null}
        {stores.map((s) => (
          <option key={s.store_id} value={s.store_id}>
            {s.name} ({s.store_id})
          </option>
        ))}
      </select>
    </label>
  );
}

/** A status line read out by screen readers (role=status) or, for errors, announced at once (role=alert). */
export function Notice(props: { kind: 'ok' | 'error' | 'info'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'} data-testid={props.testId}>
      {props.children}
    </div>
  );
}

export function Progress(props: { done: number; total: number; label: string; testId?: string }) {
  const pct = props.total ? Math.round((props.done / props.total) * 100) : 0;
  return (
    <div className="progress" data-testid={props.testId ?? 'progress'}>
      <div className="progress-label">
        {props.label} — {i18next.t('common.of', { done: props.done, total: props.total })}
      </div>
      <div className="progress-track" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={props.total} aria-valuenow={props.done}>
        <div className="progress-bar" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}

/** Loads once per dependency change; `reload` runs it again. Errors become text. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; loading: boolean; reload(): void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    fn().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, loading, reload: () => setN((x) => x + 1) };
}

export function timeText(iso: string | null, locale = currentLocale()): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return i18next.t('common.never');
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return i18next.t('ago.s', { n: s });
  if (s < 3600) return i18next.t('ago.min', { n: Math.round(s / 60) });
  if (s < 86400) return i18next.t('ago.h', { n: Math.round(s / 3600) });
  return i18next.t('ago.d', { n: Math.round(s / 86400) });
}

export const TYPE_LABEL: Record<string, string> = {
  'sale.completed': 'Sale',
  'sale.refunded': 'Refund',
  'sale.post_voided': 'Post-void',
  'sale.voided': 'Voided',
  'shift.opened': 'Shift opened',
  'shift.closed': 'Shift closed',
};
export const typeLabel = (t: string) => (TYPE_LABEL[t] ? i18next.t(`type.${t}`, { defaultValue: TYPE_LABEL[t] }) : t);

import { createContext, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import type { Api, Me, StoreRow } from './api';
import type { Live } from './live';

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
  const id = useId();
  return (
    <label className="field" htmlFor={id}>
      <span>{props.label ?? 'Store'}</span>
      <select id={id} data-testid={props.testId ?? 'store-select'} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.all ? <option value="">All stores</option> : null}
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
        {props.label} — {props.done} of {props.total}
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

export function timeText(iso: string | null, locale = navigator.language || 'en-US'): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export const TYPE_LABEL: Record<string, string> = {
  'sale.completed': 'Sale',
  'sale.refunded': 'Refund',
  'sale.post_voided': 'Post-void',
  'sale.voided': 'Voided',
  'shift.opened': 'Shift opened',
  'shift.closed': 'Shift closed',
};
export const typeLabel = (t: string) => TYPE_LABEL[t] ?? t;

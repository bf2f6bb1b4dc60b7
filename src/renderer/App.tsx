import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertView, RegisterApi, SaleView, ShiftReport, StoreInfo, SyncStatus } from '../core/register-api';
import { RegisterError } from '../core/register-api';
import { errorMessage, Provide, useStream, type Approval } from './context';
import { StatusBar } from './components/StatusBar';
import { ApprovalDialog } from './components/ApprovalDialog';
import { SignIn } from './screens/SignIn';
import { OpenShift } from './screens/OpenShift';
import { SaleScreen } from './screens/SaleScreen';
import { RefundScreen } from './screens/RefundScreen';
import { ReportView, ShiftScreen } from './screens/ShiftScreen';
import { StoreIT } from './screens/StoreIT';
import { useWedgeScanner } from './hooks';
import { formatMoney } from './format';

type Screen = 'sale' | 'refund' | 'shift' | 'it';

const EMPTY_SYNC: SyncStatus = {
  online: false, hub_url: null, enrolled: false, terminal_id: null, store_id: null, last_seq: 0, applied_through: 0,
  unsynced: 0, oldest_unsynced_at: null, change_cursor: 0, last_error: null,
};

interface PendingApproval {
  what: string;
  error?: string;
  resolve(a: Approval | null): void;
}

export function App({ api, initialStore, initialSale, bridge }: { api: RegisterApi; initialStore: StoreInfo; initialSale: SaleView; bridge?: { onConnection(l: (c: boolean) => void): () => void } }) {
  const { t } = useTranslation();
  const [store, setStore] = useState(initialStore);
  const [sale] = useStream(api, 'sale', initialSale);
  const [session, setSession] = useStream(api, 'session', { cashier: null, shift: null });
  const [sync] = useStream(api, 'sync', EMPTY_SYNC);
  const [devices] = useStream(api, 'devices', []);
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [notice, setNotice] = useState<{ message: string; kind: 'error' | 'info' } | null>(null);
  const [screen, setScreen] = useState<Screen>('sale');
  const [approval, setApproval] = useState<PendingApproval | null>(null);
  const [bridgeUp, setBridgeUp] = useState(true);
  const [zReport, setZReport] = useState<ShiftReport | null>(null);
  const noticeTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => bridge?.onConnection(setBridgeUp), [bridge]);
  useEffect(() => {
    void api.call('session.current', {}).then(setSession).catch(() => {});
    void api.call('sync.status', {}).catch(() => {});
  }, [api, setSession]);
  useEffect(
    () =>
      api.on('alert', (a) => {
        // At most two (newest first), so the screen below keeps room for every action of its step.
        setAlerts((xs) => [a, ...xs.filter((x) => x.alert_id !== a.alert_id)].slice(0, 2));
        // Information goes away by itself; warnings and errors stay until dismissed.
        if (a.severity === 'info') setTimeout(() => setAlerts((xs) => xs.filter((x) => x.alert_id !== a.alert_id)), 12_000);
      }),
    [api],
  );

  const notify = useCallback((message: string, kind: 'error' | 'info' = 'info') => {
    setNotice({ message, kind });
    clearTimeout(noticeTimer.current);
    noticeTimer.current = setTimeout(() => setNotice(null), 6000);
  }, []);

  const withApproval = useCallback(async <T,>(what: string, fn: (a?: Approval) => Promise<T>): Promise<T | undefined> => {
    let a: Approval | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return await fn(a);
      } catch (err) {
        if (err instanceof RegisterError && (err.code === 'APPROVAL_REQUIRED' || err.code === 'APPROVAL_DENIED')) {
          const given = await new Promise<Approval | null>((resolve) => setApproval({ what, error: err.code === 'APPROVAL_DENIED' ? t('approval.denied') : undefined, resolve }));
          setApproval(null);
          if (!given) return undefined;
          a = given;
          continue;
        }
        notify(errorMessage(err), 'error');
        return undefined;
      }
    }
    return undefined;
  }, [notify, t]);

  const scanTarget = useRef<((data: string) => void) | null>(null);
  const claimScanner = useCallback((onScan: ((data: string) => void) | null) => { scanTarget.current = onScan; }, []);
  const ctx = useMemo(() => ({ api, store, setStore, withApproval, notify, claimScanner }), [api, store, withApproval, notify, claimScanner]);

  const signedIn = !!session.cashier;
  const selling = signedIn && !!session.shift && screen === 'sale';
  // The scanner works on the sale screen wherever focus is (not while a PIN dialog is open).
  useWedgeScanner((data) => {
    if (scanTarget.current) return scanTarget.current(data);
    api.call('sale.scan', { data }).catch((err) => notify(errorMessage(err), 'error'));
  }, selling && !approval);

  useEffect(() => {
    const keys = (e: KeyboardEvent) => {
      if (!signedIn || !session.shift) return;
      if (e.key === 'F9') { e.preventDefault(); setScreen('shift'); }
      if (e.key === 'F10') { e.preventDefault(); setScreen('it'); }
      if (e.key === 'F1') { e.preventDefault(); setScreen('sale'); }
    };
    window.addEventListener('keydown', keys);
    return () => window.removeEventListener('keydown', keys);
  }, [signedIn, session.shift]);

  let body;
  if (zReport) {
    body = (
      <div className="page">
        <ReportView report={zReport} />
        <div className="row end">
          <button className="btn btn-primary btn-xl" data-testid="report-done" onClick={() => { setZReport(null); setScreen('sale'); void api.call('session.signOut', {}).catch(() => {}); }}>{t('shift.done')}</button>
        </div>
      </div>
    );
  } else if (!signedIn) body = <SignIn />;
  else if (!session.shift) body = <OpenShift cashierName={session.cashier!.name} />;
  else if (screen === 'refund') body = <RefundScreen onDone={() => setScreen('sale')} />;
  else if (screen === 'shift') body = <ShiftScreen sync={sync} onBack={() => setScreen('sale')} onClosed={setZReport} />;
  else if (screen === 'it') body = <StoreIT devices={devices} sync={sync} onBack={() => setScreen('sale')} />;
  else body = <SaleScreen sale={sale} onReturn={() => setScreen('refund')} />;

  return (
    <Provide value={ctx}>
      <div className="app">
        <header className="topbar">
          <div className="brand"><span className="logo">◆</span> Tillstream <span className="muted">· {store.store_name}</span></div>
          {signedIn && session.shift && (
            <nav className="nav">
              {(['sale', 'shift', 'it'] as const).map((s, i) => (
                <button key={s} data-testid={`nav-${s}`} className={screen === s || (s === 'sale' && screen === 'refund') ? 'on' : ''} onClick={() => setScreen(s)}>
                  {t(`nav.${s}`)} <kbd>{['F1', 'F9', 'F10'][i]}</kbd>
                </button>
              ))}
            </nav>
          )}
          <div className="who">
            {session.cashier && <span data-testid="cashier-name">{session.cashier.name}</span>}
            <span className="muted">{t('app.register', { id: store.terminal_id ?? '—' })}</span>
            {session.cashier && <button className="btn btn-ghost btn-sm" data-testid="sign-out" onClick={() => void api.call('session.signOut', {}).catch((e) => notify(errorMessage(e), 'error'))}>{t('shift.signOut')}</button>}
          </div>
        </header>
        {alerts.length > 0 && (
          <div className="alerts" data-testid="alerts">
            {alerts.map((a) => (
              <div key={a.alert_id} className={`alert alert-${a.severity}`} data-testid={`alert-${a.kind}`}>
                <span>{a.message}</span>
                <button className="btn btn-ghost btn-sm" onClick={() => setAlerts((xs) => xs.filter((x) => x.alert_id !== a.alert_id))}>{t('alerts.dismiss')}</button>
              </div>
            ))}
          </div>
        )}
        {notice && <div className={`notice notice-${notice.kind}`} data-testid="notice" role="status" onClick={() => setNotice(null)}>{notice.message}</div>}
        <main className="content">{body}</main>
        <StatusBar sync={sync} devices={devices} bridgeUp={bridgeUp} />
        {approval && <ApprovalDialog what={approval.what} error={approval.error} onCancel={() => approval.resolve(null)} onSubmit={(pin) => approval.resolve({ manager_pin: pin })} />}
        <span hidden data-testid="fmt-probe">{formatMoney({ amount: 0, currency: store.currency }, store.locale)}</span>
      </div>
    </Provide>
  );
}

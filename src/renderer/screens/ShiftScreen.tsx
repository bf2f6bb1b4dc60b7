import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ShiftReport, SyncStatus } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { formatDateTime, formatMoney, keypadAmount, relativeAge } from '../format';
import { Keypad } from '../components/Keypad';

type Mode = 'menu' | 'drop' | 'paidIn' | 'paidOut' | 'close';

export function ShiftScreen({ sync, onBack, onClosed }: { sync: SyncStatus; onBack(): void; onClosed(z: ShiftReport): void }) {
  const { t } = useTranslation();
  const { api, store, withApproval } = useRegister();
  const run = useAction();
  const [mode, setMode] = useState<Mode>('menu');
  const [digits, setDigits] = useState('');
  const [reason, setReason] = useState('');
  const [report, setReport] = useState<ShiftReport | null>(null);
  const amount = keypadAmount(digits, store.currency);
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const finish = () => { setDigits(''); setReason(''); setMode('menu'); };

  const submit = async () => {
    if (mode === 'drop') await withApproval(t('shift.drop'), (approval) => api.call('cash.drop', { amount, approval }));
    if (mode === 'paidIn') await run(() => api.call('cash.paidIn', { amount, reason }));
    if (mode === 'paidOut') await withApproval(t('shift.paidOut'), (approval) => api.call('cash.paidOut', { amount, reason, approval }));
    if (mode === 'close') {
      const r = await withApproval(t('shift.z'), (approval) => api.call('shift.close', { counted_cash: amount, approval }));
      // The shift is gone once closed; the app shows the Z report until the cashier is done.
      if (r) onClosed(r);
    }
    finish();
  };

  if (report) {
    return (
      <div className="page">
        <ReportView report={report} />
        <div className="row end"><button className="btn btn-primary btn-xl" data-testid="report-done" onClick={() => setReport(null)}>{t('shift.done')}</button></div>
      </div>
    );
  }
  return (
    <div className="page" data-testid="shift-screen">
      <div className="row between"><h1>{t('shift.title')}</h1><button className="btn btn-ghost" onClick={onBack}>{t('common.back')}</button></div>
      {mode === 'menu' ? (
        <div className="tiles">
          <button className="tile" data-testid="x-report" onClick={() => void run(async () => setReport(await api.call('report.x', {})))}>▤<span>{t('shift.x')}</span></button>
          <button className="tile" onClick={() => setMode('drop')}>⇩<span>{t('shift.drop')}</span></button>
          <button className="tile" onClick={() => setMode('paidIn')}>＋<span>{t('shift.paidIn')}</span></button>
          <button className="tile" onClick={() => setMode('paidOut')}>－<span>{t('shift.paidOut')}</span></button>
          <button className="tile" data-testid="no-sale" onClick={() => void withApproval(t('shift.noSale'), (approval) => api.call('drawer.noSale', { approval }))}>⎚<span>{t('shift.noSale')}</span></button>
          <button className="tile tile-danger" data-testid="close-shift" onClick={() => setMode('close')}>■<span>{t('shift.z')}</span></button>
        </div>
      ) : (
        <div className="card narrow">
          <h2>{t(mode === 'close' ? 'shift.z' : mode === 'drop' ? 'shift.drop' : mode === 'paidIn' ? 'shift.paidIn' : 'shift.paidOut')}</h2>
          {mode === 'close' && <p className="muted">{t('shift.blind')}</p>}
          {mode === 'close' && sync.unsynced > 0 && <div className="banner banner-warn" data-testid="unsynced-warning">{t('shift.unsyncedWarn', { count: sync.unsynced, age: relativeAge(sync.oldest_unsynced_at) })}</div>}
          <div className="amount-display" data-testid="shift-amount">{fm(amount)}</div>
          <input className="sr-only" aria-label={t('shift.amount')} data-testid="shift-amount-input" value={digits} onChange={(e) => setDigits(e.target.value.replace(/\D/g, ''))} />
          {(mode === 'paidIn' || mode === 'paidOut') && <input className="input" placeholder={t('shift.reason')} aria-label={t('shift.reason')} value={reason} onChange={(e) => setReason(e.target.value.slice(0, 80))} />}
          <Keypad value={digits} onChange={setDigits} maxLength={9} />
          <div className="row gap">
            <button className="btn btn-ghost" onClick={finish}>{t('common.cancel')}</button>
            <button className="btn btn-primary grow" data-testid="shift-submit" disabled={(mode === 'paidIn' || mode === 'paidOut') && !reason} onClick={() => void submit()}>{mode === 'close' ? t('shift.closeNow') : t('common.confirm')}</button>
          </div>
        </div>
      )}
    </div>
  );
}

export function ReportView({ report }: { report: ShiftReport }) {
  const { t } = useTranslation();
  const { store } = useRegister();
  const fm = (m: { amount: number; currency: string }) => formatMoney(m, store.locale);
  const row = (label: string, value: string, cls = '') => <div className={`row between ${cls}`}><span>{label}</span><span>{value}</span></div>;
  return (
    <div className="card report" data-testid={`report-${report.kind}`}>
      <h1>{t('report.title', { kind: report.kind })}</h1>
      <p className="muted">{report.cashier} · {formatDateTime(report.opened_at, store.locale)}{report.closed_at ? ` – ${formatDateTime(report.closed_at, store.locale)}` : ''}</p>
      <div className="report-cols">
        <div>
          {row(t('report.sales'), String(report.sales_count))}
          {row(t('report.refunds'), `${report.refunds_count} · ${fm(report.refunds)}`)}
          {row(t('report.voids'), String(report.voids_count))}
          {row(t('report.gross'), fm(report.gross_sales))}
          {row(t('report.discounts'), fm(report.discounts))}
          {row(t('report.tax'), fm(report.tax))}
          {row(t('report.net'), fm(report.net_sales), 'strong')}
          <h3>{t('report.tenders')}</h3>
          {report.tenders.map((x) => row(`${t(`tender.${x.kind}`)}${x.processor ? ` ${t('refund.processor', { processor: x.processor })}` : ''} (${x.count})`, fm(x.amount)))}
        </div>
        <div>
          {row(t('report.float'), fm(report.opening_float))}
          {row(t('report.drops'), fm(report.cash_drops))}
          {row(t('report.paidIn'), fm(report.paid_in))}
          {row(t('report.paidOut'), fm(report.paid_out))}
          {row(t('report.expected'), fm(report.expected_cash), 'strong')}
          {report.counted_cash && row(t('report.counted'), fm(report.counted_cash))}
          {report.variance && <div data-testid="variance">{row(t('report.variance'), fm(report.variance), report.variance.amount === 0 ? 'ok' : 'bad')}</div>}
          <div data-testid="report-unsynced">{row(t('report.unsynced'), `${report.unsynced}${report.oldest_unsynced_at ? ` · ${relativeAge(report.oldest_unsynced_at)}` : ''}`, report.unsynced ? 'bad' : 'ok')}</div>
        </div>
      </div>
    </div>
  );
}

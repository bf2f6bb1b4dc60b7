import { useTranslation } from 'react-i18next';
import type { DeviceStatus, SyncStatus } from '../../core/register-api';

// Always visible: connection + unsynced count, printer paper, drawer, each with what to do.
export function StatusBar({ sync, devices, bridgeUp }: { sync: SyncStatus; devices: DeviceStatus[]; bridgeUp: boolean }) {
  const { t } = useTranslation();
  const printer = devices.find((d) => d.kind === 'printer');
  const drawer = devices.find((d) => d.kind === 'drawer');
  const problems: string[] = [];
  if (printer?.flags.includes('paper_empty')) problems.push(t('status.paperOut'));
  else if (printer?.flags.includes('paper_near_end')) problems.push(t('status.paperLow'));
  if (printer?.flags.includes('cover_open')) problems.push(t('status.coverOpen'));
  if (printer && (printer.state === 'offline' || printer.state === 'error') && problems.length === 0) problems.push(printer.advice ?? t('status.printerOff'));
  for (const d of devices) if (d.kind !== 'printer' && d.kind !== 'drawer' && d.state === 'error') problems.push(d.advice ?? t('status.device', { name: d.name, state: d.state }));
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`pill ${sync.online ? 'pill-ok' : 'pill-bad'}`} data-testid="status-online">
        <span className="dot-inline" />{sync.online ? t('status.online') : t('status.offline')}
      </span>
      <span className={`pill ${sync.unsynced ? 'pill-warn' : 'pill-ok'}`} data-testid="status-unsynced">
        {sync.unsynced ? t('status.unsynced', { count: sync.unsynced }) : t('status.synced')}
      </span>
      {sync.catalog_loading && <CatalogLoading progress={sync.catalog_loading} />}
      {drawer?.flags.includes('drawer_open_too_long') ? (
        <span className="pill pill-bad" data-testid="status-drawer-too-long">{t('status.drawerTooLong')}</span>
      ) : (
        drawer?.flags.includes('drawer_open') && <span className="pill pill-warn" data-testid="status-drawer">{t('status.drawerOpen')}</span>
      )}
      {problems.map((p) => <span key={p} className="pill pill-bad">{p}</span>)}
      {!bridgeUp && <span className="pill pill-bad">⚠ register process</span>}
      <span className="grow" />
      <span className="devices-mini">
        {devices.map((d) => <span key={d.kind} title={`${d.name}: ${d.state}`} className={`dot dot-${d.state}`} />)}
      </span>
    </footer>
  );
}

/** A new register's catalog arriving from the hub in pages (the cashier sees why a scan may not be found yet). */
function CatalogLoading({ progress }: { progress: { received: number; total: number } }) {
  const { t, i18n } = useTranslation();
  const percent = progress.total > 0 ? Math.min(100, Math.floor((progress.received / progress.total) * 100)) : 0;
  const n = new Intl.NumberFormat(i18n.language);
  return (
    <span className="pill pill-warn catalog-loading" data-testid="status-catalog-loading" title={t('status.catalogLoadingTitle', { received: n.format(progress.received), total: n.format(progress.total) })}>
      {t('status.catalogLoading', { percent })}
      <span className="catalog-loading-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <span style={{ width: `${percent}%` }} />
      </span>
    </span>
  );
}

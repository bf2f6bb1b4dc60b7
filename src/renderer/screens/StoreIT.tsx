import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommandResult, DeviceStatus, SyncStatus } from '../../core/register-api';
import { useAction, useRegister } from '../context';
import { LANGUAGES } from '../i18n';
import i18next from 'i18next';

export function StoreIT({ devices, sync, onBack }: { devices: DeviceStatus[]; sync: SyncStatus; onBack(): void }) {
  const { t } = useTranslation();
  const { api, store, setStore, notify } = useRegister();
  const run = useAction();
  const [found, setFound] = useState<CommandResult<'devices.list'>['found']>([]);
  useEffect(() => {
    void run(async () => setFound((await api.call('devices.list', {})).found));
  }, [api, run]);
  const row = (k: string, v: string | number | null) => <div className="row between"><span className="muted">{k}</span><span>{v ?? '—'}</span></div>;
  return (
    <div className="page" data-testid="it-screen">
      <div className="row between"><h1>{t('it.title')}</h1><button className="btn btn-ghost" onClick={onBack}>{t('common.back')}</button></div>
      <div className="it-grid">
        <div className="card">
          <h2>{t('it.devices')}</h2>
          {devices.map((d) => (
            <div key={d.kind} className="device-row">
              <span className={`dot dot-${d.state}`} />
              <div className="grow"><strong>{d.name}</strong><div className="muted small">{d.kind}{d.port ? ` · ${d.port}` : ''} · {d.state}{d.flags.length ? ` · ${d.flags.join(', ')}` : ''}</div>{d.advice && <div className="small warn-text">{d.advice}</div>}</div>
              <button className="btn btn-secondary btn-sm" data-testid={`test-${d.kind}`} onClick={() => void run(async () => { const r = await api.call('devices.test', { kind: d.kind }); notify(`${d.name}: ${r.message}`, r.ok ? 'info' : 'error'); })}>{t('it.test')}</button>
            </div>
          ))}
          <h3>{t('it.found')}</h3>
          <table className="table small"><tbody>
            {found.map((f, i) => <tr key={i}><td>{f.kind}</td><td>{f.transport}</td><td>{f.address}</td><td className="muted">{f.vendor_id ? `${f.vendor_id}:${f.product_id}` : ''}</td></tr>)}
          </tbody></table>
        </div>
        <div className="card">
          <h2>{t('it.sync')}</h2>
          {row(t('it.enrollment'), sync.enrolled ? t('it.enrolled') : t('it.notEnrolled'))}
          {row(t('it.store'), sync.store_id)}
          {row(t('it.terminal'), sync.terminal_id)}
          {row(t('it.hub'), sync.hub_url)}
          <div className="row between" data-testid="it-link-security" data-kind={sync.hub_trust?.kind ?? 'none'}>
            <span className="muted" style={{ whiteSpace: 'nowrap' }}>{t('it.link')}</span>
            {sync.hub_trust?.kind === 'insecure' ? (
              <span className="pill pill-bad strong">{t('it.linkInsecure')}</span>
            ) : (
              <span title={sync.hub_trust?.pin ?? undefined}>
                {t(sync.hub_trust?.kind === 'pinned' ? 'it.linkPinned' : sync.hub_trust?.kind === 'loopback' ? 'it.linkLoopback' : 'it.linkNone')}
                {sync.hub_trust?.pin ? <span className="muted small"> {sync.hub_trust.pin.slice(7, 23)}…</span> : null}
              </span>
            )}
          </div>
          {row(t('status.online'), sync.online ? '✓' : '✗')}
          {row(t('it.lastSeq'), sync.last_seq)}
          {row(t('it.applied'), sync.applied_through)}
          {row(t('it.cursor'), sync.change_cursor)}
          {row(t('it.lastError'), sync.last_error)}
          <button className="btn btn-secondary" onClick={() => void run(() => api.call('sync.now', {}))}>{t('it.syncNow')}</button>
          <h2>{t('it.config')}</h2>
          {row(t('it.locale'), store.locale)}
          {row(t('it.currency'), store.currency)}
          {row(t('it.version'), store.app_version)}
          <div className="row between"><span className="muted">{t('it.language')}</span>
            <div className="segmented">
              {LANGUAGES.map((l) => (
                <button key={l} data-testid={`lang-${l}`} className={store.language === l ? 'on' : ''} onClick={() => void run(async () => { const s = await api.call('settings.setLanguage', { language: l }); setStore(s); await i18next.changeLanguage(l); })}>{l.toUpperCase()}</button>
              ))}
            </div>
          </div>
        </div>
      </div>
    </div>
  );
}

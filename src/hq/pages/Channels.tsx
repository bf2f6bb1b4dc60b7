import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../api';
import { usePaged, PagedTable, type Column } from '../paged';
import i18next from 'i18next';
import { currentLocale } from '../i18n';
import { ago, Notice, PageHeader, StoreSelect, storeName, timeText, typeLabel, useLoad, useSession } from '../ui';

// Sales channels (docs/channels.md): web shops and other systems that post sales to the hub,
// each with its store, credential and webhook secret, and the log of what it delivered:
// applied, held, refused (with the code and why) or duplicate. A refused delivery can be
// replayed once its cause is fixed (a SKU mapped); an applied one opens its sale in the
// sales explorer.

type Kind = 'shopify' | 'woocommerce' | 'api';
type DeliveryStatus = 'applied' | 'held' | 'refused' | 'duplicate' | 'expired';

interface ChannelRow {
  channel_id: string;
  store_id: string;
  terminal_id: string;
  kind: Kind;
  name: string;
  stock_buffer: string;
  sku_map: Record<string, string>;
  processor_map: Record<string, string>;
  default_processor: string | null;
  hold_minutes: number;
  created_at: string;
  disabled_at: string | null;
  webhook_url: string | null;
  last_delivery?: { delivery_id: number; received_at: string; status: DeliveryStatus; code: string | null } | null;
}
interface DeliveryRow {
  delivery_id: number;
  source: string;
  delivery_key: string | null;
  operation: string;
  order_ref: string | null;
  status: DeliveryStatus;
  code: string | null;
  reason: string | null;
  attempts: number;
  received_at: string;
  updated_at: string;
  replayable: boolean;
  events: Array<{ event_id: string; type: string }>;
}
interface Outcome {
  delivery_id: number;
  status: DeliveryStatus;
  code: string | null;
  reason: string | null;
}

const STATUSES: DeliveryStatus[] = ['applied', 'held', 'refused', 'duplicate', 'expired'];
// Texts are read at render time; a change of language draws the page again (App keys <main> by it).
const t = (key: string, opts?: Record<string, unknown>): string => i18next.t(`channels.${key}`, opts ?? {});
const kindLabel = (k: Kind) => t(`k_${k}`);
const statusLabel = (s: DeliveryStatus) => t(`s_${s}`);

function openFromHash(): string | null {
  const m = /[?&]open=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

function StatusTag(props: { status: DeliveryStatus; code?: string | null }) {
  return (
    <span className={`tag tag-d-${props.status}`} data-testid="delivery-status">
      {statusLabel(props.status)}
      {props.code ? <span className="tag-code"> · {props.code}</span> : null}
    </span>
  );
}

/** Secrets the hub answers once: shown until the person says they have copied them. */
interface Shown {
  title: string;
  items: Array<{ label: string; value: string; testId: string }>;
}

function ShownOnce(props: { shown: Shown; onDone(): void }) {
  return (
    <section className="card secret-card" aria-labelledby="secret-h" data-testid="secret-card">
      <div className="row between">
        <h2 id="secret-h">{props.shown.title}</h2>
        <button type="button" className="btn btn-small" onClick={props.onDone} data-testid="secret-done">
          {t('copied')}
        </button>
      </div>
      <Notice kind="info">{t('copyNow')}</Notice>
      <dl className="facts secrets">
        {props.shown.items.map((i) => (
          <div key={i.testId} className="contents">
            <dt>{i.label}</dt>
            <dd className="row gap">
              <code className="secret" data-testid={i.testId}>
                {i.value}
              </code>
              <button type="button" className="btn btn-small" onClick={() => void navigator.clipboard?.writeText(i.value).catch(() => {})} aria-label={t('copyX', { what: i.label })}>
                {t('copy')}
              </button>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function Channels() {
  const { api, stores } = useSession();
  const [open, setOpen] = useState<string | null>(openFromHash);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  // One page: a chain has a handful of channels (the hub answers them all), on the same table as every list.
  const list = usePaged(() => api.get<{ channels: ChannelRow[] }>('/api/channels').then((r) => ({ rows: r.channels, next_cursor: null })), 'channels');

  useEffect(() => {
    const on = () => setOpen(openFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  const channels = list.rows;
  const current = channels.find((c) => c.channel_id === open) ?? null;

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')}>
        <button type="button" className="btn" onClick={list.reload} data-testid="channels-reload">
          {i18next.t('common.refresh')}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => setCreating((x) => !x)} aria-expanded={creating} data-testid="channel-new">
          {t('new')}
        </button>
      </PageHeader>
      {shown ? <ShownOnce shown={shown} onDone={() => setShown(null)} /> : null}
      {creating ? (
        <CreateChannel
          onCreated={(c, secrets) => {
            setCreating(false);
            setShown(secrets);
            list.reload();
            location.hash = `#/channels?open=${encodeURIComponent(c.channel_id)}`;
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      <section className="card" aria-label={t('channels')}>
        <PagedTable
          paged={list}
          columns={[
            {
              header: t('channel'),
              cell: (c) => (
                <>
                  <a href={`#/channels?open=${encodeURIComponent(c.channel_id)}`} className="strong" data-testid="channel-open">
                    {c.name}
                  </a>
                  <div className="muted small">{c.channel_id}</div>
                </>
              ),
            },
            { header: t('platform'), cell: (c) => kindLabel(c.kind) },
            { header: i18next.t('common.store'), cell: (c) => storeName(stores, c.store_id) },
            { header: t('status'), cell: (c) => (c.disabled_at ? <span className="pill pill-off">{t('disabled')}</span> : <span className="pill pill-ok">{t('active')}</span>) },
            {
              header: t('lastDelivery'),
              cell: (c) => (
                <span data-testid="channel-last">
                  {c.last_delivery ? (
                    <>
                      <StatusTag status={c.last_delivery.status} code={c.last_delivery.code} /> <span className="muted small" title={timeText(c.last_delivery.received_at)}>{ago(c.last_delivery.received_at)}</span>
                    </>
                  ) : (
                    <span className="muted">{t('noneYet')}</span>
                  )}
                </span>
              ),
            },
          ]}
          rowKey={(c) => c.channel_id}
          rowClass={(c) => (open === c.channel_id ? 'selected' : '')}
          rowData={(c) => ({ channel: c.channel_id })}
          label={t('channels')}
          testId="channels-table"
          rowTestId="channel-row"
          empty={t('none')}
        />
      </section>
      {current ? <ChannelDetail key={current.channel_id} channel={current} onChanged={list.reload} onShow={setShown} /> : open && !list.loading ? <Notice kind="error">{t('noChannel', { id: open })}</Notice> : null}
    </>
  );
}

function CreateChannel(props: { onCreated(c: ChannelRow, shown: Shown): void; onCancel(): void }) {
  const { api, stores } = useSession();
  const [f, setF] = useState({ channel_id: '', name: '', store_id: stores[0]?.store_id ?? '', kind: 'shopify' as Kind, stock_buffer: '0', default_processor: '' });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const buffer = Number(f.stock_buffer || '0');
    if (!Number.isInteger(buffer) || buffer < 0) return setError(t('badBuffer'));
    try {
      setBusy(t('creating'));
      const r = await api.post<{ channel: ChannelRow; webhook_secret: string }>('/api/channels', {
        channel_id: f.channel_id.trim(),
        name: f.name.trim(),
        store_id: f.store_id,
        kind: f.kind,
        stock_buffer: buffer,
        ...(f.default_processor.trim() ? { default_processor: f.default_processor.trim() } : {}),
      });
      const items: Shown['items'] = [];
      if (r.channel.webhook_url) {
        items.push({ label: t('webhookUrl'), value: `${location.origin}${r.channel.webhook_url}`, testId: 'shown-webhook-url' });
        items.push({ label: t('webhookSecret'), value: r.webhook_secret, testId: 'shown-webhook-secret' });
      } else {
        setBusy(t('issuing'));
        const cred = await api.post<{ credential_id: number; token: string }>(`/api/channels/${encodeURIComponent(r.channel.channel_id)}/credentials`, {});
        items.push({ label: t('apiToken'), value: cred.token, testId: 'shown-token' });
      }
      props.onCreated(r.channel, { title: t('ready', { name: r.channel.name }), items });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="new-ch-h" data-testid="channel-form">
      <h2 id="new-ch-h">{t('new')}</h2>
      <div className="form-grid">
        <label className="field">
          <span>{t('name')}</span>
          <input value={f.name} onChange={(e) => set('name')(e.target.value)} required maxLength={200} placeholder={t('namePh')} data-testid="channel-name" />
        </label>
        <label className="field">
          <span>{t('channelId')}</span>
          <input value={f.channel_id} onChange={(e) => set('channel_id')(e.target.value)} required maxLength={64} placeholder="web-shop" pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" title={t('idTitle')} data-testid="channel-id" />
        </label>
        <StoreSelect value={f.store_id} onChange={set('store_id')} label={t('storeLabel')} testId="channel-store" />
        <label className="field">
          <span>{t('platform')}</span>
          <select value={f.kind} onChange={(e) => set('kind')(e.target.value)} data-testid="channel-kind">
            <option value="shopify">{t('kindShopify')}</option>
            <option value="woocommerce">{t('kindWoo')}</option>
            <option value="api">{t('kindApi')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('bufferLabel')}</span>
          <input value={f.stock_buffer} onChange={(e) => set('stock_buffer')(e.target.value)} inputMode="numeric" data-testid="channel-buffer" />
        </label>
        <label className="field">
          <span>{t('processorLabel')}</span>
          <input value={f.default_processor} onChange={(e) => set('default_processor')(e.target.value)} placeholder="stripe" maxLength={64} data-testid="channel-processor" />
        </label>
      </div>
      {error ? <Notice kind="error" testId="channel-form-error">{error}</Notice> : null}
      {busy ? <Notice kind="info">{busy}</Notice> : null}
      <div className="row gap end">
        <button type="button" className="btn" onClick={props.onCancel}>
          {i18next.t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy !== null} data-testid="channel-create">
          {t('create')}
        </button>
      </div>
    </form>
  );
}

function ChannelDetail(props: { channel: ChannelRow; onChanged(): void; onShow(s: Shown): void }) {
  const { api, stores } = useSession();
  const c = props.channel;
  const base = `/api/channels/${encodeURIComponent(c.channel_id)}`;
  const [status, setStatus] = useState<'' | DeliveryStatus>('');
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const creds = useLoad(() => api.get<{ credentials: Array<{ credential_id: number; created_at: string; revoked_at: string | null }> }>(`${base}/credentials`), [base]);
  const deliveries = usePaged((cursor) => api.get<{ deliveries: DeliveryRow[]; next_cursor: string | null }>(`${base}/deliveries`, { status: status || undefined, limit: 15, cursor }).then((r) => ({ rows: r.deliveries, next_cursor: r.next_cursor })), `${base}|${status}`);

  const act = async (what: string, fn: () => Promise<string>) => {
    setBusy(what);
    setNote(null);
    try {
      setNote({ kind: 'ok', text: await fn() });
    } catch (err) {
      setNote({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(null);
    }
  };
  const rotate = () =>
    act(t('rotating'), async () => {
      if (!confirm(t('rotateAsk', { name: c.name }))) return t('nothingChanged');
      const r = await api.put<{ webhook_secret: string }>(`${base}/webhook-secret`, {});
      props.onShow({ title: t('newSecretFor', { name: c.name }), items: [{ label: t('webhookSecret'), value: r.webhook_secret, testId: 'shown-webhook-secret' }] });
      return t('rotated');
    });
  const newToken = () =>
    act(t('issuingToken'), async () => {
      const r = await api.post<{ credential_id: number; token: string }>(`${base}/credentials`, {});
      props.onShow({ title: t('newTokenFor', { name: c.name }), items: [{ label: t('tokenNo', { id: r.credential_id }), value: r.token, testId: 'shown-token' }] });
      creds.reload();
      return t('tokenIssued', { id: r.credential_id });
    });
  const revoke = (id: number) =>
    act(t('revoking'), async () => {
      if (!confirm(t('revokeAsk', { id }))) return t('nothingChanged');
      await api.del(`${base}/credentials/${id}`);
      creds.reload();
      return t('tokenRevoked', { id });
    });
  const toggle = () =>
    act(c.disabled_at ? t('enabling') : t('disabling'), async () => {
      await api.patch(base, { disabled: !c.disabled_at });
      props.onChanged();
      return c.disabled_at ? t('isEnabled', { name: c.name }) : t('isDisabled', { name: c.name });
    });
  const replay = (d: DeliveryRow) =>
    act(t('replaying', { id: d.delivery_id }), async () => {
      try {
        const o = await api.post<Outcome>(`${base}/deliveries/${d.delivery_id}/replay`, {});
        deliveries.reload();
        props.onChanged();
        return i18next.t('channels.replayed', { id: d.delivery_id, status: statusLabel(o.status).toLowerCase(), why: o.reason ? ` (${o.reason})` : '' });
      } catch (err) {
        deliveries.reload();
        throw err;
      }
    });

  const columns: Array<Column<DeliveryRow>> = [
    { header: t('received'), cell: (d) => <span title={timeText(d.received_at)}>{shortTime(d.received_at)}</span>, className: 'nowrap' },
    { header: t('operation'), cell: (d) => <span className="mono-ish">{d.operation}</span> },
    {
      header: t('order'),
      cell: (d) => (
        <>
          {d.order_ref ?? <span className="muted">—</span>}
          {d.events.map((e) => (
            <div key={e.event_id}>
              <a href={`#/sales?open=${e.event_id}`} data-testid="delivery-sale-link" className="small">
                {t('openEvent', { what: typeLabel(e.type) })}
              </a>
            </div>
          ))}
        </>
      ),
    },
    { header: t('status'), cell: (d) => <StatusTag status={d.status} code={d.code} /> },
    { header: t('why'), cell: (d) => <span className="small">{d.reason ?? ''}</span>, className: 'why' },
    { header: t('tries'), cell: (d) => d.attempts, num: true },
    {
      header: <span className="sr-only">{t('action')}</span>,
      cell: (d) =>
        d.replayable ? (
          <button type="button" className="btn btn-small" onClick={() => void replay(d)} disabled={busy !== null} data-testid="delivery-replay" aria-label={t('replayX', { id: d.delivery_id })}>
            {t('replay')}
          </button>
        ) : null,
    },
  ];

  return (
    <section className="card" aria-labelledby="ch-h" data-testid="channel-detail">
      <div className="row between">
        <h2 id="ch-h">
          {c.name} <span className="muted small">· {kindLabel(c.kind)}</span>
        </h2>
        <div className="row gap">
          {c.webhook_url ? (
            <button type="button" className="btn btn-small" onClick={() => void rotate()} disabled={busy !== null} data-testid="channel-rotate">
              {t('rotate')}
            </button>
          ) : null}
          <button type="button" className={`btn btn-small${c.disabled_at ? '' : ' btn-danger-outline'}`} onClick={() => void toggle()} disabled={busy !== null} data-testid="channel-toggle">
            {c.disabled_at ? t('enable') : t('disable')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => (location.hash = '#/channels')} aria-label={t('closeChannel')}>
            {i18next.t('common.close')}
          </button>
        </div>
      </div>
      {busy ? <Notice kind="info">{busy}</Notice> : null}
      {note ? <Notice kind={note.kind} testId="channel-note">{note.text}</Notice> : null}
      <div className="grid-3">
        <div>
          <h3>{t('setup')}</h3>
          <dl className="facts">
            <dt>{i18next.t('common.store')}</dt>
            <dd>{storeName(stores, c.store_id)}</dd>
            <dt>{t('register')}</dt>
            <dd className="mono">{c.terminal_id}</dd>
            {c.webhook_url ? (
              <>
                <dt>{t('webhookUrl')}</dt>
                <dd className="mono small" data-testid="channel-webhook-url">
                  {location.origin}
                  {c.webhook_url}
                </dd>
              </>
            ) : null}
            <dt>{t('stockBuffer')}</dt>
            <dd>{t('units', { n: c.stock_buffer })}</dd>
            <dt>{t('processor')}</dt>
            <dd>{c.default_processor ?? <span className="muted">{t('noneLower')}</span>}</dd>
            <dt>{t('holdsFor')}</dt>
            <dd>{c.hold_minutes >= 60 ? `${Math.round(c.hold_minutes / 60)} h` : `${c.hold_minutes} min`}</dd>
          </dl>
        </div>
        <div>
          <h3>{t('apiTokens')}</h3>
          {creds.error ? <Notice kind="error">{creds.error}</Notice> : null}
          {creds.data && creds.data.credentials.length === 0 ? <p className="muted small">{t('noTokens')}</p> : null}
          <ul className="plain" data-testid="channel-credentials">
            {creds.data?.credentials.map((k) => (
              <li key={k.credential_id} className="row between">
                <span>
                  #{k.credential_id} <span className="muted small">{k.revoked_at ? t('revokedAgo', { when: ago(k.revoked_at) }) : t('issuedAgo', { when: ago(k.created_at) })}</span>
                </span>
                {k.revoked_at ? (
                  <span className="pill pill-off">{t('revoked')}</span>
                ) : (
                  <button type="button" className="btn btn-small" onClick={() => void revoke(k.credential_id)} disabled={busy !== null} data-testid="credential-revoke">
                    {t('revoke')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-small" onClick={() => void newToken()} disabled={busy !== null} data-testid="credential-new">
            {t('newToken')}
          </button>
        </div>
        <SkuMap channel={c} onSaved={props.onChanged} />
      </div>
      <div className="row between deliveries-head">
        <h3>{t('deliveries')}</h3>
        <div className="row gap">
          <label className="field inline">
            <span>{t('show')}</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as '' | DeliveryStatus)} data-testid="delivery-filter">
              <option value="">{t('all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-small" onClick={deliveries.reload} data-testid="deliveries-reload">
            {i18next.t('common.refresh')}
          </button>
        </div>
      </div>
      <PagedTable
        paged={deliveries}
        columns={columns}
        rowKey={(d) => String(d.delivery_id)}
        rowData={(d) => ({ delivery: String(d.delivery_id), status: d.status })}
        label={t('deliveries')}
        testId="deliveries"
        rowTestId="delivery-row"
        empty={status ? t('noneOfStatus', { status: statusLabel(status) }) : t('nothingDelivered')}
        compact
      />
    </section>
  );
}

/** The platform's SKUs (or product ids) mapped to the catalog's, so an order line finds its product. */
function SkuMap(props: { channel: ChannelRow; onSaved(): void }) {
  const { api } = useSession();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const entries = Object.entries(props.channel.sku_map);
  const save = async (map: Record<string, string>) => {
    setSaving(true);
    setError(null);
    try {
      await api.patch(`/api/channels/${encodeURIComponent(props.channel.channel_id)}`, { sku_map: map });
      setFrom('');
      setTo('');
      props.onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <div>
      <h3>{t('skuMapping')}</h3>
      {entries.length === 0 ? <p className="muted small">{t('ownSkus')}</p> : null}
      <ul className="plain" data-testid="sku-map">
        {entries.slice(0, 50).map(([k, v]) => (
          <li key={k} className="row between">
            <span className="small">
              <code>{k}</code> → <code>{v}</code>
            </span>
            <button
              type="button"
              className="linklike small"
              onClick={() => {
                const { [k]: _, ...rest } = props.channel.sku_map;
                void save(rest);
              }}
              disabled={saving}
              aria-label={t('removeMapping', { sku: k })}
            >
              {t('remove')}
            </button>
          </li>
        ))}
        {entries.length > 50 ? <li className="muted small">{t('andMore', { count: entries.length - 50 })}</li> : null}
      </ul>
      <form
        className="row gap map-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (from.trim() && to.trim()) void save({ ...props.channel.sku_map, [from.trim()]: to.trim() });
        }}
      >
        <label className="field">
          <span>{t('platformSku')}</span>
          <input value={from} onChange={(e) => setFrom(e.target.value)} maxLength={64} data-testid="map-from" />
        </label>
        <label className="field">
          <span>{t('ourSku')}</span>
          <input value={to} onChange={(e) => setTo(e.target.value)} maxLength={64} data-testid="map-to" />
        </label>
        <button type="submit" className="btn btn-small" disabled={saving || !from.trim() || !to.trim()} data-testid="map-add">
          {t('map')}
        </button>
      </form>
      {error ? <Notice kind="error">{error}</Notice> : null}
    </div>
  );
}

function shortTime(iso: string): string {
  return new Intl.DateTimeFormat(currentLocale(), { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}

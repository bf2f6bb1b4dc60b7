import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../api';
import { usePaged, PagedTable, type Column } from '../paged';
import { ago, Empty, Notice, PageHeader, StoreSelect, storeName, timeText, typeLabel, useLoad, useSession } from '../ui';

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

const KIND_LABEL: Record<Kind, string> = { shopify: 'Shopify', woocommerce: 'WooCommerce', api: 'Own system (API)' };
const STATUS_LABEL: Record<DeliveryStatus, string> = { applied: 'Applied', held: 'Held', refused: 'Refused', duplicate: 'Duplicate', expired: 'Expired' };

function openFromHash(): string | null {
  const m = /[?&]open=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

function StatusTag(props: { status: DeliveryStatus; code?: string | null }) {
  return (
    <span className={`tag tag-d-${props.status}`} data-testid="delivery-status">
      {STATUS_LABEL[props.status]}
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
          I have copied them
        </button>
      </div>
      <Notice kind="info">Copy these now: the hub keeps only what it needs to check them and will not show them again.</Notice>
      <dl className="facts secrets">
        {props.shown.items.map((i) => (
          <div key={i.testId} className="contents">
            <dt>{i.label}</dt>
            <dd className="row gap">
              <code className="secret" data-testid={i.testId}>
                {i.value}
              </code>
              <button type="button" className="btn btn-small" onClick={() => void navigator.clipboard?.writeText(i.value).catch(() => {})} aria-label={`Copy ${i.label}`}>
                Copy
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
  const list = useLoad(() => api.get<{ channels: ChannelRow[] }>('/api/channels'), []);

  useEffect(() => {
    const on = () => setOpen(openFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  const channels = list.data?.channels ?? [];
  const current = channels.find((c) => c.channel_id === open) ?? null;

  return (
    <>
      <PageHeader title="Sales channels" subtitle="Web shops and other systems that post sales into the same ledger and stock as the registers.">
        <button type="button" className="btn" onClick={list.reload} data-testid="channels-reload">
          Refresh
        </button>
        <button type="button" className="btn btn-primary" onClick={() => setCreating((x) => !x)} aria-expanded={creating} data-testid="channel-new">
          New channel
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
      {list.error ? <Notice kind="error">{list.error}</Notice> : null}
      <section className="card" aria-label="Channels">
        {list.loading && !list.data ? (
          <Empty>Loading…</Empty>
        ) : channels.length === 0 ? (
          <Empty>No channels yet. Create one for each web shop or system that sells for a store.</Empty>
        ) : (
          <table className="table" data-testid="channels-table">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Platform</th>
                <th scope="col">Store</th>
                <th scope="col">Status</th>
                <th scope="col">Last delivery</th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c.channel_id} className={open === c.channel_id ? 'selected' : ''} data-testid="channel-row" data-channel={c.channel_id}>
                  <td>
                    <a href={`#/channels?open=${encodeURIComponent(c.channel_id)}`} className="strong" data-testid="channel-open">
                      {c.name}
                    </a>
                    <div className="muted small">{c.channel_id}</div>
                  </td>
                  <td>{KIND_LABEL[c.kind]}</td>
                  <td>{storeName(stores, c.store_id)}</td>
                  <td>{c.disabled_at ? <span className="pill pill-off">Disabled</span> : <span className="pill pill-ok">Active</span>}</td>
                  <td data-testid="channel-last">
                    {c.last_delivery ? (
                      <>
                        <StatusTag status={c.last_delivery.status} code={c.last_delivery.code} /> <span className="muted small" title={timeText(c.last_delivery.received_at)}>{ago(c.last_delivery.received_at)}</span>
                      </>
                    ) : (
                      <span className="muted">none yet</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {current ? <ChannelDetail key={current.channel_id} channel={current} onChanged={list.reload} onShow={setShown} /> : open && list.data ? <Notice kind="error">No channel {open}.</Notice> : null}
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
    if (!Number.isInteger(buffer) || buffer < 0) return setError('The stock buffer is a whole number of units, 0 or more.');
    try {
      setBusy('Creating the channel and its virtual register…');
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
        items.push({ label: 'Webhook URL', value: `${location.origin}${r.channel.webhook_url}`, testId: 'shown-webhook-url' });
        items.push({ label: 'Webhook secret', value: r.webhook_secret, testId: 'shown-webhook-secret' });
      } else {
        setBusy('Issuing its API token…');
        const cred = await api.post<{ credential_id: number; token: string }>(`/api/channels/${encodeURIComponent(r.channel.channel_id)}/credentials`, {});
        items.push({ label: 'API token', value: cred.token, testId: 'shown-token' });
      }
      props.onCreated(r.channel, { title: `${r.channel.name} is ready`, items });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="new-ch-h" data-testid="channel-form">
      <h2 id="new-ch-h">New channel</h2>
      <div className="form-grid">
        <label className="field">
          <span>Name</span>
          <input value={f.name} onChange={(e) => set('name')(e.target.value)} required maxLength={200} placeholder="Web shop" data-testid="channel-name" />
        </label>
        <label className="field">
          <span>Channel id</span>
          <input value={f.channel_id} onChange={(e) => set('channel_id')(e.target.value)} required maxLength={64} placeholder="web-shop" pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" title="letters, digits, dot, dash, underscore" data-testid="channel-id" />
        </label>
        <StoreSelect value={f.store_id} onChange={set('store_id')} label="Store (its stock and currency)" testId="channel-store" />
        <label className="field">
          <span>Platform</span>
          <select value={f.kind} onChange={(e) => set('kind')(e.target.value)} data-testid="channel-kind">
            <option value="shopify">Shopify (webhooks)</option>
            <option value="woocommerce">WooCommerce (webhooks)</option>
            <option value="api">Own system (channel API)</option>
          </select>
        </label>
        <label className="field">
          <span>Stock buffer (units kept back online)</span>
          <input value={f.stock_buffer} onChange={(e) => set('stock_buffer')(e.target.value)} inputMode="numeric" data-testid="channel-buffer" />
        </label>
        <label className="field">
          <span>Card processor (optional)</span>
          <input value={f.default_processor} onChange={(e) => set('default_processor')(e.target.value)} placeholder="stripe" maxLength={64} data-testid="channel-processor" />
        </label>
      </div>
      {error ? <Notice kind="error" testId="channel-form-error">{error}</Notice> : null}
      {busy ? <Notice kind="info">{busy}</Notice> : null}
      <div className="row gap end">
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy !== null} data-testid="channel-create">
          Create channel
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
    act('Rotating the webhook secret…', async () => {
      if (!confirm(`Rotate the webhook secret of ${c.name}? Webhooks signed with the old secret are refused from now on, until the platform has the new one.`)) return 'Nothing changed.';
      const r = await api.put<{ webhook_secret: string }>(`${base}/webhook-secret`, {});
      props.onShow({ title: `New webhook secret for ${c.name}`, items: [{ label: 'Webhook secret', value: r.webhook_secret, testId: 'shown-webhook-secret' }] });
      return 'The webhook secret was rotated. Enter the new one in the platform.';
    });
  const newToken = () =>
    act('Issuing a token…', async () => {
      const r = await api.post<{ credential_id: number; token: string }>(`${base}/credentials`, {});
      props.onShow({ title: `New API token for ${c.name}`, items: [{ label: `API token #${r.credential_id}`, value: r.token, testId: 'shown-token' }] });
      creds.reload();
      return `Token #${r.credential_id} issued.`;
    });
  const revoke = (id: number) =>
    act('Revoking…', async () => {
      if (!confirm(`Revoke API token #${id}? Calls with it are refused at once.`)) return 'Nothing changed.';
      await api.del(`${base}/credentials/${id}`);
      creds.reload();
      return `Token #${id} revoked.`;
    });
  const toggle = () =>
    act(c.disabled_at ? 'Enabling…' : 'Disabling…', async () => {
      await api.patch(base, { disabled: !c.disabled_at });
      props.onChanged();
      return c.disabled_at ? `${c.name} is enabled.` : `${c.name} is disabled.`;
    });
  const replay = (d: DeliveryRow) =>
    act(`Replaying delivery ${d.delivery_id}…`, async () => {
      try {
        const o = await api.post<Outcome>(`${base}/deliveries/${d.delivery_id}/replay`, {});
        deliveries.reload();
        props.onChanged();
        return `Delivery ${d.delivery_id} replayed: ${STATUS_LABEL[o.status].toLowerCase()}${o.reason ? ` (${o.reason})` : ''}.`;
      } catch (err) {
        deliveries.reload();
        throw err;
      }
    });

  const columns: Array<Column<DeliveryRow>> = [
    { header: 'Received', cell: (d) => <span title={timeText(d.received_at)}>{shortTime(d.received_at)}</span>, className: 'nowrap' },
    { header: 'Operation', cell: (d) => <span className="mono-ish">{d.operation}</span> },
    {
      header: 'Order',
      cell: (d) => (
        <>
          {d.order_ref ?? <span className="muted">—</span>}
          {d.events.map((e) => (
            <div key={e.event_id}>
              <a href={`#/sales?open=${e.event_id}`} data-testid="delivery-sale-link" className="small">
                Open {typeLabel(e.type).toLowerCase()} →
              </a>
            </div>
          ))}
        </>
      ),
    },
    { header: 'Status', cell: (d) => <StatusTag status={d.status} code={d.code} /> },
    { header: 'Why', cell: (d) => <span className="small">{d.reason ?? ''}</span>, className: 'why' },
    { header: 'Tries', cell: (d) => d.attempts, num: true },
    {
      header: <span className="sr-only">Action</span>,
      cell: (d) =>
        d.replayable ? (
          <button type="button" className="btn btn-small" onClick={() => void replay(d)} disabled={busy !== null} data-testid="delivery-replay" aria-label={`Replay delivery ${d.delivery_id}`}>
            Replay
          </button>
        ) : null,
    },
  ];

  return (
    <section className="card" aria-labelledby="ch-h" data-testid="channel-detail">
      <div className="row between">
        <h2 id="ch-h">
          {c.name} <span className="muted small">· {KIND_LABEL[c.kind]}</span>
        </h2>
        <div className="row gap">
          {c.webhook_url ? (
            <button type="button" className="btn btn-small" onClick={() => void rotate()} disabled={busy !== null} data-testid="channel-rotate">
              Rotate webhook secret
            </button>
          ) : null}
          <button type="button" className={`btn btn-small${c.disabled_at ? '' : ' btn-danger-outline'}`} onClick={() => void toggle()} disabled={busy !== null} data-testid="channel-toggle">
            {c.disabled_at ? 'Enable' : 'Disable'}
          </button>
          <button type="button" className="btn btn-small" onClick={() => (location.hash = '#/channels')} aria-label="Close channel">
            Close
          </button>
        </div>
      </div>
      {busy ? <Notice kind="info">{busy}</Notice> : null}
      {note ? <Notice kind={note.kind} testId="channel-note">{note.text}</Notice> : null}
      <div className="grid-3">
        <div>
          <h3>Setup</h3>
          <dl className="facts">
            <dt>Store</dt>
            <dd>{storeName(stores, c.store_id)}</dd>
            <dt>Register</dt>
            <dd className="mono">{c.terminal_id}</dd>
            {c.webhook_url ? (
              <>
                <dt>Webhook URL</dt>
                <dd className="mono small" data-testid="channel-webhook-url">
                  {location.origin}
                  {c.webhook_url}
                </dd>
              </>
            ) : null}
            <dt>Stock buffer</dt>
            <dd>{c.stock_buffer} units</dd>
            <dt>Processor</dt>
            <dd>{c.default_processor ?? <span className="muted">none</span>}</dd>
            <dt>Holds for</dt>
            <dd>{c.hold_minutes >= 60 ? `${Math.round(c.hold_minutes / 60)} h` : `${c.hold_minutes} min`}</dd>
          </dl>
        </div>
        <div>
          <h3>API tokens</h3>
          {creds.error ? <Notice kind="error">{creds.error}</Notice> : null}
          {creds.data && creds.data.credentials.length === 0 ? <p className="muted small">None. Webhooks are checked with the webhook secret; a token is for the channel API.</p> : null}
          <ul className="plain" data-testid="channel-credentials">
            {creds.data?.credentials.map((k) => (
              <li key={k.credential_id} className="row between">
                <span>
                  #{k.credential_id} <span className="muted small">{k.revoked_at ? `revoked ${ago(k.revoked_at)}` : `issued ${ago(k.created_at)}`}</span>
                </span>
                {k.revoked_at ? (
                  <span className="pill pill-off">Revoked</span>
                ) : (
                  <button type="button" className="btn btn-small" onClick={() => void revoke(k.credential_id)} disabled={busy !== null} data-testid="credential-revoke">
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-small" onClick={() => void newToken()} disabled={busy !== null} data-testid="credential-new">
            New API token
          </button>
        </div>
        <SkuMap channel={c} onSaved={props.onChanged} />
      </div>
      <div className="row between deliveries-head">
        <h3>Deliveries</h3>
        <div className="row gap">
          <label className="field inline">
            <span>Show</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as '' | DeliveryStatus)} data-testid="delivery-filter">
              <option value="">All</option>
              {(Object.keys(STATUS_LABEL) as DeliveryStatus[]).map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-small" onClick={deliveries.reload} data-testid="deliveries-reload">
            Refresh
          </button>
        </div>
      </div>
      <PagedTable
        paged={deliveries}
        columns={columns}
        rowKey={(d) => String(d.delivery_id)}
        rowData={(d) => ({ delivery: String(d.delivery_id), status: d.status })}
        label="Deliveries"
        testId="deliveries"
        rowTestId="delivery-row"
        empty={status ? `No ${STATUS_LABEL[status].toLowerCase()} deliveries.` : 'Nothing delivered yet. Point the platform’s order and refund webhooks at the webhook URL.'}
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
      <h3>SKU mapping</h3>
      {entries.length === 0 ? <p className="muted small">Platform SKUs are the catalog’s own.</p> : null}
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
              aria-label={`Remove mapping of ${k}`}
            >
              remove
            </button>
          </li>
        ))}
        {entries.length > 50 ? <li className="muted small">and {entries.length - 50} more</li> : null}
      </ul>
      <form
        className="row gap map-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (from.trim() && to.trim()) void save({ ...props.channel.sku_map, [from.trim()]: to.trim() });
        }}
      >
        <label className="field">
          <span>Platform SKU</span>
          <input value={from} onChange={(e) => setFrom(e.target.value)} maxLength={64} data-testid="map-from" />
        </label>
        <label className="field">
          <span>Our SKU</span>
          <input value={to} onChange={(e) => setTo(e.target.value)} maxLength={64} data-testid="map-to" />
        </label>
        <button type="submit" className="btn btn-small" disabled={saving || !from.trim() || !to.trim()} data-testid="map-add">
          Map
        </button>
      </form>
      {error ? <Notice kind="error">{error}</Notice> : null}
    </div>
  );
}

function shortTime(iso: string): string {
  return new Intl.DateTimeFormat(navigator.language || 'en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}

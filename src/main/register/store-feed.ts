import type { StoreChange } from '../../core/protocol';
import { RegisterError, type AlertView, type RegisterJournal, type RegisterDevices, type StreamName, type SyncStatus } from '../../core/register-api';
import { loadCatalogView, type CatalogView } from './catalog-view';
import type { RegisterConfig } from './config';
import type { HubLink } from './hub-link';
import { errText } from './errors';

// The register's outward feed: the windows listening (sale, session, sync, devices, price and
// alert streams), the sync status, the price book rebuilt from the journal's projections, and
// what store changes from the hub mean for the cashier (price and oversell alerts).

export type Listener = (stream: StreamName, data: unknown) => void;

const MAX_LISTENERS = 32;
const MAX_ALERTS = 50;
const ALERT_REPEAT_MS = 60_000;

export interface PriceMove {
  sku: string;
  name: string;
  /** The price book's price now. */
  to: number;
}

/**
 * Hub alerts raised by this register's own journal events (an unknown card payment, its
 * resolution, the drawer left open): the register already shows each from its own state, so
 * the hub's echo for HQ would say it a second time.
 */
const OWN_EVENT_ALERTS = new Set(['payment_unresolved', 'payment_resolved', 'drawer_left_open']);

export class StoreFeed {
  private readonly listeners = new Set<Listener>();
  private readonly alerts: AlertView[] = [];
  private readonly unsubs: (() => void)[] = [];
  readonly catalog: CatalogView;
  /** The sale desk marks open lines whose price HQ changed. */
  onPriceMove: (m: PriceMove) => void = () => {};

  constructor(
    private readonly cfg: RegisterConfig,
    private readonly journal: RegisterJournal,
    private readonly devices: RegisterDevices,
    private readonly link: HubLink | null,
    private readonly now: () => Date,
    private readonly log: (msg: string) => void,
  ) {
    this.catalog = loadCatalogView(journal, cfg.currency);
    const onSync = () => this.emit('sync', this.syncStatus());
    this.unsubs.push(journal.watch({ changes: (applied) => this.onStoreChanges(applied), synced: onSync, appended: onSync }));
    if (link) {
      this.unsubs.push(
        link.watch({
          status: onSync,
          alert: (a) => OWN_EVENT_ALERTS.has(a.kind) && a.terminal_id === cfg.terminal_id ? undefined : this.alert(a.kind === 'oversell' ? 'oversell' : a.kind === 'price_changed' ? 'price_changed' : 'event_rejected', 'warning', a.message, typeof a.data.sku === 'string' ? a.data.sku : undefined),
          snapshot: () => this.reloadCatalog(),
        }),
      );
    }
    this.unsubs.push(devices.onStatus((d) => this.emit('devices', d)));
  }

  close(): void {
    this.catalog.close();
    for (const u of this.unsubs.splice(0)) u();
    this.listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    if (this.listeners.size >= MAX_LISTENERS) throw new RegisterError('INTERNAL', 'too many windows attached');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(stream: StreamName, data: unknown): void {
    for (const l of this.listeners) {
      try {
        l(stream, data);
      } catch (err) {
        this.log(`listener failed: ${errText(err)}`);
      }
    }
  }

  alert(kind: AlertView['kind'], severity: AlertView['severity'], message: string, sku?: string): AlertView | null {
    // The hub reports an oversell twice (store change log and live alert): show it once a minute per item.
    const now = this.now().getTime();
    if (sku && kind !== 'price_changed' && this.alerts.some((x) => x.kind === kind && x.sku === sku && now - Date.parse(x.at) < ALERT_REPEAT_MS)) return null;
    const a: AlertView = { alert_id: crypto.randomUUID(), kind, severity, message: message.slice(0, 200), ...(sku ? { sku } : {}), at: this.now().toISOString() };
    this.alerts.unshift(a);
    this.alerts.length = Math.min(this.alerts.length, MAX_ALERTS);
    this.emit('alert', a);
    return a;
  }

  /** Sends the current sync and device state to every window (a window just attached). */
  refresh(): SyncStatus {
    const s = this.syncStatus();
    this.emit('sync', s);
    this.emit('devices', this.devices.status());
    return s;
  }

  syncStatus(): SyncStatus {
    const st = this.link?.status;
    const u = this.journal.unsynced();
    const state = this.journal.syncState();
    return {
      online: st?.connected ?? false,
      hub_url: this.cfg.hub?.url ?? null,
      hub_trust: hubTrust(this.cfg.hub),
      enrolled: !!this.cfg.hub,
      terminal_id: this.cfg.terminal_id,
      store_id: this.cfg.store_id,
      last_seq: this.journal.head().seq,
      applied_through: state.appliedThrough,
      unsynced: u.count,
      oldest_unsynced_at: u.oldestOccurredAt,
      change_cursor: state.changeCursor,
      last_error: (st?.lastError ?? state.lastError)?.slice(0, 200) ?? null,
      catalog_loading: st?.snapshot ?? null,
    };
  }

  kick(): SyncStatus {
    this.link?.kick();
    return this.syncStatus();
  }

  private reloadCatalog(): void {
    try {
      this.catalog.reload();
    } catch (err) {
      this.alert('sync', 'error', `Price book not updated: ${errText(err)}`);
    }
  }

  private onStoreChanges(applied: StoreChange[]): void {
    // Incremental: only the skus, promotions or tax the changes name are re-read.
    try {
      this.catalog.applyChanges(applied);
    } catch (err) {
      this.alert('sync', 'error', `Price book not updated: ${errText(err)}`);
    }
    const appliedAt = Date.now();
    for (const ch of applied) {
      const first = typeof ch.payload.sku === 'string' ? ch.payload.sku : null;
      if (ch.kind === 'oversell') {
        this.alert('oversell', 'warning', String(ch.payload.message ?? `Oversold: ${first ?? 'an item'} — stock below zero; tell the manager`), first ?? undefined);
        continue;
      }
      if (ch.kind !== 'price' && ch.kind !== 'catalog' && ch.kind !== 'stock') continue;
      for (const sku of skusOf(ch)) this.onSkuChanged(ch, sku, appliedAt);
    }
  }

  private onSkuChanged(ch: StoreChange, sku: string, appliedAt: number): void {
    const prod = ch.kind === 'stock' ? undefined : this.catalog.book.products.get(sku);
    const onHand = ch.kind === 'stock' ? this.journal.getStockLevel(sku) : null;
    this.emit('price', {
      sku, ...(prod ? { name: prod.name, price: { amount: prod.price, currency: prod.currency } } : {}),
      ...(onHand ? { on_hand: onHand } : {}),
      cursor: ch.cursor, applied_at_ms: appliedAt,
    });
    if (prod) this.onPriceMove({ sku, name: prod.name, to: prod.price });
  }
}

/** The skus a store change touches: one record, or the hub's batches ({prices:[...]}, {products:[...]}). */
export function skusOf(ch: StoreChange): string[] {
  const out: string[] = [];
  if (typeof ch.payload.sku === 'string') out.push(ch.payload.sku);
  for (const key of ['prices', 'products', 'items']) {
    const arr = ch.payload[key];
    if (Array.isArray(arr)) for (const x of arr.slice(0, 10_000)) if (x && typeof (x as { sku?: unknown }).sku === 'string') out.push((x as { sku: string }).sku);
  }
  return out;
}

/** The link's security as the Store IT screen shows it. */
function hubTrust(hub: RegisterConfig['hub']): NonNullable<SyncStatus['hub_trust']> {
  if (!hub) return { kind: 'none', pin: null };
  if (hub.ca && hub.pin) return { kind: 'pinned', pin: hub.pin };
  if (hub.insecure) return { kind: 'insecure', pin: null };
  return { kind: 'loopback', pin: null };
}

import type { EventPayloadMap, EventType, PaymentUnresolvedPayload, SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload } from '../events';
import type { Quantity } from '../money';
import type { JournalEvent, StoreChange } from '../protocol';
import type { ReceiptDocument } from '../receipt';
import type { DeviceInfo, DeviceStatus, SaleView } from './schemas';

type Money = SaleView['total'];

// The two doors of the register engine (src/main/register): its journal and its devices.
// The engine reaches them only through these interfaces, so the same engine runs on the
// Electron register (better-sqlite3 journal, serial/USB drivers) and in a browser (a
// WebAssembly SQLite journal, Web Serial or no devices), and tests can hand it fakes.
// They live in core so that both the Node journal (src/sync) and a browser one can say
// `implements RegisterJournal` without importing the engine.

export interface JournalAppendOptions {
  /** Clear the open-sale slot in the same transaction (a sale or return was committed). */
  clearOpenSale?: boolean;
}

/** A journal event whose payload the journal validated for its type. */
export type TypedEvent<K extends EventType> = Omit<JournalEvent, 'type' | 'payload'> & { type: K; payload: EventPayloadMap[K] };

/** Everything later events did to one sale, from the journal's reversal index. */
export interface SaleReversals {
  refunds: SaleRefundedPayload[];
  postVoid: SalePostVoidedPayload | null;
}

/** A sale found by its receipt number, with what was already reversed of it. */
export interface SaleOnRecord {
  receipt_no: string;
  sale: SaleCompletedPayload;
  reversals: SaleReversals;
}

/** A product's catalog record with its price record, as the hub sent them. */
export interface CatalogEntry {
  item: Record<string, unknown>;
  price: Record<string, unknown> | null;
}

export interface JournalWatcher {
  /** Store changes committed from the hub (prices, stock, …). */
  changes?(applied: StoreChange[]): void;
  /** The hub acknowledged events. */
  synced?(): void;
  /** An event was committed locally. */
  appended?(event: JournalEvent): void;
}

export interface RegisterJournal {
  readonly terminalId: string;
  readonly storeId: string;

  /**
   * Validates `payload` against core's schema for `type`, appends it at the head of the hash
   * chain and commits (with its index rows) before returning. Throws on an invalid payload.
   */
  append<K extends EventType>(type: K, payload: EventPayloadMap[K], opts?: JournalAppendOptions): TypedEvent<K>;
  head(): { seq: number; hash: string };
  eventAt(seq: number): JournalEvent | null;
  eventsAfter(seq: number, limit: number): JournalEvent[];

  /** This register's sale with that receipt number (`T01-000042`), or null. Indexed. */
  saleByReceipt(receiptNo: string): SaleOnRecord | null;
  /** Refunds and post-void recorded here against a sale (of any register). Indexed. */
  reversalsOf(saleId: string): SaleReversals;
  /** The events of one shift, in order (shift.opened first). Indexed. */
  shiftEvents(shiftId: string): JournalEvent[];
  /** Card payments journalled with an unknown outcome (`payment.unresolved`) and not resolved yet, oldest first. Indexed. */
  openPayments(): PaymentUnresolvedPayload[];

  saveOpenSale(state: Record<string, unknown>): void;
  loadOpenSale(): Record<string, unknown> | null;
  clearOpenSale(): void;
  getOpenShift(): { seq: number; opened_at: string; payload: Record<string, unknown> } | null;

  syncState(): { appliedThrough: number; changeCursor: number; lastSyncedAt: string | null; lastError: string | null };
  unsynced(): { count: number; oldestOccurredAt: string | null };

  // Offline projections of the hub's store data (catalog lookups are indexed).
  getStockLevel(sku: string): Quantity | null;
  catalogEntry(sku: string): CatalogEntry | null;
  catalogEntryByBarcode(gtin14: string): CatalogEntry | null;
  /** The product as core's Product JSON, checked when the journal wrote it (null: read the entry). */
  catalogProductByBarcode(gtin14: string): string | null;
  catalogProductBySku(sku: string): string | null;
  /** Rebuilds up to `limit` checked products whose sources changed; returns how many remain. */
  refreshCatalogProducts(limit: number): number;
  searchCatalogNames(words: readonly string[], limit: number): CatalogEntry[];
  searchCatalogSkus(prefix: string, limit: number): CatalogEntry[];
  listQuickKeys(limit?: number): CatalogEntry[];
  listPromotions(limit?: number): Record<string, unknown>[];
  getSettings(scope: 'tax' | 'config'): Record<string, unknown>;

  // The register's loyalty bookkeeping, kept across a restart (docs/loyalty.md): offline
  // spending per card and UTC day, and customers created offline the hub has not answered for.
  offlineSpent(cardKey: string, day: string): number;
  addOfflineSpent(cardKey: string, day: string, amount: number): void;
  pendingCustomers(limit?: number): Record<string, unknown>[];
  putPendingCustomer(customerId: string, data: Record<string, unknown>): void;
  deletePendingCustomer(customerId: string): void;

  watch(watcher: JournalWatcher): () => void;
}

/** What a payment terminal answered. */
export interface CardOutcome {
  status: 'approved' | 'declined' | 'unknown';
  /** First six / last four at most; the driver masks before it reaches the engine. */
  masked_pan?: string;
  card_brand?: string;
  auth_code?: string;
  terminal_ref?: string;
  /** The register's payment reference as it came back from the terminal. */
  reference?: string;
  /** For an unknown outcome: the terminal's last trace number before this payment (journalled, to match the status inquiry after a restart). */
  trace_before?: number;
  processor: string;
  message?: string;
}

/** The original card payment a refund goes back to. */
export interface OriginalCardPayment {
  processor: string;
  terminal_ref?: string;
  masked_pan?: string;
}

/** The customer display's content, device-independent: the last line scanned and the total, what was paid and the change, or the welcome text. */
export type CustomerScreen =
  | { kind: 'idle' }
  | { kind: 'line'; description: string; amount: Money; total: Money }
  | { kind: 'total'; total: Money }
  | { kind: 'paid'; tendered: Money; change: Money };

/** The screen for a sale as the register shows it (idle, ringing up, paid). */
export function customerScreenFor(v: SaleView): CustomerScreen {
  if (v.status === 'idle' || v.status === 'voided') return { kind: 'idle' };
  if (v.status === 'completed') return { kind: 'paid', tendered: v.paid, change: v.change_due };
  const last = v.lines.filter((l) => !l.voided).at(-1);
  if (!last) return { kind: 'total', total: v.total };
  return { kind: 'line', description: last.name, amount: last.total, total: v.total };
}

export interface ScanData {
  data: string;
  symbology?: string;
}

export interface RegisterDevices {
  status(): DeviceStatus[];
  onStatus(listener: (s: DeviceStatus[]) => void): () => void;
  onScan(listener: (s: ScanData) => void): () => void;
  /** Prints and resolves when the printer took it; rejects with a reason the cashier can act on. */
  printReceipt(doc: ReceiptDocument): Promise<void>;
  openDrawer(): Promise<void>;
  /** A stable weight from the scale in kg (scale 3), or throws (unstable, no scale). */
  readWeight(): Promise<Quantity>;
  authorizeCard(amountMinor: number, currency: string, reference: string): Promise<CardOutcome>;
  /** Money back to a card; `original` names the payment it reverses (same card, its reference). */
  refundCard(amountMinor: number, currency: string, reference: string, original?: OriginalCardPayment): Promise<CardOutcome>;
  /**
   * Asks the terminal what became of the payment whose outcome was unknown (a status
   * inquiry): approved or declined resolves it; unknown means the terminal still cannot say.
   * null when the terminal knows of no unresolved payment.
   */
  checkCardPayment(): Promise<CardOutcome | null>;
  /** What the customer display shows (no-op without one): customerScreenFor(view) of the sale. */
  showCustomer(screen: CustomerScreen): Promise<void>;
  test(kind: DeviceStatus['kind']): Promise<{ ok: boolean; message: string }>;
  found(): Promise<DeviceInfo[]>;
  close(): Promise<void>;
}

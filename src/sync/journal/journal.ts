import { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  GENESIS_HASH,
  JOURNAL_SCHEMA_VERSION,
  canonicalJson,
  hashEventWithPayloadText,
  payloadContentProblem,
  eventTypeSchema,
  verifyChain,
  type ChainBreak,
  type JournalEvent,
  type JournalEventBody,
  type RejectedEvent,
  type StoreChange,
  SNAPSHOT_SECTIONS,
  type SnapshotPageAck,
  type SnapshotSection,
} from '../../core/protocol';
import { sumQuantities, type Quantity } from '../../core/money';
import { EventPayloadError, parseEventPayload, type EventPayloadMap, type EventType, type PaymentUnresolvedPayload, type SalePostVoidedPayload, type SaleRefundedPayload } from '../../core/events';
import { parseReceiptCode } from '../../core/receipt';
import type { CatalogEntry, JournalWatcher, RegisterJournal, SaleOnRecord, SaleReversals, TypedEvent } from '../../core/register-api';
import { stockMovementsFor } from '../../core/stock';
import { applyChangeToProjection, applySnapshotPageToProjection, applySnapshotToProjection, buildCatalogIndexes, refreshStaleProducts, type SnapshotData } from './projections';
import { applyMigrations } from './migrations';
import type { SqlDb, SqlStatement, SqlTransaction } from './sql';

/** WAL pages (4 KiB) a paged snapshot lets grow before a commit checkpoints (above the journal's own bound, open.ts). */
const SNAPSHOT_WAL_AUTOCHECKPOINT = 16_000;

// The register's database: one SQLite file, opened once by the main process (or, on a
// handheld, once by its worker). Everything a register must not lose (journal, open sale, sync
// marks, downlink cursor) lives here, and every method that changes it returns only after the
// SQLite commit. This file holds no Node: it reaches SQLite through SqlDb (sql.ts), so the
// same class runs over better-sqlite3 (open.ts) and over SQLite in WebAssembly (src/handheld).

export interface OpenJournalOptions {
  terminalId: string;
  storeId: string;
  /** Injected clock for tests; occurred_at is informative only, never used for order. */
  now?: () => Date;
}

export interface StockMovement {
  sku: string;
  /** Signed change of stock this event caused (a sale of 2 is { units: -2, scale: 0 }). */
  delta: Quantity;
}

export interface AppendOptions {
  /** Local stock effect of the event. Default: derived by core/stock for sale.completed, sale.refunded, sale.post_voided. */
  stockMovements?: readonly StockMovement[];
  /** Also clear the open sale in the same transaction (used by completeSale). */
  clearOpenSale?: boolean;
}

/**
 * The stock movements core/stock assigns to a sale, refund or post-void. Best effort: the
 * journal must take a sale even if its payload does not parse (the hub will reject it and a
 * manager will see it); then only the local stock estimate misses it.
 */
function deriveStockMovements(event: JournalEvent): StockMovement[] {
  try {
    return stockMovementsFor(event).map((m) => ({ sku: m.sku, delta: m.quantity }));
  } catch {
    return [];
  }
}

/** A product as the register's projection holds it: the hub's catalog record and its price record. */
export type { CatalogEntry };
type EntryRow = { item: string; price: string | null };
const ENTRY_SELECT = 'SELECT c.data AS item, p.data AS price FROM catalog_items c LEFT JOIN prices p ON p.sku = c.sku';
const MAX_SEARCH_WORDS = 8;
const MAX_SEARCH_ROWS = 500;
const MAX_QUICK_KEYS = 200;
function toEntry(r: EntryRow | undefined): CatalogEntry | null {
  if (!r) return null;
  return { item: JSON.parse(r.item) as Record<string, unknown>, price: r.price === null ? null : (JSON.parse(r.price) as Record<string, unknown>) };
}

export type SnapshotPageRequest = { section: SnapshotSection; after: string; limit: number };

export interface SnapshotProgress {
  /** The cursor of the snapshot's first page: the change cursor once the last page is in. */
  cursor: number;
  /** The next page to ask for. */
  section: SnapshotSection;
  after: string;
  /** Rows received so far, of `total` (the hub's counts on the first page). */
  received: number;
  total: number;
  startedAt: string;
  /** A new register's snapshot: barcode and name indexes built after the catalog's last page. */
  deferIndexes: boolean;
}

export interface SyncState {
  appliedThrough: number;
  changeCursor: number;
  lastSyncedAt: string | null;
  lastError: string | null;
}

export interface StoredRejection extends RejectedEvent {
  rejected_at: string;
  acknowledged_at: string | null;
}

export type VerifyResult =
  | { ok: true; count: number; headSeq: number; headHash: string }
  | { ok: false; count: number; brokenAt: ChainBreak; message: string }
  | { ok: false; count: number; brokenAt: null; message: string };

export interface ApplyChangesResult {
  /** Changes committed in this call, in cursor order. */
  applied: StoreChange[];
  /** A change did not follow the cursor: the caller must pull from `cursor`. */
  gap: boolean;
  cursor: number;
  /** Changes recorded in the change log whose payload did not fit the local projection. */
  unprojected: { cursor: number; reason: string }[];
}

/** Bounds (TigerBeetle style): nothing below loops or buffers without one. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_OPEN_SALE_BYTES = 1024 * 1024;
export const MAX_STOCK_MOVEMENTS_PER_EVENT = 10_000;
export const STORE_CHANGE_LOG_KEEP = 10_000;
const VERIFY_CHUNK = 2_000;

const payloadSchema = z.record(z.string(), z.unknown());
const quantitySchema = z.object({ units: z.number().int().refine(Number.isSafeInteger), scale: z.number().int().min(0).max(6) });
const stockMovementSchema = z.object({ sku: z.string().min(1).max(128), delta: quantitySchema });
const stockMovementsSchema = z.array(stockMovementSchema).max(MAX_STOCK_MOVEMENTS_PER_EVENT);
const cartSchema = z.record(z.string(), z.unknown());

export interface JournalRow {
  seq: number;
  version: number;
  terminal_id: string;
  store_id: string;
  event_id: string;
  type: string;
  occurred_at: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export function rowToEvent(r: JournalRow): JournalEvent {
  return {
    version: r.version as typeof JOURNAL_SCHEMA_VERSION,
    terminal_id: r.terminal_id,
    store_id: r.store_id,
    seq: r.seq,
    event_id: r.event_id,
    type: r.type,
    occurred_at: r.occurred_at,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

export interface JournalEvents {
  appended: [JournalEvent];
  synced: [{ appliedThrough: number; rejected: RejectedEvent[] }];
  changes: [ApplyChangesResult];
}

/** At most this many unresolved card payments are read back (the register allows one at a time). */
const MAX_OPEN_PAYMENTS = 16;

/** Bound on reversals per sale and events per shift read back through the indexes. */
const MAX_REVERSALS_PER_SALE = 1_000;
const MAX_EVENTS_PER_SHIFT = 200_000;
/** Largest handover a replacement device takes (the hub sends at most this many). */
export const MAX_HANDOVER_EVENTS = 50_000;

export class Journal extends EventEmitter<JournalEvents> implements RegisterJournal {
  readonly path: string;
  readonly terminalId: string;
  readonly storeId: string;
  private readonly db: SqlDb;
  private readonly now: () => Date;
  private closed = false;
  private readonly stmt;
  private readonly appendTx: SqlTransaction<Journal['appendInTransaction']>;

  private readonly onClose: () => void;

  constructor(db: SqlDb, filePath: string, terminalId: string, storeId: string, now: () => Date, onClose: () => void = () => {}) {
    super();
    this.onClose = onClose;
    this.db = db;
    this.path = filePath;
    this.terminalId = terminalId;
    this.storeId = storeId;
    this.now = now;
    this.stmt = {
      head: db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1'),
      base: db.prepare('SELECT seq, hash, adopted_at FROM chain_base WHERE id = 1'),
      insert: db.prepare(
        `INSERT INTO journal (seq, version, terminal_id, store_id, event_id, type, occurred_at, payload, prev_hash, hash)
         VALUES (@seq, @version, @terminal_id, @store_id, @event_id, @type, @occurred_at, @payload, @prev_hash, @hash)`,
      ),
      append: db.prepare(
        `INSERT INTO journal (seq, version, terminal_id, store_id, event_id, type, occurred_at, payload, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertMove: db.prepare('INSERT INTO local_stock_movements (seq, n, sku, units, scale) VALUES (?, ?, ?, ?, ?)'),
      after: db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
      bySeq: db.prepare('SELECT * FROM journal WHERE seq = ?'),
      syncState: db.prepare('SELECT applied_through, change_cursor, last_synced_at, last_error FROM sync_state WHERE id = 1'),
      setApplied: db.prepare('UPDATE sync_state SET applied_through = ?, last_synced_at = ? WHERE id = 1'),
      setError: db.prepare('UPDATE sync_state SET last_error = ? WHERE id = 1'),
      insertRejection: db.prepare(
        'INSERT OR IGNORE INTO rejections (seq, event_id, code, reason, rejected_at) VALUES (?, ?, ?, ?, ?)',
      ),
      saveOpen: db.prepare('INSERT INTO open_sale (id, cart, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET cart = excluded.cart, updated_at = excluded.updated_at'),
      loadOpen: db.prepare('SELECT cart FROM open_sale WHERE id = 1'),
      clearOpen: db.prepare('DELETE FROM open_sale WHERE id = 1'),
      openShift: db.prepare('INSERT OR REPLACE INTO open_shift (id, seq, opened_at, payload) VALUES (1, ?, ?, ?)'),
      closeShift: db.prepare('DELETE FROM open_shift WHERE id = 1'),
      indexReversal: db.prepare('INSERT OR IGNORE INTO sale_reversals (sale_id, seq, kind) VALUES (?, ?, ?)'),
      indexShift: db.prepare('INSERT OR IGNORE INTO shift_events (shift_id, seq) VALUES (?, ?)'),
      openPayment: db.prepare('INSERT OR REPLACE INTO open_payments (reference, seq) VALUES (?, ?)'),
      closePayment: db.prepare('DELETE FROM open_payments WHERE reference = ?'),
      openPayments: db.prepare('SELECT j.* FROM open_payments o JOIN journal j ON j.seq = o.seq ORDER BY o.seq LIMIT ?'),
      reversals: db.prepare('SELECT j.* FROM sale_reversals r JOIN journal j ON j.seq = r.seq WHERE r.sale_id = ? ORDER BY r.seq LIMIT ?'),
      shiftEvents: db.prepare('SELECT j.* FROM shift_events s JOIN journal j ON j.seq = s.seq WHERE s.shift_id = ? ORDER BY s.seq LIMIT ?'),
    };
    this.appendTx = db.transaction(this.appendInTransaction.bind(this));
  }

  private readonly statements = new Map<string, SqlStatement>();
  /** A statement prepared once (catalog reads run per scan and per keystroke). */
  private cached(sql: string): SqlStatement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
  }

  /** Last event on the chain (the chain base when empty: seq 0 and the genesis hash for a new terminal). */
  head(): { seq: number; hash: string } {
    this.assertOpen();
    const r = this.stmt.head.get() as { seq: number; hash: string } | undefined;
    if (r) return r;
    const b = this.chainBase();
    return { seq: b.seq, hash: b.hash };
  }

  /**
   * Where this database's chain starts: (0, genesis), or for a replacement device the event
   * before the first one the hub handed over (adoptHandover).
   */
  chainBase(): { seq: number; hash: string; adoptedAt: string | null } {
    this.assertOpen();
    const r = this.stmt.base.get() as { seq: number; hash: string; adopted_at: string | null };
    return { seq: r.seq, hash: r.hash, adoptedAt: r.adopted_at };
  }

  /** True for a database that has never held an event nor a handover (a fresh install). */
  isNew(): boolean {
    return this.stmt.head.get() === undefined && this.chainBase().adoptedAt === null;
  }

  /** The hash of the event at seq as this database knows it (the base's for seq = base), or null. */
  hashAt(seq: number): string | null {
    const e = this.eventAt(seq);
    if (e) return e.hash;
    const b = this.chainBase();
    return b.seq === seq ? b.hash : null;
  }

  /**
   * Takes over a terminal's chain on a replacement device: the hub's copy of the terminal's
   * recent events (from `base`, the event before the first one, to the hub's head) is written
   * verbatim, so the open shift, its cash and the receipts for returns are the old device's,
   * and the next append continues the same chain. Only into a new database, in one
   * transaction; the chain must verify from the base, and every event must be this terminal's.
   */
  adoptHandover(h: { base: { seq: number; hash: string }; events: readonly JournalEvent[] }): { head: number } {
    this.assertOpen();
    if (!this.isNew()) throw new Error(`journal ${this.path} already holds a chain: a handover only goes into a new register database`);
    if (!Number.isSafeInteger(h.base.seq) || h.base.seq < 0 || !/^[0-9a-f]{64}$/.test(h.base.hash)) throw new Error('handover: bad chain base');
    if (h.events.length > MAX_HANDOVER_EVENTS) throw new Error(`handover of ${h.events.length} events is over the bound ${MAX_HANDOVER_EVENTS}`);
    for (const e of h.events) {
      if (e.terminal_id !== this.terminalId || e.store_id !== this.storeId) throw new Error(`handover event ${e.seq} is for ${e.store_id}/${e.terminal_id}, this register is ${this.storeId}/${this.terminalId}`);
    }
    const broken = verifyChain([...h.events], { seq: h.base.seq, hash: h.base.hash });
    if (broken) throw new Error(`handover chain does not verify: ${describeBreak(broken)}`);
    const at = this.now().toISOString();
    const head = this.db.transaction((): number => {
      this.db.prepare('UPDATE chain_base SET seq = ?, hash = ?, adopted_at = ? WHERE id = 1').run(h.base.seq, h.base.hash, at);
      for (const e of h.events) {
        this.stmt.insert.run({ ...e, payload: canonicalJson(e.payload) });
        this.insertMoves(e.seq, deriveStockMovements(e));
        if (e.type === 'shift.opened') this.stmt.openShift.run(e.seq, e.occurred_at, canonicalJson(e.payload));
        if (e.type === 'shift.closed') this.stmt.closeShift.run();
        this.index(e);
      }
      const last = h.events.length ? h.events[h.events.length - 1]!.seq : h.base.seq;
      // The hub has applied all of it: nothing here is unsynced.
      this.stmt.setApplied.run(last, at);
      return last;
    }).immediate();
    this.emit('synced', { appliedThrough: head, rejected: [] });
    return { head };
  }

  /**
   * Appends one event at the head of the chain and commits it (synchronous=FULL) before
   * returning. The payload must pass core's schema for its type (EventPayloadError if not),
   * so what the register journals is what the hub will accept.
   */
  append<K extends EventType>(type: K, payload: EventPayloadMap[K], opts: AppendOptions = {}): TypedEvent<K> {
    const r = parseEventPayload(type, payload);
    if (!r.ok) throw new EventPayloadError(`refusing to journal an invalid ${type}: ${r.error}`, r.type, r.issues);
    return this.appendUnchecked(type, payload as unknown as Record<string, unknown>, opts) as TypedEvent<K>;
  }

  /**
   * Appends without the payload schema check. Only for tests and tools that must write what a
   * broken or older register would (the hub's rejection paths); the register uses append.
   * Payloads are hashed as canonical JSON: integers only (money in minor units).
   */
  appendUnchecked(type: string, payload: Record<string, unknown>, opts: AppendOptions = {}): JournalEvent {
    this.assertOpen();
    eventTypeSchema.parse(type);
    payloadSchema.parse(payload);
    // The rules the hub applies to every event (strings, integers, depth, no card numbers):
    // an event the hub would refuse for good is refused here, before it is sealed.
    const problem = payloadContentProblem(payload, '$.payload');
    if (problem) throw new Error(`journal: ${problem.code}: ${problem.reason}`);
    const payloadText = canonicalJson(payload);
    if (payloadText.length > MAX_PAYLOAD_BYTES) throw new Error(`event payload is ${payloadText.length} bytes, over ${MAX_PAYLOAD_BYTES}`);
    const given = opts.stockMovements === undefined ? null : stockMovementsSchema.parse(opts.stockMovements);
    // Stored payload must be what was hashed, so re-read events hash identically.
    const storedPayload = JSON.parse(payloadText) as Record<string, unknown>;
    const event = this.appendTx.immediate(type, payloadText, storedPayload, given, opts.clearOpenSale === true);
    this.emit('appended', event);
    return event;
  }

  /**
   * The append's transaction (built once): seal at the head, the row, its stock movements, the
   * open sale and the indexes. The hash covers the payload's canonical text as stored.
   */
  private appendInTransaction(type: string, payloadText: string, payload: Record<string, unknown>, given: readonly StockMovement[] | null, clearOpenSale: boolean): JournalEvent {
    const prev = this.head();
    const seq = prev.seq + 1;
    const eventId = globalThis.crypto.randomUUID();
    const occurredAt = this.now().toISOString();
    const envelope: Omit<JournalEventBody, 'payload'> = { version: JOURNAL_SCHEMA_VERSION, terminal_id: this.terminalId, store_id: this.storeId, seq, event_id: eventId, type, occurred_at: occurredAt };
    const hash = hashEventWithPayloadText(prev.hash, envelope, payloadText);
    this.stmt.append.run(seq, JOURNAL_SCHEMA_VERSION, this.terminalId, this.storeId, eventId, type, occurredAt, payloadText, prev.hash, hash);
    const sealed: JournalEvent = { ...envelope, payload, prev_hash: prev.hash, hash };
    this.insertMoves(seq, given ?? deriveStockMovements(sealed));
    if (type === 'shift.opened') this.stmt.openShift.run(seq, occurredAt, payloadText);
    if (type === 'shift.closed') this.stmt.closeShift.run();
    if (clearOpenSale) this.stmt.clearOpen.run();
    this.index(sealed);
    return sealed;
  }

  /** An event's stock movements, keyed (sku, seq, n): n is the movement's place in the event. */
  private insertMoves(seq: number, moves: readonly StockMovement[]): void {
    for (let n = 0; n < moves.length; n++) {
      const m = moves[n]!;
      this.stmt.insertMove.run(seq, n, m.sku, m.delta.units, m.delta.scale);
    }
  }

  /** Index rows for lookups the register makes (reversals of a sale, a shift, open card payments), in the append's transaction. */
  private index(e: JournalEvent): void {
    const p = e.payload;
    const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 128 ? v : null);
    if (e.type === 'sale.refunded' && str(p.original_sale_id)) this.stmt.indexReversal.run(p.original_sale_id, e.seq, 'refund');
    if (e.type === 'sale.post_voided' && str(p.sale_id)) this.stmt.indexReversal.run(p.sale_id, e.seq, 'post_void');
    if (str(p.shift_id)) this.stmt.indexShift.run(p.shift_id, e.seq);
    if (e.type === 'payment.unresolved' && str(p.reference)) this.stmt.openPayment.run(p.reference, e.seq);
    if (e.type === 'payment.resolved' && str(p.reference)) this.stmt.closePayment.run(p.reference);
  }

  /** Card payments journalled with an unknown outcome and not resolved yet, oldest first. Indexed. */
  openPayments(): PaymentUnresolvedPayload[] {
    this.assertOpen();
    const out: PaymentUnresolvedPayload[] = [];
    for (const r of this.stmt.openPayments.all(MAX_OPEN_PAYMENTS) as JournalRow[]) {
      const p = parseEventPayload('payment.unresolved', JSON.parse(r.payload));
      if (p.ok) out.push(p.payload);
    }
    return out;
  }

  saleByReceipt(receipt: string): SaleOnRecord | null {
    this.assertOpen();
    const code = parseReceiptCode(receipt, this.terminalId);
    if (!code) return null;
    // A receipt number is this terminal and the sale's seq (receiptNo): the journal row by its key.
    if (code.terminal_id !== this.terminalId) return null;
    const ev = this.eventAt(code.seq);
    if (ev?.type !== 'sale.completed') return null;
    const sale = parseEventPayload('sale.completed', ev.payload);
    if (!sale.ok) return null;
    return { receipt_no: code.receipt_no, sale: sale.payload, reversals: this.reversalsOf(sale.payload.sale_id) };
  }

  reversalsOf(saleId: string): SaleReversals {
    this.assertOpen();
    const out: SaleReversals = { refunds: [], postVoid: null };
    for (const r of this.stmt.reversals.all(saleId, MAX_REVERSALS_PER_SALE) as JournalRow[]) {
      const e = rowToEvent(r);
      if (e.type === 'sale.refunded') {
        const p = parseEventPayload('sale.refunded', e.payload);
        if (p.ok) out.refunds.push(p.payload as SaleRefundedPayload);
      } else if (e.type === 'sale.post_voided') {
        const p = parseEventPayload('sale.post_voided', e.payload);
        if (p.ok) out.postVoid = p.payload as SalePostVoidedPayload;
      }
    }
    return out;
  }

  shiftEvents(shiftId: string): JournalEvent[] {
    this.assertOpen();
    return (this.stmt.shiftEvents.all(shiftId, MAX_EVENTS_PER_SHIFT) as JournalRow[]).map(rowToEvent);
  }

  watch(w: JournalWatcher): () => void {
    const changes = (r: ApplyChangesResult) => w.changes?.(r.applied);
    const synced = () => w.synced?.();
    const appended = (e: JournalEvent) => w.appended?.(e);
    this.on('changes', changes);
    this.on('synced', synced);
    this.on('appended', appended);
    return () => {
      this.off('changes', changes);
      this.off('synced', synced);
      this.off('appended', appended);
    };
  }

  /** Saves the cart of the sale in progress (call on every change). */
  saveOpenSale(cart: Record<string, unknown>): void {
    this.assertOpen();
    const text = JSON.stringify(cartSchema.parse(cart));
    if (text.length > MAX_OPEN_SALE_BYTES) throw new Error(`open sale is ${text.length} bytes, over ${MAX_OPEN_SALE_BYTES}`);
    this.stmt.saveOpen.run(text, this.now().toISOString());
  }

  loadOpenSale(): Record<string, unknown> | null {
    this.assertOpen();
    const r = this.stmt.loadOpen.get() as { cart: string } | undefined;
    return r ? (JSON.parse(r.cart) as Record<string, unknown>) : null;
  }

  clearOpenSale(): void {
    this.assertOpen();
    this.stmt.clearOpen.run();
  }

  /** Up to `limit` events after `seq`, in order. */
  eventsAfter(seq: number, limit: number): JournalEvent[] {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new Error(`limit must be 1..10000, got ${limit}`);
    return (this.stmt.after.all(seq, limit) as JournalRow[]).map(rowToEvent);
  }

  eventAt(seq: number): JournalEvent | null {
    this.assertOpen();
    const r = this.stmt.bySeq.get(seq) as JournalRow | undefined;
    return r ? rowToEvent(r) : null;
  }

  syncState(): SyncState {
    this.assertOpen();
    const r = this.stmt.syncState.get() as { applied_through: number; change_cursor: number; last_synced_at: string | null; last_error: string | null };
    return { appliedThrough: r.applied_through, changeCursor: r.change_cursor, lastSyncedAt: r.last_synced_at, lastError: r.last_error };
  }

  /** Events not yet acknowledged by the hub, and the oldest one's time. */
  unsynced(): { count: number; oldestOccurredAt: string | null } {
    const { appliedThrough } = this.syncState();
    const head = this.head();
    const count = Math.max(0, head.seq - appliedThrough);
    const oldest = count > 0 ? this.eventAt(appliedThrough + 1) : null;
    return { count, oldestOccurredAt: oldest?.occurred_at ?? null };
  }

  /**
   * Records the hub's "applied through N" (after its commit) and its permanent rejections.
   * The hub is the authority on its mark: if it reports less than we had (hub restored
   * from backup), the register resends from there.
   */
  recordHubMark(appliedThrough: number, rejected: readonly RejectedEvent[] = []): void {
    this.assertOpen();
    const head = this.head();
    if (!Number.isSafeInteger(appliedThrough) || appliedThrough < 0) throw new Error(`bad applied_through ${appliedThrough}`);
    if (appliedThrough > head.seq) {
      throw new Error(`hub claims applied_through ${appliedThrough} but this register's journal ends at ${head.seq}`);
    }
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const r of rejected) {
        if (r.seq > appliedThrough) throw new Error(`hub rejected seq ${r.seq} above its applied_through ${appliedThrough}`);
        const ev = this.eventAt(r.seq);
        if (!ev || ev.event_id !== r.event_id) throw new Error(`hub rejected seq ${r.seq} with event_id ${r.event_id}, which is not ours`);
        this.stmt.insertRejection.run(r.seq, r.event_id, r.code, r.reason.slice(0, 2000), at);
      }
      this.stmt.setApplied.run(appliedThrough, at);
    }).immediate();
    this.emit('synced', { appliedThrough, rejected: [...rejected] });
  }

  recordError(message: string | null): void {
    this.assertOpen();
    this.stmt.setError.run(message === null ? null : message.slice(0, 2000));
  }

  rejections(opts: { unacknowledgedOnly?: boolean } = {}): StoredRejection[] {
    this.assertOpen();
    const sql = `SELECT seq, event_id, code, reason, rejected_at, acknowledged_at FROM rejections
                 ${opts.unacknowledgedOnly ? 'WHERE acknowledged_at IS NULL' : ''} ORDER BY seq LIMIT 10000`;
    return this.db.prepare(sql).all() as StoredRejection[];
  }

  /** How many rejections no manager has acknowledged yet. */
  unacknowledgedRejectionCount(): number {
    this.assertOpen();
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rejections WHERE acknowledged_at IS NULL').get() as { n: number }).n;
  }

  /** A manager has seen the rejection (it stays recorded). */
  acknowledgeRejection(seq: number): boolean {
    this.assertOpen();
    return this.db.prepare('UPDATE rejections SET acknowledged_at = ? WHERE seq = ? AND acknowledged_at IS NULL').run(this.now().toISOString(), seq).changes === 1;
  }

  /**
   * Applies store changes from the hub; each change and the cursor advance commit together.
   * Changes at or below the cursor are skipped (already applied); a change that does not
   * follow the cursor stops the batch with gap = true.
   */
  applyChanges(changes: readonly StoreChange[]): ApplyChangesResult {
    this.assertOpen();
    const sorted = [...changes].sort((a, b) => a.cursor - b.cursor);
    const result = this.db.transaction((): ApplyChangesResult => {
      let cursor = this.syncState().changeCursor;
      const applied: StoreChange[] = [];
      const unprojected: { cursor: number; reason: string }[] = [];
      let gap = false;
      const at = this.now().toISOString();
      for (const c of sorted) {
        if (c.cursor <= cursor) continue;
        if (c.cursor !== cursor + 1) {
          gap = true;
          break;
        }
        if (c.store_id !== this.storeId) throw new Error(`change ${c.cursor} is for store ${c.store_id}, this register is in ${this.storeId}`);
        const problem = applyChangeToProjection(this.db, c, this.terminalId);
        if (problem) unprojected.push({ cursor: c.cursor, reason: problem });
        // Statements prepared once per journal: a price book is many changes a batch, batches come in bursts.
        this.cached('INSERT INTO store_changes (cursor, kind, payload, created_at, applied_at) VALUES (?, ?, ?, ?, ?)').run(
          c.cursor, c.kind, JSON.stringify(c.payload), c.created_at, at,
        );
        cursor = c.cursor;
        applied.push(c);
      }
      if (applied.length > 0) {
        this.cached('UPDATE sync_state SET change_cursor = ? WHERE id = 1').run(cursor);
        this.cached('DELETE FROM store_changes WHERE cursor <= ?').run(cursor - STORE_CHANGE_LOG_KEEP);
      }
      return { applied, gap, cursor, unprojected };
    }).immediate();
    if (result.applied.length > 0) this.emit('changes', result);
    return result;
  }

  /** Replaces the projections with a hub snapshot and moves the cursor to it, in one transaction. */
  applySnapshot(snapshot: SnapshotData & { store_id: string; cursor: number }): void {
    this.assertOpen();
    if (snapshot.store_id !== this.storeId) throw new Error(`snapshot is for store ${snapshot.store_id}, this register is in ${this.storeId}`);
    this.db.transaction(() => {
      applySnapshotToProjection(this.db, snapshot);
      this.db.prepare('DELETE FROM snapshot_progress').run();
      this.db.prepare('UPDATE sync_state SET change_cursor = ? WHERE id = 1').run(snapshot.cursor);
    }).immediate();
  }

  /** The paged snapshot being taken (docs/sync-protocol.md 4.5b), or null. */
  snapshotProgress(): SnapshotProgress | null {
    this.assertOpen();
    const r = this.cached('SELECT cursor, section, after, received, total, started_at, defer_indexes FROM snapshot_progress WHERE id = 1').get() as
      | { cursor: number; section: SnapshotSection; after: string; received: number; total: number; started_at: string; defer_indexes: number }
      | undefined;
    return r ? { cursor: r.cursor, section: r.section, after: r.after, received: r.received, total: r.total, startedAt: r.started_at, deferIndexes: r.defer_indexes === 1 } : null;
  }

  /** Forgets a paged snapshot in progress (the next one starts from its first page). */
  abandonSnapshot(): void {
    this.assertOpen();
    this.db.prepare('DELETE FROM snapshot_progress').run();
  }

  /**
   * Applies one page of a paged snapshot, answered to `req`, in one transaction with the
   * progress that says which page comes next; the last page moves the change cursor to the
   * first page's cursor (the register then pulls the change log from there). 'restart': the
   * hub's cursor went below the snapshot's (a restored hub database): nothing was applied,
   * the progress is gone, start again from the first page.
   */
  applySnapshotPage(req: SnapshotPageRequest, page: SnapshotPageAck): 'more' | 'done' | 'restart' {
    this.assertOpen();
    if (page.store_id !== this.storeId) throw new Error(`snapshot is for store ${page.store_id}, this register is in ${this.storeId}`);
    if (page.section !== req.section) throw new Error(`snapshot page for ${page.section} answered a request for ${req.section}`);
    // A page is a copy of the hub's rows that the register can ask for again, not a sale: its
    // commit need not wait for the disk (WAL with synchronous=NORMAL stays atomic and in order;
    // a power cut loses at most the last pages, and the progress committed with them, which are
    // then asked for again). The journal's own writes go back to FULL before anything else runs.
    this.db.exec('PRAGMA synchronous = NORMAL');
    // Fewer, larger WAL checkpoints while pages arrive (each checkpoint syncs the database file
    // and copies pages a later page writes again): at most SNAPSHOT_WAL_AUTOCHECKPOINT pages of
    // WAL before the page's commit checkpoints, the journal's own setting back before anything
    // else commits. Left alone where automatic checkpoints are off (0).
    const ckpt = (this.db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
    if (ckpt > 0 && ckpt < SNAPSHOT_WAL_AUTOCHECKPOINT) this.db.exec(`PRAGMA wal_autocheckpoint = ${SNAPSHOT_WAL_AUTOCHECKPOINT}`);
    try {
      return this.applySnapshotPageTx(req, page);
    } finally {
      this.db.exec('PRAGMA synchronous = FULL');
      if (ckpt > 0 && ckpt < SNAPSHOT_WAL_AUTOCHECKPOINT) this.db.exec(`PRAGMA wal_autocheckpoint = ${ckpt}`);
    }
  }

  private applySnapshotPageTx(req: SnapshotPageRequest, page: SnapshotPageAck): 'more' | 'done' | 'restart' {
    return this.db.transaction((): 'more' | 'done' | 'restart' => {
      const prog = this.snapshotProgress();
      const first = req.section === SNAPSHOT_SECTIONS[0] && req.after === '';
      if (prog && (prog.section !== req.section || prog.after !== req.after)) {
        throw new Error(`snapshot page ${req.section} after '${req.after}' is not the one expected (${prog.section} after '${prog.after}')`);
      }
      if (!prog && !first) throw new Error(`snapshot page ${req.section} after '${req.after}' without a snapshot in progress`);
      if (prog && page.cursor < prog.cursor) {
        this.db.prepare('DELETE FROM snapshot_progress').run();
        return 'restart';
      }
      const cursor = prog?.cursor ?? page.cursor;
      // The progress row exists before the page's rows are written: the stale-marking triggers
      // stand aside while it does (the page checks its own products). No store change is applied
      // while a snapshot is in progress (HubSync finishes the snapshot before it pulls).
      // A register with no catalog yet (a new one) defers its barcode and name indexes to after
      // the catalog's last page (buildCatalogIndexes); one with a catalog keeps them page by page,
      // so what it already sells stays findable while the snapshot runs. Kept in the progress, so
      // a resumed snapshot goes on the same way.
      let defer = prog?.deferIndexes ?? false;
      if (!prog) {
        defer = this.cached('SELECT 1 FROM catalog_items LIMIT 1').get() === undefined;
        this.db.prepare('INSERT INTO snapshot_progress (id, cursor, section, after, received, total, started_at, defer_indexes) VALUES (1, ?, ?, ?, 0, 0, ?, ?)')
          .run(cursor, req.section, req.after, this.now().toISOString(), defer ? 1 : 0);
        this.db.prepare('DELETE FROM snapshot_barcodes').run(); // anything a snapshot given up left
      }
      const hi = page.next && page.next.section === req.section ? page.next.after : null;
      const settings = page.section === 'settings' ? { tax: page.tax ?? {}, config: page.config ?? {} } : undefined;
      applySnapshotPageToProjection(this.db, req.section, { lo: req.after, hi }, page.items, settings, defer);
      if (defer && req.section === 'catalog' && page.next?.section !== 'catalog') {
        buildCatalogIndexes(this.db);
        this.db.prepare('UPDATE snapshot_progress SET defer_indexes = 0').run();
      }
      if (page.next === null) {
        this.db.prepare('DELETE FROM snapshot_progress').run();
        // Marks left from before the snapshot or by its first page: every product was just checked.
        this.db.prepare('DELETE FROM catalog_products_stale').run();
        this.db.prepare('UPDATE sync_state SET change_cursor = ? WHERE id = 1').run(cursor);
        return 'done';
      }
      const total = page.totals ? page.totals.catalog + page.totals.prices + page.totals.stock + page.totals.promotions : (prog?.total ?? 0);
      this.db.prepare('UPDATE snapshot_progress SET section = ?, after = ?, received = ?, total = ? WHERE id = 1')
        .run(page.next.section, page.next.after, (prog?.received ?? 0) + page.items.length, total);
      return 'more';
    }).immediate();
  }

  /**
   * Rebuilds up to `limit` validated products whose catalog record or price was written since
   * (journal migration 7's triggers mark them), in one transaction. Returns how many remain.
   */
  refreshCatalogProducts(limit: number): number {
    this.assertOpen();
    return this.db.transaction(() => refreshStaleProducts(this.db, limit)).immediate();
  }

  // ---- projections the register reads offline ----

  /**
   * The product a barcode (its GTIN-14 key) belongs to, as core's Product checked when it was
   * written (catalog_products): one probe of the barcode index and one of the products. Null
   * when there is none or it is being rebuilt; the caller then reads the sources.
   */
  catalogProductByBarcode(gtin14: string): string | null {
    this.assertOpen();
    return (this.cached('SELECT p.product AS product FROM catalog_barcodes b JOIN catalog_products p ON p.sku = b.sku WHERE b.code = ?').get(gtin14) as { product: string } | undefined)?.product ?? null;
  }

  /** The checked product of a sku (see catalogProductByBarcode). */
  catalogProductBySku(sku: string): string | null {
    this.assertOpen();
    return (this.cached('SELECT product FROM catalog_products WHERE sku = ?').get(sku) as { product: string } | undefined)?.product ?? null;
  }

  private getJson(sql: string, key: string): Record<string, unknown> | null {
    this.assertOpen();
    const r = this.db.prepare(sql).get(key) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Record<string, unknown>) : null;
  }

  getPrice(sku: string): Record<string, unknown> | null {
    return this.getJson('SELECT data FROM prices WHERE sku = ?', sku);
  }

  /** A page of prices in sku order, after `afterSku` (page through a chain's catalog; no silent cap). */
  listPrices(limit = 10_000, afterSku = ''): Record<string, unknown>[] {
    this.assertOpen();
    return (this.db.prepare('SELECT data FROM prices WHERE sku > ? ORDER BY sku LIMIT ?').all(afterSku, limit) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  getCatalogItem(sku: string): Record<string, unknown> | null {
    return this.getJson('SELECT data FROM catalog_items WHERE sku = ?', sku);
  }

  /** A page of catalog records in sku order, after `afterSku`. */
  listCatalog(limit = 10_000, afterSku = ''): Record<string, unknown>[] {
    this.assertOpen();
    return (this.db.prepare('SELECT data FROM catalog_items WHERE sku > ? ORDER BY sku LIMIT ?').all(afterSku, limit) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  catalogSize(): number {
    this.assertOpen();
    return (this.cached('SELECT COUNT(*) AS n FROM catalog_items').get() as { n: number }).n;
  }

  /** A product's catalog record with its price record, in one indexed, joined read. */
  catalogEntry(sku: string): CatalogEntry | null {
    this.assertOpen();
    return toEntry(this.cached(`${ENTRY_SELECT} WHERE c.sku = ?`).get(sku) as EntryRow | undefined);
  }

  /** The product a barcode (its GTIN-14 key) belongs to, through the indexed barcode table. */
  catalogEntryByBarcode(gtin14: string): CatalogEntry | null {
    this.assertOpen();
    return toEntry(this.cached(`${ENTRY_SELECT} JOIN catalog_barcodes b ON b.sku = c.sku WHERE b.code = ?`).get(gtin14) as EntryRow | undefined);
  }

  /**
   * Products whose name has a word starting with each of `words` (FTS5 prefix index), in
   * catalog order, at most `limit`. Words are matched as quoted FTS5 strings, so no query
   * syntax reaches SQLite from the cashier's typing.
   */
  searchCatalogNames(words: readonly string[], limit: number): CatalogEntry[] {
    this.assertOpen();
    const ws = words.map((w) => w.replace(/"/g, '')).filter((w) => w.length > 0).slice(0, MAX_SEARCH_WORDS);
    if (ws.length === 0) return [];
    const match = ws.map((w) => `"${w}"*`).join(' AND ');
    const rows = this.cached(`${ENTRY_SELECT} JOIN (SELECT rowid AS id FROM catalog_names WHERE catalog_names MATCH ? LIMIT ?) m ON m.id = c.rowid`)
      .all(match, Math.min(limit, MAX_SEARCH_ROWS)) as EntryRow[];
    return rows.map((r) => toEntry(r)!);
  }

  /** Products on the quick-key grid, by group and position (bounded: a grid is a screenful or a few). */
  listQuickKeys(limit = MAX_QUICK_KEYS): CatalogEntry[] {
    this.assertOpen();
    const rows = this.cached(`${ENTRY_SELECT} JOIN catalog_quick_keys q ON q.sku = c.sku ORDER BY q.grp, q.position, c.sku LIMIT ?`).all(Math.min(limit, MAX_QUICK_KEYS)) as EntryRow[];
    return rows.map((r) => toEntry(r)!);
  }

  /** Products whose sku starts with `prefix` (primary-key range), in sku order. */
  searchCatalogSkus(prefix: string, limit: number): CatalogEntry[] {
    this.assertOpen();
    if (!prefix) return [];
    const rows = this.cached(`${ENTRY_SELECT} WHERE c.sku >= ? AND c.sku < ? ORDER BY c.sku LIMIT ?`)
      .all(prefix, `${prefix}\u{10FFFF}`, Math.min(limit, MAX_SEARCH_ROWS)) as EntryRow[];
    return rows.map((r) => toEntry(r)!);
  }

  getPromotion(id: string): Record<string, unknown> | null {
    return this.getJson('SELECT data FROM promotions WHERE id = ?', id);
  }

  listPromotions(limit = 10_000): Record<string, unknown>[] {
    this.assertOpen();
    return (this.db.prepare('SELECT data FROM promotions ORDER BY id LIMIT ?').all(limit) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  getCustomer(customerId: string): Record<string, unknown> | null {
    return this.getJson('SELECT data FROM customers WHERE customer_id = ?', customerId);
  }

  /** Offline spending this register allowed on a card (or points) on a UTC day. */
  offlineSpent(cardKey: string, day: string): number {
    this.assertOpen();
    const r = this.db.prepare('SELECT amount FROM offline_spend WHERE card_key = ? AND day = ?').get(cardKey, day) as { amount: number } | undefined;
    return r?.amount ?? 0;
  }

  /** Adds to it in one statement; rows older than a week are dropped (the limit is per day). */
  addOfflineSpent(cardKey: string, day: string, amount: number): void {
    this.assertOpen();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO offline_spend (card_key, day, amount) VALUES (?, ?, ?) ON CONFLICT (card_key, day) DO UPDATE SET amount = amount + excluded.amount').run(cardKey, day, amount);
      this.db.prepare("DELETE FROM offline_spend WHERE day < strftime('%Y-%m-%d', ?, '-7 days')").run(day);
    })();
  }

  pendingCustomers(limit = 500): Record<string, unknown>[] {
    this.assertOpen();
    return (this.db.prepare('SELECT data FROM pending_customers ORDER BY created_at, customer_id LIMIT ?').all(limit) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  putPendingCustomer(customerId: string, data: Record<string, unknown>): void {
    this.assertOpen();
    this.db.prepare('INSERT INTO pending_customers (customer_id, data, created_at) VALUES (?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET data = excluded.data').run(customerId, JSON.stringify(data), new Date().toISOString());
  }

  deletePendingCustomer(customerId: string): void {
    this.assertOpen();
    this.db.prepare('DELETE FROM pending_customers WHERE customer_id = ?').run(customerId);
  }

  getSettings(scope: 'tax' | 'config'): Record<string, unknown> {
    this.assertOpen();
    const rows = this.db.prepare('SELECT key, value FROM settings WHERE scope = ?').all(scope) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  /**
   * Stock on hand as the register sees it: the hub's last figure plus this register's
   * movements the hub has not acknowledged yet. null when neither knows the SKU.
   */
  getStockLevel(sku: string): Quantity | null {
    this.assertOpen();
    const hub = this.db.prepare('SELECT units, scale FROM hub_stock WHERE sku = ?').get(sku) as Quantity | undefined;
    // The hub's figure includes our events through its mark (or through the seq its last
    // stock change named for this register, which can arrive before the ack).
    const stockThrough = Number((this.db.prepare("SELECT value FROM meta WHERE key = 'stock_through'").get() as { value: string } | undefined)?.value ?? 0);
    const through = Math.max(this.syncState().appliedThrough, stockThrough);
    const moves = this.db.prepare('SELECT units, scale FROM local_stock_movements WHERE sku = ? AND seq > ?').all(sku, through) as Quantity[];
    if (!hub && moves.length === 0) return null;
    return sumQuantities(hub ? [hub, ...moves] : moves);
  }

  getOpenShift(): { seq: number; opened_at: string; payload: Record<string, unknown> } | null {
    this.assertOpen();
    const r = this.db.prepare('SELECT seq, opened_at, payload FROM open_shift WHERE id = 1').get() as { seq: number; opened_at: string; payload: string } | undefined;
    return r ? { seq: r.seq, opened_at: r.opened_at, payload: JSON.parse(r.payload) as Record<string, unknown> } : null;
  }

  /** Walks the whole chain (in bounded chunks). */
  verify(): VerifyResult {
    this.assertOpen();
    return verifyDatabase(this.db);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.onClose();
    this.removeAllListeners();
  }
}

/** Walks the journal of an open database. Used by Journal.verify and the CLI. */
export function verifyDatabase(db: SqlDb): VerifyResult {
  const stmt = db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?');
  // A replacement device's chain starts at its base (the hub's event before its first row).
  let prev: { seq: number; hash: string } | null = readBase(db);
  let count = 0;
  let terminal: string | null = null;
  for (;;) {
    let rows: JournalRow[];
    try {
      rows = stmt.all(prev?.seq ?? 0, VERIFY_CHUNK) as JournalRow[];
    } catch (err) {
      return { ok: false, count, brokenAt: null, message: `cannot read journal rows after seq ${prev?.seq ?? 0}: ${(err as Error).message}` };
    }
    if (rows.length === 0) break;
    const events: JournalEvent[] = [];
    let unreadable: string | null = null;
    for (const r of rows) {
      if (terminal !== null && r.terminal_id !== terminal) {
        unreadable = `row seq ${r.seq} belongs to terminal ${r.terminal_id}, the journal to ${terminal}`;
        break;
      }
      terminal ??= r.terminal_id;
      let ev: JournalEvent;
      try {
        ev = rowToEvent(r);
      } catch (err) {
        unreadable = `row seq ${r.seq} is unreadable (payload is not JSON: edited?): ${(err as Error).message}`;
        break;
      }
      // The stored text is exactly what was hashed; any other spelling was edited in.
      let canonical: string | null;
      try {
        canonical = canonicalJson(ev.payload);
      } catch {
        canonical = null;
      }
      events.push(ev);
      if (canonical !== r.payload) {
        // Reported only if the hash check below does not name this row first.
        unreadable = `row seq ${r.seq}: stored payload is not the canonical JSON that was hashed (edited)`;
        break;
      }
    }
    // Verify the readable prefix first, so the report names the first broken link.
    let brokenAt: ChainBreak | null;
    try {
      brokenAt = verifyChain(events, prev);
    } catch (err) {
      return { ok: false, count, brokenAt: null, message: `cannot hash the events after seq ${prev?.seq ?? 0}: ${(err as Error).message}` };
    }
    if (brokenAt) {
      const b = brokenAt;
      const good = events.findIndex((e) => e.seq === b.seq);
      return { ok: false, count: count + Math.max(0, good), brokenAt, message: describeBreak(brokenAt) };
    }
    if (unreadable) return { ok: false, count: count + events.length - (unreadable.includes('canonical') ? 1 : 0), brokenAt: null, message: unreadable };
    count += events.length;
    const last = events[events.length - 1]!;
    prev = { seq: last.seq, hash: last.hash };
  }
  const triggers = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").all() as { name: string }[]).map((r) => r.name),
  );
  const missing = ['journal_no_update', 'journal_no_delete', 'journal_append_only_at_head'].filter((t) => !triggers.has(t));
  if (missing.length > 0) {
    return { ok: false, count, brokenAt: null, message: `the chain is intact but the append-only trigger(s) ${missing.join(', ')} were removed: the file was tampered with` };
  }
  return { ok: true, count, headSeq: prev?.seq ?? 0, headHash: prev?.hash ?? GENESIS_HASH };
}

export function readBase(db: SqlDb): { seq: number; hash: string } | null {
  try {
    const r = db.prepare('SELECT seq, hash FROM chain_base WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    return r && r.seq > 0 ? { seq: r.seq, hash: r.hash } : null;
  } catch {
    return null; // a database from before migration 4
  }
}

export function describeBreak(b: ChainBreak): string {
  switch (b.kind) {
    case 'gap':
      return `gap at seq ${b.seq}: expected seq ${b.expected_seq}`;
    case 'bad_link':
      return `broken link at seq ${b.seq}: prev_hash ${b.actual_prev} but the event before hashes to ${b.expected_prev}`;
    case 'bad_hash':
      return `bad hash at seq ${b.seq}: content hashes to ${b.expected}, row says ${b.actual}`;
  }
}

/**
 * Brings a freshly opened register database to the current schema and checks that it belongs
 * to this terminal and store (recording them on first use). Any SQLite engine: the Node
 * register (open.ts) and the handheld's WebAssembly one call it the same way.
 */
export function initJournalDatabase(db: SqlDb, terminalId: string, storeId: string, where: string): void {
  applyMigrations(db);
  const meta = db.transaction(() => {
    const get = db.prepare('SELECT value FROM meta WHERE key = ?');
    const t = get.get('terminal_id') as { value: string } | undefined;
    const s = get.get('store_id') as { value: string } | undefined;
    if (!t) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('terminal_id', terminalId, 'store_id', storeId);
    return { terminal: t?.value ?? terminalId, store: s?.value ?? storeId };
  }).immediate();
  if (meta.terminal !== terminalId || meta.store !== storeId) {
    throw new Error(`journal ${where} belongs to terminal ${meta.terminal} of store ${meta.store}, not ${terminalId} of ${storeId}`);
  }
}

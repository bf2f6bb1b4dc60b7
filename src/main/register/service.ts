import { randomUUID } from 'node:crypto';
import { parseScan, isBarcodeError } from '../../core/barcode';
import { parseEventPayload, type SaleCompletedPayload, type ShiftOpenedPayload } from '../../core/events';
import { quantity, type Quantity } from '../../core/money';
import type { Product } from '../../core/catalog';
import type { JournalEvent, StoreChange } from '../../core/protocol';
import {
  RegisterError,
  type AlertView,
  type CashierView,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type DeviceStatus,
  type RegisterHandler,
  type SaleView,
  type ShiftView,
  type StoreInfo,
  type StreamName,
  type SyncStatus,
} from '../../core/register-api';
import type { Journal, SyncClient } from '../../sync';
import type { RegisterConfig } from './config';
import { completedPayload, newCart, price, refundPayload, toView, MAX_CART_LINES, MAX_CART_TENDERS, type Cart, type CartLine } from './cart';
import { loadCatalogView, type CatalogView } from './catalog-view';
import type { RegisterDevices } from './devices';
import { AttemptLimiter, verifyPin } from './pins';
import { receiptFor, receiptText } from './receipt';
import { expectedCash, foldShift, toReport } from './report';

// The register's application service: one per main process. Every RegisterApi command lands
// here after the boundary validated it. Order of effects for a sale: journal commit first
// (one SQLite transaction, which also clears the open-sale slot), then the receipt and the
// drawer. A printer or drawer fault is reported, never undoes or blocks the committed sale.

type Params<N extends CommandName> = CommandParams<N>;
type Listener = (stream: StreamName, data: unknown) => void;

export interface RegisterServiceOptions {
  config: RegisterConfig;
  journal: Journal;
  devices: RegisterDevices;
  sync?: SyncClient | null;
  now?: () => Date;
  log?: (msg: string) => void;
}

const MAX_LISTENERS = 32;
const MAX_ALERTS = 50;
const MAX_JOURNAL_SCAN = 1_000_000;
const JOURNAL_PAGE = 1000;

export class RegisterService implements RegisterHandler {
  private readonly cfg: RegisterConfig;
  private readonly journal: Journal;
  private readonly devices: RegisterDevices;
  private readonly sync: SyncClient | null;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;
  private readonly listeners = new Set<Listener>();
  private readonly limiter = new AttemptLimiter();
  private catalog: CatalogView;
  private cashier: RegisterConfig['cashiers'][number] | null = null;
  private cart: Cart | null = null;
  private lastReceipt: { receipt_no: string; text: string; doc: ReturnType<typeof receiptFor> } | null = null;
  private language: 'en' | 'de';
  private readonly alerts: AlertView[] = [];
  private readonly unsubs: (() => void)[] = [];
  /** The busy flag serializes commands that touch devices (card terminal) so two taps cannot double-charge. */
  private busy = false;

  constructor(opts: RegisterServiceOptions) {
    this.cfg = opts.config;
    this.journal = opts.journal;
    this.devices = opts.devices;
    this.sync = opts.sync ?? null;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
    this.language = this.cfg.language;
    this.catalog = loadCatalogView(this.journal, this.cfg.currency);
    const saved = this.journal.loadOpenSale();
    if (saved && typeof saved.sale_id === 'string' && Array.isArray(saved.lines)) this.cart = saved as unknown as Cart;

    const onChanges = (r: { applied: StoreChange[] }) => this.onStoreChanges(r.applied);
    this.journal.on('changes', onChanges);
    this.unsubs.push(() => this.journal.off('changes', onChanges));
    const onSynced = () => this.emit('sync', this.syncStatus());
    this.journal.on('synced', onSynced);
    this.journal.on('appended', onSynced);
    this.unsubs.push(() => {
      this.journal.off('synced', onSynced);
      this.journal.off('appended', onSynced);
    });
    if (this.sync) {
      const s = this.sync;
      const onStatus = () => this.emit('sync', this.syncStatus());
      const onAlert = (a: { kind: string; message: string; data: Record<string, unknown> }) => {
        this.alert(a.kind === 'oversell' ? 'oversell' : a.kind === 'price_changed' ? 'price_changed' : 'event_rejected', 'warning', a.message, typeof a.data.sku === 'string' ? a.data.sku : undefined);
      };
      const onSnapshot = () => this.reloadCatalog();
      s.on('status', onStatus);
      s.on('alert', onAlert);
      s.on('snapshot', onSnapshot);
      this.unsubs.push(() => {
        s.off('status', onStatus);
        s.off('alert', onAlert);
        s.off('snapshot', onSnapshot);
      });
    }
    this.unsubs.push(this.devices.onStatus((d) => this.emit('devices', d)));
    this.unsubs.push(
      this.devices.onScan((s) => {
        // Scans from a serial/USB scanner go straight into the sale, as the wedge does in the window.
        if (!this.cashier || !this.shiftOpen()) return;
        this.handle('sale.scan', { data: s.data, symbology: s.symbology }).catch((err) => this.alert('info', 'warning', errText(err)));
      }),
    );
  }

  /** True while a sale has lines and is not finished (no restarts, no updates). */
  saleOpen(): boolean {
    return !!this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering') && this.cart.lines.some((l) => !l.voided);
  }

  close(): void {
    for (const u of this.unsubs.splice(0)) u();
    this.listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    if (this.listeners.size >= MAX_LISTENERS) throw new RegisterError('INTERNAL', 'too many windows attached');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(stream: StreamName, data: unknown): void {
    for (const l of this.listeners) {
      try {
        l(stream, data);
      } catch (err) {
        this.log(`listener failed: ${errText(err)}`);
      }
    }
  }

  private alert(kind: AlertView['kind'], severity: AlertView['severity'], message: string, sku?: string): AlertView | null {
    // The hub reports an oversell twice (store change log and live alert): show it once a minute per item.
    const now = this.now().getTime();
    if (sku && this.alerts.some((x) => x.kind === kind && x.sku === sku && now - Date.parse(x.at) < 60_000 && kind !== 'price_changed')) return null;
    const a: AlertView = { alert_id: randomUUID(), kind, severity, message: message.slice(0, 200), ...(sku ? { sku } : {}), at: this.now().toISOString() };
    this.alerts.unshift(a);
    this.alerts.length = Math.min(this.alerts.length, MAX_ALERTS);
    this.emit('alert', a);
    return a;
  }

  // ---------------------------------------------------------------- dispatch

  async handle(name: CommandName, params: unknown): Promise<unknown> {
    const p = params as never;
    switch (name) {
      case 'store.info': return this.storeInfo();
      case 'session.signIn': return this.signIn(p);
      case 'session.signOut': return this.signOut();
      case 'session.current': return this.session();
      case 'sale.get': return this.view();
      case 'sale.scan': return this.scan(p);
      case 'sale.addSku': return this.addSku(p);
      case 'catalog.search': return this.search(p);
      case 'sale.setQuantity': return this.setQuantity(p);
      case 'sale.setWeight': return this.setWeight(p);
      case 'sale.discount': return this.discount(p);
      case 'sale.voidLine': return this.voidLine(p);
      case 'sale.void': return this.voidSale(p);
      case 'sale.tender': return this.tender(p);
      case 'sale.new': return this.newSale();
      case 'sale.postVoid': return this.postVoid(p);
      case 'refund.start': return this.refundStart(p);
      case 'refund.addLine': return this.refundAddLine(p);
      case 'receipt.reprint': return this.reprint(p);
      case 'receipt.last': return this.lastReceipt ? { receipt_no: this.lastReceipt.receipt_no, text: this.lastReceipt.text } : null;
      case 'shift.open': return this.openShift(p);
      case 'cash.drop': return this.cashMove('drop', p);
      case 'cash.paidIn': return this.cashMove('paid_in', p);
      case 'cash.paidOut': return this.cashMove('paid_out', p);
      case 'drawer.noSale': return this.noSale(p);
      case 'report.x': return this.report('X', null).report;
      case 'shift.close': return this.closeShift(p);
      case 'devices.list': return { status: this.devices.status(), found: await this.devices.found() };
      case 'devices.test': return this.devices.test((p as Params<'devices.test'>).kind);
      case 'sync.status': {
        const s = this.syncStatus();
        this.emit('sync', s);
        this.emit('devices', this.devices.status());
        return s;
      }
      case 'sync.now':
        this.sync?.kick();
        return this.syncStatus();
      case 'settings.setLanguage':
        this.language = (p as Params<'settings.setLanguage'>).language;
        return this.storeInfo();
    }
  }

  // ---------------------------------------------------------------- session

  private storeInfo(): StoreInfo {
    return {
      store_name: this.cfg.store_name,
      store_id: this.cfg.store_id,
      terminal_id: this.cfg.terminal_id,
      currency: this.cfg.currency,
      locale: this.cfg.locale,
      language: this.language,
      discount_limit_pct: this.cfg.discount_limit_pct,
      cash_quick_amounts: this.cfg.cash_quick_amounts.map((a) => ({ amount: a, currency: this.cfg.currency })),
      app_version: this.cfg.app_version,
    };
  }

  private cashierView(c: RegisterConfig['cashiers'][number]): CashierView {
    return { cashier_id: c.cashier_id, name: c.name, role: c.role };
  }

  private shiftView(): ShiftView | null {
    const s = this.journal.getOpenShift();
    if (!s) return null;
    const p = s.payload as unknown as ShiftOpenedPayload;
    const who = this.cfg.cashiers.find((c) => c.cashier_id === p.cashier_id);
    return {
      shift_id: p.shift_id,
      cashier: who ? this.cashierView(who) : { cashier_id: p.cashier_id, name: p.cashier_id, role: 'cashier' },
      opened_at: p.opened_at,
      opening_float: { amount: p.opening_float, currency: p.currency },
      status: 'open',
    };
  }

  private session() {
    return { cashier: this.cashier ? this.cashierView(this.cashier) : null, shift: this.shiftView() };
  }

  private emitSession(): void {
    this.emit('session', this.session());
  }

  private signIn(p: Params<'session.signIn'>): CashierView {
    if (this.limiter.locked(p.cashier_id)) throw new RegisterError('APPROVAL_DENIED', 'too many wrong PINs; wait a minute and try again');
    const c = this.cfg.cashiers.find((x) => x.cashier_id === p.cashier_id);
    if (!c || !verifyPin(p.pin, c.pin_hash)) {
      this.limiter.fail(p.cashier_id);
      throw new RegisterError('APPROVAL_DENIED', 'cashier number or PIN not recognised');
    }
    this.limiter.succeed(p.cashier_id);
    this.cashier = c;
    this.emitSession();
    this.emit('sale', this.view());
    this.emit('devices', this.devices.status());
    this.emit('sync', this.syncStatus());
    return this.cashierView(c);
  }

  private signOut() {
    if (this.cart && this.cart.status !== 'completed' && this.cart.status !== 'voided' && this.cart.lines.length > 0) {
      throw new RegisterError('INVALID_STATE', 'finish or void the open sale before signing out');
    }
    this.cashier = null;
    this.emitSession();
    return { ok: true as const };
  }

  private requireCashier(): RegisterConfig['cashiers'][number] {
    if (!this.cashier) throw new RegisterError('NOT_SIGNED_IN', 'sign in first');
    return this.cashier;
  }

  private shiftOpen(): ShiftOpenedPayload | null {
    const s = this.journal.getOpenShift();
    return s ? (s.payload as unknown as ShiftOpenedPayload) : null;
  }

  private requireShift(): ShiftOpenedPayload {
    this.requireCashier();
    const s = this.shiftOpen();
    if (!s) throw new RegisterError('NO_SHIFT', 'open a shift first');
    return s;
  }

  /** A manager approves: the signed-in manager, or any manager's PIN. Returns the approver id. */
  private approve(what: string, approval: { manager_pin: string } | undefined, needed: boolean): string | undefined {
    if (!needed) return undefined;
    if (this.cashier?.role === 'manager') return this.cashier.cashier_id;
    if (!approval) throw new RegisterError('APPROVAL_REQUIRED', `${what} needs a manager PIN`);
    if (this.limiter.locked('manager')) throw new RegisterError('APPROVAL_DENIED', 'too many wrong manager PINs; wait a minute');
    for (const m of this.cfg.cashiers) {
      if (m.role === 'manager' && verifyPin(approval.manager_pin, m.pin_hash)) {
        this.limiter.succeed('manager');
        return m.cashier_id;
      }
    }
    this.limiter.fail('manager');
    throw new RegisterError('APPROVAL_DENIED', 'manager PIN not accepted');
  }

  // ---------------------------------------------------------------- sale

  private view(): SaleView {
    return toView(this.cart, this.catalog.table, this.cfg.currency, (c) => this.catalog.taxLabels.get(c) ?? c);
  }

  private changed(): SaleView {
    if (this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering')) this.journal.saveOpenSale(this.cart as unknown as Record<string, unknown>);
    const v = this.view();
    this.emit('sale', v);
    if (this.cart && v.lines.length) {
      const last = v.lines[v.lines.length - 1]!;
      void this.devices.display(last.name, `${(v.total.amount / 100).toFixed(2)} ${v.currency}`).catch(() => {});
    }
    return v;
  }

  private openCart(): Cart {
    const shift = this.requireShift();
    const c = this.requireCashier();
    if (this.cart && (this.cart.status === 'completed' || this.cart.status === 'voided')) this.cart = null;
    if (!this.cart) {
      this.cart = newCart({ sale_id: randomUUID(), currency: this.cfg.currency, shift_id: shift.shift_id, cashier_id: c.cashier_id, price_book_version: this.catalog.book.version });
    }
    if (this.cart.status === 'tendering' && this.cart.tenders.some((t) => t.status === 'approved')) {
      throw new RegisterError('INVALID_STATE', 'payment has started; finish it or void the sale');
    }
    return this.cart;
  }

  private line(id: string): CartLine {
    const l = this.cart?.lines.find((x) => x.line_id === id && !x.voided);
    if (!l) throw new RegisterError('NOT_FOUND', `no line ${id} in the open sale`);
    return l;
  }

  private addProduct(prod: Product, q: Quantity, source: CartLine['source'], extra: Partial<CartLine> = {}): SaleView {
    const cart = this.openCart();
    if (cart.kind === 'refund') throw new RegisterError('INVALID_STATE', 'this is a return; add lines from the original receipt');
    if (!prod.active) throw new RegisterError('NOT_FOUND', `${prod.name} is not for sale`);
    if (cart.lines.length >= MAX_CART_LINES) throw new RegisterError('INVALID_STATE', `a sale holds at most ${MAX_CART_LINES} lines`);
    // Same item scanned again: add to its line (not for weighed or price-embedded items).
    const same = source === 'scan' || source === 'keyed' || source === 'search'
      ? cart.lines.find((l) => !l.voided && l.sku === prod.sku && l.unit === 'each' && l.fixed_gross === undefined && !l.line_discount && l.quantity.scale === 0)
      : undefined;
    if (same && q.scale === 0) same.quantity = quantity(same.quantity.units + q.units, 0);
    else {
      cart.lines.push({
        line_id: `L${cart.next_line++}`, sku: prod.sku, description: prod.name, category: prod.category, tax_category: prod.tax_category,
        quantity: q, unit: prod.unit, unit_price: prod.price, price_source: 'price_book', price_book_version: this.catalog.book.version,
        source, voided: false, ...(prod.gtins[0] ? { gtin: prod.gtins[0] } : {}), ...extra,
      });
    }
    cart.status = 'open';
    return this.changed();
  }

  private async scan(p: Params<'sale.scan'>): Promise<SaleView> {
    this.requireShift();
    let parsed;
    try {
      parsed = parseScan(p.data, { symbology: p.symbology, currency: this.cfg.currency });
    } catch (err) {
      throw new RegisterError('NOT_FOUND', isBarcodeError(err) ? `cannot read barcode ${p.data.slice(0, 40)}: ${err.message}` : errText(err));
    }
    const prod = this.catalog.lookup(parsed.lookupKey) ?? this.catalog.lookup(parsed.data);
    if (!prod) throw new RegisterError('NOT_FOUND', `no item with code ${parsed.hri.slice(0, 40)}`);
    if (parsed.price) {
      const exp = parsed.price.decimals;
      const amount = exp === 2 ? parsed.price.amountMinor : Math.round(parsed.price.amountMinor * 10 ** (2 - exp));
      const extra: Partial<CartLine> = { fixed_gross: amount, price_source: 'barcode' };
      if (parsed.weight) return this.addProduct(prod, quantity(parsed.weight.grams, 3), 'embedded_price', { ...extra, unit: 'kg' });
      return this.addProduct(prod, quantity(1, 0), 'embedded_price', { ...extra, unit_price: amount, unit: 'each' });
    }
    // A weight label with weight 0 is a PLU label for the scale: weigh it.
    if (parsed.weight && parsed.weight.grams > 0) return this.addProduct(prod, quantity(parsed.weight.grams, 3), 'embedded_weight', { unit: 'kg' });
    if (prod.unit === 'kg') return this.addProduct(prod, await this.weigh(), 'scale');
    return this.addProduct(prod, quantity(1, 0), 'scan');
  }

  private async weigh(): Promise<Quantity> {
    try {
      const w = await this.devices.readWeight();
      if (w.units <= 0) throw new Error('place the item on the scale');
      return w;
    } catch (err) {
      throw new RegisterError('DEVICE', `scale: ${errText(err)}`);
    }
  }

  private async addSku(p: Params<'sale.addSku'>): Promise<SaleView> {
    this.requireShift();
    const prod = this.catalog.book.products.get(p.sku);
    if (!prod) throw new RegisterError('NOT_FOUND', `no item with sku ${p.sku}`);
    if (prod.unit === 'kg') return this.addProduct(prod, p.quantity ?? (await this.weigh()), p.quantity ? 'keyed' : 'scale');
    return this.addProduct(prod, p.quantity ?? quantity(1, 0), 'search');
  }

  private search(p: Params<'catalog.search'>): CommandResult<'catalog.search'> {
    this.requireCashier();
    return this.catalog.search(p.query, p.limit ?? 20).map((x) => ({
      sku: x.sku, name: x.name, price: { amount: x.price, currency: x.currency }, unit: x.unit, ...(x.gtins[0] ? { barcode: x.gtins[0] } : {}), category: x.category,
      ...(this.journal.getStockLevel(x.sku) ? { on_hand: this.journal.getStockLevel(x.sku)! } : {}),
    }));
  }

  private setQuantity(p: Params<'sale.setQuantity'>): SaleView {
    this.openCart();
    const l = this.line(p.line_id);
    if (l.frozen) throw new RegisterError('INVALID_STATE', 'a returned line keeps its original quantity');
    if (p.quantity.units <= 0) throw new RegisterError('BAD_REQUEST', 'quantity must be more than zero; void the line instead');
    if (l.unit === 'each' && p.quantity.scale !== 0) throw new RegisterError('BAD_REQUEST', 'this item is sold by the piece');
    if (p.quantity.scale === 0 && p.quantity.units > 9999) throw new RegisterError('BAD_REQUEST', 'quantity above 9999');
    l.quantity = p.quantity;
    return this.changed();
  }

  private async setWeight(p: Params<'sale.setWeight'>): Promise<SaleView> {
    this.openCart();
    const l = this.line(p.line_id);
    if (l.unit === 'each') throw new RegisterError('BAD_REQUEST', 'this item is sold by the piece, not weighed');
    l.quantity = p.weight ?? (await this.weigh());
    if (l.quantity.units <= 0) throw new RegisterError('BAD_REQUEST', 'weight must be more than zero');
    l.source = p.weight ? 'keyed' : 'scale';
    return this.changed();
  }

  private discount(p: Params<'sale.discount'>): SaleView {
    const cart = this.openCart();
    if (cart.kind === 'refund') throw new RegisterError('INVALID_STATE', 'no discounts on a return');
    const priced = price(cart, this.catalog.table);
    let base: number;
    if (p.line_id) {
      const l = this.line(p.line_id);
      base = priced.lines.find((x) => x.line.line_id === l.line_id)?.gross ?? 0;
    } else base = priced.subtotal;
    const pct = p.percent_bp !== undefined ? p.percent_bp / 100 : base > 0 ? ((p.amount?.amount ?? 0) * 100) / base : 100;
    if (p.amount && p.amount.currency !== cart.currency) throw new RegisterError('BAD_REQUEST', `discount must be in ${cart.currency}`);
    if (p.amount && p.amount.amount > base) throw new RegisterError('BAD_REQUEST', 'discount larger than the amount it applies to');
    const approvedBy = this.approve('a discount above the limit', p.approval, pct > this.cfg.discount_limit_pct);
    const d = { ...(p.percent_bp !== undefined ? { percent_bp: p.percent_bp } : { amount: p.amount!.amount }), ...(p.reason ? { reason: p.reason } : {}), ...(approvedBy ? { approved_by: approvedBy } : {}) };
    if (p.line_id) this.line(p.line_id).line_discount = d;
    else cart.order_discount = d;
    return this.changed();
  }

  private voidLine(p: Params<'sale.voidLine'>): SaleView {
    const cart = this.openCart();
    const l = this.line(p.line_id);
    this.approve('voiding a line', p.approval, this.cfg.void_line_needs_manager && cart.kind === 'sale');
    l.voided = true;
    return this.changed();
  }

  private voidSale(p: Params<'sale.void'>): SaleView {
    const shift = this.requireShift();
    const cart = this.cart;
    if (!cart || cart.status === 'completed' || cart.status === 'voided' || cart.lines.length === 0) throw new RegisterError('INVALID_STATE', 'no open sale to void');
    if (cart.tenders.some((t) => t.status === 'approved' && t.kind === 'card')) throw new RegisterError('INVALID_STATE', 'a card payment was approved; refund it before voiding');
    const approvedBy = this.approve('voiding a sale', p.approval, true);
    const priced = price(cart, this.catalog.table);
    const payload = {
      sale_id: cart.sale_id, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id, cashier_id: cart.cashier_id,
      ...(approvedBy ? { approved_by: approvedBy } : {}), ...(p.reason ? { reason: p.reason } : {}), currency: cart.currency,
      lines: priced.lines.map((l) => ({ sku: l.line.sku, description: l.line.description, quantity: l.line.quantity, total: l.total })),
      total: priced.total, voided_at: this.now().toISOString(),
    };
    this.commit('sale.voided', payload, { clearOpenSale: true });
    cart.status = 'voided';
    const v = this.view();
    this.emit('sale', v);
    return v;
  }

  private newSale(): SaleView {
    this.requireShift();
    if (this.cart && this.cart.status !== 'completed' && this.cart.status !== 'voided' && this.cart.lines.some((l) => !l.voided)) {
      throw new RegisterError('INVALID_STATE', 'the current sale is still open');
    }
    this.cart = null;
    this.journal.clearOpenSale();
    const v = this.view();
    this.emit('sale', v);
    return v;
  }

  private async tender(p: Params<'sale.tender'>): Promise<SaleView> {
    const cart = this.cart;
    this.requireShift();
    if (!cart || cart.status === 'completed' || cart.status === 'voided') throw new RegisterError('INVALID_STATE', 'no open sale to pay');
    if (p.amount.currency !== cart.currency) throw new RegisterError('BAD_REQUEST', `tender must be in ${cart.currency}`);
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    if (cart.tenders.length >= MAX_CART_TENDERS) throw new RegisterError('INVALID_STATE', 'too many payments on one sale');
    const priced = price(cart, this.catalog.table);
    if (priced.lines.length === 0) throw new RegisterError('INVALID_STATE', 'the sale has no items');
    const due = priced.total - priced.paid;
    if (due <= 0) throw new RegisterError('INVALID_STATE', 'nothing left to pay');
    if (p.amount.amount <= 0) throw new RegisterError('BAD_REQUEST', 'amount must be more than zero');
    cart.status = 'tendering';
    const id = `T${cart.tenders.length + 1}`;
    const refund = cart.kind === 'refund';
    if (p.kind === 'cash') {
      if (refund && p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'cannot refund more than is due');
      const applied = Math.min(p.amount.amount, due);
      cart.tenders.push({ tender_id: id, kind: 'cash', amount: applied, tendered: p.amount.amount, change: p.amount.amount - applied, status: 'approved' });
    } else if (p.kind === 'card') {
      if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'a card cannot be charged more than is due');
      const t = { tender_id: id, kind: 'card' as const, amount: p.amount.amount, status: 'pending' as const };
      cart.tenders.push(t);
      this.emit('sale', this.view());
      this.busy = true;
      try {
        const r = refund ? await this.devices.refundCard(p.amount.amount, cart.currency, `${cart.sale_id}/${id}`) : await this.devices.authorizeCard(p.amount.amount, cart.currency, `${cart.sale_id}/${id}`);
        Object.assign(cart.tenders[cart.tenders.length - 1]!, {
          status: r.status, processor: r.processor, ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}), ...(r.card_brand ? { card_brand: r.card_brand } : {}),
          ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}), ...(r.message ? { message: r.message.slice(0, 200) } : {}),
        });
      } catch (err) {
        // We do not know whether the customer was charged: keep the tender as unknown for the cashier to check.
        Object.assign(cart.tenders[cart.tenders.length - 1]!, { status: 'unknown', message: errText(err).slice(0, 200) });
      } finally {
        this.busy = false;
      }
    } else {
      if (!p.gift_code) throw new RegisterError('BAD_REQUEST', 'scan or type the gift card number');
      if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'a gift card cannot pay more than is due');
      cart.tenders.push({ tender_id: id, kind: 'gift', amount: p.amount.amount, status: 'approved', gift_card_id: p.gift_code });
    }
    const after = price(cart, this.catalog.table);
    if (after.paid >= after.total) return this.complete();
    return this.changed();
  }

  /** Journal first, then paper and drawer. */
  private async complete(): Promise<SaleView> {
    const cart = this.cart!;
    const at = this.now().toISOString();
    const ids = { store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id };
    let ev: JournalEvent;
    let payload: SaleCompletedPayload | ReturnType<typeof refundPayload>;
    // Stock movements are derived from the payload by the journal (core/stock), one rule for register and hub.
    if (cart.kind === 'refund') {
      payload = refundPayload(cart, this.catalog.table, { ...ids, refund_id: randomUUID() }, at);
      ev = this.commit('sale.refunded', payload as unknown as Record<string, unknown>, { clearOpenSale: true });
    } else {
      payload = completedPayload(cart, this.catalog.table, ids, at);
      ev = this.commit('sale.completed', payload as unknown as Record<string, unknown>, { clearOpenSale: true });
    }
    cart.status = 'completed';
    cart.committed_seq = ev.seq;
    cart.receipt_no = receiptNo(this.cfg.terminal_id, ev.seq);
    const v = this.view();
    this.emit('sale', v);
    // After the commit: drawer for cash, then the receipt. Faults become alerts.
    if (cart.tenders.some((t) => t.kind === 'cash' && t.status === 'approved')) {
      await this.devices.openDrawer().catch((err) => this.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    }
    const doc = receiptFor(cart.kind === 'refund' ? 'refund' : 'sale', payload, this.receiptCtx(cart.receipt_no));
    this.lastReceipt = { receipt_no: cart.receipt_no, text: receiptText(doc), doc };
    await this.devices.printReceipt(doc).catch((err) => this.alert('device', 'error', `Receipt not printed (sale is saved): ${errText(err)}. Fix the printer, then Reprint.`));
    return v;
  }

  private receiptCtx(no: string) {
    return { storeName: this.cfg.store_name, storeLines: this.cfg.store_lines, locale: this.cfg.locale, terminalId: this.cfg.terminal_id, cashierName: this.cashier?.name ?? '', receiptNo: no };
  }

  private commit(type: string, payload: Record<string, unknown>, opts: Parameters<Journal['append']>[2]): JournalEvent {
    const r = parseEventPayload(type as never, payload);
    if (!r.ok) throw new RegisterError('INTERNAL', `refusing to journal an invalid ${type}: ${r.error}`);
    return this.journal.append(type, payload, opts);
  }

  // ---------------------------------------------------------------- receipts, refunds, post-void

  private findSale(receipt: string): { ev: JournalEvent; sale: SaleCompletedPayload; no: string } {
    const no = parseReceiptCode(receipt, this.cfg.terminal_id);
    if (!no) throw new RegisterError('NOT_FOUND', `not a receipt code of this register: ${receipt.slice(0, 40)}`);
    const ev = this.journal.eventAt(no.seq);
    if (!ev || ev.type !== 'sale.completed') throw new RegisterError('NOT_FOUND', `no sale with receipt ${receiptNo(this.cfg.terminal_id, no.seq)}`);
    return { ev, sale: ev.payload as unknown as SaleCompletedPayload, no: receiptNo(this.cfg.terminal_id, no.seq) };
  }

  /** What later events already reversed of a sale: post-voided, and quantities refunded per line. */
  private reversals(saleId: string): { postVoided: boolean; refunded: Map<string, number> } {
    const refunded = new Map<string, number>();
    let postVoided = false;
    let after = 0;
    for (let i = 0; i < MAX_JOURNAL_SCAN / JOURNAL_PAGE; i++) {
      const page = this.journal.eventsAfter(after, JOURNAL_PAGE);
      if (page.length === 0) break;
      for (const e of page) {
        const p = e.payload as Record<string, unknown>;
        if (e.type === 'sale.post_voided' && p.sale_id === saleId) postVoided = true;
        if (e.type === 'sale.refunded' && p.original_sale_id === saleId) {
          for (const l of p.lines as { original_line_id: string; quantity: Quantity }[]) refunded.set(l.original_line_id, (refunded.get(l.original_line_id) ?? 0) + l.quantity.units);
        }
      }
      after = page[page.length - 1]!.seq;
    }
    return { postVoided, refunded };
  }

  private refundStart(p: Params<'refund.start'>): CommandResult<'refund.start'> {
    const shift = this.requireShift();
    const c = this.requireCashier();
    if (this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering') && this.cart.lines.some((l) => !l.voided)) {
      throw new RegisterError('INVALID_STATE', 'finish or void the open sale first');
    }
    const { sale, no } = this.findSale(p.receipt);
    const rev = this.reversals(sale.sale_id);
    if (rev.postVoided) throw new RegisterError('INVALID_STATE', `receipt ${no} was post-voided`);
    this.cart = newCart({ sale_id: randomUUID(), currency: sale.currency, shift_id: shift.shift_id, cashier_id: c.cashier_id, price_book_version: sale.price_book_version, kind: 'refund' });
    this.cart.original = { sale_id: sale.sale_id, receipt_no: no, terminal_id: sale.terminal_id };
    const original = this.originalView(sale, no, rev.refunded);
    return { sale: this.changed(), original };
  }

  private originalView(sale: SaleCompletedPayload, no: string, refunded: Map<string, number>): SaleView {
    const m = (amount: number) => ({ amount, currency: sale.currency });
    return {
      sale_id: sale.sale_id, kind: 'sale', status: 'completed', receipt_no: no, currency: sale.currency,
      lines: sale.lines.map((l) => ({
        line_id: l.line_id, sku: l.sku, name: l.description, quantity: l.quantity, unit: l.unit, unit_price: m(l.unit_price), extended: m(l.gross),
        discount: m(l.discounts.reduce((a, d) => a + d.amount, 0)), total: m(l.total), source: 'scan', voided: (refunded.get(l.line_id) ?? 0) >= l.quantity.units,
      })),
      subtotal: m(sale.totals.subtotal), discount_total: m(sale.totals.discount_total), tax_total: m(sale.totals.tax_total), taxes: [],
      total: m(sale.totals.total), tenders: [], paid: m(sale.totals.total), due: m(0), change_due: m(0), original_receipt_no: null, committed_seq: null,
    };
  }

  private refundAddLine(p: Params<'refund.addLine'>): SaleView {
    const cart = this.cart;
    if (!cart || cart.kind !== 'refund' || !cart.original || cart.status !== 'open') throw new RegisterError('INVALID_STATE', 'start a return from a receipt first');
    const { sale } = this.findSale(cart.original.receipt_no);
    const ol = sale.lines.find((l) => l.line_id === p.original_line_id);
    if (!ol) throw new RegisterError('NOT_FOUND', `receipt has no line ${p.original_line_id}`);
    if (cart.lines.some((l) => l.original_line_id === ol.line_id && !l.voided)) throw new RegisterError('INVALID_STATE', 'this line is already in the return');
    const rev = this.reversals(sale.sale_id);
    if ((rev.refunded.get(ol.line_id) ?? 0) > 0) throw new RegisterError('INVALID_STATE', 'this line was already returned');
    // Whole line back, with its discounts and taxes exactly as sold (partial quantities: a later step).
    cart.lines.push({
      line_id: `L${cart.next_line++}`, sku: ol.sku, ...(ol.gtin ? { gtin: ol.gtin } : {}), description: ol.description, category: ol.category, tax_category: ol.tax_category,
      quantity: ol.quantity, unit: ol.unit, unit_price: ol.unit_price, price_source: ol.price_source ?? 'price_book', price_book_version: ol.price_book_version ?? sale.price_book_version,
      source: 'return', voided: false, original_line_id: ol.line_id,
      frozen: { gross: ol.gross, discounts: ol.discounts, net: ol.net, taxes: ol.taxes, total: ol.total },
    });
    return this.changed();
  }

  private postVoid(p: Params<'sale.postVoid'>) {
    const shift = this.requireShift();
    const c = this.requireCashier();
    const { sale, no } = this.findSale(p.receipt_no);
    const rev = this.reversals(sale.sale_id);
    if (rev.postVoided) throw new RegisterError('INVALID_STATE', `receipt ${no} is already post-voided`);
    if (rev.refunded.size > 0) throw new RegisterError('INVALID_STATE', `receipt ${no} has returns; return the remaining lines instead`);
    if (sale.tenders.some((t) => t.kind === 'card')) throw new RegisterError('INVALID_STATE', `receipt ${no} was paid by card; use a return so the card is refunded`);
    const approvedBy = this.approve('a post-void', p.approval, true);
    const payload = {
      post_void_id: randomUUID(), sale_id: sale.sale_id, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id,
      cashier_id: c.cashier_id, ...(approvedBy ? { approved_by: approvedBy } : {}), reason: 'post-void at register', original: sale, voided_at: this.now().toISOString(),
    };
    this.commit('sale.post_voided', payload, {});
    void this.devices.openDrawer().catch((err) => this.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    return { ok: true as const };
  }

  private async reprint(p: Params<'receipt.reprint'>) {
    this.requireCashier();
    let doc = this.lastReceipt?.doc;
    if (p.receipt_no) {
      const { sale, no } = this.findSale(p.receipt_no);
      doc = receiptFor('copy', sale, this.receiptCtx(no));
    } else if (doc) doc = { ...doc, kind: 'copy' };
    if (!doc) throw new RegisterError('NOT_FOUND', 'no receipt to reprint yet');
    await this.devices.printReceipt(doc).catch((err) => {
      throw new RegisterError('DEVICE', `printer: ${errText(err)}`);
    });
    return { ok: true as const };
  }

  // ---------------------------------------------------------------- shift and cash

  private openShift(p: Params<'shift.open'>): ShiftView {
    const c = this.requireCashier();
    if (this.shiftOpen()) throw new RegisterError('INVALID_STATE', 'a shift is already open on this register');
    if (p.opening_float.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `float must be in ${this.cfg.currency}`);
    this.commit('shift.opened', {
      shift_id: randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: c.cashier_id, currency: this.cfg.currency,
      opening_float: p.opening_float.amount, opened_at: this.now().toISOString(),
    }, {});
    this.emitSession();
    return this.shiftView()!;
  }

  private async cashMove(kind: 'drop' | 'paid_in' | 'paid_out', p: { amount: { amount: number; currency: string }; reason?: string; approval?: { manager_pin: string } }) {
    const shift = this.requireShift();
    const c = this.requireCashier();
    if (p.amount.amount <= 0 || p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `amount must be more than zero ${this.cfg.currency}`);
    const approvedBy = this.approve(kind === 'drop' ? 'a cash drop' : 'a paid out', p.approval, kind !== 'paid_in');
    this.commit('shift.cash_moved', {
      movement_id: randomUUID(), shift_id: shift.shift_id, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: c.cashier_id,
      ...(approvedBy ? { approved_by: approvedBy } : {}), currency: this.cfg.currency, kind, amount: p.amount.amount,
      reason: p.reason ?? (kind === 'drop' ? 'cash drop to safe' : kind), moved_at: this.now().toISOString(),
    }, {});
    await this.devices.openDrawer().catch((err) => this.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    return { ok: true as const };
  }

  private async noSale(p: Params<'drawer.noSale'>) {
    const shift = this.requireShift();
    const c = this.requireCashier();
    const approvedBy = this.approve('opening the drawer without a sale', p.approval, true);
    this.commit('drawer.no_sale', {
      no_sale_id: randomUUID(), shift_id: shift.shift_id, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: c.cashier_id,
      ...(approvedBy ? { approved_by: approvedBy } : {}), opened_at: this.now().toISOString(),
    }, {});
    await this.devices.openDrawer().catch((err) => {
      throw new RegisterError('DEVICE', `drawer: ${errText(err)}`);
    });
    return { ok: true as const };
  }

  private shiftEvents(shift: { seq: number }): JournalEvent[] {
    const out: JournalEvent[] = [];
    let after = shift.seq - 1;
    for (let i = 0; i < MAX_JOURNAL_SCAN / JOURNAL_PAGE; i++) {
      const page = this.journal.eventsAfter(after, JOURNAL_PAGE);
      if (page.length === 0) break;
      out.push(...page);
      after = page[page.length - 1]!.seq;
    }
    return out;
  }

  private report(kind: 'X' | 'Z', counted: number | null, closedAt: string | null = null) {
    this.requireShift();
    const s = this.journal.getOpenShift()!;
    const opened = s.payload as unknown as ShiftOpenedPayload;
    const totals = foldShift(opened, this.shiftEvents(s));
    const u = this.journal.unsynced();
    const who = this.cfg.cashiers.find((c) => c.cashier_id === opened.cashier_id)?.name ?? opened.cashier_id;
    return { report: toReport(kind, totals, who, { closedAt, counted, unsynced: u.count, oldestUnsyncedAt: u.oldestOccurredAt }), totals, opened };
  }

  private closeShift(p: Params<'shift.close'>) {
    const c = this.requireCashier();
    if (this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering') && this.cart.lines.some((l) => !l.voided)) {
      throw new RegisterError('INVALID_STATE', 'finish or void the open sale before closing the shift');
    }
    if (p.counted_cash.currency !== this.cfg.currency || p.counted_cash.amount < 0) throw new RegisterError('BAD_REQUEST', `counted cash must be ${this.cfg.currency} and not negative`);
    const approvedBy = this.approve('closing the shift', p.approval, c.role !== 'manager');
    const closedAt = this.now().toISOString();
    const { report, totals, opened } = this.report('Z', p.counted_cash.amount, closedAt);
    const tenders = [...totals.tenders].map(([k, v]) => ({
      kind: k === 'gift' ? 'gift_card' : k, sales_count: v.salesCount, sales_amount: v.sales, refunds_count: v.refundsCount, refunds_amount: v.refunds, net_amount: v.sales - v.refunds,
      ...(k === 'card' ? { processor: 'sim' } : {}),
    }));
    const expected = expectedCash(totals);
    this.commit('shift.closed', {
      shift_id: opened.shift_id, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: c.cashier_id, ...(approvedBy ? { approved_by: approvedBy } : {}),
      currency: opened.currency, opened_at: opened.opened_at, closed_at: closedAt, opening_float: opened.opening_float, expected_cash: expected,
      counted_cash: p.counted_cash.amount, variance: p.counted_cash.amount - expected, tenders, sales_count: totals.salesCount, refunds_count: totals.refundsCount,
      post_voids_count: totals.postVoidsCount, voids_count: totals.voidsCount, no_sales_count: totals.noSalesCount, drops_total: totals.drops,
      paid_in_total: totals.paidIn, paid_out_total: totals.paidOut, unsynced_count: report.unsynced, oldest_unsynced_at: report.oldest_unsynced_at,
    }, {});
    this.cart = null;
    this.emitSession();
    return report;
  }

  // ---------------------------------------------------------------- sync and store changes

  syncStatus(): SyncStatus {
    const st = this.sync?.status;
    const u = this.journal.unsynced();
    const state = this.journal.syncState();
    return {
      online: st?.connected ?? false,
      hub_url: this.cfg.hub?.url ?? null,
      enrolled: !!this.cfg.hub,
      terminal_id: this.cfg.terminal_id,
      store_id: this.cfg.store_id,
      last_seq: this.journal.head().seq,
      applied_through: state.appliedThrough,
      unsynced: u.count,
      oldest_unsynced_at: u.oldestOccurredAt,
      change_cursor: state.changeCursor,
      last_error: (st?.lastError ?? state.lastError)?.slice(0, 200) ?? null,
    };
  }

  private reloadCatalog(): void {
    try {
      this.catalog = loadCatalogView(this.journal, this.cfg.currency);
    } catch (err) {
      this.alert('sync', 'error', `Price book not updated: ${errText(err)}`);
    }
  }

  private onStoreChanges(applied: StoreChange[]): void {
    const before = this.catalog;
    this.reloadCatalog();
    const appliedAt = Date.now();
    for (const ch of applied) {
      const first = typeof ch.payload.sku === 'string' ? ch.payload.sku : null;
      if (ch.kind === 'oversell') {
        this.alert('oversell', 'warning', String(ch.payload.message ?? `Oversold: ${first ?? 'an item'} — stock below zero; tell the manager`), first ?? undefined);
        continue;
      }
      if (ch.kind !== 'price' && ch.kind !== 'catalog' && ch.kind !== 'stock') continue;
      for (const sku of skusOf(ch)) this.onSkuChanged(ch, sku, before, appliedAt);
    }
  }

  private onSkuChanged(ch: StoreChange, sku: string, before: CatalogView, appliedAt: number): void {
    {
      const prod = this.catalog.book.products.get(sku);
      const old = before.book.products.get(sku);
      this.emit('price', {
        sku, ...(prod ? { name: prod.name, price: { amount: prod.price, currency: prod.currency } } : {}),
        ...(ch.kind === 'stock' && this.journal.getStockLevel(sku) ? { on_hand: this.journal.getStockLevel(sku)! } : {}),
        cursor: ch.cursor, applied_at_ms: appliedAt,
      });
      if (prod && old && prod.price !== old.price && this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering')) {
        let hit = false;
        for (const l of this.cart.lines) {
          if (l.sku === sku && !l.voided && !l.frozen && l.price_source === 'price_book') {
            l.price_changed = { from: l.unit_price, to: prod.price };
            hit = true;
          }
        }
        if (hit) {
          this.alert('price_changed', 'info', `${prod.name}: price changed at HQ; this sale keeps the price it was rung up at`, sku);
          this.changed();
        }
      }
    }
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

export function receiptNo(terminalId: string, seq: number): string {
  return `${terminalId}-${String(seq).padStart(6, '0')}`;
}

/** Accepts the receipt number, or the QR/barcode content printed on the receipt. */
export function parseReceiptCode(code: string, terminalId: string): { seq: number } | null {
  const c = code.trim();
  const prefix = `${terminalId}-`;
  const body = c.startsWith(prefix) ? c.slice(prefix.length) : /^\d{1,12}$/.test(c) ? c : null;
  if (body === null || !/^\d{1,12}$/.test(body)) return null;
  const seq = Number(body);
  return seq >= 1 ? { seq } : null;
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type { DeviceStatus };

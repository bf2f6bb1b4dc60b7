import { randomUUID } from 'node:crypto';
import { parseScan, isBarcodeError } from '../../core/barcode';
import { parseEventPayload, type SaleCompletedPayload, type ShiftOpenedPayload } from '../../core/events';
import type { Quantity } from '../../core/money';
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
  type SaleLine as LineView,
  type ShiftView,
  type TenderView,
  type StoreInfo,
  type StreamName,
  type SyncStatus,
} from '../../core/register-api';
import type { Journal, SyncClient } from '../../sync';
import type { RegisterConfig } from './config';
import { newCart, price, refundPayload, toView, MAX_CART_TENDERS, type Cart } from './cart';
import { EngineSale, cashierPermissions, engineContext, managerApproval } from './engine-sale';
import type { Approval, SaleCommand, SaleContext, SaleEffect } from '../../core/sale';
import { loadCatalogView, type CatalogView } from './catalog-view';
import type { CardResult, RegisterDevices } from './devices';
import { AttemptLimiter, checkPin, MANAGER_APPROVAL, verifyPin } from './pins';
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
  /** An open return (lines from an original receipt). */
  private cart: Cart | null = null;
  /** The open or just finished sale (core sale engine). */
  private sale: EngineSale | null = null;
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
    // A sale or return that was open when the register stopped comes back as it was.
    const saved = this.journal.loadOpenSale();
    const engine = saved ? EngineSale.fromJson(saved) : null;
    if (engine) this.sale = engine;
    else if (saved && typeof saved.sale_id === 'string' && Array.isArray(saved.lines) && saved.kind === 'refund') this.cart = saved as unknown as Cart;

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
    return this.busyWithSale();
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
    const c = this.cfg.cashiers.find((x) => x.cashier_id === p.cashier_id);
    if (this.limiter.locked(p.cashier_id, !!c)) throw new RegisterError('APPROVAL_DENIED', 'too many wrong PINs; wait a minute and try again');
    if (!c || !checkPin(p.pin, c.pin_hash, this.cfg.cashiers[0]?.pin_hash)) {
      this.limiter.fail(p.cashier_id, !!c);
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
    if (this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale before signing out');
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
    if (this.limiter.locked(MANAGER_APPROVAL)) throw new RegisterError('APPROVAL_DENIED', 'too many wrong manager PINs; wait a minute');
    for (const m of this.cfg.cashiers) {
      if (m.role === 'manager' && verifyPin(approval.manager_pin, m.pin_hash)) {
        this.limiter.succeed(MANAGER_APPROVAL);
        return m.cashier_id;
      }
    }
    this.limiter.fail(MANAGER_APPROVAL);
    throw new RegisterError('APPROVAL_DENIED', 'manager PIN not accepted');
  }

  // ---------------------------------------------------------------- sale
  // A sale is priced and guarded by core's sale engine (EngineSale); a return is a Cart of
  // lines copied from the original receipt (cart.ts). At most one of the two is open.

  private labels = (c: string) => this.catalog.taxLabels.get(c) ?? c;

  private ctx(): SaleContext {
    const c = this.cashier;
    return engineContext({
      book: this.catalog.book,
      taxes: this.catalog.table,
      discountLimitPct: this.cfg.discount_limit_pct,
      cashierId: c?.cashier_id ?? 'nobody',
      permissions: c ? cashierPermissions(c.role, this.cfg.void_line_needs_manager) : [],
      now: this.now().toISOString(),
    });
  }

  private view(): SaleView {
    if (this.sale) return this.sale.view(this.ctx(), this.labels);
    return toView(this.cart, this.catalog.table, this.cfg.currency, this.labels);
  }

  private changed(): SaleView {
    if (this.sale?.open) this.journal.saveOpenSale(this.sale.toJson() as unknown as Record<string, unknown>);
    else if (this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering')) this.journal.saveOpenSale(this.cart as unknown as Record<string, unknown>);
    const v = this.view();
    this.emit('sale', v);
    const last = v.lines.filter((l) => !l.voided).at(-1);
    if (last) void this.devices.display(last.name, `${(v.total.amount / 100).toFixed(2)} ${v.currency}`).catch(() => {});
    return v;
  }

  /** True while a sale or return has live lines and is not finished. */
  private busyWithSale(): boolean {
    if (this.sale) return this.sale.open && this.sale.hasLiveLines;
    return !!this.cart && (this.cart.status === 'open' || this.cart.status === 'tendering') && this.cart.lines.some((l) => !l.voided);
  }

  /** The open sale, started on the first item. */
  private openEngineSale(): EngineSale {
    const shift = this.requireShift();
    const c = this.requireCashier();
    if (this.cart && this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'finish or void the return first');
    if (this.sale && !this.sale.open) this.sale = null;
    this.cart = null;
    if (!this.sale) {
      this.sale = EngineSale.open({ sale_id: randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id, cashier_id: c.cashier_id, currency: this.cfg.currency });
    }
    return this.sale;
  }

  /** Runs a command on the open sale, records where new lines came from, handles effects. */
  private async runSale(cmd: SaleCommand, source?: LineView['source']): Promise<SaleView> {
    const sale = this.openEngineSale();
    const before = new Set(sale.state.lines.map((l) => l.line_id));
    const effects = sale.run(cmd, this.ctx());
    if (source) for (const id of sale.newLineIds(before)) sale.extras.sources[id] = source;
    if (effects.length) return this.applyEffects(sale, effects);
    return this.changed();
  }

  private managerApprovalFor(approval: { manager_pin: string } | undefined): Approval | undefined {
    if (!approval) return undefined;
    const id = this.approve('this', approval, true);
    return id ? managerApproval(id) : undefined;
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
    const weight = parsed.weight && parsed.weight.grams > 0 ? { grams: parsed.weight.grams } : undefined;
    // A kg item without a weight on its label (or a PLU label with weight 0) is weighed now.
    if (prod.unit === 'kg' && !weight && !parsed.price) return this.runSale({ type: 'add_weighed', sku: prod.sku, weight: await this.weigh() }, 'scale');
    const scan = { lookupKey: this.catalog.lookup(parsed.lookupKey) ? parsed.lookupKey : parsed.data, ...(parsed.gtin ? { gtin: parsed.gtin } : {}), ...(parsed.price ? { price: parsed.price } : {}), ...(weight ? { weight } : {}) };
    return this.runSale({ type: 'scan', scan }, parsed.price ? 'embedded_price' : weight ? 'embedded_weight' : 'scan');
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
    if (prod.unit === 'kg') return this.runSale({ type: 'add_weighed', sku: prod.sku, weight: p.quantity ?? (await this.weigh()) }, p.quantity ? 'keyed' : 'scale');
    return this.runSale({ type: 'add_sku', sku: prod.sku, ...(p.quantity ? { quantity: p.quantity } : {}) }, 'search');
  }

  private search(p: Params<'catalog.search'>): CommandResult<'catalog.search'> {
    this.requireCashier();
    return this.catalog.search(p.query, p.limit ?? 20).map((x) => ({
      sku: x.sku, name: x.name, price: { amount: x.price, currency: x.currency }, unit: x.unit, ...(x.gtins[0] ? { barcode: x.gtins[0] } : {}), category: x.category,
      ...(this.journal.getStockLevel(x.sku) ? { on_hand: this.journal.getStockLevel(x.sku)! } : {}),
    }));
  }

  private requireEngineSale(): EngineSale {
    if (this.cart && this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'this is a return: lines come from the original receipt');
    if (!this.sale?.open) throw new RegisterError('INVALID_STATE', 'no open sale');
    return this.sale;
  }

  private setQuantity(p: Params<'sale.setQuantity'>): Promise<SaleView> {
    this.requireEngineSale();
    return this.runSale({ type: 'set_quantity', line_id: p.line_id, quantity: p.quantity });
  }

  private async setWeight(p: Params<'sale.setWeight'>): Promise<SaleView> {
    const sale = this.requireEngineSale();
    const l = sale.state.lines.find((x) => x.line_id === p.line_id && !x.voided);
    if (!l) throw new RegisterError('NOT_FOUND', `no line ${p.line_id} in the open sale`);
    if (l.unit !== 'kg') throw new RegisterError('BAD_REQUEST', 'this item is sold by the piece, not weighed');
    const v = await this.runSale({ type: 'set_quantity', line_id: p.line_id, quantity: p.weight ?? (await this.weigh()) });
    sale.extras.sources[p.line_id] = p.weight ? 'keyed' : 'scale';
    return v;
  }

  private discount(p: Params<'sale.discount'>): Promise<SaleView> {
    this.requireEngineSale();
    const approval = this.managerApprovalFor(p.approval);
    const discount = { ...(p.percent_bp !== undefined ? { percent_bp: p.percent_bp } : { amount: p.amount!.amount }), ...(p.reason ? { reason: p.reason } : {}) };
    if (p.amount && p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `discount must be in ${this.cfg.currency}`);
    const cmd: SaleCommand = p.line_id
      ? { type: 'discount_line', line_id: p.line_id, discount, ...(approval ? { approval } : {}) }
      : { type: 'discount_order', discount, ...(approval ? { approval } : {}) };
    return this.runSale(cmd);
  }

  private voidLine(p: Params<'sale.voidLine'>): Promise<SaleView> | SaleView {
    if (this.cart && this.busyWithSale()) {
      const l = this.cart.lines.find((x) => x.line_id === p.line_id && !x.voided);
      if (!l) throw new RegisterError('NOT_FOUND', `no line ${p.line_id} in the return`);
      l.voided = true;
      return this.changed();
    }
    this.requireEngineSale();
    const approval = this.managerApprovalFor(p.approval);
    return this.runSale({ type: 'void_line', line_id: p.line_id, ...(approval ? { approval } : {}) });
  }

  private async voidSale(p: Params<'sale.void'>): Promise<SaleView> {
    this.requireShift();
    if (this.cart && this.busyWithSale()) {
      // A return that was not paid out yet: nothing happened, nothing to journal.
      if (this.cart.tenders.some((t) => t.status === 'approved')) throw new RegisterError('INVALID_STATE', 'money was already given back; finish the return');
      this.cart.status = 'voided';
      this.journal.clearOpenSale();
      const v = this.view();
      this.emit('sale', v);
      return v;
    }
    const sale = this.sale;
    if (!sale?.open || !sale.hasLiveLines) throw new RegisterError('INVALID_STATE', 'no open sale to void');
    if (sale.state.tenders.some((t) => t.kind === 'card')) throw new RegisterError('INVALID_STATE', 'a card payment was approved; refund it before voiding');
    // The engine decides whether a manager is needed; without a PIN it answers APPROVAL_REQUIRED.
    const approval = this.managerApprovalFor(p.approval);
    return this.runSale({ type: 'void_sale', ...(p.reason ? { reason: p.reason } : {}), ...(approval ? { approval } : {}) });
  }

  private newSale(): SaleView {
    this.requireShift();
    if (this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'the current sale is still open');
    this.sale = null;
    this.cart = null;
    this.journal.clearOpenSale();
    const v = this.view();
    this.emit('sale', v);
    return v;
  }

  private async tender(p: Params<'sale.tender'>): Promise<SaleView> {
    this.requireShift();
    if (p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `tender must be in ${this.cfg.currency}`);
    if (p.amount.amount <= 0) throw new RegisterError('BAD_REQUEST', 'amount must be more than zero');
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    if (this.cart && this.busyWithSale()) return this.refundTender(p);
    const sale = this.requireEngineSale();
    const due = this.view().due.amount;
    if (p.kind === 'cash') return this.runSale({ type: 'tender_cash', tendered: p.amount.amount });
    if (p.kind === 'gift') {
      if (!p.gift_code) throw new RegisterError('BAD_REQUEST', 'scan or type the gift card number');
      return this.runSale({ type: 'tender_gift_card', gift_card_id: p.gift_code, amount: p.amount.amount });
    }
    if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'a card cannot be charged more than is due');
    const id = `C${sale.extras.attempts.length + sale.state.tenders.length + 1}`;
    const pending: TenderView = { tender_id: id, kind: 'card', amount: { amount: p.amount.amount, currency: this.cfg.currency }, status: 'pending' };
    sale.attempt(pending);
    this.emit('sale', this.view());
    this.busy = true;
    let r: CardResult | null = null;
    let failure = '';
    try {
      r = await this.devices.authorizeCard(p.amount.amount, this.cfg.currency, `${sale.state.sale_id}/${id}`);
    } catch (err) {
      failure = errText(err);
    } finally {
      this.busy = false;
    }
    sale.extras.attempts = sale.extras.attempts.filter((a) => a.tender_id !== id);
    if (r && r.status === 'approved') {
      return this.runSale({
        type: 'tender_card',
        result: {
          status: 'approved', amount: p.amount.amount, processor: r.processor,
          ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
          ...(r.card_brand ? { card_brand: r.card_brand } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}),
        },
      });
    }
    // Declined, or unknown (we cannot tell whether the customer was charged): shown to the cashier, not a payment.
    sale.attempt({
      ...pending,
      status: r ? r.status : 'unknown',
      ...(r?.masked_pan ? { masked_pan: r.masked_pan } : {}),
      message: (r?.message ?? failure ?? '').slice(0, 200),
    });
    return this.changed();
  }

  /** Journal first, then drawer and receipt. */
  private async applyEffects(sale: EngineSale, effects: SaleEffect[]): Promise<SaleView> {
    let completed: SaleCompletedPayload | null = null;
    let drawer = false;
    for (const e of effects) {
      if (e.kind === 'journal') {
        const ev = this.commit(e.type, e.payload as unknown as Record<string, unknown>, { clearOpenSale: true });
        if (e.type === 'sale.completed') {
          completed = e.payload;
          sale.extras.committed_seq = ev.seq;
          sale.extras.receipt_no = receiptNo(this.cfg.terminal_id, ev.seq);
        }
      } else if (e.kind === 'open_drawer') drawer = true;
      else if (e.kind === 'reverse_tenders') this.alert('info', 'warning', 'Payments on the voided sale must be given back to the customer');
    }
    const v = this.view();
    this.emit('sale', v);
    if (drawer) await this.devices.openDrawer().catch((err) => this.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    if (completed && sale.extras.receipt_no) await this.printFor('sale', completed, sale.extras.receipt_no);
    return v;
  }

  private async printFor(kind: 'sale' | 'refund', payload: SaleCompletedPayload | ReturnType<typeof refundPayload>, no: string): Promise<void> {
    const doc = receiptFor(kind, payload, this.receiptCtx(no));
    this.lastReceipt = { receipt_no: no, text: receiptText(doc), doc };
    await this.devices.printReceipt(doc).catch((err) => this.alert('device', 'error', `Receipt not printed (sale is saved): ${errText(err)}. Fix the printer, then Reprint.`));
  }

  /** Money back for a return: cash from the drawer, or back to a card through the terminal. */
  private async refundTender(p: Params<'sale.tender'>): Promise<SaleView> {
    const cart = this.cart!;
    if (cart.tenders.length >= MAX_CART_TENDERS) throw new RegisterError('INVALID_STATE', 'too many payments on one return');
    const priced = price(cart, this.catalog.table);
    if (priced.lines.length === 0) throw new RegisterError('INVALID_STATE', 'the return has no lines');
    const due = priced.total - priced.paid;
    if (due <= 0) throw new RegisterError('INVALID_STATE', 'nothing left to give back');
    if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'cannot give back more than is due');
    if (p.kind === 'gift') throw new RegisterError('BAD_REQUEST', 'returns are paid in cash or back to a card');
    cart.status = 'tendering';
    const id = `T${cart.tenders.length + 1}`;
    if (p.kind === 'cash') {
      cart.tenders.push({ tender_id: id, kind: 'cash', amount: p.amount.amount, tendered: p.amount.amount, change: 0, status: 'approved' });
    } else {
      cart.tenders.push({ tender_id: id, kind: 'card', amount: p.amount.amount, status: 'pending' });
      this.emit('sale', this.view());
      this.busy = true;
      try {
        const r = await this.devices.refundCard(p.amount.amount, cart.currency, `${cart.sale_id}/${id}`);
        Object.assign(cart.tenders[cart.tenders.length - 1]!, {
          status: r.status, processor: r.processor, ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}), ...(r.card_brand ? { card_brand: r.card_brand } : {}),
          ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}), ...(r.message ? { message: r.message.slice(0, 200) } : {}),
        });
      } catch (err) {
        Object.assign(cart.tenders[cart.tenders.length - 1]!, { status: 'unknown', message: errText(err).slice(0, 200) });
      } finally {
        this.busy = false;
      }
    }
    const after = price(cart, this.catalog.table);
    if (after.paid < after.total) return this.changed();
    const payload = refundPayload(cart, this.catalog.table, { store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, refund_id: randomUUID() }, this.now().toISOString());
    // Stock movements are derived from the payload by the journal (core/stock), one rule for register and hub.
    const ev = this.commit('sale.refunded', payload as unknown as Record<string, unknown>, { clearOpenSale: true });
    cart.status = 'completed';
    cart.committed_seq = ev.seq;
    cart.receipt_no = receiptNo(this.cfg.terminal_id, ev.seq);
    const v = this.view();
    this.emit('sale', v);
    if (cart.tenders.some((t) => t.kind === 'cash' && t.status === 'approved')) {
      await this.devices.openDrawer().catch((err) => this.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
    }
    await this.printFor('refund', payload, cart.receipt_no);
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
    if (this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale first');
    const { sale, no } = this.findSale(p.receipt);
    this.sale = null;
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
    if (this.busyWithSale()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale before closing the shift');
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
    this.sale = null;
    this.emitSession();
    this.emit('sale', this.view());
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
    {
      const prod = ch.kind === 'stock' ? undefined : this.catalog.book.products.get(sku);
      this.emit('price', {
        sku, ...(prod ? { name: prod.name, price: { amount: prod.price, currency: prod.currency } } : {}),
        ...(ch.kind === 'stock' && this.journal.getStockLevel(sku) ? { on_hand: this.journal.getStockLevel(sku)! } : {}),
        cursor: ch.cursor, applied_at_ms: appliedAt,
      });
      const sale = this.sale;
      if (prod && sale?.open) {
        let hit = false;
        for (const l of sale.state.lines) {
          // Marked when the book's price now differs from the price the line was rung up at.
          if (l.sku === sku && !l.voided && l.price_source === 'price_book' && l.unit_price !== prod.price && sale.extras.marks[l.line_id]?.to !== prod.price) {
            sale.extras.marks[l.line_id] = { from: l.unit_price, to: prod.price };
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

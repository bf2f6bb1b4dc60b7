import { parseScan, isBarcodeError } from '../../core/barcode';
import type { RefundTender, SaleCompletedPayload, SaleRefundedPayload } from '../../core/events';
import type { Quantity } from '../../core/money';
import { formatMoney, parseReceiptCode, receiptFor, receiptNo, receiptText, storeHeader } from '../../core/receipt';
import {
  RegisterError,
  customerScreenFor,
  type CommandParams,
  type CommandResult,
  type RegisterDevices,
  type RegisterJournal,
  type SaleOnRecord,
  type SaleView,
  type SaleLine as SaleLineView,
  type TenderView,
} from '../../core/register-api';
import { buildPostVoid, type Approval, type RefundContext, type SaleCommand, type SaleContext, type SaleEffect } from '../../core/sale';
import type { RegisterConfig } from './config';
import { EngineSale, cashierPermissions, engineContext, managerApproval } from './engine-sale';
import { errText } from './errors';
import { CHECK_FIRST, resolvedPayload, unresolvedPayload, type PaymentAttempt } from './card-check';
import type { ReceiptLookup } from './receipt-lookup';
import { ReturnDraft, refundError } from './return-draft';
import type { Session } from './session';
import type { ShiftDesk } from './shift-desk';
import type { StoreFeed } from './store-feed';
import type { ValueDesk } from './value-desk';

// The sale desk: the one open transaction of the register, a sale or a return, and every
// command on it. A sale is priced and guarded by core's sale engine (EngineSale); a return
// by core's buildRefund (ReturnDraft). Order of effects: journal commit first (one SQLite
// transaction, which also clears the open-transaction slot), then drawer and receipt. A
// printer or drawer fault is reported, never undoes or blocks what was committed.

type Params<N extends Parameters<SaleDesk['handle']>[0]> = CommandParams<N>;

/** The register's open transaction: exactly one of these, or none. */
export type OpenTransaction = { kind: 'sale'; sale: EngineSale } | { kind: 'return'; draft: ReturnDraft };

type SavedTransaction = { txn: 'sale'; state: Record<string, unknown> } | { txn: 'return'; state: Record<string, unknown> };

export type SaleDeskCommand =
  | 'sale.get' | 'sale.scan' | 'sale.addSku' | 'catalog.search' | 'catalog.quickKeys' | 'sale.setQuantity' | 'sale.setWeight' | 'sale.discount' | 'sale.voidLine' | 'sale.void'
  | 'sale.tender' | 'sale.checkCard' | 'sale.new' | 'sale.postVoid' | 'refund.start' | 'refund.addLine' | 'refund.noReceipt' | 'refund.pay' | 'receipt.reprint' | 'receipt.last'
  | 'customer.find' | 'customer.create' | 'customer.attach' | 'giftcard.balance' | 'giftcard.load';

/** The customer's points balance asked from the hub when a return starts (for its receipt). */
interface ReturnBalanceAsk {
  customer_id: string;
  points: number | null;
  answered: Promise<void>;
  /** No answer is taken after this: the refund is being journalled. */
  settled: boolean;
}

export class SaleDesk {
  private txn: OpenTransaction | null = null;
  private lastReceipt: { receipt_no: string; text: string; doc: ReturnType<typeof receiptFor> } | null = null;
  /** Serializes commands that wait on the card terminal, so two taps cannot pay twice. */
  private busy = false;

  constructor(
    private readonly cfg: RegisterConfig,
    private readonly journal: RegisterJournal,
    private readonly devices: RegisterDevices,
    private readonly session: Session,
    private readonly shifts: ShiftDesk,
    private readonly feed: StoreFeed,
    private readonly receipts: ReceiptLookup,
    private readonly now: () => Date,
    private readonly value: ValueDesk,
  ) {
    this.txn = restore(journal.loadOpenSale());
    feed.onPriceMove = (m) => this.markPriceMove(m.sku, m.name, m.to);
  }

  handle(name: SaleDeskCommand, p: never): unknown {
    switch (name) {
      case 'sale.get': return this.view();
      case 'sale.scan': return this.scan(p);
      case 'sale.addSku': return this.addSku(p);
      case 'catalog.search': return this.search(p);
      case 'catalog.quickKeys': return this.quickKeys();
      case 'sale.setQuantity': return this.setQuantity(p);
      case 'sale.setWeight': return this.setWeight(p);
      case 'sale.discount': return this.discount(p);
      case 'sale.voidLine': return this.voidLine(p);
      case 'sale.void': return this.voidSale(p);
      case 'sale.tender': return this.tender(p);
      case 'sale.checkCard': return this.checkCard();
      case 'customer.find': return this.findCustomers(p);
      case 'customer.create': return this.createCustomer(p);
      case 'customer.attach': return this.attachCustomer(p);
      case 'giftcard.balance': return this.giftCardBalance(p);
      case 'giftcard.load': return this.loadGiftCard(p);
      case 'sale.new': return this.newSale();
      case 'sale.postVoid': return this.postVoid(p);
      case 'refund.start': return this.returnStart(p);
      case 'refund.addLine': return this.returnSetLine(p);
      case 'refund.noReceipt': return this.noReceiptStart(p);
      case 'refund.pay': return this.returnPay(p);
      case 'receipt.reprint': return this.reprint(p);
      case 'receipt.last': return this.lastReceipt ? { receipt_no: this.lastReceipt.receipt_no, text: this.lastReceipt.text } : null;
    }
  }

  /** True while a sale or return has lines and is not finished (no sign-out, no shift close, no update). */
  busyWithTransaction(): boolean {
    const t = this.txn;
    if (!t) return false;
    if (t.kind === 'sale') return t.sale.open && t.sale.hasLiveLines;
    return t.draft.open && t.draft.hasLines;
  }

  /** After the shift closed: nothing is open any more. */
  reset(): void {
    this.txn = null;
  }

  // ---------------------------------------------------------------- views

  private labels = (c: string) => this.feed.catalog.taxLabels.get(c) ?? c;

  private ctx(): SaleContext {
    const c = this.session.cashier;
    return engineContext({
      book: this.feed.catalog.book,
      taxes: this.feed.catalog.table,
      discountLimitPct: this.cfg.discount_limit_pct,
      cashierId: c?.cashier_id ?? 'nobody',
      permissions: c ? cashierPermissions(c.role, this.cfg.void_line_needs_manager) : [],
      now: this.now().toISOString(),
      loyalty: this.value.settings(),
    });
  }

  private refundCtx(): RefundContext {
    const c = this.ctx();
    return { actor: c.actor, now: c.now, ...(this.cfg.max_refund_without_approval !== undefined ? { policy: { max_refund_without_approval: this.cfg.max_refund_without_approval } } : {}) };
  }

  private ids() {
    return { store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id };
  }

  view(): SaleView {
    const v = this.baseView();
    const open = this.journal.openPayments()[0];
    return open ? { ...v, card_check: { reference: open.reference, kind: open.kind, amount: { amount: open.amount, currency: open.currency }, reason: open.reason } } : v;
  }

  private baseView(): SaleView {
    const t = this.txn;
    if (t?.kind === 'sale') {
      const v = t.sale.view(this.ctx(), this.labels);
      const c = t.sale.state.customer;
      const known = c ? this.customers.get(c.customer_id) : undefined;
      return {
        ...v,
        customer: c ? { customer_id: c.customer_id, name: known?.name ?? c.customer_id.slice(0, 8), points: known?.points ?? 0, points_available: known?.available ?? 0, point_value: this.value.settings().point_value, provisional: known?.provisional ?? false } : null,
        ...(t.sale.state.completed?.loyalty ? { points_earned: t.sale.state.completed.loyalty.points_earned } : {}),
      };
    }
    if (t?.kind === 'return') {
      const plan = t.draft.hasLines ? this.tryPrice(t.draft) : null;
      return t.draft.view(plan, t.draft.data.original.currency, this.labels);
    }
    return idleView(this.cfg.currency);
  }

  /** Refuses while a card payment's outcome is unknown: nothing may be paid or voided before it is checked. */
  private refuseWhileCardUnknown(): void {
    if (this.journal.openPayments().length > 0) throw new RegisterError('INVALID_STATE', CHECK_FIRST);
  }

  private attemptOf(kind: 'sale' | 'refund', transactionId: string, tenderId: string, amount: number, currency: string): PaymentAttempt {
    return {
      kind, store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: this.session.cashier?.cashier_id ?? 'nobody',
      transaction_id: transactionId, tender_id: tenderId, reference: `${transactionId}/${tenderId}`, currency, amount,
    };
  }

  /**
   * "Check with terminal": a status inquiry resolves the journalled unknown payment.
   * Approved: the payment stands (the sale continues with that card tender; a return counts
   * it as paid back). Declined or unknown to the terminal: not charged, the cashier takes
   * another tender. Still no answer: it stays open.
   */
  private async checkCard(): Promise<SaleView> {
    const open = this.journal.openPayments()[0];
    if (!open) throw new RegisterError('INVALID_STATE', 'no card payment is waiting for a check');
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    const { result: r, failure } = await this.onTerminal(() => this.devices.checkCardPayment());
    if (!r || r.status === 'unknown') {
      this.feed.alert('device', 'warning', `The terminal still cannot say what became of the card payment: ${(r?.message ?? (failure || 'it knows of no open payment')).slice(0, 160)}. Try again, or call a manager.`);
      return this.changed();
    }
    this.journal.append('payment.resolved', resolvedPayload(open, { ...r, status: r.status }, this.session.cashier?.cashier_id ?? open.cashier_id, this.now()));
    const t = this.txn;
    const tender = { tender_id: open.tender_id, kind: 'card' as const, amount: { amount: open.amount, currency: open.currency } };
    if (open.kind === 'sale' && t?.kind === 'sale' && t.sale.open && t.sale.state.sale_id === open.transaction_id) {
      t.sale.extras.attempts = t.sale.extras.attempts.filter((a) => a.tender_id !== open.tender_id);
      if (r.status === 'approved') {
        return this.runSale({
          type: 'tender_card',
          result: {
            status: 'approved', amount: open.amount, processor: r.processor || open.processor,
            ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
            ...(r.card_brand ? { card_brand: r.card_brand } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}),
            reference: r.reference ?? open.reference,
          },
        });
      }
      t.sale.attempt({ ...tender, status: 'declined', message: (r.message ?? '').slice(0, 200) });
      return this.changed();
    }
    if (open.kind === 'refund' && t?.kind === 'return' && t.draft.open && t.draft.data.refund_id === open.transaction_id) {
      const d = t.draft;
      const attempt = d.data.attempts.find((a) => a.tender_id === open.tender_id);
      if (attempt) attempt.status = r.status;
      if (r.status === 'approved') {
        // The money went back to the card: that part of core's plan is paid; Refund finishes the rest.
        const plan = d.price(this.ids(), { ...this.refundCtx(), policy: undefined }, d.data.lines, d.data.approved_by ? managerApproval(d.data.approved_by) : undefined);
        const part = d.outstanding(plan.tenders).find((x) => x.kind === 'card' && x.amount === open.amount);
        if (part?.kind === 'card') {
          d.data.attempts = d.data.attempts.filter((a) => a.tender_id !== open.tender_id);
          d.data.paid.push({
            ...part, tender_id: open.tender_id, processor: r.processor || part.processor,
            ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
            ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}), reference: r.reference ?? open.reference,
          });
        }
        this.feed.alert('info', 'info', 'The card refund went through: press Refund to finish the return');
      }
      return this.changed();
    }
    if (r.status === 'approved') this.feed.alert('info', 'error', `A card ${open.kind} of ${open.amount} minor units (ref ${open.reference}) was approved but its sale is no longer open: settle it with the customer and a manager`);
    return this.changed();
  }

  /** The refund as core prices it, or null when it does not price any more (the view shows no lines). */
  private tryPrice(d: ReturnDraft): SaleRefundedPayload | null {
    try {
      return d.price(this.ids(), { ...this.refundCtx(), policy: undefined }, d.data.lines);
    } catch {
      return null;
    }
  }

  private changed(): SaleView {
    const t = this.txn;
    if (t?.kind === 'sale' && t.sale.open) this.journal.saveOpenSale(save({ txn: 'sale', state: t.sale.toJson() as unknown as Record<string, unknown> }));
    if (t?.kind === 'return' && t.draft.open) this.journal.saveOpenSale(save({ txn: 'return', state: t.draft.toJson() }));
    const v = this.view();
    this.feed.emit('sale', v);
    this.showCustomer(v);
    return v;
  }

  /** The customer display follows the sale: each line as scanned with the total, then paid and change, then the welcome text. */
  private showCustomer(v: SaleView): void {
    if (v.kind !== 'sale') return;
    void this.devices.showCustomer(customerScreenFor(v)).catch(() => {});
  }

  private approvalFor(approval: { manager_pin: string } | undefined): Approval | undefined {
    if (!approval) return undefined;
    const id = this.session.approve('this', approval, true);
    return id ? managerApproval(id) : undefined;
  }

  // ---------------------------------------------------------------- sale

  /** The open sale, started on the first item. */
  private openSale(): EngineSale {
    const shift = this.shifts.require();
    const c = this.session.require();
    const t = this.txn;
    if (t?.kind === 'return' && this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the return first');
    if (t?.kind === 'sale' && t.sale.open) return t.sale;
    const sale = EngineSale.open({ sale_id: crypto.randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id, cashier_id: c.cashier_id, currency: this.cfg.currency });
    this.txn = { kind: 'sale', sale };
    return sale;
  }

  private requireSale(): EngineSale {
    const t = this.txn;
    if (t?.kind === 'return' && this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'this is a return: lines come from the original receipt');
    if (t?.kind !== 'sale' || !t.sale.open) throw new RegisterError('INVALID_STATE', 'no open sale');
    return t.sale;
  }

  /** Runs a command on the open sale, records where new lines came from, handles effects. */
  private async runSale(cmd: SaleCommand, source?: SaleLineView['source']): Promise<SaleView> {
    const sale = this.openSale();
    const before = new Set(sale.state.lines.map((l) => l.line_id));
    const effects = sale.run(cmd, this.ctx());
    if (source) for (const id of sale.newLineIds(before)) sale.extras.sources[id] = source;
    if (effects.length) return this.applyEffects(sale, effects);
    return this.changed();
  }

  private async scan(p: Params<'sale.scan'>): Promise<SaleView> {
    this.shifts.require();
    let parsed;
    try {
      parsed = parseScan(p.data, { symbology: p.symbology, currency: this.cfg.currency });
    } catch (err) {
      throw new RegisterError('NOT_FOUND', isBarcodeError(err) ? `cannot read barcode ${p.data.slice(0, 40)}: ${err.message}` : errText(err));
    }
    const catalog = this.feed.catalog;
    const prod = catalog.lookup(parsed.lookupKey) ?? catalog.lookup(parsed.data);
    if (!prod) throw new RegisterError('NOT_FOUND', `no item with code ${parsed.hri.slice(0, 40)}`);
    const weight = parsed.weight && parsed.weight.grams > 0 ? { grams: parsed.weight.grams } : undefined;
    // A kg item without a weight on its label (or a PLU label with weight 0) is weighed now.
    if (prod.unit === 'kg' && !weight && !parsed.price) return this.runSale({ type: 'add_weighed', sku: prod.sku, weight: await this.weigh() }, 'scale');
    const scan = { lookupKey: catalog.lookup(parsed.lookupKey) ? parsed.lookupKey : parsed.data, ...(parsed.gtin ? { gtin: parsed.gtin } : {}), ...(parsed.price ? { price: parsed.price } : {}), ...(weight ? { weight } : {}) };
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
    this.shifts.require();
    const prod = this.feed.catalog.book.products.get(p.sku);
    if (!prod) throw new RegisterError('NOT_FOUND', `no item with sku ${p.sku}`);
    if (prod.unit === 'kg') return this.runSale({ type: 'add_weighed', sku: prod.sku, weight: p.quantity ?? (await this.weigh()) }, p.quantity ? 'keyed' : 'scale');
    return this.runSale({ type: 'add_sku', sku: prod.sku, ...(p.quantity ? { quantity: p.quantity } : {}) }, 'search');
  }

  private search(p: Params<'catalog.search'>): CommandResult<'catalog.search'> {
    this.session.require();
    return this.feed.catalog.search(p.query, p.limit ?? 20).map((x) => {
      const onHand = this.journal.getStockLevel(x.sku);
      return {
        sku: x.sku, name: x.name, price: { amount: x.price, currency: x.currency }, unit: x.unit, ...(x.gtins[0] ? { barcode: x.gtins[0] } : {}), category: x.category,
        ...(onHand ? { on_hand: onHand } : {}),
      };
    });
  }

  private quickKeys(): CommandResult<'catalog.quickKeys'> {
    this.session.require();
    return this.feed.catalog.quickKeys().map((k) => ({ sku: k.sku, label: k.label, group: k.group, unit: k.unit, price: { amount: k.price, currency: k.currency } }));
  }

  private setQuantity(p: Params<'sale.setQuantity'>): Promise<SaleView> {
    this.requireSale();
    return this.runSale({ type: 'set_quantity', line_id: p.line_id, quantity: p.quantity });
  }

  private async setWeight(p: Params<'sale.setWeight'>): Promise<SaleView> {
    const sale = this.requireSale();
    const l = sale.state.lines.find((x) => x.line_id === p.line_id && !x.voided);
    if (!l) throw new RegisterError('NOT_FOUND', `no line ${p.line_id} in the open sale`);
    if (l.unit !== 'kg') throw new RegisterError('BAD_REQUEST', 'this item is sold by the piece, not weighed');
    const v = await this.runSale({ type: 'set_quantity', line_id: p.line_id, quantity: p.weight ?? (await this.weigh()) });
    sale.extras.sources[p.line_id] = p.weight ? 'keyed' : 'scale';
    return v;
  }

  private discount(p: Params<'sale.discount'>): Promise<SaleView> {
    this.requireSale();
    const approval = this.approvalFor(p.approval);
    if (p.amount && p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `discount must be in ${this.cfg.currency}`);
    const discount = { ...(p.percent_bp !== undefined ? { percent_bp: p.percent_bp } : { amount: p.amount!.amount }), ...(p.reason ? { reason: p.reason } : {}) };
    const cmd: SaleCommand = p.line_id
      ? { type: 'discount_line', line_id: p.line_id, discount, ...(approval ? { approval } : {}) }
      : { type: 'discount_order', discount, ...(approval ? { approval } : {}) };
    return this.runSale(cmd);
  }

  private voidLine(p: Params<'sale.voidLine'>): Promise<SaleView> | SaleView {
    const t = this.txn;
    if (t?.kind === 'return' && this.busyWithTransaction()) {
      t.draft.removeLine(p.line_id);
      return this.changed();
    }
    this.requireSale();
    const approval = this.approvalFor(p.approval);
    return this.runSale({ type: 'void_line', line_id: p.line_id, ...(approval ? { approval } : {}) });
  }

  private async voidSale(p: Params<'sale.void'>): Promise<SaleView> {
    this.shifts.require();
    const t = this.txn;
    if (t?.kind === 'return' && this.busyWithTransaction()) {
      // A return nothing was paid out on: nothing happened, nothing to journal.
      if (t.draft.data.paid.length > 0) throw new RegisterError('INVALID_STATE', 'money was already given back; finish the return');
      t.draft.data.status = 'voided';
      this.journal.clearOpenSale();
      const v = this.view();
      this.feed.emit('sale', v);
      return v;
    }
    const sale = t?.kind === 'sale' ? t.sale : null;
    if (!sale?.open || !sale.hasLiveLines) throw new RegisterError('INVALID_STATE', 'no open sale to void');
    if (sale.state.tenders.some((x) => x.kind === 'card')) throw new RegisterError('INVALID_STATE', 'a card payment was approved; refund it before voiding');
    this.refuseWhileCardUnknown();
    // The engine decides whether a manager is needed; without a PIN it answers APPROVAL_REQUIRED.
    const approval = this.approvalFor(p.approval);
    return this.runSale({ type: 'void_sale', ...(p.reason ? { reason: p.reason } : {}), ...(approval ? { approval } : {}) });
  }

  private newSale(): SaleView {
    this.shifts.require();
    if (this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'the current sale is still open');
    this.txn = null;
    this.journal.clearOpenSale();
    const v = this.view();
    this.feed.emit('sale', v);
    this.showCustomer(v);
    return v;
  }

  private async tender(p: Params<'sale.tender'>): Promise<SaleView> {
    this.shifts.require();
    if (p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `tender must be in ${this.cfg.currency}`);
    if (p.amount.amount <= 0) throw new RegisterError('BAD_REQUEST', 'amount must be more than zero');
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    this.refuseWhileCardUnknown();
    if (this.txn?.kind === 'return' && this.busyWithTransaction()) {
      throw new RegisterError('INVALID_STATE', 'a return pays back along the original payments: use Refund');
    }
    const sale = this.requireSale();
    const due = this.view().due.amount;
    if (p.kind === 'cash') return this.runSale({ type: 'tender_cash', tendered: p.amount.amount });
    if (p.kind === 'gift') {
      if (!p.gift_code) throw new RegisterError('BAD_REQUEST', 'scan or type the gift card number');
      if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'a gift card cannot pay more than is due');
      const code = p.gift_code;
      return this.reserved(sale, { kind: 'gift_card', gift_card_id: code }, p.amount.amount, (offline) => ({ type: 'tender_gift_card', gift_card_id: code, amount: p.amount.amount, ...(offline ? { offline } : {}) }));
    }
    if (p.kind === 'points') {
      const c = sale.state.customer;
      if (!c) throw new RegisterError('INVALID_STATE', 'attach the customer before redeeming points');
      // Without a points figure the amount says what to pay: as many whole points as fit in it (and in what is due).
      const points = p.points ?? Math.floor(Math.min(p.amount.amount, due) / this.value.settings().point_value);
      if (points <= 0) throw new RegisterError('BAD_REQUEST', 'nothing to pay with points');
      return this.reserved(sale, { kind: 'points', customer_id: c.customer_id }, points, (offline) => ({ type: 'tender_points', customer_id: c.customer_id, points, ...(offline ? { offline } : {}) }));
    }
    if (p.amount.amount > due) throw new RegisterError('BAD_REQUEST', 'a card cannot be charged more than is due');
    const id = `C${sale.extras.attempts.length + sale.state.tenders.length + 1}`;
    const pending: TenderView = { tender_id: id, kind: 'card', amount: { amount: p.amount.amount, currency: this.cfg.currency }, status: 'pending' };
    sale.attempt(pending);
    this.feed.emit('sale', this.view());
    const { result: r, failure } = await this.onTerminal(() => this.devices.authorizeCard(p.amount.amount, this.cfg.currency, `${sale.state.sale_id}/${id}`));
    sale.extras.attempts = sale.extras.attempts.filter((a) => a.tender_id !== id);
    // Unknown: the customer may have been charged. Journalled before anything else can happen, so a restart keeps the record and the block.
    if (r?.status === 'unknown') this.journal.append('payment.unresolved', unresolvedPayload(this.attemptOf('sale', sale.state.sale_id, id, p.amount.amount, this.cfg.currency), r, failure, this.now()));
    if (r && r.status === 'approved') {
      return this.runSale({
        type: 'tender_card',
        result: {
          status: 'approved', amount: p.amount.amount, processor: r.processor,
          ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
          ...(r.card_brand ? { card_brand: r.card_brand } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}),
          ...(r.reference ? { reference: r.reference } : {}),
        },
      });
    }
    // Declined, or unknown (we cannot tell whether the customer was charged): shown to the cashier, not a payment.
    sale.attempt({ ...pending, status: r ? r.status : 'unknown', ...(r?.masked_pan ? { masked_pan: r.masked_pan } : {}), message: (r?.message ?? failure ?? '').slice(0, 200) });
    return this.changed();
  }

  /**
   * A gift card or points tender: reserved at the hub under the tender's key before it goes on
   * the sale (offline: as the chain's policy allows). If the sale refuses the tender after
   * all, the hold is let go at once.
   */
  private async reserved(sale: EngineSale, account: { kind: 'gift_card'; gift_card_id: string } | { kind: 'points'; customer_id: string }, amount: number, cmd: (offline: boolean) => SaleCommand): Promise<SaleView> {
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    const tenderId = `T${sale.state.next_tender_no}`;
    this.busy = true;
    let outcome;
    try {
      outcome = await this.value.reserve(sale.state.sale_id, tenderId, account, amount);
    } finally {
      this.busy = false;
    }
    try {
      const v = await this.runSale(cmd(outcome.offline));
      if (!outcome.offline && account.kind === 'gift_card') this.cardBalances.set(account.gift_card_id, outcome.balance_after);
      if (!outcome.offline && account.kind === 'points') {
        const known = this.customers.get(account.customer_id);
        if (known) this.customers.set(account.customer_id, { ...known, points: outcome.balance_after, available: Math.max(0, known.available - amount) });
      }
      return v;
    } catch (err) {
      if (!outcome.offline) void this.value.release(sale.state.sale_id, tenderId).catch(() => {});
      throw err;
    }
  }

  // ---------------------------------------------------------------- customers and gift cards

  /** What the counter knows of customers seen in this session (name, points), by id. */
  private readonly customers = new Map<string, { name: string; points: number; available: number; provisional: boolean; tier_pct: number }>();
  /** The customer's points balance asked of the hub when the open return started (its receipt shows it). */
  private returnBalance: ReturnBalanceAsk | null = null;
  /** Gift card balances after this register's last reservation on them (for the receipt). */
  private readonly cardBalances = new Map<string, number>();

  private remember(c: { customer_id: string; name: string; points: number; points_available: number; tier?: { name: string; multiplier_pct: number } | null | undefined }, provisional: boolean) {
    this.customers.set(c.customer_id, { name: c.name, points: c.points, available: c.points_available, provisional, tier_pct: c.tier?.multiplier_pct ?? 100 });
    if (this.customers.size > 500) this.customers.delete(this.customers.keys().next().value!);
  }

  private async findCustomers(p: Params<'customer.find'>) {
    this.session.require();
    const found = await this.value.findCustomers(p);
    return found.map((c) => {
      // Provisional while the hub has not heard of them (created here offline, not yet sent).
      const provisional = this.value.isPending(c.customer_id);
      this.remember(c, provisional);
      return { customer_id: c.customer_id, name: c.name, loyalty_id: c.loyalty_id, phone_last4: c.phone_last4, points: c.points, points_available: c.points_available, provisional, tier: c.tier ?? null };
    });
  }

  private async createCustomer(p: Params<'customer.create'>) {
    this.session.require();
    const r = await this.value.createCustomer({ name: p.name, ...(p.phone ? { phone: p.phone } : {}), ...(p.email ? { email: p.email } : {}), ...(p.loyalty_id ? { loyalty_id: p.loyalty_id } : {}), consent: { marketing: p.marketing } });
    this.remember(r.customer, r.provisional);
    const c = r.customer;
    return { customer_id: c.customer_id, name: c.name, loyalty_id: c.loyalty_id, phone_last4: c.phone_last4, points: c.points, points_available: c.points_available, provisional: r.provisional, tier: c.tier ?? null };
  }

  private async attachCustomer(p: Params<'customer.attach'>): Promise<SaleView> {
    this.shifts.require();
    // The tier the hub reported when the customer was found (docs/loyalty.md, Tiers): it multiplies what the sale earns.
    const tier = p.customer_id === null ? undefined : this.customers.get(p.customer_id)?.tier_pct;
    return this.runSale({ type: 'set_customer', customer_id: p.customer_id, ...(tier !== undefined && tier !== 100 ? { tier_pct: tier } : {}) });
  }

  private async giftCardBalance(p: Params<'giftcard.balance'>) {
    this.session.require();
    const c = await this.value.card(p.code);
    if (!c) return null;
    return { gift_card_id: c.gift_card_id, balance: { amount: c.balance, currency: c.currency }, available: { amount: c.available, currency: c.currency } };
  }

  private async loadGiftCard(p: Params<'giftcard.load'>): Promise<SaleView> {
    this.shifts.require();
    if (p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `load in ${this.cfg.currency}`);
    return this.runSale({ type: 'add_gift_card', gift_card_id: p.code, amount: p.amount.amount });
  }

  /** Receipt lines for the customer's points and the gift cards the sale moved. */
  private valueLines(p: SaleCompletedPayload): string[] {
    const out: string[] = [];
    if (p.loyalty) {
      const known = this.customers.get(p.loyalty.customer_id);
      const spent = p.tenders.reduce((s, t) => s + (t.kind === 'points' ? t.points : 0), 0);
      // The balance as the hub reported it (after the points reserved here), plus what this sale earns.
      const balance = known ? known.points + p.loyalty.points_earned : null;
      out.push(`Points earned: ${p.loyalty.points_earned}${spent ? `, redeemed: ${spent}` : ''}`);
      if (balance !== null) out.push(`Points balance: ${balance}`);
    }
    for (const t of p.tenders) {
      if (t.kind === 'gift_card' && this.cardBalances.has(t.gift_card_id)) out.push(`Gift card ${t.gift_card_id.slice(-4)} balance: ${formatMoney(this.cardBalances.get(t.gift_card_id)!, p.currency, this.cfg.locale)}`);
    }
    return out;
  }

  private async onTerminal<T>(fn: () => Promise<T>): Promise<{ result: T | null; failure: string }> {
    this.busy = true;
    try {
      return { result: await fn(), failure: '' };
    } catch (err) {
      return { result: null, failure: errText(err) };
    } finally {
      this.busy = false;
    }
  }

  /** Journal first, then drawer and receipt. */
  private async applyEffects(sale: EngineSale, effects: SaleEffect[]): Promise<SaleView> {
    let completed: SaleCompletedPayload | null = null;
    let drawer = false;
    for (const e of effects) {
      if (e.kind === 'journal') {
        if (e.type === 'sale.completed') {
          const ev = this.journal.append('sale.completed', e.payload, { clearOpenSale: true });
          completed = e.payload;
          sale.extras.committed_seq = ev.seq;
          sale.extras.receipt_no = receiptNo(this.cfg.terminal_id, ev.seq);
        } else this.journal.append('sale.voided', e.payload, { clearOpenSale: true });
      } else if (e.kind === 'open_drawer') drawer = true;
      else if (e.kind === 'reverse_tenders') this.feed.alert('info', 'warning', 'Payments on the voided sale must be given back to the customer');
    }
    const v = this.view();
    this.feed.emit('sale', v);
    this.showCustomer(v);
    if (drawer) await this.openDrawer();
    if (completed && sale.extras.receipt_no) await this.printFor('sale', completed, sale.extras.receipt_no, this.valueLines(completed));
    return v;
  }

  private async openDrawer(): Promise<void> {
    await this.devices.openDrawer().catch((err) => this.feed.alert('device', 'warning', `Drawer did not open: ${errText(err)}`));
  }

  private async printFor(kind: 'sale' | 'refund', payload: SaleCompletedPayload | SaleRefundedPayload, no: string, valueLines: string[] = []): Promise<void> {
    const doc = receiptFor(kind, payload, { ...this.receiptCtx(no), valueLines });
    this.lastReceipt = { receipt_no: no, text: receiptText(doc), doc };
    await this.devices.printReceipt(doc).catch((err) => this.feed.alert('device', 'error', `Receipt not printed (sale is saved): ${errText(err)}. Fix the printer, then Reprint.`));
  }

  private receiptCtx(no: string) {
    return { ...storeHeader(this.journal.getSettings('config'), this.cfg), locale: this.cfg.locale, terminalId: this.cfg.terminal_id, cashierName: this.session.cashier?.name ?? '', receiptNo: no };
  }

  private markPriceMove(sku: string, name: string, to: number): void {
    const t = this.txn;
    if (t?.kind !== 'sale' || !t.sale.open) return;
    let hit = false;
    for (const l of t.sale.state.lines) {
      // Marked when the book's price now differs from the price the line was rung up at.
      if (l.sku === sku && !l.voided && l.price_source === 'price_book' && l.unit_price !== to && t.sale.extras.marks[l.line_id]?.to !== to) {
        t.sale.extras.marks[l.line_id] = { from: l.unit_price, to };
        hit = true;
      }
    }
    if (hit) {
      this.feed.alert('price_changed', 'info', `${name}: price changed at HQ; this sale keeps the price it was rung up at`, sku);
      this.changed();
    }
  }

  // ---------------------------------------------------------------- returns and post-voids

  private async returnStart(p: Params<'refund.start'>): Promise<CommandResult<'refund.start'>> {
    const shift = this.shifts.require();
    const c = this.session.require();
    if (this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale first');
    const found = await this.receipts.find(p.receipt);
    if (found.record.reversals.postVoid) throw new RegisterError('INVALID_STATE', `receipt ${found.record.receipt_no} was post-voided`);
    const draft = ReturnDraft.start({
      refund_id: crypto.randomUUID(), shift_id: shift.shift_id, cashier_id: c.cashier_id, original: found.record.sale, original_receipt_no: found.record.receipt_no,
      prior: found.record.reversals.refunds, source: found.source,
    });
    const left = draft.remaining();
    if ([...left.values()].every((q) => q.units === 0)) throw new RegisterError('INVALID_STATE', `receipt ${found.record.receipt_no} was already returned in full`);
    this.txn = { kind: 'return', draft };
    this.returnBalance = null;
    const loyalty = found.record.sale.loyalty;
    if (loyalty) {
      // The customer's balance for the return receipt, asked now (not awaited). Only an answer
      // that arrives before the refund is journalled is used (returnPay settles it first): the
      // refund is pushed as soon as it is journalled, and a hub that applied it before answering
      // would count its points twice. Offline or slow, the receipt shows the points reversed
      // without a balance.
      const ask: ReturnBalanceAsk = { customer_id: loyalty.customer_id, points: null, answered: Promise.resolve(), settled: false };
      ask.answered = this.value
        .findCustomers({ by: 'customer_id', q: loyalty.customer_id })
        .then((cs) => {
          if (cs[0] && !ask.settled) ask.points = cs[0].points;
        })
        .catch(() => {});
      this.returnBalance = ask;
    }
    return { sale: this.changed(), original: originalView(found.record, left) };
  }

  /**
   * Waits at most 1.5 s for the hub's answer to the balance asked when the return started, then
   * takes no later answer: after this the refund is journalled and pushed, and an answer the hub
   * gives after applying it would already include its points.
   */
  private async settleReturnBalance(): Promise<void> {
    const known = this.returnBalance;
    if (!known || known.settled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([known.answered, new Promise<void>((r) => (timer = setTimeout(r, 1500)))]);
    clearTimeout(timer);
    known.settled = true;
  }

  /**
   * Receipt lines of a return for the customer's points: reversed (and refunded as points), and
   * the balance after it — the hub's figure when the return started, less what this return
   * takes back. Called after the refund is journalled (the hub's answer was settled before).
   */
  private refundValueLines(p: SaleRefundedPayload): string[] {
    if (!p.loyalty) return [];
    const refunded = p.tenders.reduce((s, t) => s + (t.kind === 'points' ? t.points : 0), 0);
    const reversed = p.loyalty.points_reversed;
    if (reversed === 0 && refunded === 0) return [];
    const out = [`Points reversed: ${reversed}${refunded ? `, refunded: ${refunded}` : ''}`];
    const known = this.returnBalance;
    if (known && known.customer_id === p.loyalty.customer_id && known.points !== null) out.push(`Points balance: ${known.points - reversed + refunded}`);
    return out;
  }

  /**
   * A return without the receipt: core's sale engine prices the items at today's prices as a
   * basket paid in cash (never journalled), and core's buildRefund returns all of it. Always
   * under a manager's approval (checked first) and up to the store's no_receipt_return_limit.
   */
  private noReceiptStart(p: Params<'refund.noReceipt'>): SaleView {
    const shift = this.shifts.require();
    const c = this.session.require();
    if (this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale first');
    const limit = this.cfg.no_receipt_return_limit;
    if (limit === 0) throw new RegisterError('INVALID_STATE', 'this store takes no returns without a receipt');
    const approvedBy = this.session.approve('a return without receipt', p.approval, true)!;
    const basket = EngineSale.open({ sale_id: crypto.randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id, cashier_id: c.cashier_id, currency: this.cfg.currency });
    const ctx = { ...this.ctx(), actor: { cashier_id: c.cashier_id, permissions: managerApproval(approvedBy).permissions } };
    for (const l of p.lines) {
      const prod = this.feed.catalog.book.products.get(l.sku);
      if (!prod) throw new RegisterError('NOT_FOUND', `no item with sku ${l.sku}`);
      if (prod.unit === 'kg' && !l.quantity) throw new RegisterError('BAD_REQUEST', `${prod.name}: key in the weight`);
      basket.run(prod.unit === 'kg' ? { type: 'add_weighed', sku: prod.sku, weight: l.quantity! } : { type: 'add_sku', sku: prod.sku, ...(l.quantity ? { quantity: l.quantity } : {}) }, ctx);
    }
    const total = basket.view(ctx, this.labels).total.amount;
    if (total > limit) throw new RegisterError('INVALID_STATE', `a return without receipt is limited to ${(limit / 100).toFixed(2)} ${this.cfg.currency}; this one is ${(total / 100).toFixed(2)}`);
    const effects = basket.run({ type: 'tender_cash', tendered: total }, ctx);
    const priced = effects.find((e) => e.kind === 'journal' && e.type === 'sale.completed');
    if (!priced || priced.kind !== 'journal' || priced.type !== 'sale.completed') throw new Error('the sale engine did not complete the no-receipt basket');
    const draft = ReturnDraft.start({
      refund_id: crypto.randomUUID(), shift_id: shift.shift_id, cashier_id: c.cashier_id, original: priced.payload, original_receipt_no: null, prior: [], source: 'no_receipt', approved_by: approvedBy,
    });
    for (const l of priced.payload.lines) draft.setLine(l.line_id, l.quantity, this.ids(), { ...this.refundCtx(), policy: undefined });
    this.txn = { kind: 'return', draft };
    return this.changed();
  }

  private returnSetLine(p: Params<'refund.addLine'>): SaleView {
    const t = this.txn;
    if (t?.kind !== 'return' || !t.draft.open) throw new RegisterError('INVALID_STATE', 'start a return from a receipt first');
    t.draft.setLine(p.original_line_id, p.quantity, this.ids(), { ...this.refundCtx(), policy: undefined });
    return this.changed();
  }

  /**
   * Pays the return back along core's plan: card parts to the same card through the terminal
   * (with the original payment's reference), gift cards to their account, the rest in cash.
   * If the terminal declines or cannot confirm, the return stays open: try again, or give the
   * rest in cash (`rest_in_cash`). Journalled once everything is paid.
   */
  private async returnPay(p: Params<'refund.pay'>): Promise<SaleView> {
    this.shifts.require();
    const t = this.txn;
    if (t?.kind !== 'return' || !t.draft.open) throw new RegisterError('INVALID_STATE', 'start a return from a receipt first');
    if (this.busy) throw new RegisterError('INVALID_STATE', 'a payment is already in progress');
    this.refuseWhileCardUnknown();
    const d = t.draft;
    if (!d.hasLines) throw new RegisterError('INVALID_STATE', 'the return has no lines');
    const approval = this.approvalFor(p.approval);
    const plan = d.price(this.ids(), this.refundCtx(), d.data.lines, approval ?? (d.data.approved_by ? managerApproval(d.data.approved_by) : undefined));
    if (plan.approved_by) d.data.approved_by = plan.approved_by;
    if (p.rest_in_cash) {
      if (d.data.attempts.length === 0) throw new RegisterError('INVALID_STATE', 'card parts go back to the card; cash only after the terminal could not refund');
      d.data.rest_in_cash = true;
    }
    d.data.status = 'tendering';
    for (const part of d.outstanding(plan.tenders)) {
      if (part.kind !== 'card') {
        d.data.paid.push(part.kind === 'cash' ? { tender_id: `RT${d.data.paid.length + 1}`, kind: 'cash', amount: part.amount } : part);
        continue;
      }
      const paid = await this.refundToCard(d, part);
      if (!paid) return this.changed();
    }
    const payload = d.final(plan);
    await this.settleReturnBalance();
    const ev = this.journal.append('sale.refunded', payload, { clearOpenSale: true });
    d.data.status = 'completed';
    d.data.committed_seq = ev.seq;
    d.data.receipt_no = receiptNo(this.cfg.terminal_id, ev.seq);
    const v = this.view();
    this.feed.emit('sale', v);
    if (payload.tenders.some((x) => x.kind === 'cash')) await this.openDrawer();
    await this.printFor('refund', payload, d.data.receipt_no, this.refundValueLines(payload));
    return v;
  }

  private async refundToCard(d: ReturnDraft, part: Extract<RefundTender, { kind: 'card' }>): Promise<boolean> {
    const id = `RC${d.data.paid.length + d.data.attempts.length + 1}`;
    const currency = d.data.original.currency;
    const pending: TenderView = { tender_id: id, kind: 'card', amount: { amount: part.amount, currency }, status: 'pending', ...(part.masked_pan ? { masked_pan: part.masked_pan } : {}) };
    this.feed.emit('sale', { ...this.view(), tenders: [...this.view().tenders, pending].slice(-20) });
    const original = { processor: part.processor, ...(part.terminal_ref ? { terminal_ref: part.terminal_ref } : {}), ...(part.masked_pan ? { masked_pan: part.masked_pan } : {}) };
    const { result: r, failure } = await this.onTerminal(() => this.devices.refundCard(part.amount, currency, `${d.data.refund_id}/${id}`, original));
    if (r?.status === 'unknown') this.journal.append('payment.unresolved', unresolvedPayload(this.attemptOf('refund', d.data.refund_id, id, part.amount, currency), r, failure, this.now()));
    if (r?.status === 'approved') {
      d.data.paid.push({
        ...part, tender_id: id, processor: r.processor || part.processor,
        ...(r.auth_code ? { auth_code: r.auth_code } : {}), ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
        ...(r.card_brand ? { card_brand: r.card_brand } : {}), ...(r.terminal_ref ? { terminal_ref: r.terminal_ref } : {}),
        ...(r.reference ? { reference: r.reference } : {}),
      });
      return true;
    }
    d.data.attempts.push({ ...pending, status: r ? r.status : 'unknown', message: (r?.message ?? failure ?? '').slice(0, 200) });
    if (d.data.attempts.length > 20) d.data.attempts.shift();
    return false;
  }

  private async postVoid(p: Params<'sale.postVoid'>) {
    const shift = this.shifts.require();
    const c = this.session.require();
    if (this.busyWithTransaction()) throw new RegisterError('INVALID_STATE', 'finish or void the open sale first');
    const code = parseReceiptCode(p.receipt_no, this.cfg.terminal_id);
    if (!code || code.terminal_id !== this.cfg.terminal_id) throw new RegisterError('NOT_FOUND', `a post-void is for a receipt of this register; use a return for ${p.receipt_no.slice(0, 40)}`);
    const found = this.journal.saleByReceipt(code.receipt_no);
    if (!found) throw new RegisterError('NOT_FOUND', `no sale with receipt ${code.receipt_no}`);
    if (found.sale.tenders.some((x) => x.kind === 'card')) throw new RegisterError('INVALID_STATE', `receipt ${code.receipt_no} was paid by card; use a return so the card is refunded`);
    const approval = this.approvalFor(p.approval);
    const r = buildPostVoid(found.sale, {
      post_void_id: crypto.randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, shift_id: shift.shift_id, cashier_id: c.cashier_id,
      reason: 'post-void at register', prior_refunds: found.reversals.refunds, already_post_voided: found.reversals.postVoid !== null, ...(approval ? { approval } : {}),
    }, this.refundCtx());
    if (!r.ok) throw refundError(r.error);
    this.journal.append('sale.post_voided', r.payload);
    await this.openDrawer();
    return { ok: true as const };
  }

  private async reprint(p: Params<'receipt.reprint'>) {
    this.session.require();
    let doc = this.lastReceipt?.doc;
    if (p.receipt_no) {
      const code = parseReceiptCode(p.receipt_no, this.cfg.terminal_id);
      const found = code ? this.journal.saleByReceipt(code.receipt_no) : null;
      if (!found) throw new RegisterError('NOT_FOUND', `no sale with receipt ${p.receipt_no.slice(0, 40)} on this register`);
      doc = receiptFor('copy', found.sale, this.receiptCtx(found.receipt_no));
    } else if (doc) doc = { ...doc, kind: 'copy' };
    if (!doc) throw new RegisterError('NOT_FOUND', 'no receipt to reprint yet');
    await this.devices.printReceipt(doc).catch((err) => {
      throw new RegisterError('DEVICE', `printer: ${errText(err)}`);
    });
    return { ok: true as const };
  }
}

/** The original sale as the return screen lists it: each line with what is left to return. */
function originalView(rec: SaleOnRecord, left: Map<string, Quantity>): SaleView {
  const sale = rec.sale;
  const m = (amount: number) => ({ amount, currency: sale.currency });
  return {
    sale_id: sale.sale_id, kind: 'sale', status: 'completed', receipt_no: rec.receipt_no, currency: sale.currency,
    lines: sale.lines.map((l) => {
      const q = left.get(l.line_id) ?? { units: 0, scale: 0 };
      return {
        line_id: l.line_id, sku: l.sku, name: l.description, quantity: q, unit: l.unit, unit_price: m(l.unit_price), extended: m(l.gross),
        discount: m(l.discounts.reduce((a, d) => a + d.amount, 0)), total: m(l.total), source: 'scan', voided: q.units === 0,
      };
    }),
    subtotal: m(sale.totals.subtotal), discount_total: m(sale.totals.discount_total), tax_total: m(sale.totals.tax_total), taxes: [],
    total: m(sale.totals.total), tenders: [], paid: m(sale.totals.total), due: m(0), change_due: m(0), original_receipt_no: null, committed_seq: null,
  };
}

function idleView(currency: string): SaleView {
  const m = (amount: number) => ({ amount, currency });
  return {
    sale_id: null, kind: 'sale', status: 'idle', receipt_no: null, currency, lines: [], subtotal: m(0), discount_total: m(0), tax_total: m(0),
    taxes: [], total: m(0), tenders: [], paid: m(0), due: m(0), change_due: m(0), original_receipt_no: null, committed_seq: null,
  };
}

function save(s: SavedTransaction): Record<string, unknown> {
  return s as unknown as Record<string, unknown>;
}

/** The transaction that was open when the register stopped, as it was. */
function restore(saved: Record<string, unknown> | null): OpenTransaction | null {
  if (!saved) return null;
  if (saved.engine && saved.extras) {
    // Saved by a register before the open-transaction union (a sale only).
    const sale = EngineSale.fromJson(saved);
    return sale ? { kind: 'sale', sale } : null;
  }
  if (typeof saved.state !== 'object' || saved.state === null) return null;
  const state = saved.state as Record<string, unknown>;
  if (saved.txn === 'sale') {
    const sale = EngineSale.fromJson(state);
    return sale ? { kind: 'sale', sale } : null;
  }
  if (saved.txn === 'return') {
    const draft = ReturnDraft.fromJson(state);
    return draft ? { kind: 'return', draft } : null;
  }
  return null;
}

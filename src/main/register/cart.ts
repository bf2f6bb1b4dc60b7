import { allocate, money, multiplyByQuantity, multiplyRatio, type Quantity } from '../../core/money';
import { computeTaxes, type TaxTable } from '../../core/tax';
import type { Discount, LineTax, SaleCompletedPayload, SaleRefundedPayload, TaxBreakdownRow, Tender } from '../../core/events';
import type { SaleLine as LineView, SaleView, TenderView } from '../../core/register-api';

// The open sale held by the main process. Plain JSON (saved to the journal's open-sale slot
// on every change so a crash loses nothing the cashier rang up). Pricing: unit price × quantity
// (half-up), line discounts, an order discount spread over lines, then taxes from the core tax
// engine; the result is exactly the shape of the sale.completed / sale.refunded payloads.

export const MAX_CART_LINES = 200;
export const MAX_CART_TENDERS = 10;

export type LineSource = LineView['source'];

export interface CartLine {
  line_id: string;
  sku: string;
  gtin?: string;
  description: string;
  category: string;
  tax_category: string;
  quantity: Quantity;
  unit: 'each' | 'kg';
  unit_price: number;
  price_source: 'price_book' | 'barcode' | 'override' | 'open';
  price_book_version: number;
  /** Price-embedded barcode: the label's amount is the line's gross. */
  fixed_gross?: number;
  line_discount?: { percent_bp?: number; amount?: number; reason?: string; approved_by?: string };
  source: LineSource;
  voided: boolean;
  price_changed?: { from: number; to: number };
  original_line_id?: string;
  /** Refund lines copy the original's amounts exactly. */
  frozen?: { gross: number; discounts: Discount[]; net: number; taxes: LineTax[]; total: number };
}

export interface CartTender {
  tender_id: string;
  kind: 'cash' | 'card' | 'gift';
  /** Applied to the sale (for cash: tendered − change). */
  amount: number;
  tendered?: number;
  change?: number;
  status: TenderView['status'];
  processor?: string;
  auth_code?: string;
  masked_pan?: string;
  card_brand?: string;
  terminal_ref?: string;
  gift_card_id?: string;
  message?: string;
}

export interface Cart {
  sale_id: string;
  kind: 'sale' | 'refund';
  status: 'open' | 'tendering' | 'completed' | 'voided';
  currency: string;
  shift_id: string;
  cashier_id: string;
  price_book_version: number;
  lines: CartLine[];
  order_discount?: { percent_bp?: number; amount?: number; reason?: string; approved_by?: string };
  tenders: CartTender[];
  original?: { sale_id: string; receipt_no: string; terminal_id: string };
  receipt_no: string | null;
  committed_seq: number | null;
  next_line: number;
}

export interface PricedLine {
  line: CartLine;
  gross: number;
  discounts: Discount[];
  net: number;
  taxes: LineTax[];
  total: number;
}

export interface Priced {
  lines: PricedLine[];
  subtotal: number;
  discount_total: number;
  tax_total: number;
  total: number;
  breakdown: TaxBreakdownRow[];
  paid: number;
  change: number;
}

export function newCart(init: { sale_id: string; currency: string; shift_id: string; cashier_id: string; price_book_version: number; kind?: 'sale' | 'refund' }): Cart {
  return { ...init, kind: init.kind ?? 'sale', status: 'open', lines: [], tenders: [], receipt_no: null, committed_seq: null, next_line: 1 };
}

function lineGross(l: CartLine, currency: string): number {
  if (l.fixed_gross !== undefined) return l.fixed_gross;
  return multiplyByQuantity(money(l.unit_price, currency), l.quantity, 'half-up').amount;
}

export function price(cart: Cart, table: TaxTable): Priced {
  const live = cart.lines.filter((l) => !l.voided);
  const pre = live.map((l) => {
    if (l.frozen) return { line: l, gross: l.frozen.gross, discounts: [...l.frozen.discounts] };
    const gross = lineGross(l, cart.currency);
    const discounts: Discount[] = [];
    const d = l.line_discount;
    if (d) {
      const amt = d.percent_bp !== undefined ? multiplyRatio(money(gross, cart.currency), d.percent_bp, 10_000, 'half-up').amount : Math.min(d.amount ?? 0, gross);
      if (amt > 0) discounts.push({ kind: 'line', amount: amt, ...(d.reason ? { reason: d.reason } : {}), ...(d.approved_by ? { approved_by: d.approved_by } : {}) });
    }
    return { line: l, gross, discounts };
  });
  // Order discount: spread over the (non-frozen) lines in proportion to what is left of each.
  const od = cart.order_discount;
  if (od && cart.kind === 'sale') {
    const open = pre.filter((p) => !p.line.frozen);
    const base = open.reduce((s, p) => s + p.gross - p.discounts.reduce((a, x) => a + x.amount, 0), 0);
    const amount = od.percent_bp !== undefined ? multiplyRatio(money(base, cart.currency), od.percent_bp, 10_000, 'half-up').amount : Math.min(od.amount ?? 0, base);
    if (amount > 0 && base > 0) {
      const weights = open.map((p) => p.gross - p.discounts.reduce((a, x) => a + x.amount, 0));
      const shares = allocate(money(amount, cart.currency), weights);
      open.forEach((p, i) => {
        const s = shares[i]!.amount;
        if (s > 0) p.discounts.push({ kind: 'order', amount: s, ...(od.reason ? { reason: od.reason } : {}), ...(od.approved_by ? { approved_by: od.approved_by } : {}) });
      });
    }
  }
  const nets = pre.map((p) => p.gross - p.discounts.reduce((a, x) => a + x.amount, 0));
  const taxed = computeTaxes(
    table,
    pre.filter((p) => !p.line.frozen).map((p) => ({ line_id: p.line.line_id, tax_category: p.line.tax_category, amount: nets[pre.indexOf(p)]! })),
  );
  const byId = new Map(taxed.lines.map((t) => [t.line_id, t]));
  const lines: PricedLine[] = pre.map((p, i) => {
    if (p.line.frozen) return { line: p.line, ...p.line.frozen };
    const t = byId.get(p.line.line_id)!;
    return { line: p.line, gross: p.gross, discounts: p.discounts, net: nets[i]!, taxes: t.taxes, total: nets[i]! + t.exclusive };
  });
  const allTaxes = lines.map((l) => l.taxes);
  const breakdown = summarize(allTaxes);
  const subtotal = lines.reduce((s, l) => s + l.gross, 0);
  const discount_total = lines.reduce((s, l) => s + l.discounts.reduce((a, x) => a + x.amount, 0), 0);
  const tax_total = breakdown.reduce((s, b) => s + b.amount, 0);
  const total = lines.reduce((s, l) => s + l.total, 0);
  const approved = cart.tenders.filter((x) => x.status === 'approved');
  const paid = approved.reduce((s, x) => s + x.amount, 0);
  const change = approved.reduce((s, x) => s + (x.change ?? 0), 0);
  return { lines, subtotal, discount_total, tax_total, total, breakdown, paid, change };
}

function summarize(lineTaxes: LineTax[][]): TaxBreakdownRow[] {
  const rows = new Map<string, TaxBreakdownRow>();
  for (const taxes of lineTaxes) {
    for (const t of taxes) {
      const key = `${t.code}|${t.jurisdiction}|${t.rate_ppm}|${t.inclusive}`;
      const row = rows.get(key) ?? { code: t.code, jurisdiction: t.jurisdiction, rate_ppm: t.rate_ppm, inclusive: t.inclusive, base: 0, amount: 0 };
      row.base += t.base;
      row.amount += t.amount;
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

export function toView(cart: Cart | null, table: TaxTable, currency: string, labels: (code: string) => string): SaleView {
  const m = (amount: number) => ({ amount, currency: cart?.currency ?? currency });
  if (!cart) {
    return {
      sale_id: null, kind: 'sale', status: 'idle', receipt_no: null, currency, lines: [], subtotal: m(0), discount_total: m(0), tax_total: m(0),
      taxes: [], total: m(0), tenders: [], paid: m(0), due: m(0), change_due: m(0), original_receipt_no: null, committed_seq: null,
    };
  }
  const p = price(cart, table);
  const priced = new Map(p.lines.map((l) => [l.line.line_id, l]));
  const lines: LineView[] = cart.lines.map((l) => {
    const q = priced.get(l.line_id);
    const gross = q?.gross ?? lineGross(l, cart.currency);
    const disc = q ? q.discounts.reduce((a, x) => a + x.amount, 0) : 0;
    const promo = q?.discounts.find((d) => d.kind === 'promotion');
    return {
      line_id: l.line_id,
      sku: l.sku,
      name: l.description,
      quantity: l.quantity,
      unit: l.unit,
      unit_price: m(l.unit_price),
      extended: m(gross),
      discount: m(disc),
      total: m(q?.total ?? gross),
      tax_code: q?.taxes[0]?.code,
      promotion: promo?.reason,
      source: l.source,
      voided: l.voided,
      price_changed: l.price_changed ? { from: m(l.price_changed.from), to: m(l.price_changed.to) } : undefined,
    };
  });
  return {
    sale_id: cart.sale_id,
    kind: cart.kind,
    status: cart.status,
    receipt_no: cart.receipt_no,
    currency: cart.currency,
    lines,
    subtotal: m(p.subtotal),
    discount_total: m(p.discount_total),
    tax_total: m(p.tax_total),
    taxes: p.breakdown.map((b) => ({ code: b.code, label: labels(b.code), rate_ppm: b.rate_ppm, base: m(b.base), amount: m(b.amount), included: b.inclusive })),
    total: m(p.total),
    tenders: cart.tenders.map((x) => ({
      tender_id: x.tender_id, kind: x.kind, amount: m(x.amount + (x.change ?? 0)), status: x.status,
      masked_pan: x.masked_pan, card_brand: x.card_brand, auth_code: x.auth_code, message: x.message,
    })),
    paid: m(p.paid + p.change),
    due: m(Math.max(0, p.total - p.paid)),
    change_due: m(p.change),
    original_receipt_no: cart.original?.receipt_no ?? null,
    committed_seq: cart.committed_seq,
  };
}

function tenderPayloads(cart: Cart): Tender[] {
  return cart.tenders
    .filter((x) => x.status === 'approved' && x.amount > 0)
    .map((x): Tender => {
      if (x.kind === 'cash') return { tender_id: x.tender_id, kind: 'cash', amount: x.amount, tendered: x.tendered ?? x.amount, change: x.change ?? 0 };
      if (x.kind === 'card') {
        return {
          tender_id: x.tender_id, kind: 'card', amount: x.amount, processor: x.processor ?? 'sim',
          ...(x.auth_code ? { auth_code: x.auth_code } : {}), ...(x.masked_pan ? { masked_pan: x.masked_pan } : {}),
          ...(x.card_brand ? { card_brand: x.card_brand } : {}), ...(x.terminal_ref ? { terminal_ref: x.terminal_ref } : {}),
        };
      }
      return { tender_id: x.tender_id, kind: 'gift_card', amount: x.amount, gift_card_id: x.gift_card_id ?? 'unknown' };
    });
}

function lineOut(p: PricedLine) {
  const l = p.line;
  return {
    line_id: l.line_id, sku: l.sku, ...(l.gtin ? { gtin: l.gtin } : {}), description: l.description, category: l.category, tax_category: l.tax_category,
    quantity: l.quantity, unit: l.unit, unit_price: l.unit_price, price_source: l.price_source, price_book_version: l.price_book_version,
    gross: p.gross, discounts: p.discounts, net: p.net, taxes: p.taxes, total: p.total,
  };
}

export function completedPayload(cart: Cart, table: TaxTable, ids: { store_id: string; terminal_id: string }, completedAt: string): SaleCompletedPayload {
  const p = price(cart, table);
  return {
    sale_id: cart.sale_id, store_id: ids.store_id, terminal_id: ids.terminal_id, shift_id: cart.shift_id, cashier_id: cart.cashier_id,
    currency: cart.currency, price_book_version: cart.price_book_version,
    lines: p.lines.map(lineOut),
    totals: { subtotal: p.subtotal, discount_total: p.discount_total, tax_total: p.tax_total, total: p.total, rounding: 0 },
    tax_breakdown: p.breakdown,
    tenders: tenderPayloads(cart),
    change_due: p.change,
    completed_at: completedAt,
  };
}

export function refundPayload(cart: Cart, table: TaxTable, ids: { store_id: string; terminal_id: string; refund_id: string }, refundedAt: string): SaleRefundedPayload {
  const p = price(cart, table);
  if (!cart.original) throw new Error('refund cart without an original sale');
  return {
    refund_id: ids.refund_id, original_sale_id: cart.original.sale_id,
    ...(cart.original.terminal_id !== ids.terminal_id ? { original_terminal_id: cart.original.terminal_id } : {}),
    store_id: ids.store_id, terminal_id: ids.terminal_id, shift_id: cart.shift_id, cashier_id: cart.cashier_id,
    reason: 'customer return', currency: cart.currency,
    lines: p.lines.map((l) => ({ ...lineOut(l), original_line_id: l.line.original_line_id! })),
    totals: { subtotal: p.subtotal, discount_total: p.discount_total, tax_total: p.tax_total, total: p.total, rounding: 0 },
    tax_breakdown: p.breakdown,
    tenders: tenderPayloads(cart).map((t) => (t.kind === 'cash' ? { tender_id: t.tender_id, kind: 'cash', amount: t.amount } : t)) as SaleRefundedPayload['tenders'],
    restock: true,
    refunded_at: refundedAt,
  };
}

import { saleCompletedSchema, type LineTax, type SaleCompletedPayload, type SaleLine, type SalePostVoidedPayload, type SaleRefundedPayload, type Tender } from '../../core/events/sale';
import { buildPostVoid, buildRefund, refundableQuantities } from '../../core/sale/refund';
import { computeTaxes, createTaxTable, summarizeTaxes, taxRatesFor, type TaxTable } from '../../core/tax/tax';
import type { Permission } from '../../core/sale/types';
import { ChannelRefusal, type ChannelCancel, type ChannelOrder, type ChannelRefund, type ChannelTax } from './model';

// From the channel model to journal payloads, with core doing every piece of arithmetic the
// register would: the sale is checked by core's schema (the same arithmetic rules a register's
// sale must pass), refunds are core's proportional refunds of the stored sale, a cancellation
// is core's post-void (or a refund of what is left when part was refunded already). Taxes
// are what the platform charged (that is what the customer paid and what is owed); core
// recomputes them from the store's tax table and every difference is flagged.

/** What building needs to know about the channel and its store. */
export interface BuildContext {
  channel_id: string;
  store_id: string;
  terminal_id: string;
  shift_id: string;
  currency: string;
  /** The store's tax table (stores.tax), or null when the store has none. */
  tax: TaxTable | null;
  sku_map: Record<string, string>;
  processor_map: Record<string, string>;
  default_processor: string | null;
  /** Catalog rows of the SKUs the order names (products.data). */
  products: Map<string, { name?: string; category?: string; tax_category?: string; unit?: string }>;
}

/** The SKU of a shipping line: moves no stock (stock: false), revenue category "shipping". */
export const SHIPPING_SKU = 'SHIPPING';
export const CHANNEL_CASHIER = 'channel';
const CHANNEL_ACTOR = { cashier_id: CHANNEL_CASHIER, permissions: ['sale.refund', 'sale.post_void'] as Permission[] };

export function taxTableOf(raw: unknown): TaxTable | null {
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { rates?: unknown }).rates)) return null;
  try {
    return createTaxTable(raw as never);
  } catch {
    return null;
  }
}

export const toUtc = (iso: string): string => new Date(Date.parse(iso)).toISOString();

/** Our SKU for a platform SKU: the channel's mapping first, else the same SKU. */
export function ourSku(ctx: Pick<BuildContext, 'sku_map'>, platformSku: string): string {
  return Object.prototype.hasOwnProperty.call(ctx.sku_map, platformSku) ? ctx.sku_map[platformSku]! : platformSku;
}

export function processorOf(ctx: BuildContext, gateway: string): string {
  const mapped = Object.prototype.hasOwnProperty.call(ctx.processor_map, gateway) ? ctx.processor_map[gateway] : undefined;
  const p = mapped ?? ctx.default_processor ?? gateway;
  return p.replace(/[^A-Za-z0-9._:/-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'unknown';
}

/** Payments as card tenders, the processor from the channel's gateway mapping. */
export function tendersOf(ctx: BuildContext, payments: ChannelOrder['payments']): Tender[] {
  return payments.map((p, i) => ({ tender_id: `P${i + 1}`, kind: 'card', amount: p.amount, processor: processorOf(ctx, p.gateway), terminal_ref: p.payment_ref }));
}

export interface BuiltSale {
  sale: SaleCompletedPayload;
  /** Differences between the platform's taxes and core's recomputation (flagged, not refused). */
  tax_differences: string[];
  /** Σ payments; the sale is booked once it equals the total. */
  paid: number;
}

interface LineTaxesResult {
  taxes: LineTax[];
  unmatched: string[];
}

/** The platform's line taxes as core line taxes, with code and jurisdiction from the store's rate of that percentage. */
function lineTaxes(ctx: BuildContext, taxCategory: string, net: number, inclusive: boolean, taxes: readonly ChannelTax[]): LineTaxesResult {
  const rates = ctx.tax ? taxRatesFor(ctx.tax, taxCategory) : [];
  const inclusiveSum = inclusive ? taxes.reduce((s, t) => s + t.amount, 0) : 0;
  const unmatched: string[] = [];
  const used = new Set<string>();
  const out = taxes
    .filter((t) => t.amount > 0 || t.rate_ppm > 0)
    .map((t): LineTax => {
      const rate = rates.find((r) => r.rate_ppm === t.rate_ppm && !used.has(r.code)) ?? null;
      if (rate) used.add(rate.code);
      else unmatched.push(`${t.title} at ${t.rate_ppm / 10_000}%`);
      return {
        code: rate?.code ?? `CHANNEL-${t.rate_ppm}`,
        jurisdiction: rate?.jurisdiction ?? 'UNMATCHED',
        rate_ppm: t.rate_ppm,
        inclusive,
        compound: false,
        base: net - inclusiveSum,
        amount: t.amount,
      };
    });
  return { taxes: out, unmatched };
}

/** Builds the sale.completed payload of an order (refused with a code when it cannot stand). */
export function buildSale(ctx: BuildContext, order: ChannelOrder, saleId: string): BuiltSale {
  if (order.currency !== ctx.currency) {
    throw new ChannelRefusal('CURRENCY_MISMATCH', `order ${order.order_ref} is in ${order.currency}; store ${ctx.store_id} keeps its books in ${ctx.currency}`);
  }
  const lines: SaleLine[] = [];
  const differences: string[] = [];
  const recompute: Array<{ line_id: string; tax_category: string; amount: number; charged: number }> = [];
  const refs = new Set<string>();
  order.lines.forEach((l, i) => {
    if (refs.has(l.line_ref)) throw new ChannelRefusal('INVALID_ORDER', `line ${l.line_ref} appears twice`);
    refs.add(l.line_ref);
    const sku = ourSku(ctx, l.sku);
    const product = ctx.products.get(sku);
    if (!product) throw new ChannelRefusal('UNKNOWN_SKU', `line ${l.line_ref}: SKU ${JSON.stringify(l.sku)} is not in the catalog${sku !== l.sku ? ` (mapped to ${sku})` : ''}; add it or map it in the channel's sku_map`);
    const gross = l.unit_price * l.quantity;
    const disc = l.discounts.reduce((s, d) => s + d.amount, 0);
    if (disc > gross) throw new ChannelRefusal('INVALID_ORDER', `line ${l.line_ref}: discounts ${disc} exceed the line's price ${gross}`);
    const net = gross - disc;
    const taxCategory = product.tax_category ?? 'general';
    const { taxes, unmatched } = lineTaxes(ctx, taxCategory, net, order.taxes_included, l.taxes);
    for (const u of unmatched) differences.push(`line ${l.line_ref} (${sku}): ${u} matches no rate of the store's tax table for tax category ${taxCategory}`);
    const exclusive = order.taxes_included ? 0 : taxes.reduce((s, t) => s + t.amount, 0);
    const line: SaleLine = {
      line_id: `L${i + 1}`,
      sku,
      description: (l.description ?? product.name ?? sku).slice(0, 120),
      category: product.category ?? 'general',
      tax_category: taxCategory,
      quantity: { units: l.quantity, scale: 0 },
      unit: 'each',
      unit_price: l.unit_price,
      price_source: 'override',
      gross,
      discounts: l.discounts.map((d) => ({ kind: 'order' as const, amount: d.amount, ...(d.reason ? { reason: d.reason.slice(0, 200) } : {}) })),
      net,
      taxes,
      total: net + exclusive,
    };
    lines.push(line);
    recompute.push({ line_id: line.line_id, tax_category: taxCategory, amount: net, charged: taxes.reduce((s, t) => s + t.amount, 0) });
  });
  order.shipping.forEach((s, i) => {
    const disc = s.discounts.reduce((a, d) => a + d.amount, 0);
    if (disc > s.amount) throw new ChannelRefusal('INVALID_ORDER', `shipping ${s.line_ref}: discounts ${disc} exceed its price ${s.amount}`);
    const net = s.amount - disc;
    if (s.amount === 0 && s.taxes.every((t) => t.amount === 0)) return; // free shipping books nothing
    const { taxes, unmatched } = lineTaxes(ctx, 'shipping', net, order.taxes_included, s.taxes);
    for (const u of unmatched) differences.push(`shipping ${s.line_ref}: ${u} matches no rate of the store's tax table for tax category shipping`);
    const exclusive = order.taxes_included ? 0 : taxes.reduce((a, t) => a + t.amount, 0);
    lines.push({
      line_id: `S${i + 1}`,
      sku: SHIPPING_SKU,
      description: s.title.slice(0, 120),
      category: 'shipping',
      tax_category: 'shipping',
      quantity: { units: 1, scale: 0 },
      unit: 'each',
      unit_price: s.amount,
      price_source: 'override',
      gross: s.amount,
      discounts: s.discounts.map((d) => ({ kind: 'order' as const, amount: d.amount, ...(d.reason ? { reason: d.reason.slice(0, 200) } : {}) })),
      net,
      taxes,
      total: net + exclusive,
      stock: false,
    });
  });
  // Core's own taxes for the same lines, from the store's table: a difference is flagged.
  if (ctx.tax) {
    const mine = computeTaxes(ctx.tax, recompute.map((r) => ({ line_id: r.line_id, tax_category: r.tax_category, amount: r.amount })));
    mine.lines.forEach((m, i) => {
      const ours = m.taxes.reduce((s, t) => s + t.amount, 0);
      const r = recompute[i]!;
      if (ours !== r.charged) differences.push(`line ${r.line_id}: the platform charged ${r.charged} tax, the store's tax table gives ${ours}`);
    });
  } else if (recompute.some((r) => r.charged > 0)) {
    differences.push(`store ${ctx.store_id} has no tax table: taxes as charged by the platform`);
  }
  const sums = summarizeTaxes(lines.map((l) => l.taxes), ctx.tax ?? undefined);
  const total = lines.reduce((s, l) => s + l.total, 0);
  if (total !== order.total) {
    throw new ChannelRefusal('TOTAL_MISMATCH', `order ${order.order_ref}: the lines, shipping and taxes add up to ${total}, the platform says ${order.total}`);
  }
  const paid = order.payments.reduce((s, p) => s + p.amount, 0);
  if (paid > total) throw new ChannelRefusal('OVERPAID', `order ${order.order_ref}: payments ${paid} exceed its total ${total}`);
  const tenders = tendersOf(ctx, order.payments);
  const sale: SaleCompletedPayload = {
    sale_id: saleId,
    store_id: ctx.store_id,
    terminal_id: ctx.terminal_id,
    shift_id: ctx.shift_id,
    cashier_id: CHANNEL_CASHIER,
    currency: ctx.currency,
    price_book_version: 0,
    lines,
    totals: {
      subtotal: lines.reduce((s, l) => s + l.gross, 0),
      discount_total: lines.reduce((s, l) => s + l.discounts.reduce((a, d) => a + d.amount, 0), 0),
      tax_total: sums.tax_total,
      total,
      rounding: 0,
    },
    tax_breakdown: sums.breakdown,
    tenders,
    change_due: 0,
    completed_at: toUtc(order.placed_at),
  };
  return { sale, tax_differences: differences, paid };
}

/** The sale with its payments as tenders, checked by core's schema as the hub's ingest will. */
export function checkedSale(sale: SaleCompletedPayload): SaleCompletedPayload {
  const r = saleCompletedSchema.safeParse(sale);
  if (!r.success) {
    throw new ChannelRefusal('INVALID_ORDER', `the order does not make a valid sale: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return sale;
}

export interface BuildRefundInput {
  ctx: BuildContext;
  order: ChannelOrder;
  sale: SaleCompletedPayload;
  prior: readonly SaleRefundedPayload[];
  refund: ChannelRefund;
  refundId: string;
}

/** core's proportional refund of the stored sale for the platform's refund lines. */
export function buildChannelRefund(x: BuildRefundInput): { payload: SaleRefundedPayload; differences: string[] } {
  const lineIdOf = new Map(x.order.lines.map((l, i) => [l.line_ref, `L${i + 1}`]));
  const lines: Array<{ original_line_id: string; quantity: { units: number; scale: number }; restock?: boolean }> = [];
  for (const rl of x.refund.lines) {
    const id = lineIdOf.get(rl.line_ref);
    if (!id) throw new ChannelRefusal('UNKNOWN_LINE', `refund ${x.refund.refund_ref}: order ${x.order.order_ref} has no line ${rl.line_ref}`);
    lines.push({ original_line_id: id, quantity: { units: rl.quantity, scale: 0 }, restock: rl.restock });
  }
  if (x.refund.shipping) {
    const left = refundableQuantities(x.sale, x.prior);
    for (const l of x.sale.lines) if (l.stock === false && (left.get(l.line_id)?.units ?? 0) > 0) lines.push({ original_line_id: l.line_id, quantity: { units: 1, scale: 0 }, restock: false });
  }
  if (lines.length === 0) throw new ChannelRefusal('NOTHING_TO_REFUND', `refund ${x.refund.refund_ref} names no line and no shipping`);
  const r = buildRefund(
    x.sale,
    x.prior,
    {
      refund_id: x.refundId,
      store_id: x.ctx.store_id,
      terminal_id: x.ctx.terminal_id,
      shift_id: x.ctx.shift_id,
      cashier_id: CHANNEL_CASHIER,
      reason: x.refund.reason,
      lines,
      refund_to: 'original',
      restock: true,
    },
    { actor: CHANNEL_ACTOR, now: toUtc(x.refund.refunded_at) },
  );
  if (!r.ok) throw new ChannelRefusal(r.error.code, `refund ${x.refund.refund_ref}: ${r.error.message}`);
  const differences: string[] = [];
  if (x.refund.amount !== undefined && x.refund.amount !== r.payload.totals.total) {
    const slack = lines.length;
    const diff = Math.abs(x.refund.amount - r.payload.totals.total);
    if (diff > slack) {
      throw new ChannelRefusal('REFUND_MISMATCH', `refund ${x.refund.refund_ref}: the platform refunded ${x.refund.amount}, the proportional refund of those lines is ${r.payload.totals.total}`);
    }
    differences.push(`refund ${x.refund.refund_ref}: the platform refunded ${x.refund.amount}, booked ${r.payload.totals.total} (proportional shares of the sale)`);
  }
  return { payload: r.payload, differences };
}

/** A cancellation: core's post-void of the sale, or a refund of what is left once part was refunded. */
export function buildCancellation(
  ctx: BuildContext,
  sale: SaleCompletedPayload,
  prior: readonly SaleRefundedPayload[],
  cancel: ChannelCancel,
  id: string,
): { type: 'sale.post_voided'; payload: SalePostVoidedPayload } | { type: 'sale.refunded'; payload: SaleRefundedPayload } | null {
  const now = toUtc(cancel.cancelled_at);
  if (prior.length === 0) {
    const r = buildPostVoid(
      sale,
      { post_void_id: id, store_id: ctx.store_id, terminal_id: ctx.terminal_id, shift_id: ctx.shift_id, cashier_id: CHANNEL_CASHIER, reason: cancel.reason, prior_refunds: [] },
      { actor: CHANNEL_ACTOR, now },
    );
    if (!r.ok) throw new ChannelRefusal(r.error.code, `cancellation of ${cancel.order_ref}: ${r.error.message}`);
    return { type: 'sale.post_voided', payload: r.payload };
  }
  const left = refundableQuantities(sale, prior);
  const lines = [...left].filter(([, q]) => q.units > 0).map(([id2, q]) => ({ original_line_id: id2, quantity: q }));
  if (lines.length === 0) return null;
  const r = buildRefund(
    sale,
    prior,
    { refund_id: id, store_id: ctx.store_id, terminal_id: ctx.terminal_id, shift_id: ctx.shift_id, cashier_id: CHANNEL_CASHIER, reason: cancel.reason, lines, refund_to: 'original', restock: true },
    { actor: CHANNEL_ACTOR, now },
  );
  if (!r.ok) throw new ChannelRefusal(r.error.code, `cancellation of ${cancel.order_ref}: ${r.error.message}`);
  return { type: 'sale.refunded', payload: r.payload };
}

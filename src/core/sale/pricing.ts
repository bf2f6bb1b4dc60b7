import { activePromotions } from '../catalog/price-book';
import type { Discount, SaleLine, SaleTotals, TaxBreakdownRow } from '../events/sale';
import { allocate, money, multiplyByQuantity } from '../money/money';
import { divRound } from '../money/rounding';
import { computeTaxes } from '../tax/tax';
import { applyPromotions, type PromoLine } from './promotions';
import type { CartLine, DiscountSpec, SaleContext, SaleState } from './types';

// Prices the open cart: gross → price override → promotions → line discount → order
// discount (spread over the lines by their remaining price) → taxes → totals. Pure and
// recomputed after every command, so there is one source of truth for the screen, the
// receipt and the journal event.

export interface PricedSale {
  /** Lines in the shape of the sale.completed event (voided lines left out). */
  lines: SaleLine[];
  totals: SaleTotals;
  tax_breakdown: TaxBreakdownRow[];
  /** Σ tenders. */
  paid: number;
  /** totals.total − paid (before cash rounding; ≥ 0 while open). */
  due: number;
  /** Σ cash change. */
  change_due: number;
}

export function lineGross(l: Pick<CartLine, 'unit_price' | 'quantity'>, currency: string): number {
  return multiplyByQuantity(money(l.unit_price, currency), l.quantity, 'half-up').amount;
}

/** Unit price the customer is charged before discounts (an override above the book price replaces it). */
export function effectiveUnitPrice(l: CartLine): number {
  return l.override ? l.override.unit_price : l.unit_price;
}

/** Amount a discount spec takes off `base`, clamped to base. */
export function discountAmount(spec: DiscountSpec, base: number): number {
  const raw = spec.amount !== undefined ? spec.amount : Number(divRound(BigInt(base) * BigInt(spec.percent_bp ?? 0), 10_000n, 'half-up'));
  return Math.max(0, Math.min(raw, base));
}

function wholeUnits(l: CartLine): number {
  return l.unit === 'each' ? Math.floor(l.quantity.units / 10 ** l.quantity.scale) : 0;
}

export function priceSale(state: SaleState, ctx: SaleContext): PricedSale {
  const cur = state.currency;
  const live = state.lines.filter((l) => !l.voided);

  // 1. gross and price override
  const rows = live.map((l) => {
    const overrideHigher = l.override !== undefined && l.override.unit_price > l.unit_price;
    const unit_price = overrideHigher ? l.override!.unit_price : l.unit_price;
    const gross = lineGross({ unit_price, quantity: l.quantity }, cur);
    const discounts: Discount[] = [];
    if (l.override && !overrideHigher) {
      const charged = lineGross({ unit_price: l.override.unit_price, quantity: l.quantity }, cur);
      if (gross - charged > 0) {
        const d: Discount = { kind: 'override', amount: gross - charged, reason: l.override.reason };
        if (l.override.approved_by) d.approved_by = l.override.approved_by;
        discounts.push(d);
      }
    }
    return { l, unit_price, gross, discounts };
  });
  const remainingOf = (r: (typeof rows)[number]): number => r.gross - r.discounts.reduce((s, d) => s + d.amount, 0);

  // 2. promotions on the price after override
  const promoLines: PromoLine[] = rows.map((r) => ({
    line_id: r.l.line_id,
    sku: r.l.sku,
    category: r.l.category,
    unit: r.l.unit,
    units: wholeUnits(r.l),
    unit_price: effectiveUnitPrice(r.l),
    price: remainingOf(r),
  }));
  // Gift card lines (value sold onto a card) take no promotion, discount or tax.
  const valueLine = (r: (typeof rows)[number]) => r.l.gift_card_id !== undefined;
  const promos = applyPromotions(promoLines.filter((_, i) => !valueLine(rows[i]!)), activePromotions(ctx.book, ctx.now), cur);
  for (const r of rows) {
    for (const d of promos.get(r.l.line_id) ?? []) {
      const amount = Math.min(d.amount, remainingOf(r));
      if (amount > 0) r.discounts.push({ ...d, amount });
    }
  }

  // 3. the cashier's line discount
  for (const r of rows) {
    const spec = r.l.discount;
    if (!spec || valueLine(r)) continue;
    const amount = discountAmount(spec, remainingOf(r));
    if (amount > 0) {
      const d: Discount = { kind: 'line', amount };
      if (spec.reason) d.reason = spec.reason;
      if (spec.approved_by) d.approved_by = spec.approved_by;
      r.discounts.push(d);
    }
  }

  // 4. order discount, spread by remaining price so each revenue category carries its share
  if (state.order_discount && rows.length > 0) {
    const weights = rows.map((r) => (valueLine(r) ? 0 : remainingOf(r)));
    const base = weights.reduce((a, b) => a + b, 0);
    const total = discountAmount(state.order_discount, base);
    if (total > 0 && base > 0) {
      const shares = allocate(money(total, cur), weights);
      rows.forEach((r, i) => {
        const amount = shares[i]!.amount;
        if (amount <= 0) return;
        const d: Discount = { kind: 'order', amount };
        if (state.order_discount!.reason) d.reason = state.order_discount!.reason;
        if (state.order_discount!.approved_by) d.approved_by = state.order_discount!.approved_by;
        r.discounts.push(d);
      });
    }
  }

  // 5. taxes on the net prices
  const taxed = rows.filter((r) => !valueLine(r));
  const taxes = computeTaxes(
    ctx.taxes,
    taxed.map((r) => ({ line_id: r.l.line_id, tax_category: r.l.tax_category, amount: remainingOf(r) })),
    state.tax_exemption,
  );
  const taxOf = new Map(taxed.map((r, i) => [r.l.line_id, taxes.lines[i]!]));

  const lines: SaleLine[] = rows.map((r) => {
    const t = taxOf.get(r.l.line_id) ?? { taxes: [], exclusive: 0 };
    const net = remainingOf(r);
    const line: SaleLine = {
      line_id: r.l.line_id,
      sku: r.l.sku,
      description: r.l.description,
      category: r.l.category,
      tax_category: r.l.tax_category,
      quantity: { units: r.l.quantity.units, scale: r.l.quantity.scale },
      unit: r.l.unit,
      unit_price: r.unit_price,
      price_source: r.l.override && r.l.override.unit_price > r.l.unit_price ? 'override' : r.l.price_source,
      price_book_version: r.l.price_book_version,
      gross: r.gross,
      discounts: r.discounts,
      net,
      taxes: t.taxes,
      total: net + t.exclusive,
    };
    if (r.l.gtin) line.gtin = r.l.gtin;
    if (r.l.gift_card_id !== undefined) line.gift_card_id = r.l.gift_card_id;
    return line;
  });

  const subtotal = lines.reduce((s, l) => s + l.gross, 0);
  const discount_total = lines.reduce((s, l) => s + l.discounts.reduce((a, d) => a + d.amount, 0), 0);
  const linesTotal = lines.reduce((s, l) => s + l.total, 0);
  const total = linesTotal + state.rounding;
  const paid = state.tenders.reduce((s, t) => s + t.amount, 0);
  const change_due = state.tenders.reduce((s, t) => s + (t.kind === 'cash' ? (t.change ?? 0) : 0), 0);
  return {
    lines,
    totals: { subtotal, discount_total, tax_total: taxes.tax_total, total, rounding: state.rounding },
    tax_breakdown: taxes.breakdown,
    paid,
    due: total - paid,
    change_due,
  };
}

import { idSchema, uuidSchema } from '../events/common';
import {
  saleRefundedSchema,
  salePostVoidedSchema,
  type Discount,
  type LineTax,
  type RefundLine,
  type RefundTender,
  type SaleCompletedPayload,
  type SalePostVoidedPayload,
  type SaleRefundedPayload,
} from '../events/sale';
import { fromScaledUnits, isWholeQuantity, MAX_QUANTITY_SCALE, quantityToString, toScaledUnits, type Quantity } from '../money/quantity';
import { divRound } from '../money/rounding';
import { summarizeTaxes } from '../tax/tax';
import { authorize } from './engine';
import type { Approval, SaleContext, SaleError, SaleErrorCode, SalePolicy } from './types';

// Returns and post-voids of a completed sale. Both are pure functions of the original
// sale.completed payload (plus earlier refunds of it), producing the journal payload.
//
// A partial refund takes a proportional share of every amount of the original line (gross,
// each discount, each tax), computed cumulatively: after refunding c of n units, the total
// refunded of an amount X is round(X·c/n). So the last refund takes exactly what is left,
// and the refunds of a line never add up to more than was sold.

export type RefundResult<T> = { ok: true; payload: T } | { ok: false; error: SaleError };
const no = <T>(code: SaleErrorCode, message: string, extra: Partial<SaleError> = {}): RefundResult<T> => ({ ok: false, error: { code, message, ...extra } });

/** Context for refund and post-void: who does it, with which policy (for permissions). */
export type RefundContext = Pick<SaleContext, 'actor' | 'now'> & { policy?: Pick<SalePolicy, 'max_refund_without_approval'> };

function discountKey(d: Discount): string {
  return `${d.kind}|${d.promotion_id ?? ''}|${d.reason ?? ''}|${d.approved_by ?? ''}`;
}

interface PriorLine {
  quantity: bigint; // micro-units (toScaledUnits)
  net: number;
  discounts: Map<string, number>;
  taxes: Map<string, { base: number; amount: number }>;
}

function priorByLine(original: SaleCompletedPayload, prior: readonly SaleRefundedPayload[]): Map<string, PriorLine> {
  const m = new Map<string, PriorLine>();
  for (const l of original.lines) m.set(l.line_id, { quantity: 0n, net: 0, discounts: new Map(), taxes: new Map() });
  for (const r of prior) {
    if (r.original_sale_id !== original.sale_id) continue;
    for (const rl of r.lines) {
      const p = m.get(rl.original_line_id);
      if (!p) continue;
      p.quantity += toScaledUnits(rl.quantity);
      p.net += rl.net;
      for (const d of rl.discounts) p.discounts.set(discountKey(d), (p.discounts.get(discountKey(d)) ?? 0) + d.amount);
      for (const t of rl.taxes) {
        const k = `${t.code}|${t.jurisdiction}`;
        const acc = p.taxes.get(k) ?? { base: 0, amount: 0 };
        acc.base += t.base;
        acc.amount += t.amount;
        p.taxes.set(k, acc);
      }
    }
  }
  return m;
}

/** Quantity of each original line that can still be refunded. */
export function refundableQuantities(original: SaleCompletedPayload, prior: readonly SaleRefundedPayload[]): Map<string, Quantity> {
  const pl = priorByLine(original, prior);
  const out = new Map<string, Quantity>();
  for (const l of original.lines) {
    const left = toScaledUnits(l.quantity) - pl.get(l.line_id)!.quantity;
    out.set(l.line_id, fromScaledUnits(left > 0n ? left : 0n));
  }
  return out;
}

export interface RefundRequest {
  refund_id: string;
  store_id: string;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  reason: string;
  /** `restock` per line overrides the request's `restock` (e.g. one item damaged). */
  lines: ReadonlyArray<{ original_line_id: string; quantity: Quantity; restock?: boolean }>;
  /** 'original': back to the original card/gift tenders (up to what each paid), the rest in cash; 'cash': all in cash. */
  refund_to: 'original' | 'cash';
  /** Goods go back to sellable stock (default true). */
  restock?: boolean;
  approval?: Approval;
  /** Set when the original sale was post-voided (nothing left to refund). */
  original_post_voided?: boolean;
}

/**
 * Builds the sale.refunded payload. `prior` are earlier refunds of the same sale (any
 * terminal). Card refund tenders copy processor, masked PAN, brand and terminal reference of
 * the original tender; the register adds the auth code the terminal returns before journalling.
 */
export function buildRefund(
  original: SaleCompletedPayload,
  prior: readonly SaleRefundedPayload[],
  req: RefundRequest,
  ctx: RefundContext,
): RefundResult<SaleRefundedPayload> {
  if (req.original_post_voided) return no('ALREADY_POST_VOIDED', `sale ${original.sale_id} was post-voided; nothing to refund`);
  if (!uuidSchema.safeParse(req.refund_id).success) return no('INVALID_EVENT', 'refund_id must be a UUID');
  if (!req.reason || req.reason.length > 200) return no('NOT_REFUNDABLE', 'a refund needs a reason (at most 200 characters)');
  if (req.lines.length === 0) return no('NOT_REFUNDABLE', 'choose at least one line to refund');
  const pl = priorByLine(original, prior);
  const seen = new Set<string>();
  const lines: RefundLine[] = [];
  for (const rq of req.lines) {
    const ol = original.lines.find((l) => l.line_id === rq.original_line_id);
    if (!ol) return no('UNKNOWN_LINE', `sale ${original.sale_id} has no line ${rq.original_line_id}`, { line_id: rq.original_line_id });
    if (seen.has(ol.line_id)) return no('NOT_REFUNDABLE', `line ${ol.line_id} is listed twice`, { line_id: ol.line_id });
    seen.add(ol.line_id);
    const q = rq.quantity;
    if (!Number.isSafeInteger(q.units) || !Number.isInteger(q.scale) || q.scale < 0 || q.scale > MAX_QUANTITY_SCALE || q.units <= 0) {
      return no('BAD_QUANTITY', `refund quantity for line ${ol.line_id} must be greater than zero`, { line_id: ol.line_id });
    }
    if (ol.unit === 'each' && !isWholeQuantity(q)) return no('BAD_QUANTITY', `line ${ol.line_id} is sold by the piece: refund whole units`, { line_id: ol.line_id });
    const p = pl.get(ol.line_id)!;
    const sold = toScaledUnits(ol.quantity);
    const after = p.quantity + toScaledUnits(q);
    if (after > sold) {
      return no('REFUND_EXCEEDS_SOLD', `line ${ol.line_id} (${ol.description}): only ${quantityToString(fromScaledUnits(sold - p.quantity))} left to refund`, { line_id: ol.line_id });
    }
    // Cumulative share of X after this refund, minus what earlier refunds took, within [0, X − taken].
    const share = (x: number, taken: number): number => {
      const cum = Number(divRound(BigInt(x) * after, sold, 'half-up'));
      return Math.max(0, Math.min(cum - taken, x - taken));
    };
    const discounts: Discount[] = [];
    const groups = new Map<string, Discount>();
    for (const d of ol.discounts) {
      const k = discountKey(d);
      const g = groups.get(k);
      if (g) g.amount += d.amount;
      else groups.set(k, { ...d });
    }
    for (const [k, d] of groups) {
      const amount = share(d.amount, p.discounts.get(k) ?? 0);
      if (amount > 0) discounts.push({ ...d, amount });
    }
    const net = share(ol.net, p.net);
    const taxes: LineTax[] = ol.taxes.map((t) => {
      const k = `${t.code}|${t.jurisdiction}`;
      const taken = p.taxes.get(k) ?? { base: 0, amount: 0 };
      return { ...t, base: share(t.base, taken.base), amount: share(t.amount, taken.amount) };
    });
    const discountSum = discounts.reduce((s, d) => s + d.amount, 0);
    const exclusive = taxes.reduce((s, t) => s + (t.inclusive ? 0 : t.amount), 0);
    const line: RefundLine = {
      line_id: `R${lines.length + 1}`,
      original_line_id: ol.line_id,
      sku: ol.sku,
      description: ol.description,
      category: ol.category,
      tax_category: ol.tax_category,
      quantity: fromScaledUnits(toScaledUnits(q)),
      unit: ol.unit,
      unit_price: ol.unit_price,
      gross: net + discountSum,
      discounts,
      net,
      taxes,
      total: net + exclusive,
    };
    if (ol.gtin) line.gtin = ol.gtin;
    if (ol.price_source) line.price_source = ol.price_source;
    if (ol.stock === false) line.stock = false;
    if (rq.restock !== undefined) line.restock = rq.restock;
    lines.push(line);
  }

  const sums = summarizeTaxes(lines.map((l) => l.taxes));
  const total = lines.reduce((s, l) => s + l.total, 0);
  const limit = ctx.policy?.max_refund_without_approval;
  const auth = authorize(ctx.actor, req.approval, 'sale.refund', limit !== undefined && total > limit, `a refund of ${total}`);
  if (!auth.ok) return { ok: false, error: auth.error };
  const tenders = planRefundTenders(original, prior, total, req.refund_to);
  const payload: SaleRefundedPayload = {
    refund_id: req.refund_id,
    original_sale_id: original.sale_id,
    store_id: req.store_id,
    terminal_id: req.terminal_id,
    shift_id: req.shift_id,
    cashier_id: req.cashier_id,
    reason: req.reason,
    currency: original.currency,
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
    restock: req.restock ?? true,
    refunded_at: ctx.now,
  };
  if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
  if (original.terminal_id !== req.terminal_id) payload.original_terminal_id = original.terminal_id;
  const reversed = pointsReversed(original, prior, lines);
  if (original.loyalty && reversed > 0) payload.loyalty = { customer_id: original.loyalty.customer_id, point_value: original.loyalty.point_value, points_reversed: reversed };
  const check = saleRefundedSchema.safeParse(payload);
  if (!check.success) {
    return no('INVALID_EVENT', `refund does not pass its schema: ${check.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ok: true, payload };
}

/**
 * The points a refund takes back (docs/loyalty.md): the share of what the sale earned that the
 * returned eligible net (gift card lines earn nothing) is of the sale's, cumulative over its
 * refunds so they add up exactly to what was earned once everything is returned, never more.
 */
export function pointsReversed(original: SaleCompletedPayload, prior: readonly SaleRefundedPayload[], lines: readonly RefundLine[]): number {
  const earned = original.loyalty?.points_earned ?? 0;
  if (earned <= 0) return 0;
  const eligible = new Set(original.lines.filter((l) => l.gift_card_id === undefined && l.net > 0).map((l) => l.line_id));
  const base = original.lines.reduce((s, l) => s + (eligible.has(l.line_id) ? l.net : 0), 0);
  if (base <= 0) return 0;
  const netOf = (ls: readonly RefundLine[]) => ls.reduce((s, l) => s + (eligible.has(l.original_line_id) ? l.net : 0), 0);
  const before = prior.reduce((s, r) => s + netOf(r.lines), 0);
  const taken = prior.reduce((s, r) => s + (r.loyalty?.points_reversed ?? 0), 0);
  const cum = Math.min(earned, Number(divRound(BigInt(earned) * BigInt(before + netOf(lines)), BigInt(base), 'half-up')));
  return Math.max(0, Math.min(cum - taken, earned - taken));
}

/**
 * Splits a refund total over tenders. 'original': card and gift card tenders first (each up to
 * what it paid minus what earlier refunds sent back to it), then cash for the rest.
 */
export function planRefundTenders(original: SaleCompletedPayload, prior: readonly SaleRefundedPayload[], total: number, to: 'original' | 'cash'): RefundTender[] {
  const out: RefundTender[] = [];
  let left = total;
  if (to === 'original') {
    const back = new Map<string, number>();
    for (const r of prior) for (const t of r.tenders) if (t.original_tender_id) back.set(t.original_tender_id, (back.get(t.original_tender_id) ?? 0) + t.amount);
    const order = [...original.tenders.filter((t) => t.kind !== 'cash'), ...original.tenders.filter((t) => t.kind === 'cash')];
    for (const t of order) {
      if (left <= 0) break;
      const room = t.amount - (back.get(t.tender_id) ?? 0);
      const amount = Math.min(room, left);
      if (amount <= 0) continue;
      const tender_id = `RT${out.length + 1}`;
      if (t.kind === 'card') {
        const rt: RefundTender = { tender_id, kind: 'card', amount, processor: t.processor, original_tender_id: t.tender_id };
        if (t.masked_pan) rt.masked_pan = t.masked_pan;
        if (t.card_brand) rt.card_brand = t.card_brand;
        if (t.terminal_ref) rt.terminal_ref = t.terminal_ref;
        out.push(rt);
      } else if (t.kind === 'gift_card') {
        out.push({ tender_id, kind: 'gift_card', amount, gift_card_id: t.gift_card_id, original_tender_id: t.tender_id });
      } else {
        out.push({ tender_id, kind: 'cash', amount, original_tender_id: t.tender_id });
      }
      left -= amount;
    }
  }
  if (left > 0) out.push({ tender_id: `RT${out.length + 1}`, kind: 'cash', amount: left });
  return out;
}

export interface PostVoidRequest {
  post_void_id: string;
  store_id: string;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  reason: string;
  approval?: Approval;
  /** Earlier refunds of the sale: a sale with refunds cannot be post-voided (refund the rest instead). */
  prior_refunds: readonly SaleRefundedPayload[];
  already_post_voided?: boolean;
}

/** Builds the sale.post_voided payload, carrying the whole original so reversal needs nothing else. */
export function buildPostVoid(original: SaleCompletedPayload, req: PostVoidRequest, ctx: RefundContext): RefundResult<SalePostVoidedPayload> {
  if (req.already_post_voided) return no('ALREADY_POST_VOIDED', `sale ${original.sale_id} is already post-voided`);
  if (req.prior_refunds.some((r) => r.original_sale_id === original.sale_id)) {
    return no('HAS_REFUNDS', `sale ${original.sale_id} has refunds; refund the remaining items instead of post-voiding`);
  }
  if (!uuidSchema.safeParse(req.post_void_id).success) return no('INVALID_EVENT', 'post_void_id must be a UUID');
  if (!req.reason || req.reason.length > 200) return no('NOT_REFUNDABLE', 'a post-void needs a reason (at most 200 characters)');
  if (!idSchema.safeParse(req.cashier_id).success) return no('INVALID_EVENT', 'cashier_id is not a valid id');
  const auth = authorize(ctx.actor, req.approval, 'sale.post_void', false, 'a post-void');
  if (!auth.ok) return { ok: false, error: auth.error };
  const payload: SalePostVoidedPayload = {
    post_void_id: req.post_void_id,
    sale_id: original.sale_id,
    store_id: req.store_id,
    terminal_id: req.terminal_id,
    shift_id: req.shift_id,
    cashier_id: req.cashier_id,
    reason: req.reason,
    original,
    voided_at: ctx.now,
  };
  if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
  const check = salePostVoidedSchema.safeParse(payload);
  if (!check.success) return no('INVALID_EVENT', `post-void does not pass its schema: ${check.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ok: true, payload };
}

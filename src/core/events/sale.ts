import { z } from 'zod';
import { MAX_QUANTITY_SCALE } from '../money/quantity';
import {
  MAX_DISCOUNTS_PER_LINE,
  MAX_LINES_PER_SALE,
  MAX_TAXES_PER_LINE,
  MAX_TENDERS_PER_SALE,
  currencySchema,
  gtinSchema,
  idSchema,
  isoTimeSchema,
  minorSchema,
  nonNegMinorSchema,
  posMinorSchema,
  positiveQuantitySchema,
  ratePpmSchema,
  reasonSchema,
  shortTextSchema,
  skuSchema,
  storeIdSchema,
  terminalIdSchema,
  unitSchema,
  uuidSchema,
} from './common';

// Payloads of the sale journal events. A payload is self-contained: the hub posts the ledger
// and stock from the event alone, without looking anything up, so that replaying the
// journal always gives the same books.
//
// Sign convention: every amount in a sale, refund or post-void payload is ≥ 0 (what was
// sold, what was given back); the event type says which direction it goes.
//
// Arithmetic a valid payload satisfies (checked by the schemas below, see checkLines):
//   line.gross  = unit_price × quantity, rounded (within one minor unit)
//   line.net    = line.gross − Σ line.discounts[].amount               (≥ 0)
//   line.total  = line.net + Σ line.taxes[].amount where !inclusive    (inclusive tax is inside net)
//   totals.subtotal       = Σ line.gross
//   totals.discount_total = Σ all line discounts (an order discount is spread over the lines)
//   totals.tax_total      = Σ all line taxes (inclusive and exclusive) = Σ tax_breakdown[].amount
//   totals.total          = Σ line.total + totals.rounding              (what the customer pays)
//   Σ tenders[].amount    = totals.total ; change_due = Σ cash tenders' change
//   tax_breakdown has one row per (code, jurisdiction, rate_ppm, inclusive) with the sums of
//   the line taxes' base and amount.

export const discountKindSchema = z.enum(['line', 'order', 'promotion', 'override']);
export type DiscountKind = z.infer<typeof discountKindSchema>;

export const discountSchema = z.strictObject({
  kind: discountKindSchema,
  /** Positive amount taken off this line's gross. */
  amount: posMinorSchema,
  promotion_id: idSchema.optional(),
  /** Human text for the receipt ("3 for 2", "Damaged box"). */
  reason: shortTextSchema.optional(),
  /** Id of the manager who approved it, when one was needed. */
  approved_by: idSchema.optional(),
});
export type Discount = z.infer<typeof discountSchema>;

export const lineTaxSchema = z.strictObject({
  /** Tax code from the tax table, e.g. "US-NY-STATE", "GB-VAT-STD". */
  code: idSchema,
  /** Authority the tax is owed to (ledger: tax payable per jurisdiction), e.g. "US-NY", "GB". */
  jurisdiction: idSchema,
  rate_ppm: ratePpmSchema,
  /** true: the amount is contained in the line's net price (VAT/GST); false: added on top. */
  inclusive: z.boolean(),
  /** true: this tax's base includes the other (non-compound) taxes of the line (tax on tax). */
  compound: z.boolean(),
  /** The taxable amount (net of tax for inclusive taxes). 0 with amount 0 for an exempt line. */
  base: nonNegMinorSchema,
  amount: nonNegMinorSchema,
  /** Set when the line is exempt from this tax (category rule or customer certificate). */
  exempt_reason: shortTextSchema.optional(),
});
export type LineTax = z.infer<typeof lineTaxSchema>;

export const priceSourceSchema = z.enum(['price_book', 'barcode', 'override', 'open']);

export const saleLineSchema = z.strictObject({
  line_id: idSchema,
  sku: skuSchema,
  gtin: gtinSchema.optional(),
  description: z.string().min(1).max(120),
  /** Revenue category (ledger: revenue account per category). */
  category: idSchema,
  /** Tax category the tax table is keyed by (e.g. "food", "general", "exempt"). */
  tax_category: idSchema,
  quantity: positiveQuantitySchema,
  unit: unitSchema,
  /** Price per unit (per kg for unit 'kg'), minor units. */
  unit_price: nonNegMinorSchema,
  /** Where unit_price came from: the price book, a price-embedded barcode, a cashier override, an open-price item. */
  price_source: priceSourceSchema.optional(),
  /** Price-book version the line was priced from (can be older than the sale's when not repriced). */
  price_book_version: z.number().int().min(0).optional(),
  gross: nonNegMinorSchema,
  discounts: z.array(discountSchema).max(MAX_DISCOUNTS_PER_LINE),
  net: nonNegMinorSchema,
  taxes: z.array(lineTaxSchema).max(MAX_TAXES_PER_LINE),
  total: nonNegMinorSchema,
  /** false: the line moves no stock (a web order's shipping, a service charge). Absent: it does. */
  stock: z.literal(false).optional(),
  /**
   * The line loads value onto this gift card (a new card or a reload; in a refund: value taken
   * back off it). The amount is owed to the card holder, so it posts to the gift card
   * liability, never to revenue, and the hub adds it to the card's balance. Such a line has
   * no taxes and no discounts.
   */
  gift_card_id: idSchema.optional(),
});
export type SaleLine = z.infer<typeof saleLineSchema>;

export const totalsSchema = z.strictObject({
  subtotal: nonNegMinorSchema,
  discount_total: nonNegMinorSchema,
  tax_total: nonNegMinorSchema,
  /** What the customer pays (or gets back, for a refund), after cash rounding. */
  total: nonNegMinorSchema,
  /** Cash rounding adjustment, signed: total − Σ line totals. 0 when no rounding applied. */
  rounding: minorSchema,
});
export type SaleTotals = z.infer<typeof totalsSchema>;

export const taxBreakdownRowSchema = z.strictObject({
  code: idSchema,
  jurisdiction: idSchema,
  rate_ppm: ratePpmSchema,
  inclusive: z.boolean(),
  base: nonNegMinorSchema,
  amount: nonNegMinorSchema,
});
export type TaxBreakdownRow = z.infer<typeof taxBreakdownRowSchema>;

/**
 * A masked card number: at most the first six and the last four digits, the rest masked
 * with * X x or •. A string with more visible digits than that is refused.
 */
export const MASKED_PAN_RE = /^\d{0,6}[*Xx\u2022]+\d{0,4}$/;
export const maskedPanSchema = z
  .string()
  .min(4)
  .max(19)
  .regex(MASKED_PAN_RE, 'masked_pan must show at most the first 6 and last 4 digits, the rest masked with *');

const tenderBase = {
  tender_id: idSchema,
  /** The amount applied to the sale (for cash: tendered − change). */
  amount: posMinorSchema,
};

export const cashTenderSchema = z.strictObject({
  ...tenderBase,
  kind: z.literal('cash'),
  /** What the customer handed over. */
  tendered: nonNegMinorSchema.optional(),
  /** Change given back from this tender. */
  change: nonNegMinorSchema.optional(),
});

export const cardTenderSchema = z.strictObject({
  ...tenderBase,
  kind: z.literal('card'),
  /** Acquirer/processor key (ledger: card clearing per processor), e.g. "adyen", "stripe", "sim". */
  processor: idSchema,
  auth_code: z.string().regex(/^[A-Za-z0-9 -]{1,16}$/, 'auth_code must be 1-16 letters/digits').optional(),
  masked_pan: maskedPanSchema.optional(),
  card_brand: z.string().max(32).optional(),
  /** The payment terminal's reference for this transaction (for refunds and reconciliation). */
  terminal_ref: z.string().max(64).optional(),
  /**
   * The register's own reference for the payment ("<sale or refund id>/<tender id>"), sent to
   * the terminal with the payment and printed on both receipts, so a terminal's receipt ties
   * back to the sale.
   */
  reference: z.string().max(64).optional(),
});

/**
 * Set on a redemption the register made without the hub (offline, under the chain's offline
 * policy): no reservation backs it, and the hub records it as a risk when it applies it.
 */
const offlineFlag = z.literal(true).optional();

export const giftCardTenderSchema = z.strictObject({
  ...tenderBase,
  kind: z.literal('gift_card'),
  /** Gift card (or store credit) account id (ledger: gift card liability). Never a full payment-card number. */
  gift_card_id: idSchema,
  offline: offlineFlag,
});

/** Loyalty points redeemed as a tender: `amount` = `points` × the sale's `loyalty.point_value`. */
export const pointsTenderSchema = z.strictObject({
  ...tenderBase,
  kind: z.literal('points'),
  customer_id: idSchema,
  points: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  offline: offlineFlag,
});

export const tenderSchema = z.discriminatedUnion('kind', [cashTenderSchema, cardTenderSchema, giftCardTenderSchema, pointsTenderSchema]);
export type Tender = z.infer<typeof tenderSchema>;
export type CashTender = z.infer<typeof cashTenderSchema>;
export type CardTender = z.infer<typeof cardTenderSchema>;
export type GiftCardTender = z.infer<typeof giftCardTenderSchema>;
export type PointsTender = z.infer<typeof pointsTenderSchema>;
export type TenderKind = Tender['kind'];

/** A refund tender: money going back to the customer, optionally naming the original tender it reverses. */
export const refundTenderSchema = z.discriminatedUnion('kind', [
  cashTenderSchema.extend({ original_tender_id: idSchema.optional() }),
  cardTenderSchema.extend({ original_tender_id: idSchema.optional() }),
  giftCardTenderSchema.extend({ original_tender_id: idSchema.optional() }),
  pointsTenderSchema.extend({ original_tender_id: idSchema.optional() }),
]);

/**
 * The customer a sale was rung up for and the points it earned (a refund: the points it takes
 * back). Points are a liability at `point_value` minor units each, so the ledger and the hub's
 * points ledger agree in value whatever the chain's setting is later.
 */
export const saleLoyaltySchema = z.strictObject({
  customer_id: idSchema,
  /** Minor units of the sale's currency one point is worth (the chain's setting when the sale was made). */
  point_value: z.number().int().min(1).max(1_000_000),
  points_earned: z.number().int().min(0).max(1_000_000_000),
});
export type SaleLoyalty = z.infer<typeof saleLoyaltySchema>;

export const refundLoyaltySchema = z.strictObject({
  customer_id: idSchema,
  point_value: z.number().int().min(1).max(1_000_000),
  /** Points the refund takes back from what the original sale earned. */
  points_reversed: z.number().int().min(0).max(1_000_000_000),
});
export type RefundLoyalty = z.infer<typeof refundLoyaltySchema>;

interface LoyaltyDoc {
  lines: ReadonlyArray<{ line_id: string; gift_card_id?: string | undefined; taxes: readonly unknown[]; discounts: readonly unknown[] }>;
  tenders: ReadonlyArray<{ tender_id: string; kind: string; amount: number; customer_id?: string; points?: number }>;
  loyalty?: { customer_id: string; point_value: number } | undefined;
}

/** Gift card lines carry no tax or discount; a points tender is the sale's customer's and worth points × point_value. */
export function checkValueRules(doc: LoyaltyDoc): string[] {
  const problems: string[] = [];
  for (const l of doc.lines) {
    if (l.gift_card_id !== undefined && (l.taxes.length > 0 || l.discounts.length > 0)) problems.push(`lines ${l.line_id}: a gift card line has no taxes and no discounts`);
  }
  for (const t of doc.tenders) {
    if (t.kind !== 'points') continue;
    if (!doc.loyalty) problems.push(`tenders ${t.tender_id}: points tender without the sale's loyalty customer`);
    else if (t.customer_id !== doc.loyalty.customer_id) problems.push(`tenders ${t.tender_id}: points of ${t.customer_id}, the sale's customer is ${doc.loyalty.customer_id}`);
    else if (BigInt(t.points ?? 0) * BigInt(doc.loyalty.point_value) !== BigInt(t.amount)) {
      problems.push(`tenders ${t.tender_id}: amount ${t.amount} ≠ points ${t.points} × point_value ${doc.loyalty.point_value}`);
    }
  }
  return problems;
}
export type RefundTender = z.infer<typeof refundTenderSchema>;

export const taxExemptionSchema = z.strictObject({
  certificate_id: idSchema,
  /** Which tax codes the certificate exempts; empty = all. */
  codes: z.array(idSchema).max(20),
  reason: shortTextSchema.optional(),
});
export type TaxExemption = z.infer<typeof taxExemptionSchema>;

// ---------------------------------------------------------------------------------------
// Arithmetic checks, exported so the register (before it journals) and the hub (when it
// receives) run the same rules. They return human-readable problems; empty = consistent.

interface LineLike {
  line_id: string;
  quantity: { units: number; scale: number };
  unit_price: number;
  gross: number;
  discounts: ReadonlyArray<{ amount: number }>;
  net: number;
  taxes: ReadonlyArray<{ code: string; jurisdiction: string; rate_ppm: number; inclusive: boolean; compound: boolean; base: number; amount: number; exempt_reason?: string | undefined }>;
  total: number;
}
interface DocLike {
  lines: readonly LineLike[];
  totals: SaleTotals;
  tax_breakdown: readonly TaxBreakdownRow[];
  tenders: ReadonlyArray<{ tender_id: string; kind: string; amount: number; tendered?: number | undefined; change?: number | undefined }>;
}

const isQuantityScale = (s: number): boolean => Number.isInteger(s) && s >= 0 && s <= MAX_QUANTITY_SCALE;

function checkDocument(doc: DocLike, checkGrossVsPrice: boolean): string[] {
  const problems: string[] = [];
  const lineIds = new Set<string>();
  let subtotal = 0;
  let discountTotal = 0;
  let taxTotal = 0;
  let linesTotal = 0;
  const groups = new Map<string, { base: number; amount: number }>();
  doc.lines.forEach((l, i) => {
    const at = `lines[${i}] (${l.line_id})`;
    if (lineIds.has(l.line_id)) problems.push(`${at}: duplicate line_id`);
    lineIds.add(l.line_id);
    // Zod runs this refinement on a payload whose fields already failed (a range is not a type):
    // a scale outside 0..6 is reported by its field and would make 10^scale throw or exhaust memory.
    if (checkGrossVsPrice && isQuantityScale(l.quantity.scale)) {
      // |gross × 10^scale − unit_price × units| < 10^scale  ⇔  gross is unit_price × qty rounded some way.
      const scale = 10n ** BigInt(l.quantity.scale);
      const diff = BigInt(l.gross) * scale - BigInt(l.unit_price) * BigInt(l.quantity.units);
      if ((diff < 0n ? -diff : diff) >= scale) problems.push(`${at}: gross ${l.gross} is not unit_price × quantity`);
    }
    const disc = l.discounts.reduce((s, d) => s + d.amount, 0);
    if (l.net !== l.gross - disc) problems.push(`${at}: net ${l.net} ≠ gross ${l.gross} − discounts ${disc}`);
    const exclusive = l.taxes.reduce((s, t) => s + (t.inclusive ? 0 : t.amount), 0);
    if (l.total !== l.net + exclusive) problems.push(`${at}: total ${l.total} ≠ net ${l.net} + exclusive tax ${exclusive}`);
    const inclusive = l.taxes.reduce((s, t) => s + (t.inclusive ? t.amount : 0), 0);
    if (inclusive > l.net) problems.push(`${at}: inclusive tax ${inclusive} exceeds net ${l.net}`);
    if (checkGrossVsPrice) {
      // Tax bases follow from the line (see core/tax): non-compound taxes on the price net of
      // inclusive tax, compound ones on that plus the non-compound taxes; each amount is its
      // rate × base up to rounding (one unit per tax on the line, for inclusive extraction).
      const exclusiveBase = l.net - inclusive;
      const ncSum = l.taxes.reduce((s, t) => s + (t.compound ? 0 : t.amount), 0);
      const slack = BigInt(1 + l.taxes.length) * 1_000_000n;
      for (const t of l.taxes) {
        const expectedBase = t.compound ? exclusiveBase + ncSum : exclusiveBase;
        if (t.base !== expectedBase) problems.push(`${at}: tax ${t.code} base ${t.base} ≠ ${expectedBase}`);
        if (t.exempt_reason !== undefined) {
          if (t.amount !== 0) problems.push(`${at}: exempt tax ${t.code} has amount ${t.amount}`);
          continue;
        }
        const d = BigInt(t.amount) * 1_000_000n - BigInt(t.base) * BigInt(t.rate_ppm);
        if ((d < 0n ? -d : d) > slack) problems.push(`${at}: tax ${t.code} amount ${t.amount} is not ${t.rate_ppm} ppm of ${t.base}`);
      }
    }
    const codes = new Set<string>();
    for (const t of l.taxes) {
      const k = `${t.code}|${t.jurisdiction}`;
      if (codes.has(k)) problems.push(`${at}: tax ${t.code} (${t.jurisdiction}) listed twice`);
      codes.add(k);
      const g = `${t.code}|${t.jurisdiction}|${t.rate_ppm}|${t.inclusive}`;
      const acc = groups.get(g) ?? { base: 0, amount: 0 };
      acc.base += t.base;
      acc.amount += t.amount;
      groups.set(g, acc);
    }
    subtotal += l.gross;
    discountTotal += disc;
    taxTotal += l.taxes.reduce((s, t) => s + t.amount, 0);
    linesTotal += l.total;
  });
  const t = doc.totals;
  if (t.subtotal !== subtotal) problems.push(`totals.subtotal ${t.subtotal} ≠ Σ line gross ${subtotal}`);
  if (t.discount_total !== discountTotal) problems.push(`totals.discount_total ${t.discount_total} ≠ Σ line discounts ${discountTotal}`);
  if (t.tax_total !== taxTotal) problems.push(`totals.tax_total ${t.tax_total} ≠ Σ line taxes ${taxTotal}`);
  if (t.total !== linesTotal + t.rounding) problems.push(`totals.total ${t.total} ≠ Σ line totals ${linesTotal} + rounding ${t.rounding}`);

  const seen = new Set<string>();
  for (const row of doc.tax_breakdown) {
    const g = `${row.code}|${row.jurisdiction}|${row.rate_ppm}|${row.inclusive}`;
    if (seen.has(g)) problems.push(`tax_breakdown: row ${row.code} ${row.rate_ppm}ppm listed twice`);
    seen.add(g);
    const acc = groups.get(g);
    if (!acc) problems.push(`tax_breakdown: row ${row.code} ${row.rate_ppm}ppm matches no line tax`);
    else if (acc.base !== row.base || acc.amount !== row.amount) {
      problems.push(`tax_breakdown: row ${row.code} ${row.rate_ppm}ppm base/amount ${row.base}/${row.amount} ≠ lines ${acc.base}/${acc.amount}`);
    }
  }
  for (const g of groups.keys()) if (!seen.has(g)) problems.push(`tax_breakdown: missing row for ${g.split('|')[0]} at ${g.split('|')[2]}ppm`);

  const tenderIds = new Set<string>();
  let tendered = 0;
  for (const td of doc.tenders) {
    if (tenderIds.has(td.tender_id)) problems.push(`tenders: duplicate tender_id ${td.tender_id}`);
    tenderIds.add(td.tender_id);
    tendered += td.amount;
    if (td.kind === 'cash' && (td.tendered !== undefined || td.change !== undefined)) {
      if (td.tendered === undefined || td.change === undefined) problems.push(`tenders ${td.tender_id}: cash needs both tendered and change, or neither`);
      else if (td.tendered - td.change !== td.amount) problems.push(`tenders ${td.tender_id}: tendered ${td.tendered} − change ${td.change} ≠ amount ${td.amount}`);
    }
  }
  if (tendered !== t.total) problems.push(`Σ tenders ${tendered} ≠ totals.total ${t.total}`);
  return problems;
}

/** Problems with a completed sale's arithmetic (empty = consistent). */
export function checkSaleArithmetic(p: Pick<SaleCompletedPayload, 'lines' | 'totals' | 'tax_breakdown' | 'tenders' | 'change_due'>): string[] {
  const problems = checkDocument(p, true);
  const change = p.tenders.reduce((s, t) => s + (t.kind === 'cash' ? (t.change ?? 0) : 0), 0);
  if (change !== p.change_due) problems.push(`change_due ${p.change_due} ≠ Σ cash change ${change}`);
  return problems;
}

/** Problems with a refund's arithmetic (empty = consistent). Refund lines are proportional shares, so gross is not checked against unit_price. */
export function checkRefundArithmetic(p: Pick<SaleRefundedPayload, 'lines' | 'totals' | 'tax_breakdown' | 'tenders'>): string[] {
  const problems = checkDocument(p, false);
  const ids = new Set<string>();
  for (const l of p.lines) {
    if (ids.has(l.original_line_id)) problems.push(`lines: original_line_id ${l.original_line_id} refunded twice in one refund`);
    ids.add(l.original_line_id);
  }
  return problems;
}

function addProblems(problems: string[], ctx: z.RefinementCtx): void {
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
}

// ---------------------------------------------------------------------------------------
// sale.completed

export const saleCompletedShape = z.strictObject({
  sale_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  shift_id: uuidSchema,
  cashier_id: idSchema,
  currency: currencySchema,
  /** Version of the price book in force at completion. */
  price_book_version: z.number().int().min(0),
  /** Set when taxes were computed under a customer's exemption certificate. */
  tax_exemption: taxExemptionSchema.optional(),
  lines: z.array(saleLineSchema).min(1, 'a completed sale has at least one line').max(MAX_LINES_PER_SALE),
  totals: totalsSchema,
  tax_breakdown: z.array(taxBreakdownRowSchema).max(MAX_LINES_PER_SALE * MAX_TAXES_PER_LINE),
  tenders: z.array(tenderSchema).max(MAX_TENDERS_PER_SALE),
  change_due: nonNegMinorSchema,
  completed_at: isoTimeSchema,
  /** The customer the sale was made for and the points it earned (docs/loyalty.md). */
  loyalty: saleLoyaltySchema.optional(),
});
export const saleCompletedSchema = saleCompletedShape
  .superRefine((p, ctx) => addProblems([...checkSaleArithmetic(p), ...checkValueRules(p)], ctx))
  .describe(
    'The hub also checks the sale arithmetic, which JSON Schema cannot express: gross, net, line total, tax base and amount, totals, tax_breakdown, tenders and change_due; gift card lines have no taxes or discounts; a points tender is the loyalty customer\'s and its amount is points × loyalty.point_value (docs/sync-protocol.md, "Arithmetic rules").',
  );
export type SaleCompletedPayload = z.infer<typeof saleCompletedShape>;

// ---------------------------------------------------------------------------------------
// sale.refunded — a return linked to the original sale. Lines are proportional shares of
// the original lines (discounts, taxes included), never more than was sold minus what
// earlier refunds already took back.

export const refundLineSchema = saleLineSchema.extend({
  original_line_id: idSchema,
  /** Per-line override of the refund's `restock` (one item resellable, another damaged). */
  restock: z.boolean().optional(),
});
export type RefundLine = z.infer<typeof refundLineSchema>;

export const saleRefundedShape = z.strictObject({
  refund_id: uuidSchema,
  original_sale_id: uuidSchema,
  /** Terminal that rang up the original sale, when not this one. */
  original_terminal_id: terminalIdSchema.optional(),
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  shift_id: uuidSchema,
  cashier_id: idSchema,
  approved_by: idSchema.optional(),
  reason: reasonSchema,
  currency: currencySchema,
  lines: z.array(refundLineSchema).min(1, 'a refund has at least one line').max(MAX_LINES_PER_SALE),
  totals: totalsSchema,
  tax_breakdown: z.array(taxBreakdownRowSchema).max(MAX_LINES_PER_SALE * MAX_TAXES_PER_LINE),
  /** Money going back to the customer. Σ amount = totals.total. */
  tenders: z.array(refundTenderSchema).max(MAX_TENDERS_PER_SALE),
  /** Whether the goods go back to sellable stock (false: damaged / written off). */
  restock: z.boolean(),
  refunded_at: isoTimeSchema,
  /**
   * A return without the original receipt (the register could not find the sale, e.g.
   * offline): priced at the register's current prices, always under a manager's approval,
   * paid in cash. original_sale_id then names a sale that was never journalled (the priced
   * basket), so nothing links it to a real sale.
   */
  no_receipt: z.literal(true).optional(),
  /** Points the refund takes back from the customer (docs/loyalty.md). */
  loyalty: refundLoyaltySchema.optional(),
});
export const saleRefundedSchema = saleRefundedShape.superRefine((p, ctx) => {
  addProblems(checkRefundArithmetic(p), ctx);
  addProblems(checkValueRules(p), ctx);
  if (p.no_receipt && !p.approved_by) ctx.addIssue({ code: 'custom', path: ['approved_by'], message: 'a no-receipt return needs the approving manager' });
  if (p.no_receipt && p.tenders.some((t) => t.kind !== 'cash')) ctx.addIssue({ code: 'custom', path: ['tenders'], message: 'a no-receipt return is paid in cash' });
}).describe(
  'The hub also checks the refund arithmetic, which JSON Schema cannot express: as for sale.completed except gross against unit_price × quantity, tax bases and change_due; each original_line_id at most once; a no_receipt return has approved_by and only cash tenders; gift card lines and points tenders as for sale.completed (docs/sync-protocol.md, "Arithmetic rules").',
);
export type SaleRefundedPayload = z.infer<typeof saleRefundedShape>;

// ---------------------------------------------------------------------------------------
// sale.post_voided — reverses a completed sale entirely. Carries the original payload so
// that ledger and stock reversal are a pure function of this event.

export const salePostVoidedShape = z.strictObject({
  post_void_id: uuidSchema,
  sale_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  /** The shift in which the void happened (may differ from original.shift_id). */
  shift_id: uuidSchema,
  cashier_id: idSchema,
  approved_by: idSchema.optional(),
  reason: reasonSchema,
  original: saleCompletedSchema,
  voided_at: isoTimeSchema,
});
export const salePostVoidedSchema = salePostVoidedShape
  .superRefine((p, ctx) => {
    if (p.original.sale_id !== p.sale_id) ctx.addIssue({ code: 'custom', path: ['sale_id'], message: `sale_id ${p.sale_id} ≠ original.sale_id ${p.original.sale_id}` });
  })
  .describe('sale_id must equal original.sale_id; original is checked like a sale.completed payload (docs/sync-protocol.md, "Arithmetic rules").');
export type SalePostVoidedPayload = z.infer<typeof salePostVoidedShape>;

// ---------------------------------------------------------------------------------------
// sale.voided — a sale abandoned before completion. Audit only; no ledger or stock effect.

export const saleVoidedSchema = z.strictObject({
  sale_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  shift_id: uuidSchema,
  cashier_id: idSchema,
  approved_by: idSchema.optional(),
  reason: shortTextSchema.optional(),
  currency: currencySchema,
  /** What was on the ticket when it was voided, for loss-prevention review. */
  lines: z
    .array(z.strictObject({ sku: skuSchema, description: z.string().max(120), quantity: positiveQuantitySchema, total: nonNegMinorSchema }))
    .max(MAX_LINES_PER_SALE),
  total: nonNegMinorSchema,
  voided_at: isoTimeSchema,
});
export type SaleVoidedPayload = z.infer<typeof saleVoidedSchema>;

import type { PriceBookLookup } from '../catalog/price-book';
import type { SaleCompletedPayload, SaleVoidedPayload, TaxExemption, Tender } from '../events/sale';
import type { Quantity } from '../money/quantity';
import type { RoundingMode } from '../money/rounding';
import type { TaxTable } from '../tax/tax';

// The cashier's transaction as a pure reducer: apply(state, command, ctx) → new state and
// effects, or a typed error with the state unchanged. Nothing here does I/O; the register
// performs the effects (journal append first, then drawer, receipt).

export type Permission =
  | 'sale.discount.line'
  | 'sale.discount.order'
  | 'sale.price_override'
  | 'sale.void_line'
  | 'sale.void'
  | 'sale.post_void'
  | 'sale.refund'
  | 'sale.tax_exempt'
  | 'drawer.no_sale'
  | 'cash.drop'
  | 'cash.paid_in'
  | 'cash.paid_out'
  | 'shift.close';

export const ALL_PERMISSIONS: readonly Permission[] = [
  'sale.discount.line',
  'sale.discount.order',
  'sale.price_override',
  'sale.void_line',
  'sale.void',
  'sale.post_void',
  'sale.refund',
  'sale.tax_exempt',
  'drawer.no_sale',
  'cash.drop',
  'cash.paid_in',
  'cash.paid_out',
  'shift.close',
];

/** The signed-in cashier. */
export interface Actor {
  cashier_id: string;
  permissions: readonly Permission[];
}

/**
 * A manager's approval, produced by the register after it verified the manager's PIN/card.
 * The engine trusts it (it is pure) and records `approved_by` in the event.
 */
export interface Approval {
  approved_by: string;
  permissions: readonly Permission[];
}

export interface SalePolicy {
  /** A line discount above this (basis points of the line's price, 1000 = 10 %) needs a manager. */
  max_line_discount_bp: number;
  /** An order discount above this share of the order needs a manager. */
  max_order_discount_bp: number;
  /** A price override lowering the price by more than this needs a manager. */
  max_price_override_decrease_bp: number;
  /** Cash rounding for small-coin-less currencies (CHF/AUD 5, SEK 100 minor units). */
  cash_rounding?: { increment: number; mode: RoundingMode };
  /** Largest quantity on one line, in whole units (each) or kg. */
  max_line_quantity: number;
  max_lines: number;
  max_tenders: number;
  /** Scanning the same item again adds to the last line instead of a new line (plain book-priced 'each' lines only). */
  merge_repeated_scans?: boolean;
  /** A refund above this total (minor units) needs a manager even when the cashier may refund. */
  max_refund_without_approval?: number;
}

export const DEFAULT_SALE_POLICY: SalePolicy = {
  max_line_discount_bp: 1000,
  max_order_discount_bp: 1000,
  max_price_override_decrease_bp: 1000,
  max_line_quantity: 9999,
  max_lines: 500,
  max_tenders: 20,
};

export interface SaleContext {
  book: PriceBookLookup;
  taxes: TaxTable;
  policy: SalePolicy;
  actor: Actor;
  /** ISO-8601 UTC "now" (the reducer never reads the clock): completion time, promotion windows. */
  now: string;
  /** The chain's earn rule and point value (docs/loyalty.md); without it a customer's sale earns nothing. */
  loyalty?: LoyaltyRule;
}

export interface LoyaltyRule {
  points_per_unit: number;
  point_value: number;
  category_multipliers: Record<string, number>;
  promotion_multipliers: Record<string, number>;
}

export interface DiscountSpec {
  /** Fixed amount off, minor units. Exactly one of amount / percent_bp. */
  amount?: number;
  /** Percent off in basis points (1000 = 10 %). */
  percent_bp?: number;
  reason?: string;
  approved_by?: string;
}

export interface CartLine {
  line_id: string;
  sku: string;
  gtin?: string;
  description: string;
  category: string;
  tax_category: string;
  unit: 'each' | 'kg';
  quantity: Quantity;
  /** Price at scan time (price book or barcode); stays until the cashier reprices. */
  unit_price: number;
  price_source: 'price_book' | 'barcode' | 'open';
  price_book_version: number;
  override?: { unit_price: number; reason: string; approved_by?: string };
  discount?: DiscountSpec;
  voided: boolean;
  /** Value sold onto this gift card: no promotion, discount or tax applies, and the line earns no points. */
  gift_card_id?: string;
}

export type SaleStatus = 'open' | 'completed' | 'voided';

export interface SaleState {
  status: SaleStatus;
  sale_id: string;
  store_id: string;
  terminal_id: string;
  shift_id: string;
  cashier_id: string;
  currency: string;
  lines: CartLine[];
  order_discount?: DiscountSpec;
  tax_exemption?: TaxExemption;
  tenders: Tender[];
  /** Cash rounding applied at completion (signed). */
  rounding: number;
  next_line_no: number;
  next_tender_no: number;
  /** The customer the sale is for (loyalty): points are earned at completion. */
  customer?: { customer_id: string; /** Tier multiplier in percent (docs/loyalty.md, Tiers); absent: 100. */ tier_pct?: number };
  /** Set once completed: exactly what was journalled. */
  completed?: SaleCompletedPayload;
}

/** What the scanner layer gives us; structurally compatible with core/barcode's ParsedBarcode. */
export interface ScanInput {
  lookupKey: string;
  gtin?: string;
  /** Embedded price: amountMinor / 10^decimals of the currency. */
  price?: { amountMinor: number; decimals: number; currency?: string };
  /** Embedded weight in grams. */
  weight?: { grams: number };
}

/** The payment terminal's answer; a card tender is only added for 'approved'. */
export interface CardResult {
  status: 'approved' | 'declined' | 'unknown' | 'cancelled';
  amount: number;
  processor: string;
  auth_code?: string;
  masked_pan?: string;
  card_brand?: string;
  terminal_ref?: string;
  /** The register's payment reference as the terminal echoed it. */
  reference?: string;
  message?: string;
}

export type SaleCommand =
  | { type: 'scan'; scan: ScanInput; quantity?: Quantity }
  | { type: 'add_sku'; sku: string; quantity?: Quantity; open_price?: number }
  | { type: 'add_weighed'; sku: string; weight: Quantity }
  | { type: 'set_quantity'; line_id: string; quantity: Quantity }
  | { type: 'override_price'; line_id: string; unit_price: number; reason: string; approval?: Approval }
  | { type: 'discount_line'; line_id: string; discount: Omit<DiscountSpec, 'approved_by'>; approval?: Approval }
  | { type: 'remove_line_discount'; line_id: string }
  | { type: 'discount_order'; discount: Omit<DiscountSpec, 'approved_by'>; approval?: Approval }
  | { type: 'remove_order_discount' }
  | { type: 'reprice'; line_id?: string }
  | { type: 'void_line'; line_id: string; approval?: Approval }
  | { type: 'set_tax_exemption'; exemption: TaxExemption | null; approval?: Approval }
  | { type: 'tender_cash'; tendered: number }
  | { type: 'tender_card'; result: CardResult }
  | { type: 'tender_gift_card'; gift_card_id: string; amount: number; offline?: boolean }
  | { type: 'tender_points'; customer_id: string; points: number; offline?: boolean }
  | { type: 'add_gift_card'; gift_card_id: string; amount: number }
  | { type: 'set_customer'; customer_id: string | null; tier_pct?: number }
  | { type: 'remove_tender'; tender_id: string }
  | { type: 'complete' }
  | { type: 'void_sale'; reason?: string; approval?: Approval };

export type SaleCommandType = SaleCommand['type'];

export type SaleErrorCode =
  | 'BAD_COMMAND'
  | 'SALE_NOT_OPEN'
  | 'UNKNOWN_ITEM'
  | 'ITEM_INACTIVE'
  | 'UNKNOWN_LINE'
  | 'LINE_VOIDED'
  | 'BAD_QUANTITY'
  | 'WEIGHT_REQUIRED'
  | 'NOT_WEIGHED_ITEM'
  | 'PRICE_REQUIRED'
  | 'CURRENCY_MISMATCH'
  | 'BAD_AMOUNT'
  | 'BAD_DISCOUNT'
  | 'DISCOUNT_EXCEEDS_PRICE'
  | 'APPROVAL_REQUIRED'
  | 'APPROVAL_DENIED'
  | 'LOCKED_BY_TENDER'
  | 'TOO_MANY_LINES'
  | 'TOO_MANY_TENDERS'
  | 'EMPTY_SALE'
  | 'NOTHING_DUE'
  | 'TENDER_EXCEEDS_DUE'
  | 'TENDER_SHORT'
  | 'CARD_NOT_APPROVED'
  | 'INVALID_CARD_DATA'
  | 'UNKNOWN_TENDER'
  | 'TAX_ERROR'
  | 'NO_CUSTOMER'
  | 'NOT_REFUNDABLE'
  | 'REFUND_EXCEEDS_SOLD'
  | 'ALREADY_POST_VOIDED'
  | 'HAS_REFUNDS'
  | 'INVALID_EVENT';

export interface SaleError {
  code: SaleErrorCode;
  /** One sentence for the cashier / log, naming the line, amount or permission involved. */
  message: string;
  line_id?: string;
  permission?: Permission;
}

export type SaleEffect =
  | { kind: 'journal'; type: 'sale.completed'; payload: SaleCompletedPayload }
  | { kind: 'journal'; type: 'sale.voided'; payload: SaleVoidedPayload }
  | { kind: 'open_drawer' }
  /** Card/gift tenders the register must reverse at the terminal/gift service (removed tender, voided sale). */
  | { kind: 'reverse_tenders'; tenders: Tender[] };

export type ApplyResult =
  | { ok: true; state: SaleState; effects: SaleEffect[] }
  | { ok: false; state: SaleState; error: SaleError };

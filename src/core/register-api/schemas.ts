import { z } from 'zod';

// View-model schemas shared by the register main process and the cashier UI. These are what
// crosses IPC (Electron contextBridge or the WebSocket bridge); the sale engine's internal
// types never do. Card data appears only masked (first six / last four at most).

export const MAX_LINES = 500;
export const MAX_TENDERS = 20;
export const MAX_TEXT = 200;

const text = z.string().max(MAX_TEXT);
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');
export const moneySchema = z.object({ amount: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'), currency: currencySchema });
export type MoneyView = z.infer<typeof moneySchema>;
export const quantitySchema = z.object({ units: z.number().int(), scale: z.number().int().min(0).max(6) });

/** At most the first six and last four digits; the middle is masked. Never a full PAN. */
export const maskedPanSchema = z.string().max(23).regex(/^[0-9]{0,6}[*•xX ]{2,}[0-9]{0,4}$/, 'must be a masked card number');

export const saleLineSchema = z.object({
  line_id: z.string().max(64),
  sku: text,
  name: text,
  quantity: quantitySchema,
  unit: z.enum(['each', 'kg', 'lb', 'g']),
  unit_price: moneySchema,
  /** Before discounts. */
  extended: moneySchema,
  /** Line discounts and promotions applied (a positive amount reduces the line). */
  discount: moneySchema,
  /** After discounts. */
  total: moneySchema,
  tax_code: text.optional(),
  promotion: text.optional(),
  /** Weighed on the scale or a weight/price embedded barcode. */
  source: z.enum(['scan', 'keyed', 'search', 'scale', 'embedded_price', 'embedded_weight', 'return']),
  voided: z.boolean(),
  /** Set when HQ changed the price while this sale was open (the line keeps the old price). */
  price_changed: z.object({ from: moneySchema, to: moneySchema }).optional(),
});
export type SaleLine = z.infer<typeof saleLineSchema>;

export const taxBreakdownSchema = z.object({
  code: text,
  label: text,
  /** Rate in parts per million, e.g. 190000 = 19 %, 48750 = 4.875 %. */
  rate_ppm: z.number().int().min(0).max(1_000_000),
  base: moneySchema,
  amount: moneySchema,
  included: z.boolean(),
});

export const tenderKindSchema = z.enum(['cash', 'card', 'gift', 'points']);
export const tenderStatusSchema = z.enum(['pending', 'approved', 'declined', 'unknown', 'voided']);
export const tenderSchema = z.object({
  tender_id: z.string().max(64),
  kind: tenderKindSchema,
  amount: moneySchema,
  status: tenderStatusSchema,
  masked_pan: maskedPanSchema.optional(),
  card_brand: text.optional(),
  auth_code: z.string().max(16).optional(),
  gift_balance: moneySchema.optional(),
  message: text.optional(),
});
export type TenderView = z.infer<typeof tenderSchema>;

export const saleStatusSchema = z.enum(['idle', 'open', 'tendering', 'completed', 'voided']);
export const saleSchema = z.object({
  sale_id: z.string().max(64).nullable(),
  kind: z.enum(['sale', 'refund']),
  status: saleStatusSchema,
  /** Receipt number shown/printed and encoded in the receipt barcode, once completed. */
  receipt_no: z.string().max(64).nullable(),
  currency: currencySchema,
  lines: z.array(saleLineSchema).max(MAX_LINES),
  subtotal: moneySchema,
  discount_total: moneySchema,
  tax_total: moneySchema,
  taxes: z.array(taxBreakdownSchema).max(32),
  total: moneySchema,
  tenders: z.array(tenderSchema).max(MAX_TENDERS),
  paid: moneySchema,
  /** total - paid (approved tenders), never negative. */
  due: moneySchema,
  change_due: moneySchema,
  /** For a refund: the original receipt it refers to. */
  original_receipt_no: z.string().max(64).nullable(),
  /** Sync state of this sale once committed. */
  committed_seq: z.number().int().min(0).nullable(),
  /**
   * A card payment of this register whose outcome the terminal did not report (journalled):
   * nothing else can be paid until "Check with terminal" resolves it.
   */
  card_check: z.object({ reference: z.string().max(64), kind: z.enum(['sale', 'refund']), amount: moneySchema, reason: text }).nullable().optional(),
  /** The customer attached to the sale (loyalty), with the points the hub last reported. */
  customer: z.object({
    customer_id: z.string().max(64), name: text, points: z.number().int(), provisional: z.boolean(),
    /** Points the hub lets this sale spend (points − what reservations hold), as last reported. */
    points_available: z.number().int().optional(),
    /** Minor units one point pays (the chain's setting), so the screen can show what the points are worth. */
    point_value: z.number().int().min(1).optional(),
  }).nullable().optional(),
  /** Points this sale earns (once completed: what was journalled). */
  points_earned: z.number().int().min(0).optional(),
});
export type SaleView = z.infer<typeof saleSchema>;

export const customerViewSchema = z.object({
  customer_id: z.string().max(64),
  name: text,
  loyalty_id: z.string().max(32).nullable(),
  phone_last4: z.string().max(4).nullable(),
  points: z.number().int(),
  points_available: z.number().int(),
  provisional: z.boolean(),
  /** The loyalty tier the hub reported and its earn multiplier (docs/loyalty.md, Tiers); null: none. */
  tier: z.object({ name: text, multiplier_pct: z.number().int() }).nullable().optional(),
});
export type RegisterCustomerView = z.infer<typeof customerViewSchema>;
export const giftCardViewSchema = z.object({ gift_card_id: z.string().max(32), balance: moneySchema, available: moneySchema });

export const deviceKindSchema = z.enum(['scanner', 'printer', 'drawer', 'payment', 'scale', 'display']);
export const deviceStateSchema = z.enum(['closed', 'idle', 'busy', 'error', 'offline']);
export const deviceStatusSchema = z.object({
  kind: deviceKindSchema,
  name: text,
  state: deviceStateSchema,
  /** e.g. "paper_near_end", "cover_open", "drawer_open", "stable" */
  flags: z.array(z.string().max(40)).max(16),
  /** One sentence telling the cashier what to do, if something is wrong. */
  advice: text.optional(),
  port: text.optional(),
});
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const syncStatusSchema = z.object({
  online: z.boolean(),
  hub_url: text.nullable(),
  /** How the link to the hub is secured: a pinned certificate, loopback, or store IT's insecure flag (shown in red). */
  hub_trust: z.object({ kind: z.enum(['pinned', 'loopback', 'insecure', 'none']), pin: z.string().max(80).nullable() }).optional(),
  enrolled: z.boolean(),
  terminal_id: z.string().max(64).nullable(),
  store_id: z.string().max(64).nullable(),
  last_seq: z.number().int().min(0),
  applied_through: z.number().int().min(0),
  unsynced: z.number().int().min(0),
  /** ISO time of the oldest sale not yet acknowledged by the hub. */
  oldest_unsynced_at: z.string().nullable(),
  change_cursor: z.number().int().min(0),
  last_error: text.nullable(),
  /** The store's catalog arriving from the hub in pages (a new register): rows so far of the total. */
  catalog_loading: z.object({ received: z.number().int().min(0), total: z.number().int().min(0) }).nullable().optional(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const alertSchema = z.object({
  alert_id: z.string().max(64),
  kind: z.enum(['price_changed', 'oversell', 'device', 'sync', 'event_rejected', 'info']),
  severity: z.enum(['info', 'warning', 'error']),
  message: text,
  sku: text.optional(),
  at: z.string(),
});
export type AlertView = z.infer<typeof alertSchema>;

export const priceUpdateSchema = z.object({
  sku: text,
  name: text.optional(),
  price: moneySchema.optional(),
  on_hand: quantitySchema.optional(),
  cursor: z.number().int().min(0),
  /** Register clock (ms since epoch) when the change was applied locally. */
  applied_at_ms: z.number(),
});
export type PriceUpdate = z.infer<typeof priceUpdateSchema>;

export const cashierSchema = z.object({
  cashier_id: z.string().max(32),
  name: text,
  role: z.enum(['cashier', 'manager']),
});
export type CashierView = z.infer<typeof cashierSchema>;

export const shiftSchema = z.object({
  shift_id: z.string().max(64),
  cashier: cashierSchema,
  opened_at: z.string(),
  opening_float: moneySchema,
  status: z.enum(['open', 'closed']),
});
export type ShiftView = z.infer<typeof shiftSchema>;

export const reportSchema = z.object({
  kind: z.enum(['X', 'Z']),
  shift_id: z.string().max(64),
  cashier: text,
  opened_at: z.string(),
  closed_at: z.string().nullable(),
  sales_count: z.number().int().min(0),
  refunds_count: z.number().int().min(0),
  voids_count: z.number().int().min(0),
  gross_sales: moneySchema,
  refunds: moneySchema,
  discounts: moneySchema,
  tax: moneySchema,
  net_sales: moneySchema,
  /** Per tender kind and, for cards, per processor (the ledger's card clearing account). */
  tenders: z.array(z.object({ kind: tenderKindSchema, processor: z.string().max(32).optional(), count: z.number().int().min(0), amount: moneySchema })).max(16),
  opening_float: moneySchema,
  cash_drops: moneySchema,
  paid_in: moneySchema,
  paid_out: moneySchema,
  expected_cash: moneySchema,
  /** Z only (blind close): what the cashier counted, and counted - expected. */
  counted_cash: moneySchema.nullable(),
  variance: moneySchema.nullable(),
  unsynced: z.number().int().min(0),
  oldest_unsynced_at: z.string().nullable(),
});
export type ShiftReport = z.infer<typeof reportSchema>;

export const catalogItemSchema = z.object({
  sku: text,
  name: text,
  price: moneySchema,
  unit: z.enum(['each', 'kg', 'lb', 'g']),
  barcode: text.optional(),
  category: text.optional(),
  on_hand: quantitySchema.optional(),
});
export type CatalogItemView = z.infer<typeof catalogItemSchema>;

/** A key of the quick-key grid (goods without barcodes), as HQ's catalog places it. */
export const quickKeySchema = z.object({
  sku: text,
  label: text,
  group: text,
  unit: z.enum(['each', 'kg', 'lb', 'g']),
  price: moneySchema,
});
export type QuickKeyView = z.infer<typeof quickKeySchema>;

export const storeInfoSchema = z.object({
  store_name: text,
  store_id: z.string().max(64).nullable(),
  terminal_id: z.string().max(64).nullable(),
  currency: currencySchema,
  /** BCP 47 tag for Intl formatting of money and dates (e.g. de-DE). */
  locale: z.string().max(35),
  /** UI language preference (en, de). */
  language: z.string().max(8),
  /** Discounts above this percent need a manager PIN. */
  discount_limit_pct: z.number().min(0).max(100),
  cash_quick_amounts: z.array(moneySchema).max(8),
  app_version: z.string().max(64),
});
export type StoreInfo = z.infer<typeof storeInfoSchema>;

export const deviceInfoSchema = z.object({
  kind: deviceKindSchema,
  name: text,
  transport: z.enum(['serial', 'usb', 'hid', 'tcp', 'keyboard', 'none']),
  address: text,
  vendor_id: z.string().max(8).optional(),
  product_id: z.string().max(8).optional(),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

export const receiptSchema = z.object({
  receipt_no: z.string().max(64),
  text: z.string().max(64_000),
});

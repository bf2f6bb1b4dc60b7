import { z } from 'zod';
import {
  alertSchema,
  cashierSchema,
  catalogItemSchema,
  quickKeySchema,
  deviceInfoSchema,
  deviceKindSchema,
  deviceStatusSchema,
  moneySchema,
  priceUpdateSchema,
  quantitySchema,
  receiptSchema,
  reportSchema,
  customerViewSchema,
  giftCardViewSchema,
  saleSchema,
  shiftSchema,
  storeInfoSchema,
  syncStatusSchema,
} from './schemas';

// Every command the cashier window can send to the register main process, with the schema of
// its parameters and of its result. Both sides validate: the main process refuses a message
// that does not parse (and changes nothing); the renderer refuses a result that does not.
//
// Commands that need a manager take `approval: { manager_pin }`. Without it (or with a wrong
// PIN) they fail with code APPROVAL_REQUIRED / APPROVAL_DENIED, and the UI asks for the PIN
// and sends the same command again.

const pin = z.string().regex(/^[0-9]{4,8}$/, 'must be 4 to 8 digits');
export const approvalSchema = z.object({ manager_pin: pin }).optional();
const id = z.string().min(1).max(64);
const empty = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });

/** Scanner data (from the wedge detector in the renderer or typed in the code field). */
const scanData = z.string().min(1).max(512);

export const commandSchemas = {
  // --- session ---
  'store.info': { params: empty, result: storeInfoSchema },
  'session.signIn': { params: z.object({ cashier_id: id, pin }).strict(), result: cashierSchema },
  'session.signOut': { params: empty, result: ok },
  'session.current': { params: empty, result: z.object({ cashier: cashierSchema.nullable(), shift: shiftSchema.nullable() }) },

  // --- sale ---
  'sale.get': { params: empty, result: saleSchema },
  'sale.scan': { params: z.object({ data: scanData, symbology: z.string().max(32).optional() }).strict(), result: saleSchema },
  'sale.addSku': { params: z.object({ sku: id, quantity: quantitySchema.optional() }).strict(), result: saleSchema },
  /** The quick-key grid: products HQ's catalog puts on keys, by group and position. */
  'catalog.quickKeys': { params: empty, result: z.array(quickKeySchema).max(200) },
  'catalog.search': { params: z.object({ query: z.string().max(64), limit: z.number().int().min(1).max(50).default(20) }).strict(), result: z.array(catalogItemSchema).max(50) },
  'sale.setQuantity': { params: z.object({ line_id: id, quantity: quantitySchema }).strict(), result: saleSchema },
  /** Weigh a line on the scale (weight omitted) or key a weight in. */
  'sale.setWeight': { params: z.object({ line_id: id, weight: quantitySchema.optional() }).strict(), result: saleSchema },
  'sale.discount': {
    params: z.object({
      line_id: id.optional(),
      /** percent as basis points (1000 = 10 %) or a fixed amount */
      percent_bp: z.number().int().min(1).max(10_000).optional(),
      amount: moneySchema.optional(),
      reason: z.string().max(80).optional(),
      approval: approvalSchema,
    }).strict().refine((p) => (p.percent_bp === undefined) !== (p.amount === undefined), 'give exactly one of percent_bp or amount'),
    result: saleSchema,
  },
  'sale.voidLine': { params: z.object({ line_id: id, approval: approvalSchema }).strict(), result: saleSchema },
  'sale.void': { params: z.object({ reason: z.string().max(80).optional(), approval: approvalSchema }).strict(), result: saleSchema },
  'sale.tender': {
    params: z.object({
      kind: z.enum(['cash', 'card', 'gift', 'points']),
      amount: moneySchema,
      /** gift card number as read from its barcode (not a payment card) */
      gift_code: z.string().regex(/^[0-9A-Za-z-]{6,32}$/).optional(),
      /** points of the attached customer (kind points; amount is then ignored: points × the chain's point value) */
      points: z.number().int().min(1).max(1_000_000_000).optional(),
    }).strict(),
    result: saleSchema,
  },
  /** Resolves a card payment whose outcome was unknown: asks the terminal (status inquiry) and journals the answer. */
  'sale.checkCard': { params: empty, result: saleSchema },
  /** Customers (docs/loyalty.md): find by card scan (loyalty id), phone or name; create (offline: provisional); attach to the sale. */
  'customer.find': { params: z.object({ by: z.enum(['loyalty_id', 'phone', 'name']), q: z.string().min(1).max(80) }).strict(), result: z.array(customerViewSchema).max(20) },
  'customer.create': {
    params: z.object({ name: z.string().min(1).max(120), phone: z.string().regex(/^\d{6,20}$/).optional(), email: z.string().max(200).optional(), loyalty_id: z.string().regex(/^[0-9A-Za-z-]{6,32}$/).optional(), marketing: z.boolean() }).strict(),
    result: customerViewSchema,
  },
  'customer.attach': { params: z.object({ customer_id: id.nullable() }).strict(), result: saleSchema },
  /** Gift cards: balance check, and selling or reloading one (a line of the sale). */
  'giftcard.balance': { params: z.object({ code: z.string().regex(/^[0-9A-Za-z-]{6,32}$/) }).strict(), result: giftCardViewSchema.nullable() },
  'giftcard.load': { params: z.object({ code: z.string().regex(/^[0-9A-Za-z-]{6,32}$/), amount: moneySchema }).strict(), result: saleSchema },
  /** Starts the next sale after a completed or voided one. */
  'sale.new': { params: empty, result: saleSchema },
  'sale.postVoid': { params: z.object({ receipt_no: id, approval: approvalSchema }).strict(), result: ok },
  /** Starts a refund from the receipt barcode/QR (or the receipt number typed in). */
  'refund.start': { params: z.object({ receipt: z.string().min(1).max(512) }).strict(), result: z.object({ sale: saleSchema, original: saleSchema }) },
  /** Sets how much of one original line goes back (omitted: all that is left; units 0: none). */
  'refund.addLine': { params: z.object({ original_line_id: id, quantity: quantitySchema.optional() }).strict(), result: saleSchema },
  /**
   * Pays the return back along the original payments (card to the same card through the
   * terminal, the rest in cash) and journals it. `rest_in_cash` after the terminal failed.
   */
  /**
   * A return without the receipt (the sale cannot be found, e.g. offline): the items at
   * today's prices, under a manager's approval and up to the store's limit, paid in cash.
   */
  'refund.noReceipt': {
    params: z.object({ lines: z.array(z.object({ sku: id, quantity: quantitySchema.optional() }).strict()).min(1).max(50), approval: approvalSchema }).strict(),
    result: saleSchema,
  },
  'refund.pay': { params: z.object({ rest_in_cash: z.boolean().optional(), approval: approvalSchema }).strict(), result: saleSchema },
  'receipt.reprint': { params: z.object({ receipt_no: id.optional() }).strict(), result: ok },
  'receipt.last': { params: empty, result: receiptSchema.nullable() },

  // --- shift / cash ---
  'shift.open': { params: z.object({ opening_float: moneySchema }).strict(), result: shiftSchema },
  'cash.drop': { params: z.object({ amount: moneySchema, approval: approvalSchema }).strict(), result: ok },
  'cash.paidIn': { params: z.object({ amount: moneySchema, reason: z.string().min(1).max(80) }).strict(), result: ok },
  'cash.paidOut': { params: z.object({ amount: moneySchema, reason: z.string().min(1).max(80), approval: approvalSchema }).strict(), result: ok },
  'drawer.noSale': { params: z.object({ approval: approvalSchema }).strict(), result: ok },
  'report.x': { params: empty, result: reportSchema },
  /** Blind close: the cashier enters the counted cash without seeing the expected amount. */
  'shift.close': { params: z.object({ counted_cash: moneySchema, approval: approvalSchema }).strict(), result: reportSchema },

  // --- devices / IT ---
  'devices.list': { params: empty, result: z.object({ status: z.array(deviceStatusSchema).max(16), found: z.array(deviceInfoSchema).max(64) }) },
  'devices.test': { params: z.object({ kind: deviceKindSchema }).strict(), result: z.object({ ok: z.boolean(), message: z.string().max(200) }) },
  'sync.status': { params: empty, result: syncStatusSchema },
  'sync.now': { params: empty, result: syncStatusSchema },
  'settings.setLanguage': { params: z.object({ language: z.enum(['en', 'de']) }).strict(), result: storeInfoSchema },
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandParams<N extends CommandName> = z.input<(typeof commandSchemas)[N]['params']>;
export type CommandResult<N extends CommandName> = z.output<(typeof commandSchemas)[N]['result']>;

export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

// --- event streams (main -> renderer) ---
export const streamSchemas = {
  sale: saleSchema,
  devices: z.array(deviceStatusSchema).max(16),
  sync: syncStatusSchema,
  price: priceUpdateSchema,
  alert: alertSchema,
  session: z.object({ cashier: cashierSchema.nullable(), shift: shiftSchema.nullable() }),
} as const;
export type StreamName = keyof typeof streamSchemas;
export type StreamData<S extends StreamName> = z.output<(typeof streamSchemas)[S]>;
export const STREAM_NAMES = Object.keys(streamSchemas) as StreamName[];

export const errorCodeSchema = z.enum([
  'BAD_REQUEST',
  'NOT_SIGNED_IN',
  'NO_SHIFT',
  'APPROVAL_REQUIRED',
  'APPROVAL_DENIED',
  'NOT_FOUND',
  'INVALID_STATE',
  'DEVICE',
  'DECLINED',
  'INTERNAL',
]);
export type RegisterErrorCode = z.infer<typeof errorCodeSchema>;
export const registerErrorSchema = z.object({ code: errorCodeSchema, message: z.string().max(500) });
export type RegisterErrorData = z.infer<typeof registerErrorSchema>;

export class RegisterError extends Error {
  constructor(readonly code: RegisterErrorCode, message: string) {
    super(message);
    this.name = 'RegisterError';
  }
  toJSON(): RegisterErrorData {
    return { code: this.code, message: this.message };
  }
}

import { z } from 'zod';
import {
  currencySchema,
  gtinSchema,
  idSchema,
  minorSchema,
  nonNegMinorSchema,
  quantitySchema,
  shortTextSchema,
  skuSchema,
  storeIdSchema,
  terminalIdSchema,
  uuidSchema,
} from '../events/common';
import { saleCompletedShape, taxExemptionSchema, tenderSchema } from '../events/sale';
import { ALL_PERMISSIONS, type Permission, type SaleCommand, type SaleState } from './types';

// Zod schemas for what crosses a boundary around the sale engine: the open cart the register
// saves to disk and reloads after a restart, and commands that arrive over IPC. A file or a
// message that does not parse is refused with the first problems named.

export const permissionSchema = z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]]);
export const approvalSchema = z.object({ approved_by: idSchema, permissions: z.array(permissionSchema).max(ALL_PERMISSIONS.length) });

const discountSpecSchema = z.object({
  amount: nonNegMinorSchema.optional(),
  percent_bp: z.number().int().min(0).max(10_000).optional(),
  reason: shortTextSchema.optional(),
  approved_by: idSchema.optional(),
});

export const cartLineSchema = z.object({
  line_id: idSchema,
  sku: skuSchema,
  gtin: gtinSchema.optional(),
  description: z.string().max(120),
  category: idSchema,
  tax_category: idSchema,
  unit: z.enum(['each', 'kg']),
  quantity: quantitySchema,
  unit_price: nonNegMinorSchema,
  price_source: z.enum(['price_book', 'barcode', 'open']),
  price_book_version: z.number().int().min(0),
  override: z.object({ unit_price: nonNegMinorSchema, reason: shortTextSchema, approved_by: idSchema.optional() }).optional(),
  discount: discountSpecSchema.optional(),
  voided: z.boolean(),
});

export const saleStateSchema = z.object({
  status: z.enum(['open', 'completed', 'voided']),
  sale_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  shift_id: uuidSchema,
  cashier_id: idSchema,
  currency: currencySchema,
  lines: z.array(cartLineSchema).max(1000),
  order_discount: discountSpecSchema.optional(),
  tax_exemption: taxExemptionSchema.optional(),
  tenders: z.array(tenderSchema).max(100),
  rounding: minorSchema,
  next_line_no: z.number().int().min(1),
  next_tender_no: z.number().int().min(1),
  completed: saleCompletedShape.optional(),
});

// Command shapes are checked structurally here (types and lengths); values (a negative price,
// a 1.5-cent discount, an unmasked card number) are judged by the engine, which answers with a
// specific error code (BAD_AMOUNT, BAD_DISCOUNT, INVALID_CARD_DATA…).
const num = z.number().finite();
const str = (max: number) => z.string().max(max);
const looseQuantity = z.object({ units: num, scale: num });
const commandDiscount = z.object({ amount: num.optional(), percent_bp: num.optional(), reason: str(1000).optional() });

export const saleCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('scan'),
    scan: z.object({
      lookupKey: z.string().min(1).max(512),
      gtin: str(64).optional(),
      price: z.object({ amountMinor: num, decimals: num, currency: str(8).optional() }).optional(),
      weight: z.object({ grams: num }).optional(),
    }),
    quantity: looseQuantity.optional(),
  }),
  z.object({ type: z.literal('add_sku'), sku: str(64), quantity: looseQuantity.optional(), open_price: num.optional() }),
  z.object({ type: z.literal('add_weighed'), sku: str(64), weight: looseQuantity }),
  z.object({ type: z.literal('set_quantity'), line_id: str(64), quantity: looseQuantity }),
  z.object({ type: z.literal('override_price'), line_id: str(64), unit_price: num, reason: str(1000), approval: approvalSchema.optional() }),
  z.object({ type: z.literal('discount_line'), line_id: str(64), discount: commandDiscount, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('remove_line_discount'), line_id: str(64) }),
  z.object({ type: z.literal('discount_order'), discount: commandDiscount, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('remove_order_discount') }),
  z.object({ type: z.literal('reprice'), line_id: str(64).optional() }),
  z.object({ type: z.literal('void_line'), line_id: str(64), approval: approvalSchema.optional() }),
  z.object({
    type: z.literal('set_tax_exemption'),
    exemption: z.object({ certificate_id: str(64), codes: z.array(str(64)).max(20), reason: str(200).optional() }).nullable(),
    approval: approvalSchema.optional(),
  }),
  z.object({ type: z.literal('tender_cash'), tendered: num }),
  z.object({
    type: z.literal('tender_card'),
    result: z.object({
      status: z.enum(['approved', 'declined', 'unknown', 'cancelled']),
      amount: num,
      processor: str(64),
      auth_code: str(64).optional(),
      masked_pan: str(64).optional(),
      card_brand: str(64).optional(),
      terminal_ref: str(128).optional(),
      reference: str(128).optional(),
      message: str(1000).optional(),
    }),
  }),
  z.object({ type: z.literal('tender_gift_card'), gift_card_id: str(64), amount: num, offline: z.boolean().optional() }),
  z.object({ type: z.literal('tender_points'), customer_id: str(64), points: num, offline: z.boolean().optional() }),
  z.object({ type: z.literal('add_gift_card'), gift_card_id: str(64), amount: num }),
  z.object({ type: z.literal('set_customer'), customer_id: str(64).nullable(), tier_pct: z.number().int().min(100).max(1000).optional() }),
  z.object({ type: z.literal('remove_tender'), tender_id: str(64) }),
  z.object({ type: z.literal('complete') }),
  z.object({ type: z.literal('void_sale'), reason: str(1000).optional(), approval: approvalSchema.optional() }),
]);

function firstProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses a saved open cart (e.g. after a restart). */
export function parseSaleState(value: unknown): { ok: true; state: SaleState } | { ok: false; error: string } {
  const r = saleStateSchema.safeParse(value);
  return r.success ? { ok: true, state: r.data as SaleState } : { ok: false, error: `saved sale: ${firstProblems(r.error)}` };
}

/** Parses a command that arrived over IPC or a socket. */
export function parseSaleCommand(value: unknown): { ok: true; command: SaleCommand } | { ok: false; error: string } {
  const r = saleCommandSchema.safeParse(value);
  return r.success ? { ok: true, command: r.data as SaleCommand } : { ok: false, error: `sale command: ${firstProblems(r.error)}` };
}

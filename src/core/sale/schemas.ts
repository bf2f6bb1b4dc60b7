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

const commandDiscount = z.object({
  amount: nonNegMinorSchema.optional(),
  percent_bp: z.number().int().min(0).max(10_000).optional(),
  reason: shortTextSchema.optional(),
});

export const saleCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('scan'),
    scan: z.object({
      lookupKey: z.string().min(1).max(512),
      gtin: z.string().max(14).optional(),
      price: z.object({ amountMinor: z.number().int().min(0), decimals: z.number().int().min(0).max(6), currency: z.string().max(3).optional() }).optional(),
      weight: z.object({ grams: z.number().int().min(0) }).optional(),
    }),
    quantity: quantitySchema.optional(),
  }),
  z.object({ type: z.literal('add_sku'), sku: skuSchema, quantity: quantitySchema.optional(), open_price: nonNegMinorSchema.optional() }),
  z.object({ type: z.literal('add_weighed'), sku: skuSchema, weight: quantitySchema }),
  z.object({ type: z.literal('set_quantity'), line_id: idSchema, quantity: quantitySchema }),
  z.object({ type: z.literal('override_price'), line_id: idSchema, unit_price: nonNegMinorSchema, reason: shortTextSchema, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('discount_line'), line_id: idSchema, discount: commandDiscount, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('remove_line_discount'), line_id: idSchema }),
  z.object({ type: z.literal('discount_order'), discount: commandDiscount, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('remove_order_discount') }),
  z.object({ type: z.literal('reprice'), line_id: idSchema.optional() }),
  z.object({ type: z.literal('void_line'), line_id: idSchema, approval: approvalSchema.optional() }),
  z.object({ type: z.literal('set_tax_exemption'), exemption: taxExemptionSchema.nullable(), approval: approvalSchema.optional() }),
  z.object({ type: z.literal('tender_cash'), tendered: nonNegMinorSchema }),
  z.object({
    type: z.literal('tender_card'),
    result: z.object({
      status: z.enum(['approved', 'declined', 'unknown', 'cancelled']),
      amount: nonNegMinorSchema,
      processor: z.string().max(64),
      auth_code: z.string().max(16).optional(),
      masked_pan: z.string().max(19).optional(),
      card_brand: z.string().max(32).optional(),
      terminal_ref: z.string().max(64).optional(),
      message: z.string().max(200).optional(),
    }),
  }),
  z.object({ type: z.literal('tender_gift_card'), gift_card_id: idSchema, amount: nonNegMinorSchema }),
  z.object({ type: z.literal('remove_tender'), tender_id: idSchema }),
  z.object({ type: z.literal('complete') }),
  z.object({ type: z.literal('void_sale'), reason: shortTextSchema.optional(), approval: approvalSchema.optional() }),
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

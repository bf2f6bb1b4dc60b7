import { z } from 'zod';
import { currencySchema, idSchema, nonNegMinorSchema, unitSchema } from '../events/common';

// A sellable product as the register's price book holds it. `price` is integer minor units
// per unit (per kg for unit 'kg').

/** GTINs are stored and looked up in 14-digit form; EAN-8/UPC-A/EAN-13 are left-padded with zeros. */
export const productGtinSchema = z.string().regex(/^\d{8}$|^\d{12,14}$/, 'gtin must be 8, 12, 13 or 14 digits');

export const productSchema = z.object({
  sku: idSchema,
  /** GTINs and restricted-circulation lookup keys (the RCN with its price/weight digits zeroed). */
  gtins: z.array(productGtinSchema).max(32),
  name: z.string().min(1).max(120),
  /** Revenue category (ledger account per category). */
  category: idSchema,
  tax_category: idSchema,
  unit: unitSchema,
  price: nonNegMinorSchema,
  currency: currencySchema,
  active: z.boolean(),
  /** The cashier keys the price (e.g. deli "open department"); price is then only a default. */
  open_price: z.boolean().optional(),
  /**
   * A key on the register's quick-key grid, for goods without a barcode (bread, coffee, loose
   * produce; a kg item is weighed when its key is pressed). HQ sets it in the catalog, so it
   * reaches every register through the change log like any catalog field.
   */
  quick_key: z.object({
    group: z.string().min(1).max(24),
    position: z.number().int().min(0).max(999),
    label: z.string().min(1).max(24).optional(),
  }).strict().optional(),
});
export type Product = z.infer<typeof productSchema>;

export function toGtin14Key(gtin: string): string {
  return gtin.padStart(14, '0');
}

/**
 * The shape core's Product is checked in, from the hub's records as a register keeps them: the
 * catalog record and the store's price record (null: the catalog's own price). The register's
 * catalog view and its journal's validated-product table both build products with this, so a
 * product read from either is the same. `currency` is the last fallback, used only when neither
 * record names one.
 */
export function productCandidate(rec: Record<string, unknown>, price: Record<string, unknown> | null, currency: string | undefined): unknown {
  const gtins = Array.isArray(rec.gtins) ? rec.gtins : typeof rec.gtin === 'string' ? [rec.gtin] : Array.isArray(rec.barcodes) ? rec.barcodes : [];
  const p = price && typeof price.price === 'number' ? price.price : typeof price?.amount === 'number' ? price.amount : rec.price;
  return {
    sku: rec.sku,
    gtins,
    name: rec.name ?? rec.description,
    category: rec.category ?? 'general',
    tax_category: rec.tax_category ?? rec.category ?? 'general',
    unit: rec.unit ?? 'each',
    price: typeof p === 'object' && p !== null && 'amount' in p ? (p as { amount: number }).amount : p,
    currency: (price?.currency as string | undefined) ?? rec.currency ?? currency,
    active: rec.active ?? true,
    ...(rec.open_price !== undefined ? { open_price: rec.open_price } : {}),
    ...(rec.quick_key !== undefined ? { quick_key: rec.quick_key } : {}),
  };
}

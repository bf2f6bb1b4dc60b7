import { z } from 'zod';
import { currencySchema, idSchema, nonNegMinorSchema, unitSchema } from '../events/common';
import { KNOWN_CURRENCY_CODES } from '../money/currency';

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

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const GTIN_RE = /^\d{8}$|^\d{12,14}$/;
let currencies: ReadonlySet<string> | null = null;

/** A string's length in code points (a surrogate pair is one), as zod's min/max count it. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

/** A string of min..max code points. */
function textOf(v: unknown, min: number, max: number): v is string {
  if (typeof v !== 'string') return false;
  if (v.length >= min && v.length <= max && !/[\ud800-\udbff]/.test(v)) return true;
  const n = codePoints(v);
  return n >= min && n <= max;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What `productSchema.safeParse(x)` gives, without zod: the Product (a new object, unknown keys
 * dropped, keys in the schema's order) when the schema accepts `x`, else null. A register writes
 * every product of a chain's catalog through this on a snapshot, where zod's generic walk was
 * a measured share of the time (docs/performance.md, the catalog round). It checks exactly the
 * schema's rules; `product.test.ts` holds the two equal (same acceptance, same output) on
 * generated inputs, valid and not, so a change to productSchema that this does not follow fails.
 */
export function checkProduct(x: unknown): Product | null {
  if (!isObj(x)) return null;
  const { sku, gtins, name, category, tax_category, unit, price, currency, active, open_price, quick_key } = x;
  if (typeof sku !== 'string' || !ID_RE.test(sku)) return null;
  if (!Array.isArray(gtins) || gtins.length > 32) return null;
  for (const g of gtins) if (typeof g !== 'string' || !GTIN_RE.test(g)) return null;
  if (!textOf(name, 1, 120)) return null;
  if (typeof category !== 'string' || !ID_RE.test(category)) return null;
  if (typeof tax_category !== 'string' || !ID_RE.test(tax_category)) return null;
  if (unit !== 'each' && unit !== 'kg') return null;
  if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < 0) return null;
  currencies ??= new Set(KNOWN_CURRENCY_CODES);
  if (typeof currency !== 'string' || !currencies.has(currency)) return null;
  if (typeof active !== 'boolean') return null;
  if (open_price !== undefined && typeof open_price !== 'boolean') return null;
  const out: Product = { sku, gtins: gtins.slice() as string[], name, category, tax_category, unit, price, currency, active };
  if ('open_price' in x) out.open_price = open_price as boolean | undefined;
  if (quick_key !== undefined) {
    if (!isObj(quick_key)) return null;
    for (const k in quick_key) if (k !== 'group' && k !== 'position' && k !== 'label') return null;
    const { group, position, label } = quick_key;
    if (!textOf(group, 1, 24)) return null;
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0 || position > 999) return null;
    if (label !== undefined && !textOf(label, 1, 24)) return null;
    out.quick_key = 'label' in quick_key ? { group, position, label: label as string | undefined } : { group, position };
  } else if ('quick_key' in x) out.quick_key = undefined;
  return out;
}

import { z } from 'zod';
import { currencySchema } from '../events/common';
import { productSchema, toGtin14Key, type Product } from './product';
import { promotionActiveAt, promotionSchema, type Promotion } from './promotion';

// The register's local price book: products by sku, by GTIN (14-digit form, which is also
// the form of the barcode parser's `lookupKey` for GTINs and zeroed RCNs), plus promotions.
// A price book is immutable; a change makes a new version, so a sale's lines can keep the
// price they were rung up at.

/** An in-memory price book's bound (tests, small stores); a register's catalog lives in its indexed projection. */
export const MAX_PRODUCTS = 2_000_000;
export const MAX_PROMOTIONS = 1_000;

export class CatalogError extends Error {
  constructor(
    readonly code: 'DUPLICATE_SKU' | 'DUPLICATE_GTIN' | 'CURRENCY_MISMATCH' | 'STALE_VERSION' | 'DUPLICATE_PROMOTION' | 'INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

export const priceBookInputSchema = z.object({
  version: z.number().int().min(0),
  currency: currencySchema,
  products: z.array(productSchema).max(MAX_PRODUCTS),
  promotions: z.array(promotionSchema).max(MAX_PROMOTIONS).default([]),
});
export type PriceBookInput = z.input<typeof priceBookInputSchema>;

/** A keyed read, the one thing the sale engine asks of a price book's indexes. */
export interface KeyedLookup<V> {
  get(key: string): V | undefined;
}

/**
 * What the sale engine needs of a price book: keyed lookups by sku and by GTIN-14, and the
 * promotions. A register holding a chain's catalog (a million SKUs) answers these from its
 * indexed projection instead of building Maps in memory; `PriceBook` is the in-memory form.
 */
export interface PriceBookLookup {
  readonly version: number;
  readonly currency: string;
  readonly products: KeyedLookup<Product>;
  /** GTIN-14 → sku. */
  readonly byGtin: KeyedLookup<string>;
  readonly promotions: readonly Promotion[];
}

export interface PriceBook extends PriceBookLookup {
  readonly products: ReadonlyMap<string, Product>;
  readonly byGtin: ReadonlyMap<string, string>;
}

function build(version: number, currency: string, products: Iterable<Product>, promotions: readonly Promotion[]): PriceBook {
  const bySku = new Map<string, Product>();
  const byGtin = new Map<string, string>();
  for (const p of products) {
    if (p.currency !== currency) throw new CatalogError('CURRENCY_MISMATCH', `product ${p.sku} is priced in ${p.currency}; the price book is ${currency}`);
    if (bySku.has(p.sku)) throw new CatalogError('DUPLICATE_SKU', `sku ${p.sku} appears twice`);
    bySku.set(p.sku, p);
    for (const g of p.gtins) {
      const key = toGtin14Key(g);
      const owner = byGtin.get(key);
      if (owner !== undefined && owner !== p.sku) throw new CatalogError('DUPLICATE_GTIN', `gtin ${g} belongs to both ${owner} and ${p.sku}`);
      byGtin.set(key, p.sku);
    }
  }
  const promoIds = new Set<string>();
  for (const pr of promotions) {
    if (promoIds.has(pr.promotion_id)) throw new CatalogError('DUPLICATE_PROMOTION', `promotion ${pr.promotion_id} appears twice`);
    promoIds.add(pr.promotion_id);
  }
  return { version, currency, products: bySku, byGtin, promotions: [...promotions] };
}

/** Validates and indexes a price book. Throws CatalogError (or a zod error message wrapped in one) naming the problem. */
export function createPriceBook(input: PriceBookInput): PriceBook {
  const r = priceBookInputSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CatalogError('INVALID', `price book: ${i.path.join('.')}: ${i.message}`);
  }
  return build(r.data.version, r.data.currency, r.data.products, r.data.promotions);
}

export function lookupSku(book: PriceBookLookup, sku: string): Product | undefined {
  return book.products.get(sku);
}

export function lookupGtin(book: PriceBookLookup, gtin: string): Product | undefined {
  if (!/^\d{8,14}$/.test(gtin)) return undefined;
  const sku = book.byGtin.get(toGtin14Key(gtin));
  return sku === undefined ? undefined : book.products.get(sku);
}

/**
 * Finds the product for a scan's `lookupKey` (GTIN-14, zeroed RCN, or plain data): first as
 * a GTIN, then as a sku (internal labels often carry the sku itself).
 */
export function lookupKey(book: PriceBookLookup, key: string): Product | undefined {
  return lookupGtin(book, key) ?? lookupSku(book, key);
}

export interface PriceBookChange {
  /** Must be greater than the book's version. */
  version: number;
  upserts?: readonly Product[];
  /** Skus to drop from the book (prefer active:false, which keeps history readable). */
  removals?: readonly string[];
  promotions?: readonly Promotion[];
  removePromotions?: readonly string[];
}

/** A new price book with the change applied; the old one is untouched. */
export function applyPriceBookChange(book: PriceBook, change: PriceBookChange): PriceBook {
  if (!Number.isSafeInteger(change.version) || change.version <= book.version) {
    throw new CatalogError('STALE_VERSION', `price book change version ${change.version} is not newer than ${book.version}`);
  }
  const products = new Map(book.products);
  for (const sku of change.removals ?? []) products.delete(sku);
  for (const p of change.upserts ?? []) {
    const r = productSchema.safeParse(p);
    if (!r.success) throw new CatalogError('INVALID', `product ${String((p as { sku?: unknown }).sku)}: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    products.set(r.data.sku, r.data);
  }
  const promos = new Map(book.promotions.map((p) => [p.promotion_id, p]));
  for (const id of change.removePromotions ?? []) promos.delete(id);
  for (const p of change.promotions ?? []) {
    const r = promotionSchema.safeParse(p);
    if (!r.success) throw new CatalogError('INVALID', `promotion: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    promos.set(r.data.promotion_id, r.data);
  }
  return build(change.version, book.currency, products.values(), [...promos.values()]);
}

/** Promotions running at `nowIso`, in the order the sale engine applies them (priority, then id). */
export function activePromotions(book: PriceBookLookup, nowIso: string): Promotion[] {
  return book.promotions
    .filter((p) => promotionActiveAt(p, nowIso))
    .sort((a, b) => a.priority - b.priority || (a.promotion_id < b.promotion_id ? -1 : a.promotion_id > b.promotion_id ? 1 : 0));
}

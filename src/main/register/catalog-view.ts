import { createPriceBook, lookupKey, productSchema, promotionSchema, type PriceBook, type Product, type Promotion } from '../../core/catalog';
import { createTaxTable, type TaxTable } from '../../core/tax';
import type { Journal } from '../../sync';

// The register's price book and tax table, read from the journal's offline projections (the
// hub's snapshot and change log). Rebuilt after every applied store change. Records that do
// not fit core's Product are skipped and counted, never guessed.

export interface CatalogView {
  book: PriceBook;
  table: TaxTable;
  taxLabels: Map<string, string>;
  skipped: number;
  lookup(key: string): Product | undefined;
  search(query: string, limit: number): Product[];
}

const MAX_SEARCH_SCAN = 200_000;

function normalize(rec: Record<string, unknown>, price: Record<string, unknown> | null, currency: string): unknown {
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
  };
}

export function loadCatalogView(journal: Journal, currency: string): CatalogView {
  const products: Product[] = [];
  let skipped = 0;
  for (const rec of journal.listCatalog()) {
    const r = productSchema.safeParse(normalize(rec, journal.getPrice(String(rec.sku)), currency));
    if (r.success && r.data.currency === currency) products.push(r.data);
    else skipped++;
  }
  // Products the hub sent only as price records (no catalog entry) cannot be sold: no name.
  const state = journal.syncState();
  // Promotions from the hub (active ones that fit core's schema) go into the price book, so the
  // sale engine applies them.
  const promotions: Promotion[] = [];
  for (const raw of journal.listPromotions(1000)) {
    if (raw.active === false) continue;
    const r = promotionSchema.safeParse(raw);
    if (r.success) promotions.push(r.data);
    else skipped++;
  }
  let book: PriceBook;
  try {
    book = createPriceBook({ version: state.changeCursor, currency, products, promotions });
  } catch {
    book = createPriceBook({ version: state.changeCursor, currency, products });
    skipped++;
  }
  const taxSettings = journal.getSettings('tax');
  let table: TaxTable;
  const taxLabels = new Map<string, string>();
  try {
    table = createTaxTable(toTaxTableInput(taxSettings));
    for (const r of table.rates) taxLabels.set(r.code, r.label ?? r.code);
  } catch {
    table = createTaxTable({ rates: [] });
    skipped++;
  }
  return {
    book,
    table,
    taxLabels,
    skipped,
    lookup: (key) => lookupKey(book, key),
    search(query, limit) {
      const q = query.trim().toLowerCase();
      const out: Product[] = [];
      let n = 0;
      for (const p of book.products.values()) {
        if (++n > MAX_SEARCH_SCAN || out.length >= limit) break;
        if (!p.active) continue;
        if (!q || p.name.toLowerCase().includes(q) || p.sku.toLowerCase().includes(q) || p.gtins.some((g) => g.includes(q))) out.push(p);
      }
      return out;
    },
  };
}

/**
 * The hub's store tax settings as core/tax input. Accepts core's own shape, or the hub's
 * `{ rates: [{ ..., applies_to }], exempt_categories }` (categories listed per rate).
 */
export function toTaxTableInput(settings: Record<string, unknown>): Parameters<typeof createTaxTable>[0] {
  const src = (settings.table ?? settings) as { rates?: unknown; exempt_categories?: unknown; rounding?: unknown; rounding_mode?: unknown };
  if (!Array.isArray(src.rates)) return { rates: [] };
  const exempt = Array.isArray(src.exempt_categories) ? (src.exempt_categories as string[]) : [];
  return {
    ...(src.rounding ? { rounding: src.rounding as 'line' } : {}),
    ...(src.rounding_mode ? { rounding_mode: src.rounding_mode as 'half-up' } : {}),
    rates: (src.rates as Record<string, unknown>[]).map((r) => ({
      code: r.code as string,
      jurisdiction: r.jurisdiction as string,
      ...(typeof r.label === 'string' ? { label: r.label } : {}),
      rate_ppm: r.rate_ppm as number,
      inclusive: r.inclusive as boolean,
      compound: (r.compound as boolean | undefined) ?? false,
      categories: (r.categories ?? r.applies_to ?? ['*']) as string[],
      exempt_categories: [...((r.exempt_categories as string[] | undefined) ?? []), ...exempt],
    })),
  };
}

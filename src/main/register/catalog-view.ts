import { productCandidate, productSchema, promotionSchema, lookupKey, type KeyedLookup, type PriceBookLookup, type Product, type Promotion } from '../../core/catalog';
import type { StoreChange } from '../../core/protocol';
import { createTaxTable, type TaxTable } from '../../core/tax';
import type { CatalogEntry, RegisterJournal } from '../../core/register-api';

// The register's price book and tax table, read from the journal's offline projections (the
// hub's snapshot and change log). A chain's catalog (a million SKUs) is not copied into
// memory: products are read per lookup from the projection's indexes (barcode table, sku
// primary key, FTS5 over names), one joined query each, through a small bounded cache. A store
// change touches only what it names: a price or catalog change drops those skus from the cache,
// a stock change touches nothing here, promotions and tax are re-read when they change.
// Records that do not fit core's Product are not sellable and are counted, never guessed.

export interface QuickKey {
  sku: string;
  label: string;
  group: string;
  position: number;
  unit: Product['unit'];
  price: number;
  currency: string;
}

export interface CatalogView {
  /** The sale engine's price book: lookups by sku and GTIN-14 served from the projection. */
  readonly book: PriceBookLookup;
  readonly table: TaxTable;
  readonly taxLabels: Map<string, string>;
  /** Records read so far that did not fit core's Product (or the store's currency). */
  readonly skipped: number;
  lookup(key: string): Product | undefined;
  /** Active products by name words (prefixes, any order) or by sku / barcode prefix. */
  search(query: string, limit: number): Product[];
  /** The quick-key grid the hub's catalog configures (products with a quick_key). */
  quickKeys(): QuickKey[];
  /** Brings the view up to date after these changes were applied to the journal. */
  applyChanges(changes: readonly StoreChange[]): void;
  /** Re-reads everything (after a snapshot replaced the projections). */
  reload(): void;
  /** Stops the background rebuild of changed products. */
  close(): void;
}

const CACHE_LIMIT = 4_096;
const MAX_QUERY_WORDS = 8;
const MAX_PROMOTIONS = 1_000;

/** The words of a cashier's query, as FTS5 prefixes take them (letters and digits only). */
export function queryWords(query: string): string[] {
  return (query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_QUERY_WORDS);
}

export function loadCatalogView(journal: RegisterJournal, currency: string): CatalogView {
  let skipped = 0;
  // sku -> product (null: known not to exist or not sellable). Bounded; dropped per changed sku.
  const cache = new Map<string, Product | null>();
  const toProduct = (e: CatalogEntry | null): Product | null => {
    if (!e) return null;
    const r = productSchema.safeParse(productCandidate(e.item, e.price, currency));
    if (r.success && r.data.currency === currency) return r.data;
    skipped++;
    return null;
  };
  const remember = (sku: string, p: Product | null): Product | null => {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(sku, p);
    return p;
  };
  // The journal's checked product (catalog_products): written only after core's productSchema
  // accepted it, from the same records and with the same productCandidate as toProduct, so it
  // is read without a second schema check. Null when the journal is rebuilding it (its sources
  // just changed) or it never made a product: then the sources are read and checked here.
  const checked = (json: string | null): Product | null => {
    if (json === null) return null;
    const p = JSON.parse(json) as Product;
    return p.currency === currency ? p : null;
  };
  const bySku = (sku: string): Product | undefined => {
    const hit = cache.get(sku);
    if (hit !== undefined) return hit ?? undefined;
    return remember(sku, checked(journal.catalogProductBySku(sku)) ?? toProduct(journal.catalogEntry(sku))) ?? undefined;
  };
  const products: KeyedLookup<Product> = { get: bySku };
  const byGtin: KeyedLookup<string> = {
    get(gtin14) {
      const p = checked(journal.catalogProductByBarcode(gtin14)) ?? toProduct(journal.catalogEntryByBarcode(gtin14));
      if (!p) return undefined;
      remember(p.sku, p);
      return p.sku;
    },
  };

  // Products whose catalog record or price changed are rebuilt by the journal after the change,
  // a bounded batch at a time off the cashier's path (a 10,000-SKU price change is 10,000
  // rebuilds); until then their lookups read the sources.
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  const REFRESH_BATCH = 2_000;
  const scheduleRefresh = (): void => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      let left: number;
      try {
        left = journal.refreshCatalogProducts(REFRESH_BATCH);
      } catch {
        return; // a closed or busy journal: the next change or reload schedules it again
      }
      if (left > 0) scheduleRefresh();
    }, 20);
    (refreshTimer as { unref?: () => void }).unref?.();
  };

  let promotions: Promotion[] = [];
  let table: TaxTable = createTaxTable({ rates: [] });
  const taxLabels = new Map<string, string>();
  const readPromotions = (): void => {
    // Promotions from the hub (active ones that fit core's schema) go into the price book, so the
    // sale engine applies them.
    promotions = [];
    for (const raw of journal.listPromotions(MAX_PROMOTIONS)) {
      if (raw.active === false) continue;
      const r = promotionSchema.safeParse(raw);
      if (r.success) promotions.push(r.data);
      else skipped++;
    }
  };
  const readTax = (): void => {
    taxLabels.clear();
    try {
      table = createTaxTable(toTaxTableInput(journal.getSettings('tax')));
      for (const r of table.rates) taxLabels.set(r.code, r.label ?? r.code);
    } catch {
      table = createTaxTable({ rates: [] });
      skipped++;
    }
  };
  let version = journal.syncState().changeCursor;
  let book: PriceBookLookup;
  const rebuildBook = (): void => {
    version = journal.syncState().changeCursor;
    book = { version, currency, products, byGtin, promotions };
  };
  const reload = (): void => {
    cache.clear();
    readPromotions();
    readTax();
    rebuildBook();
    scheduleRefresh();
  };
  reload();

  return {
    get book() {
      return book;
    },
    get table() {
      return table;
    },
    taxLabels,
    get skipped() {
      return skipped;
    },
    lookup: (key) => lookupKey(book, key),
    search(query, limit) {
      const q = query.trim();
      if (!q) return [];
      const out: Product[] = [];
      const seen = new Set<string>();
      const add = (p: Product | null | undefined): void => {
        if (p && p.active && !seen.has(p.sku) && out.length < limit) {
          seen.add(p.sku);
          out.push(p);
        }
      };
      // A code first: a whole barcode, then skus starting with what was typed.
      if (/^\d{8,14}$/.test(q)) add(lookupKey(book, q));
      if (!/\s/.test(q)) for (const e of journal.searchCatalogSkus(q, limit)) add(toProduct(e));
      if (out.length < limit) for (const e of journal.searchCatalogNames(queryWords(q), limit * 2)) add(toProduct(e));
      return out;
    },
    quickKeys() {
      const keys: QuickKey[] = [];
      for (const e of journal.listQuickKeys()) {
        const p = toProduct(e);
        const qk = quickKeyOf(e.item);
        if (p && p.active && qk) keys.push({ sku: p.sku, label: qk.label ?? p.name, group: qk.group, position: qk.position, unit: p.unit, price: p.price, currency: p.currency });
      }
      return keys;
    },
    applyChanges(changes) {
      let promos = false;
      let tax = false;
      let products = false;
      for (const c of changes) {
        if (c.kind === 'price' || c.kind === 'catalog') {
          products = true;
          for (const sku of skusOfChange(c)) cache.delete(sku);
        }
        else if (c.kind === 'promotion') promos = true;
        else if (c.kind === 'tax') tax = true;
      }
      if (promos) readPromotions();
      if (tax) readTax();
      rebuildBook();
      if (products) scheduleRefresh();
    },
    reload,
    close() {
      if (refreshTimer) clearTimeout(refreshTimer);
      refreshTimer = null;
    },
  };
}

function quickKeyOf(rec: Record<string, unknown>): { group: string; position: number; label?: string } | null {
  const q = rec.quick_key as { group?: unknown; position?: unknown; label?: unknown } | undefined;
  if (!q || typeof q !== 'object' || typeof q.group !== 'string' || typeof q.position !== 'number') return null;
  return { group: q.group, position: q.position, ...(typeof q.label === 'string' ? { label: q.label } : {}) };
}

/** The skus a price or catalog change names (the hub's batches, or a single record). */
export function skusOfChange(ch: StoreChange): string[] {
  const out: string[] = [];
  if (typeof ch.payload.sku === 'string') out.push(ch.payload.sku);
  for (const key of ['prices', 'products']) {
    const arr = ch.payload[key];
    if (Array.isArray(arr)) for (const x of arr) if (x && typeof (x as { sku?: unknown }).sku === 'string') out.push((x as { sku: string }).sku);
  }
  return out;
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

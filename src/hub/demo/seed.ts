import { withCheckDigit } from '../../core/barcode/check-digit';
import type { Product } from '../../core/catalog';
import type { Db } from '../db/db';
import { applyHqChange } from '../hq-changes';
import { adjustStock } from '../stock';
import { createStoreSchema } from '../stores';
import { taxTableSchema, type TaxTableInput } from '../../core/tax';

// A demo chain for `npm start`, the register app and benchmarks: ~300 products with valid
// EAN-13 barcodes, a few weighed items under RCN prefix 25 (weight in grams embedded), tax
// rates, a price book per store and opening stock. Deterministic: the same options always
// give the same catalog.

export interface SeedDemoOptions {
  stores?: string[];
  products?: number;
  currency?: string;
  /** Opening stock per each-item (weighed items get 50 kg). */
  openingStock?: number;
}

export interface SeedDemoResult {
  stores: string[];
  /** Stores this call created and seeded (existing ones are left as they are). */
  created: string[];
  products: number;
  weighed: Product[];
  sample: Product[];
}

const WORDS = ['Apple', 'Banana', 'Bread', 'Butter', 'Cheese', 'Coffee', 'Cookies', 'Eggs', 'Flour', 'Honey', 'Jam', 'Juice', 'Milk', 'Noodles', 'Oats', 'Olive oil', 'Pasta', 'Rice', 'Salt', 'Soap', 'Soda', 'Sugar', 'Tea', 'Tissues', 'Tomatoes', 'Tuna', 'Water', 'Yogurt', 'Shampoo', 'Batteries'];
const SIZES = ['small', 'medium', 'large', '500 g', '1 kg', '1 L', '6-pack', 'family'];
const CATEGORIES: Array<{ category: string; tax_category: string }> = [
  { category: 'grocery', tax_category: 'food' },
  { category: 'beverages', tax_category: 'food' },
  { category: 'household', tax_category: 'general' },
  { category: 'health', tax_category: 'general' },
];

/** Deterministic pseudo-random numbers (mulberry32), so the demo is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoProducts(count = 300, currency = 'USD'): Product[] {
  if (!Number.isInteger(count) || count < 10 || count > 100_000) throw new Error('products: must be an integer 10..100000');
  const rand = rng(42);
  const out: Product[] = [];
  const weighed = Math.min(8, Math.floor(count / 30));
  for (let i = 0; i < count - weighed; i++) {
    const c = CATEGORIES[i % CATEGORIES.length]!;
    // GS1 prefix 400-440 (Germany) style company prefix + item reference; check digit computed.
    const ean13 = withCheckDigit(`4006381${String(100000 + i).slice(1)}`);
    out.push({
      sku: `SKU-${String(i + 1).padStart(5, '0')}`,
      gtins: [ean13],
      name: `${WORDS[i % WORDS.length]} ${SIZES[Math.floor(i / WORDS.length) % SIZES.length]}`,
      category: c.category,
      tax_category: c.tax_category,
      unit: 'each',
      price: 49 + Math.floor(rand() * 1950),
      currency,
      active: true,
    });
  }
  for (let i = 0; i < weighed; i++) {
    // RCN prefix 25: 5-digit item reference, 5-digit weight in grams; the lookup key has the weight zeroed.
    const body = `25${String(10 + i).padStart(5, '0')}00000`;
    const key = withCheckDigit(body);
    const name = ['Loose apples', 'Bananas', 'Cheddar (deli)', 'Ham (deli)', 'Tomatoes loose', 'Potatoes', 'Olives (deli)', 'Nuts mix'][i % 8]!;
    out.push({
      // Loose produce sits on the quick keys too (pressed, then weighed on the scale).
      ...(i % 8 === 0 || i % 8 === 1 || i % 8 === 4 || i % 8 === 5 ? { quick_key: { group: 'Produce', position: i } } : {}),
      sku: `WEIGHED-${String(i + 1).padStart(3, '0')}`,
      gtins: [key],
      name,
      category: 'grocery',
      tax_category: 'food',
      unit: 'kg',
      price: 199 + Math.floor(rand() * 1500),
      currency,
      active: true,
    });
  }
  return out;
}

/**
 * Goods sold over the counter without a barcode, on the register's quick keys: bakery and
 * coffee. The quick-key layout is part of the catalog (`quick_key`), so HQ changes it like
 * any product field and it reaches every register through the change log.
 */
export function demoCounterItems(currency = 'USD'): Product[] {
  const item = (sku: string, name: string, group: string, position: number, price: number, label?: string): Product => ({
    sku, gtins: [], name, category: 'grocery', tax_category: 'food', unit: 'each', price, currency, active: true,
    quick_key: { group, position, ...(label ? { label } : {}) },
  });
  return [
    item('BAKERY-ROLL', 'Bread roll', 'Bakery', 0, 45),
    item('BAKERY-BAGUETTE', 'Baguette', 'Bakery', 1, 249),
    item('BAKERY-CROISSANT', 'Croissant', 'Bakery', 2, 179),
    item('BAKERY-SOURDOUGH', 'Sourdough loaf 750 g', 'Bakery', 3, 549, 'Sourdough loaf'),
    item('COFFEE-SMALL', 'Coffee to go, small', 'Coffee', 0, 249, 'Coffee small'),
    item('COFFEE-LARGE', 'Coffee to go, large', 'Coffee', 1, 349, 'Coffee large'),
    item('COFFEE-ESPRESSO', 'Espresso', 'Coffee', 2, 199),
    item('COFFEE-TEA', 'Tea to go', 'Coffee', 3, 199),
  ];
}

/** Tax table in core/tax's shape (taxTableSchema): NY state + city sales tax on general goods, food exempt. */
export const DEMO_TAX: TaxTableInput = {
  rates: [
    { code: 'US-NY-STATE', jurisdiction: 'US-NY', label: 'NY State', rate_ppm: 40_000, inclusive: false, compound: false, categories: ['general'] },
    { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', label: 'NYC', rate_ppm: 48_750, inclusive: false, compound: false, categories: ['general'] },
  ],
  rounding: 'line',
  rounding_mode: 'half-up',
};

/** Creates the stores (if missing) with catalog, prices, tax rates and opening stock, each pushed to the change log. */
export async function seedDemoStore(db: Db, opts: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const stores = opts.stores ?? ['store-001'];
  const currency = opts.currency ?? 'USD';
  const products = [...demoProducts(opts.products ?? 300, currency), ...demoCounterItems(currency)];
  const opening = opts.openingStock ?? 40;
  const created: string[] = [];
  await db.transaction(async (tx) => {
    for (const [i, storeId] of stores.entries()) {
      const s = createStoreSchema.parse({
        store_id: storeId,
        name: `Demo store ${i + 1}`,
        currency,
        groups: ['demo', i % 2 === 0 ? 'north' : 'south'],
        tax: taxTableSchema.parse(DEMO_TAX),
        config: { time_zone: 'America/New_York', receipt_header: `Tillstream demo ${i + 1}` },
      });
      const ins = await tx.query(
        `INSERT INTO stores (store_id, name, currency, groups, tax, config) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (store_id) DO NOTHING RETURNING store_id`,
        [s.store_id, s.name, s.currency, s.groups, JSON.stringify(s.tax), JSON.stringify(s.config)],
      );
      if (ins.rows.length) created.push(storeId);
    }
    // Stores that already existed keep their data: seeding twice must not double the opening stock.
    if (created.length === 0) return;
    const target = { store_ids: created };
    // The catalog is chain-wide: a changed products row reaches every store's change log.
    await applyHqChange(tx, { kind: 'catalog', body: { target: { all: true }, products } });
    await applyHqChange(tx, { kind: 'price', body: { target, prices: products.map((p) => ({ sku: p.sku, amount: p.price })), reason: 'demo price book' } });
    for (const storeId of created) {
      await adjustStock(tx, {
        store_id: storeId,
        reason: 'opening',
        items: products.map((p) => (p.unit === 'kg' ? { sku: p.sku, quantity: { units: 50_000, scale: 3 } } : { sku: p.sku, quantity: { units: opening, scale: 0 } })),
      });
    }
  });
  return { stores, created, products: products.length, weighed: products.filter((p) => p.unit === 'kg'), sample: products.slice(0, 5) };
}

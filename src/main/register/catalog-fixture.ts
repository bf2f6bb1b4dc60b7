import { withCheckDigit } from '../../core/barcode/check-digit';
import type { StoreChange } from '../../core/protocol';
import type { Journal } from '../../sync';

// A chain-sized catalog for tests and benchmarks of the register's catalog (300,000 and
// 1,000,000 SKUs), delivered the way the hub delivers it: catalog and price changes of at
// most 20,000 items each through the journal's change log, so memory stays bounded while
// it loads. Deterministic: SKU i has barcode chainBarcode(i) and a name of three words.

const WORDS = ['Apple', 'Banana', 'Bread', 'Butter', 'Cheese', 'Coffee', 'Cookies', 'Eggs', 'Flour', 'Honey', 'Jam', 'Juice', 'Milk', 'Noodles', 'Oats', 'Olive', 'Pasta', 'Rice', 'Salt', 'Soap', 'Soda', 'Sugar', 'Tea', 'Tissues', 'Tomato', 'Tuna', 'Water', 'Yogurt', 'Shampoo', 'Batteries', 'Organic', 'Whole', 'Green', 'Brown', 'Smoked', 'Fresh', 'Crunchy', 'Vanilla', 'Mint', 'Lemon'];
const CHUNK = 20_000;

export const chainSku = (i: number): string => `C${String(i).padStart(7, '0')}`;
/** EAN-13 in the 200-299 "in-store" range is avoided (RCN); prefix 40 + 10 digits + check. */
export const chainBarcode = (i: number): string => withCheckDigit(`40${String(i).padStart(10, '0')}`);
export const chainName = (i: number): string =>
  `${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / WORDS.length) % WORDS.length]} ${WORDS[Math.floor(i / (WORDS.length * WORDS.length)) % WORDS.length]} ${100 + (i % 900)} g`;

function change(storeId: string, cursor: number, kind: StoreChange['kind'], payload: Record<string, unknown>): StoreChange {
  return { store_id: storeId, cursor, kind, payload, created_at: '2026-01-01T00:00:00.000Z' } as StoreChange;
}

/** Loads `count` products (catalog + price changes, 20,000 per change) into the journal after its cursor. */
export function loadChainCatalog(journal: Journal, storeId: string, count: number, currency = 'USD'): void {
  let cursor = journal.syncState().changeCursor;
  for (let from = 0; from < count; from += CHUNK) {
    const n = Math.min(CHUNK, count - from);
    const products = Array.from({ length: n }, (_, k) => {
      const i = from + k;
      return { sku: chainSku(i), gtins: [chainBarcode(i)], name: chainName(i), category: 'grocery', tax_category: i % 3 === 0 ? 'general' : 'food', unit: 'each', price: 49 + (i % 1950), currency, active: true };
    });
    const prices = products.map((p) => ({ sku: p.sku, amount: p.price, currency }));
    const r = journal.applyChanges([change(storeId, ++cursor, 'catalog', { products }), change(storeId, ++cursor, 'price', { prices })]);
    if (r.unprojected.length || r.applied.length !== 2) throw new Error(`catalog fixture did not apply: ${JSON.stringify(r.unprojected).slice(0, 300)}`);
  }
}

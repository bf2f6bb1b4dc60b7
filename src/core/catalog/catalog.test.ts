import { describe, expect, it } from 'vitest';
import { activePromotions, applyPriceBookChange, CatalogError, createPriceBook, lookupGtin, lookupKey, lookupSku } from './price-book';
import type { Product } from './product';

const prod = (sku: string, extra: Partial<Product> = {}): Product => ({
  sku,
  gtins: [],
  name: sku,
  category: 'grocery',
  tax_category: 'general',
  unit: 'each',
  price: 100,
  currency: 'USD',
  active: true,
  ...extra,
});

describe('price book', () => {
  const book = createPriceBook({
    version: 7,
    currency: 'USD',
    products: [prod('MILK', { gtins: ['012345678905'] }), prod('CHEESE', { unit: 'kg', gtins: ['2512345000006'] }), prod('GUM', { gtins: ['40170725'] })],
    promotions: [
      { promotion_id: 'B', name: 'b', kind: 'percent_off', percent_bp: 100, target: { skus: ['MILK'] } },
      { promotion_id: 'A', name: 'a', kind: 'percent_off', percent_bp: 100, target: { skus: ['MILK'] }, priority: 100 },
      { promotion_id: 'C', name: 'c', kind: 'percent_off', percent_bp: 100, target: { skus: ['MILK'] }, priority: 5 },
      { promotion_id: 'OFF', name: 'off', kind: 'percent_off', percent_bp: 100, target: { skus: ['MILK'] }, active: false },
    ],
  });

  it('finds products by sku, by any GTIN form, and by the barcode parser lookupKey (GTIN-14 / zeroed RCN)', () => {
    expect(lookupSku(book, 'MILK')?.sku).toBe('MILK');
    expect(lookupGtin(book, '012345678905')?.sku).toBe('MILK'); // UPC-A
    expect(lookupGtin(book, '0012345678905')?.sku).toBe('MILK'); // EAN-13
    expect(lookupKey(book, '00012345678905')?.sku).toBe('MILK'); // GTIN-14
    expect(lookupKey(book, '00000040170725')?.sku).toBe('GUM'); // EAN-8 as GTIN-14
    expect(lookupKey(book, '02512345000006')?.sku).toBe('CHEESE'); // RCN with weight zeroed
    expect(lookupKey(book, 'CHEESE')?.sku).toBe('CHEESE');
    expect(lookupKey(book, '99999999999999')).toBeUndefined();
    expect(lookupGtin(book, 'abc')).toBeUndefined();
  });

  it('orders active promotions by priority then id', () => {
    expect(activePromotions(book, '2026-01-01T00:00:00.000Z').map((p) => p.promotion_id)).toEqual(['C', 'A', 'B']);
  });

  it('refuses duplicates, foreign currency and invalid products with a named problem', () => {
    expect(() => createPriceBook({ version: 1, currency: 'USD', products: [prod('A'), prod('A')] })).toThrow(/sku A appears twice/);
    expect(() => createPriceBook({ version: 1, currency: 'USD', products: [prod('A', { gtins: ['40170725'] }), prod('B', { gtins: ['00000040170725'] })] })).toThrow(/belongs to both A and B/);
    expect(() => createPriceBook({ version: 1, currency: 'USD', products: [prod('A', { currency: 'EUR' })] })).toThrow(CatalogError);
    expect(() => createPriceBook({ version: 1, currency: 'USD', products: [prod('A', { price: 1.5 })] })).toThrow(/products\.0\.price/);
  });

  it('applies a change as a new version and leaves the old book untouched', () => {
    const next = applyPriceBookChange(book, { version: 8, upserts: [prod('MILK', { price: 120, gtins: ['012345678905'] }), prod('NEW')], removals: ['GUM'], removePromotions: ['B'] });
    expect(next.version).toBe(8);
    expect(lookupSku(next, 'MILK')?.price).toBe(120);
    expect(lookupSku(book, 'MILK')?.price).toBe(100);
    expect(lookupSku(next, 'GUM')).toBeUndefined();
    expect(lookupKey(next, '00000040170725')).toBeUndefined();
    expect(next.promotions.map((p) => p.promotion_id).sort()).toEqual(['A', 'C', 'OFF']);
    expect(() => applyPriceBookChange(book, { version: 7 })).toThrow(/not newer/);
    expect(() => applyPriceBookChange(book, { version: 9, upserts: [prod('X', { unit: 'lb' as never })] })).toThrow(CatalogError);
  });
});

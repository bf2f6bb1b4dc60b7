import { afterEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { applyMigrations, MIGRATIONS } from '../../sync';
import type { StoreChange } from '../../core/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { US_PRODUCTS, US_TAXES } from '../../core/sale/test-fixtures';
import { loadCatalogView } from './catalog-view';

// Promotions HQ publishes reach the register's price book through the journal's projection,
// so the sale engine applies them; switched-off and malformed ones stay out.
describe('register catalog view', () => {
  let dir: string;
  let journal: Journal;
  afterEach(() => {
    journal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts the hub\'s active promotions into the price book', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-catalog-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    const promo = (id: string, extra: Record<string, unknown> = {}) => ({
      promotion_id: id, name: `Promo ${id}`, kind: 'percent_off', percent_bp: 1000, target: { skus: ['SHIRT'] }, ...extra,
    });
    journal.applySnapshot({
      store_id: 'store-001', cursor: 1, catalog: US_PRODUCTS, prices: [], stock: [], tax: { rates: US_TAXES }, config: {},
      promotions: [promo('P-ON'), promo('P-OFF', { active: false }), promo('P-BAD', { percent_bp: -5 })],
    });
    const view = loadCatalogView(journal, 'USD');
    expect(view.book.promotions.map((p) => p.promotion_id)).toEqual(['P-ON']);
  });

  const open = () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-catalog-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    journal.applySnapshot({ store_id: 'store-001', cursor: 1, catalog: US_PRODUCTS, prices: [], stock: [], tax: { rates: US_TAXES }, config: {}, promotions: [] });
    return journal;
  };
  let cursor = 1;
  const change = (kind: StoreChange['kind'], payload: Record<string, unknown>): StoreChange =>
    ({ store_id: 'store-001', cursor: ++cursor, kind, payload, created_at: '2026-01-01T00:00:00Z' }) as StoreChange;
  const apply = (view: ReturnType<typeof loadCatalogView>, ...cs: StoreChange[]) => {
    const r = journal.applyChanges(cs);
    expect(r.unprojected).toEqual([]);
    view.applyChanges(r.applied);
  };

  it('a snapshot indexes every name once (the later record of a sku twice wins; description when no name) and search finds them', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-catalog-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    const base = { category: 'grocery', tax_category: 'food', unit: 'each', price: 100, currency: 'USD', active: true };
    journal.applySnapshot({
      store_id: 'store-001', cursor: 1, prices: [], stock: [], tax: { rates: US_TAXES }, config: {}, promotions: [],
      catalog: [
        { ...base, sku: 'A', gtins: ['4006381333931'], name: 'Walnut bread' },
        { ...base, sku: 'B', gtins: ['96385074'], description: 'Quince jelly' },
        { ...base, sku: 'A', gtins: ['4006381333948'], name: 'Hazelnut cake' },
        { ...base, sku: 'C', gtins: [], name: 42 },
      ],
    });
    const view = loadCatalogView(journal, 'USD');
    expect(view.search('hazel', 10).map((p) => p.sku)).toEqual(['A']);
    expect(view.search('walnut', 10)).toEqual([]);
    expect(journal.searchCatalogNames(['quin'], 10).map((e) => e.item.sku)).toEqual(['B']);
    expect(view.lookup('4006381333948')?.sku).toBe('A');
    expect(view.lookup('4006381333931')).toBeUndefined();
    expect(journal.catalogSize()).toBe(3);
  });

  it('is not rebuilt by a store change: a stock change reads nothing, a price change re-reads only its sku', () => {
    cursor = 1;
    const j = open();
    const view = loadCatalogView(j, 'USD');
    const shirt = US_PRODUCTS.find((p) => p.sku === 'SHIRT')!;
    const other = US_PRODUCTS.find((p) => p.sku !== 'SHIRT' && p.gtins.length > 0)!;
    expect(view.book.products.get('SHIRT')?.price).toBe(shirt.price);
    expect(view.lookup(other.gtins[0]!)?.sku).toBe(other.sku);
    const reads = vi.spyOn(j, 'catalogEntry');
    const lists = vi.spyOn(j, 'listPromotions');
    const tax = vi.spyOn(j, 'getSettings');
    apply(view, change('stock', { levels: [{ sku: 'SHIRT', on_hand: { units: 3, scale: 0 } }] }));
    expect(view.book.products.get('SHIRT')?.price).toBe(shirt.price);
    expect(view.book.products.get(other.sku)?.sku).toBe(other.sku);
    expect([reads.mock.calls.length, lists.mock.calls.length, tax.mock.calls.length]).toEqual([0, 0, 0]);
    apply(view, change('price', { prices: [{ sku: 'SHIRT', amount: shirt.price + 100, currency: 'USD' }] }));
    expect(view.book.products.get('SHIRT')?.price).toBe(shirt.price + 100);
    expect(view.book.products.get(other.sku)?.sku).toBe(other.sku);
    expect(reads.mock.calls.map((c) => c[0])).toEqual(['SHIRT']);
    expect(view.book.version).toBe(cursor);
  });

  it('follows catalog changes in its indexes: a deleted product, a barcode moved, a renamed product, quick keys', () => {
    cursor = 1;
    const j = open();
    const view = loadCatalogView(j, 'USD');
    const [a, b] = US_PRODUCTS.filter((p) => p.gtins.length > 0);
    apply(view, change('catalog', { products: [{ ...b!, gtins: [...a!.gtins], name: 'Brötchen Käse', quick_key: { group: 'Bakery', position: 2 } }, { ...a!, deleted: true }] }));
    expect(view.book.products.get(a!.sku)).toBeUndefined();
    expect(view.lookup(a!.gtins[0]!)?.sku).toBe(b!.sku);
    expect(view.lookup(b!.gtins[0]!)).toBeUndefined();
    // Words in any order, prefixes, without diacritics.
    expect(view.search('kas bro', 5).map((p) => p.sku)).toEqual([b!.sku]);
    expect(view.search(a!.name, 5).map((p) => p.sku)).not.toContain(a!.sku);
    expect(view.quickKeys()).toEqual([{ sku: b!.sku, label: 'Brötchen Käse', group: 'Bakery', position: 2, unit: b!.unit, price: b!.price, currency: 'USD' }]);
    // Typing FTS5 syntax finds nothing rather than failing.
    expect(view.search('" OR * NEAR(', 5)).toEqual([]);
  });

  it('backfills the lookup indexes when an older register upgrades', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-catalog-'));
    const file = path.join(dir, 'journal.sqlite');
    const db = new Database(file);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version === 1));
    const put = db.prepare('INSERT INTO catalog_items (sku, data) VALUES (?, ?)');
    put.run('A', JSON.stringify({ sku: 'A', gtins: ['4006381333931'], name: 'Organic coffee', price: 500, quick_key: { group: 'Hot', position: 1 } }));
    put.run('B', JSON.stringify({ sku: 'B', gtin: '12345670', name: 'Bread', price: 200 }));
    db.close();
    journal = openJournal(file, { terminalId: 'T01', storeId: 'store-001' });
    const view = loadCatalogView(journal, 'USD');
    expect(view.lookup('4006381333931')?.sku).toBe('A');
    expect(view.lookup('12345670')?.sku).toBe('B');
    expect(view.search('cof', 5).map((p) => p.sku)).toEqual(['A']);
    expect(view.quickKeys().map((k) => k.sku)).toEqual(['A']);
  });
});

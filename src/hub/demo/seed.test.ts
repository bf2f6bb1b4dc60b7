import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasValidCheckDigit } from '../../core/barcode/check-digit';
import { productSchema } from '../../core/catalog';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { demoCounterItems, demoProducts, seedDemoStore } from './seed';
import { storeSnapshot } from '../changes';

describe('demo products', () => {
  it('are valid catalog products with valid EAN-13 codes and a few RCN weighed items', () => {
    const ps = demoProducts(300);
    expect(ps).toHaveLength(300);
    for (const p of ps) {
      expect(productSchema.safeParse(p).success).toBe(true);
      expect(p.gtins[0]).toMatch(/^\d{13}$/);
      expect(hasValidCheckDigit(p.gtins[0]!)).toBe(true);
    }
    const weighed = ps.filter((p) => p.unit === 'kg');
    expect(weighed.length).toBeGreaterThan(2);
    for (const w of weighed) expect(w.gtins[0]).toMatch(/^2[0-9]/);
    expect(new Set(ps.flatMap((p) => p.gtins)).size).toBe(300);
  });
});

describe.each(testBackends())('seedDemoStore on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
  });
  afterAll(async () => t?.dispose());

  it('seeds stores with catalog, prices, stock; a second run changes nothing', async () => {
    const r = await seedDemoStore(t.db, { stores: ['D1', 'D2'] });
    expect(r.created).toEqual(['D1', 'D2']);
    const snap = await t.db.transaction((tx) => storeSnapshot(tx, 'D1'));
    // 300 scanned products plus the counter goods on the quick keys (no barcode).
    expect(snap.catalog).toHaveLength(300 + demoCounterItems().length);
    expect(snap.prices).toHaveLength(300 + demoCounterItems().length);
    expect(snap.catalog.filter((p) => (p as { quick_key?: unknown }).quick_key).length).toBeGreaterThanOrEqual(8 + 4);
    expect(snap.stock.find((s) => s.sku === 'SKU-00001')!.on_hand).toEqual({ units: 40, scale: 0 });
    expect(snap.stock.find((s) => s.sku === 'WEIGHED-001')!.on_hand).toEqual({ units: 50, scale: 0 });
    expect(snap.cursor).toBeGreaterThan(0);
    const again = await seedDemoStore(t.db, { stores: ['D1', 'D2'] });
    expect(again.created).toEqual([]);
    const snap2 = await t.db.transaction((tx) => storeSnapshot(tx, 'D1'));
    expect(snap2.stock).toEqual(snap.stock);
  });
});

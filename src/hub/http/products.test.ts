import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, seedStore, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';

// The catalog route the HQ console adds: products with a store's price and stock, paged by
// SKU, searched by name, SKU or barcode, scoped to the stores a user manages.

const product = (sku: string, name: string, gtin: string) => ({ sku, gtins: [gtin], name, category: 'grocery', tax_category: 'food', unit: 'each', price: 100, currency: 'USD', active: true });

describe.each(testBackends())('GET /api/products on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let mgrB: string;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', { 'P-1': 5 });
    await seedStore(t.db, 'B', {});
    hub = await startTestHub(t.db);
    mgrB = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-b', name: 'Manager B', role: 'store_manager', store_ids: ['B'] })).body.token;
    expect((await api(hub, 'POST', '/api/catalog', { products: [product('P-1', 'Oat milk 1 l', '4006381333931'), product('P-2', 'Rye bread', '4006381333948'), product('P-3', '50% off_sale', '4006381333955')] })).status).toBe(201);
    expect((await api(hub, 'POST', '/api/prices', { target: { store_ids: ['A'] }, prices: [{ sku: 'P-1', amount: 249 }] })).status).toBe(201);
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it("lists products with the store's price and stock, paged by SKU, searched by name, SKU or barcode", async () => {
    const p1 = await api(hub, 'GET', '/api/products?store_id=A&limit=2');
    expect(p1.status).toBe(200);
    expect(p1.body.products.map((p: { sku: string }) => p.sku)).toEqual(['P-1', 'P-2']);
    expect(p1.body.products[0]).toMatchObject({ name: 'Oat milk 1 l', price: { amount: 249, currency: 'USD' }, on_hand_decimal: '5' });
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await api(hub, 'GET', `/api/products?store_id=A&limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body).toMatchObject({ products: [{ sku: 'P-3' }], next_cursor: null });
    const bad = await api(hub, 'GET', '/api/products?store_id=A&cursor=xyz');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_CURSOR']);
    expect((await api(hub, 'GET', '/api/products?store_id=B&q=rye')).body.products.map((p: { sku: string }) => p.sku)).toEqual(['P-2']);
    expect((await api(hub, 'GET', '/api/products?store_id=B&q=4006381333931')).body.products.map((p: { sku: string }) => p.sku)).toEqual(['P-1']);
    // LIKE wildcards in the search are literal: "%" finds only the name with a percent sign.
    expect((await api(hub, 'GET', `/api/products?store_id=B&q=${encodeURIComponent('%')}`)).body.products.map((p: { sku: string }) => p.sku)).toEqual(['P-3']);
    expect((await api(hub, 'GET', '/api/products?store_id=B&q=_')).body.products.map((p: { sku: string }) => p.sku)).toEqual(['P-3']);
    // Store B has no price for P-1.
    expect((await api(hub, 'GET', '/api/products?store_id=B&q=P-1')).body.products[0].price).toBeNull();
    expect((await api(hub, 'GET', '/api/products?store_id=A', undefined, mgrB)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/products?store_id=A&limit=0')).status).toBe(400);
  });
});

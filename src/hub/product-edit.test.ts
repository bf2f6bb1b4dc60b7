import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { api, seedStore, startTestHub } from './testing/hub-fixture';
import { createUser } from './auth';
import type { HubHandle } from './server';
import { withCheckDigit } from '../core/barcode';

// PATCH /api/products/:sku: a product's catalog fields edited (a numbered version and a
// 'catalog' change to every store), its price set for some stores or all (a 'price' change to
// those stores), barcodes checked with core/barcode's GS1 check digit, bad input refused with
// a code and the field at fault, and nothing written when refused.

const MILK = { sku: 'MILK', gtins: [withCheckDigit('400638133393')], name: 'Milk', category: 'grocery', tax_category: 'food', unit: 'each', price: 100, currency: 'USD', active: true };
const EGGS = { sku: 'EGGS', gtins: [withCheckDigit('590123412345')], name: 'Eggs', category: 'grocery', tax_category: 'food', unit: 'each', price: 300, currency: 'USD', active: true };

describe.each(testBackends())('product edit on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'P1', {}, ['north']);
    await seedStore(t.db, 'P2', {}, ['south']);
    hub = await startTestHub(t.db);
    expect((await api(hub, 'POST', '/api/catalog', { products: [MILK, EGGS] })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  const changes = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM change_log`)).rows[0]!.n;

  it('edits name, category, tax class, barcodes and active: versioned and sent to every store as a catalog change', async () => {
    const before = await changes();
    const gtin = withCheckDigit('400638133394');
    const r = await api(hub, 'PATCH', '/api/products/MILK', { name: 'Whole milk 1 l', category: 'dairy', tax_category: 'reduced', gtins: [gtin], active: false, expected_version: 1 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.version).toBe(2);
    expect(r.body.product).toMatchObject({ sku: 'MILK', name: 'Whole milk 1 l', category: 'dairy', tax_category: 'reduced', gtins: [gtin], active: false, price: 100 });
    expect(r.body.changes.map((c: { store_id: string; kind: string }) => `${c.store_id}:${c.kind}`).sort()).toEqual(['P1:catalog', 'P2:catalog']);
    expect(Number(await changes())).toBe(Number(before) + 2);
    const payload = (await t.db.query<{ payload: { products: unknown[] } }>(`SELECT payload FROM change_log WHERE store_id = 'P1' AND kind = 'catalog' ORDER BY cursor DESC LIMIT 1`)).rows[0]!.payload;
    expect(payload.products).toEqual([expect.objectContaining({ sku: 'MILK', name: 'Whole milk 1 l', active: false })]);
    const versions = (await api(hub, 'GET', '/api/products/MILK/versions')).body.versions;
    expect(versions.map((v: { version: number; data: { name: string } }) => `${v.version}:${v.data.name}`)).toEqual(['2:Whole milk 1 l', '1:Milk']);
    const listed = (await api(hub, 'GET', '/api/products?store_id=P1&q=MILK')).body.products[0];
    expect(listed).toMatchObject({ name: 'Whole milk 1 l', category: 'dairy', tax_category: 'reduced', active: false, version: 2 });
  });

  it('sets the price for a group of stores (a price change to those stores only) or for all (the catalog default too)', async () => {
    const south = await api(hub, 'PATCH', '/api/products/EGGS', { price: { amount: 349, target: { groups: ['south'] } } });
    expect(south.status, JSON.stringify(south.body)).toBe(200);
    expect(south.body.changes).toEqual([expect.objectContaining({ store_id: 'P2', kind: 'price' })]);
    expect(south.body.version).toBe(1); // the catalog entry did not change
    const price = async (store: string) => (await api(hub, 'GET', `/api/products?store_id=${store}&q=EGGS`)).body.products[0].price;
    expect(await price('P2')).toEqual({ amount: 349, currency: 'USD' });
    expect(await price('P1')).toBeNull();
    const all = await api(hub, 'PATCH', '/api/products/EGGS', { price: { amount: 329 } });
    expect(all.status).toBe(200);
    expect(all.body.product.price).toBe(329);
    expect(all.body.changes.map((c: { store_id: string; kind: string }) => `${c.store_id}:${c.kind}`).sort()).toEqual(['P1:catalog', 'P1:price', 'P2:catalog', 'P2:price']);
    expect(await price('P1')).toEqual({ amount: 329, currency: 'USD' });
  });

  it('refuses bad input with a code naming the field, and writes nothing', async () => {
    const before = await changes();
    const eggsBarcode = EGGS.gtins[0]!;
    const bad: Array<[string, unknown, number, string, string]> = [
      ['MILK', { gtins: ['4006381333932'] }, 400, 'BAD_REQUEST', 'gtins.0'], // wrong check digit
      ['MILK', { gtins: ['12345'] }, 400, 'BAD_REQUEST', 'gtins.0'],
      ['MILK', { gtins: [withCheckDigit('400638133394'), `0${withCheckDigit('400638133394')}`] }, 400, 'BAD_REQUEST', 'gtins.1'], // the same barcode twice
      ['MILK', { gtins: [eggsBarcode] }, 409, 'CONFLICT', 'gtins.0'], // on EGGS already
      ['MILK', { name: '' }, 400, 'BAD_REQUEST', 'name'],
      ['MILK', { category: 'has space' }, 400, 'BAD_REQUEST', 'category'],
      ['MILK', { price: { amount: -1 } }, 400, 'BAD_REQUEST', 'price.amount'],
      ['MILK', { price: { amount: 1, target: { store_ids: ['NOPE'] } } }, 400, 'BAD_REQUEST', 'target.store_ids'],
      ['MILK', { name: 'x', expected_version: 1 }, 409, 'CONFLICT', 'expected_version'],
      ['MILK', { colour: 'red' }, 400, 'BAD_REQUEST', ''],
      ['MILK', {}, 400, 'BAD_REQUEST', ''],
      ['NOPE', { name: 'x' }, 404, 'NOT_FOUND', 'sku'],
    ];
    for (const [sku, body, status, code, field] of bad) {
      const r = await api(hub, 'PATCH', `/api/products/${sku}`, body);
      expect(r.status, `${sku} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body.error.code).toBe(code);
      if (field) expect(r.body.error.field).toBe(field);
    }
    expect(await changes()).toBe(before);
    expect((await api(hub, 'GET', '/api/products/MILK/versions')).body.versions).toHaveLength(2);
  });

  it('a store manager may not edit the chain-wide catalog', async () => {
    const mgr = await createUser(t.db, { user_id: 'mgr', name: 'Manager', role: 'store_manager', store_ids: ['P1'], token: true });
    const r = await api(hub, 'PATCH', '/api/products/MILK', { name: 'x' }, mgr.token!);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('FORBIDDEN');
  });
});

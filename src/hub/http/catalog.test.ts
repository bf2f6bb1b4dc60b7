import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, seedStore, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';

// Issue 9 item 8: the catalog is chain-wide. A store manager cannot change it (it would change
// the product every store sees), and every catalog change reaches every store's change log.

const product = { sku: 'P-1', gtins: ['4006381333931'], name: 'Thing', category: 'grocery', tax_category: 'food', unit: 'each', price: 150, currency: 'USD', active: true };

describe.each(testBackends())('catalog changes on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let mgr: string;
  const catalogEntries = async () => {
    const { rows } = await t.db.query<{ store_id: string; n: number }>(
      `SELECT s.store_id, count(c.cursor)::int AS n FROM stores s LEFT JOIN change_log c ON c.store_id = s.store_id AND c.kind = 'catalog' GROUP BY s.store_id ORDER BY s.store_id`,
    );
    return Object.fromEntries(rows.map((r) => [r.store_id, r.n]));
  };
  beforeAll(async () => {
    t = await openTestDb(backend);
    for (const s of ['A', 'B', 'C']) await seedStore(t.db, s, {});
    hub = await startTestHub(t.db);
    mgr = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-a', name: 'Manager A', role: 'store_manager', store_ids: ['A'] })).body.token;
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it("a store manager cannot change the shared catalog, even naming only their own store", async () => {
    const before = await catalogEntries();
    const r = await api(hub, 'POST', '/api/catalog', { target: { store_ids: ['A'] }, products: [{ ...product, name: 'Renamed by A' }] }, mgr);
    expect(r.status).toBe(403);
    const r2 = await api(hub, 'POST', '/api/catalog', { products: [product] }, mgr);
    expect(r2.status).toBe(403);
    const rows = await t.db.query(`SELECT data FROM products WHERE sku = 'P-1'`);
    expect(rows.rows).toEqual([]);
    expect(await catalogEntries()).toEqual(before);
  });

  it('HQ cannot aim a catalog change at some stores only; a chain-wide one reaches every store', async () => {
    const before = await catalogEntries();
    const partial = await api(hub, 'POST', '/api/catalog', { target: { store_ids: ['A'] }, products: [product] });
    expect(partial.status).toBe(400);
    expect(partial.body.error.field).toMatch(/^target/);
    expect(await catalogEntries()).toEqual(before);
    const ok = await api(hub, 'POST', '/api/catalog', { products: [product] });
    expect(ok.status).toBe(201);
    expect(ok.body.stores).toEqual(['A', 'B', 'C']);
    const after = await catalogEntries();
    for (const s of ['A', 'B', 'C']) expect(after[s]).toBe(before[s]! + 1);
  });
});

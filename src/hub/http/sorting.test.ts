import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../testing/hub-fixture';
import type { RegisterSim } from '../testing/register-sim';
import type { HubHandle } from '../server';
import { createStore } from '../stores';
import { SIGNED_AMOUNT_SQL } from '../sales-figures';
import { encodeCursor } from './paging';

// Sorted lists (paging.ts `sortable`): paging through a list sorted by any allowed column, in
// either direction, at any page size, returns every row exactly once, in the order the
// database gives the whole list sorted by that column and its tiebreakers, ties included.
// The data is made with many ties (few names, few amounts). A cursor of one sort is refused
// by another; a sort outside the allow-list is refused.

const NAMES = ['ann', 'Ann', 'bob', 'Bob', 'Émile', 'zoë', 'Zoë', 'ann b'];

describe.each(testBackends())('sorted lists on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let reg: RegisterSim;
  let run = 0;

  /** Every page of `path` with `limit`, concatenated. */
  const walk = async (path: string, key: string, limit: number) => {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    for (let i = 0; i < 500; i++) {
      const r = await api(hub, 'GET', `${path}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body[key].length).toBeLessThanOrEqual(limit);
      out.push(...r.body[key]);
      cursor = r.body.next_cursor;
      if (!cursor) return out;
    }
    throw new Error('paging did not end');
  };
  /** The ids of the whole list in the order SQL gives it (written here, not taken from the route). */
  const expected = async (sql: string, params: unknown[] = []) => (await t.db.query<{ id: string }>(sql, params)).rows.map((r) => r.id);
  const dir = (sort: string) => (sort.startsWith('-') ? 'DESC' : 'ASC');
  const noDupes = (ids: string[]) => expect(new Set(ids).size).toBe(ids.length);

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', { X: 1000 });
    hub = await startTestHub(t.db);
    reg = await enrollRegister(t.db, 'A', 'A-1');
    await reg.connect(hub.url);
    await reg.hello();
    // 30 sales of only three totals (250, 500, 750): ties on the sort key everywhere.
    const sales = Array.from({ length: 30 }, (_, i) => reg.sell([{ sku: 'X', units: 1 + (i % 3), unit_price: 250 }]));
    expect(await reg.push(sales)).toMatchObject({ ok: true, applied_through: 30 });
  }, 120_000);
  afterAll(async () => {
    reg?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('sales sorted by time or total page every row exactly once in order, ties included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('time', '-time', 'total', '-total'), fc.integer({ min: 1, max: 9 }), async (sort, limit) => {
        const rows = await walk(`/api/sales?sort=${sort}`, 'sales', limit);
        const ids = rows.map((r) => String(r.event_id));
        noDupes(ids);
        const d = dir(sort);
        const key = sort.endsWith('total') ? `(${SIGNED_AMOUNT_SQL}) ${d}, ` : '';
        expect(ids).toEqual(await expected(`SELECT e.event_id::text AS id FROM journal_events e WHERE e.type LIKE 'sale.%' ORDER BY ${key}e.occurred_at ${d}, e.terminal_id ${d}, e.seq ${d}`));
        if (sort.endsWith('total')) {
          const amounts = rows.map((r) => Number(r.amount));
          expect(amounts).toEqual([...amounts].sort((a, b) => (d === 'ASC' ? a - b : b - a)));
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('stock and products sorted by any column page exactly once in order (property, data with ties)', async () => {
    const level = fc.record({
      name: fc.option(fc.constantFrom(...NAMES), { nil: null }),
      on_hand: fc.constantFrom('0', '1', '1.5', '-2', '10', '1.500'),
      price: fc.option(fc.constantFrom(0, 100, 250), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(level, { minLength: 0, maxLength: 20 }),
        fc.constantFrom('sku', '-sku', 'name', '-name', 'quantity', '-quantity', 'value', '-value'),
        fc.constantFrom('sku', '-sku', 'name', '-name'),
        fc.integer({ min: 1, max: 7 }),
        async (levels, stockSort, productSort, limit) => {
          const store = `S${++run}`;
          await createStore(t.db, { store_id: store, name: store, currency: 'USD', groups: [] });
          for (const [i, l] of levels.entries()) {
            const sku = `${store}-P${String(i).padStart(2, '0')}`;
            if (l.name !== null) await t.db.query(`INSERT INTO products (sku, data) VALUES ($1, $2::jsonb)`, [sku, JSON.stringify({ sku, name: l.name, category: 'c' })]);
            await t.db.query(`INSERT INTO stock_levels (store_id, sku, on_hand) VALUES ($1, $2, $3::numeric)`, [store, sku, l.on_hand]);
            if (l.price !== null) await t.db.query(`INSERT INTO prices (store_id, sku, amount, currency) VALUES ($1, $2, $3, 'USD')`, [store, sku, l.price]);
          }
          const stock = (await walk(`/api/stock?store_id=${store}&sort=${stockSort}`, 'stock', limit)).map((r) => String(r.sku));
          noDupes(stock);
          const d = dir(stockSort);
          const col = stockSort.replace('-', '');
          const key = { sku: '', name: `lower(coalesce(p.data->>'name', l.sku)) ${d}, `, quantity: `l.on_hand ${d}, `, value: `coalesce(round(l.on_hand * pr.amount), 0) ${d}, ` }[col];
          expect(stock).toEqual(
            await expected(
              `SELECT l.sku AS id FROM stock_levels l LEFT JOIN products p ON p.sku = l.sku LEFT JOIN prices pr ON pr.store_id = l.store_id AND pr.sku = l.sku
                WHERE l.store_id = $1 ORDER BY ${key}l.sku ${d}`,
              [store],
            ),
          );
          // Products are chain-wide: only this run's, by its prefix as the search.
          const products = (await walk(`/api/products?store_id=${store}&q=${store}-P&sort=${productSort}`, 'products', limit)).map((r) => String(r.sku));
          noDupes(products);
          const pd = dir(productSort);
          expect(products).toEqual(
            await expected(`SELECT p.sku AS id FROM products p WHERE p.sku LIKE $1 ORDER BY ${productSort.endsWith('name') ? `lower(coalesce(p.data->>'name', p.sku)) ${pd}, ` : ''}p.sku ${pd}`, [`${store}-P%`]),
          );
        },
      ),
      { numRuns: 15 },
    );
  }, 240_000);

  it('customers and gift cards sorted by any column page exactly once in order (property, data with ties)', async () => {
    const customer = fc.record({ name: fc.constantFrom(...NAMES), points: fc.option(fc.constantFrom(-3, 0, 5, 12), { nil: null }), days: fc.constantFrom(0, 1, 2) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(customer, { maxLength: 20 }),
        fc.array(fc.constantFrom(-100, 0, 500, 2500), { maxLength: 12 }),
        fc.constantFrom('name', '-name', 'points', '-points', 'since', '-since'),
        fc.constantFrom('number', '-number', 'balance', '-balance'),
        fc.integer({ min: 1, max: 7 }),
        async (customers, cards, customerSort, cardSort, limit) => {
          await t.db.query(`DELETE FROM value_accounts`);
          await t.db.query(`DELETE FROM customers`);
          for (const [i, c] of customers.entries()) {
            const id = `c-${String(i).padStart(2, '0')}`;
            // Equal creation times for ties on "since".
            await t.db.query(`INSERT INTO customers (customer_id, name, created_by, created_at) VALUES ($1, $2, 'test', '2026-11-01T00:00:00Z'::timestamptz + $3 * interval '1 day')`, [id, c.name, c.days]);
            if (c.points !== null) await t.db.query(`INSERT INTO value_accounts (account_id, kind, ref, balance) VALUES ($1, 'points', $2, $3)`, [`points:${id}`, id, c.points]);
          }
          for (const [i, b] of cards.entries()) {
            const id = `60000${String(i).padStart(4, '0')}`;
            await t.db.query(`INSERT INTO value_accounts (account_id, kind, ref, currency, balance) VALUES ($1, 'gift_card', $2, 'USD', $3)`, [`gift:${id}`, id, b]);
          }
          const got = (await walk(`/api/customers?sort=${customerSort}`, 'customers', limit)).map((r) => String(r.customer_id));
          noDupes(got);
          const d = dir(customerSort);
          const key = { name: 'lower(c.name)', points: 'coalesce(a.balance, 0)', since: 'c.created_at' }[customerSort.replace('-', '') as 'name'];
          expect(got).toEqual(
            await expected(`SELECT c.customer_id AS id FROM customers c LEFT JOIN value_accounts a ON a.kind = 'points' AND a.ref = c.customer_id ORDER BY ${key} ${d}, c.customer_id ${d}`),
          );
          const gotCards = (await walk(`/api/gift-cards?sort=${cardSort}`, 'cards', limit)).map((r) => String(r.gift_card_id));
          noDupes(gotCards);
          const cd = dir(cardSort);
          expect(gotCards).toEqual(await expected(`SELECT ref AS id FROM value_accounts WHERE kind = 'gift_card' ORDER BY ${cardSort.endsWith('balance') ? `balance ${cd}, ` : ''}account_id ${cd}`));
        },
      ),
      { numRuns: 15 },
    );
  }, 240_000);

  it('refuses a cursor of another sort (CURSOR_SORT_MISMATCH) and a sort outside the allow-list', async () => {
    const first = await api(hub, 'GET', '/api/sales?sort=-total&limit=2');
    const cursor = first.body.next_cursor as string;
    expect((await api(hub, 'GET', `/api/sales?sort=-total&limit=2&cursor=${cursor}`)).status).toBe(200);
    for (const other of ['total', '-time', '']) {
      const r = await api(hub, 'GET', `/api/sales?${other ? `sort=${other}&` : ''}limit=2&cursor=${cursor}`);
      expect([r.status, r.body.error.code, r.body.error.field], other).toEqual([400, 'CURSOR_SORT_MISMATCH', 'cursor']);
    }
    // A cursor of another list stays BAD_CURSOR, sorted or not.
    expect((await api(hub, 'GET', `/api/sales?sort=-time&cursor=${encodeCursor('stock', ['X'], '-time')}`)).body.error.code).toBe('BAD_CURSOR');
    // A damaged key under the right sort is BAD_CURSOR too.
    expect((await api(hub, 'GET', `/api/sales?sort=-total&cursor=${encodeCursor('sales', ['1.5', '2026-01-01T00:00:00Z', 'A-1', '1'], '-total')}`)).body.error.code).toBe('BAD_CURSOR');
    for (const [path, field] of [
      ['/api/sales?sort=cashier', 'sort'],
      ['/api/sales?sort=--total', 'sort'],
      ['/api/stock?store_id=A&sort=price', 'sort'],
      ['/api/products?store_id=A&sort=price', 'sort'],
      ['/api/customers?sort=email', 'sort'],
      ['/api/gift-cards?sort=held', 'sort'],
    ] as const) {
      const r = await api(hub, 'GET', path);
      expect([r.status, r.body.error.code, r.body.error.field], path).toEqual([400, 'BAD_REQUEST', field]);
    }
  });
});

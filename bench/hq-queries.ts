// HQ console queries at chain scale (issue 12): a year of generated sales for 200 stores, one
// register each, written straight into the journal table by SQL (generate_series), and the
// hourly figures built from it with the same aggregate ingest maintains (sales_hourly). Then,
// through the hub's HTTP API as the console calls it: the dashboard for today by hour and for
// the whole year by day (all stores), and the sales explorer (a store's week, a receipt
// number, a card's last four in a store's month). Each p50/p99 is printed next to the floor
// of the same run, GET /health (one HTTP round trip and SELECT 1), and their ratio.
// Sorted lists (docs/hub.md "Sorting"): the sales by total (the chain, a store, a store's
// week, and a page 20 pages deep), and, over 100,000 customers and a store holding 20,000
// SKUs, customers by points, stock by value and products by name.
// Usage: node bin/run-ts.mjs bench/hq-queries.ts [sales-per-store-per-day]   (PGlite; Postgres too with DATABASE_URL)
import { openDb } from '../src/hub/db/db';
import { migrate } from '../src/hub/db/migrate';
import { randomSchema } from '../src/hub/testing/test-db';
import { ADMIN_TOKEN, startTestHub } from '../src/hub/testing/hub-fixture';

const STORES = 200;
const DAYS = 365;
const PER_DAY = Number(process.argv[2] ?? 6);
const ROUNDS = 60;
const CUSTOMERS = 100_000;
const SKUS = 20_000;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(name: string, opts: { databaseUrl?: string }) {
  const schema = randomSchema();
  const db = await openDb({ ...opts, schema });
  try {
    await migrate(db);
    const t0 = performance.now();
    await db.exec(`
      INSERT INTO stores (store_id, name, currency) SELECT 'S-' || lpad(i::text, 3, '0'), 'Store ' || i, 'USD' FROM generate_series(1, ${STORES}) i;
      INSERT INTO terminals (terminal_id, store_id) SELECT 'T-' || lpad(i::text, 3, '0'), 'S-' || lpad(i::text, 3, '0') FROM generate_series(1, ${STORES}) i;
    `);
    // One statement per store keeps each transaction small on PGlite.
    for (let s = 1; s <= STORES; s++) {
      const id = String(s).padStart(3, '0');
      await db.query(
        `INSERT INTO journal_events (terminal_id, seq, event_id, store_id, type, occurred_at, payload, prev_hash, hash)
         SELECT 'T-${id}', n, gen_random_uuid(), 'S-${id}',
                CASE WHEN n % 20 = 0 THEN 'sale.refunded' ELSE 'sale.completed' END,
                date_trunc('day', now()) - make_interval(days => (n - 1) / ${PER_DAY}) + make_interval(hours => 8 + (n * 7) % 12, mins => (n * 13) % 60),
                jsonb_build_object('currency', 'USD', 'cashier_id', 'c' || (n % 7), 'sale_id', gen_random_uuid(),
                  'totals', jsonb_build_object('total', 100 + (n * 37) % 9000),
                  'tenders', jsonb_build_array(jsonb_build_object('kind', 'card', 'masked_pan', '476173******' || lpad(((n * 31) % 10000)::text, 4, '0')))),
                'x', 'x'
           FROM generate_series(1, ${PER_DAY * DAYS}) n`,
      );
    }
    await db.exec(`
      INSERT INTO sales_hourly (store_id, hour, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
      SELECT store_id, date_trunc('hour', occurred_at), 'USD',
             count(*) FILTER (WHERE type = 'sale.completed'), coalesce(sum((payload->'totals'->>'total')::bigint) FILTER (WHERE type = 'sale.completed'), 0),
             count(*) FILTER (WHERE type = 'sale.refunded'), coalesce(-sum((payload->'totals'->>'total')::bigint) FILTER (WHERE type = 'sale.refunded'), 0), 0, 0
        FROM journal_events GROUP BY 1, 2;
      INSERT INTO sales_daily (store_id, day, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
      SELECT store_id, (hour AT TIME ZONE 'UTC')::date, currency, sum(sales_count), sum(sales_total), sum(refunds_count), sum(refunds_total), sum(voids_count), sum(voids_total)
        FROM sales_hourly GROUP BY 1, 2, 3;
    `);
    // Customers (half with a points account, balances with many ties) and one store's goods.
    await db.exec(`
      INSERT INTO customers (customer_id, name, created_by, created_at)
      SELECT 'c' || i, 'Customer ' || (i % 5000), 'bench', now() - make_interval(days => i % 700) FROM generate_series(1, ${CUSTOMERS}) i;
      INSERT INTO value_accounts (account_id, kind, ref, balance) SELECT 'points:c' || i, 'points', 'c' || i, (i * 7919) % 3000 FROM generate_series(1, ${CUSTOMERS}, 2) i;
      INSERT INTO products (sku, data) SELECT 'P' || lpad(i::text, 6, '0'), jsonb_build_object('sku', 'P' || lpad(i::text, 6, '0'), 'name', 'Product ' || (i % 4000), 'category', 'c') FROM generate_series(1, ${SKUS}) i;
      INSERT INTO stock_levels (store_id, sku, on_hand) SELECT 'S-001', 'P' || lpad(i::text, 6, '0'), (i * 37) % 200 - 5 FROM generate_series(1, ${SKUS}) i;
      INSERT INTO prices (store_id, sku, amount, currency) SELECT 'S-001', 'P' || lpad(i::text, 6, '0'), 100 + (i * 53) % 5000, 'USD' FROM generate_series(1, ${SKUS}) i;
      ANALYZE;
    `);
    const n = (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM journal_events`)).rows[0]!.n;
    const h = (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM sales_hourly`)).rows[0]!.n;
    console.log(`${name}: ${Number(n).toLocaleString('en')} sales and refunds over ${DAYS} days in ${STORES} stores (${Number(h).toLocaleString('en')} hourly figure rows), generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000, httpRateLimit: { max: 1_000_000, windowMs: 60_000 } } as never);
    const get = async (path: string) => {
      const t = performance.now();
      const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
      return { ms: performance.now() - t, body };
    };
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - DAYS * 86_400_000).toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const store = (i: number) => `S-${String(1 + (i % STORES)).padStart(3, '0')}`;
    const queries: Array<[string, (i: number) => string]> = [
      ['dashboard, today by hour, all stores', () => `/api/dashboard`],
      ['dashboard, the year by day, all stores', () => `/api/dashboard?from=${yearAgo}&to=${tomorrow}&bucket=day`],
      ['sales explorer, a store’s week, first page', (i) => `/api/sales?store_id=${store(i)}&from=${weekAgo}&limit=50`],
      ['sales explorer, a receipt number', (i) => `/api/sales?receipt_no=T-${String(1 + (i % STORES)).padStart(3, '0')}-${String(1 + ((i * 97) % (PER_DAY * DAYS))).padStart(6, '0')}`],
      ['sales explorer, card last four in a store’s month', (i) => `/api/sales?store_id=${store(i)}&from=${monthAgo}&card_last4=${String((i * 31) % 10000).padStart(4, '0')}`],
    ];
    // A cursor 20 pages deep into the chain's sales by total (the keyset makes depth free).
    let deep = '';
    for (let i = 0; i < 20; i++) deep = (JSON.parse((await get(`/api/sales?sort=-total&limit=50${deep ? `&cursor=${deep}` : ''}`)).body) as { next_cursor: string }).next_cursor;
    queries.push(
      ['sales by total, all stores, first page', () => `/api/sales?sort=-total&limit=50`],
      ['sales by total, all stores, page 21', () => `/api/sales?sort=-total&limit=50&cursor=${deep}`],
      ['sales by total, a store', (i) => `/api/sales?store_id=${store(i)}&sort=-total&limit=50`],
      ['sales by total, a store’s week', (i) => `/api/sales?store_id=${store(i)}&from=${weekAgo}&sort=-total&limit=50`],
      [`customers by points (${CUSTOMERS.toLocaleString('en')})`, () => `/api/customers?sort=-points&limit=25`],
      ['customers by name', () => `/api/customers?sort=name&limit=25`],
      [`stock by value, a store of ${SKUS.toLocaleString('en')} SKUs`, () => `/api/stock?store_id=S-001&sort=-value&limit=50`],
      ['stock by quantity, the same store', () => `/api/stock?store_id=S-001&sort=quantity&limit=50`],
      ['products by name', () => `/api/products?store_id=S-001&sort=name&limit=50`],
    );
    for (const [, q] of queries) await get(q(0)); // warm
    const floor: number[] = [];
    const times = queries.map(() => [] as number[]);
    for (let i = 0; i < ROUNDS; i++) {
      // Interleaved with the floor, so both see the same load on the shared cores.
      floor.push((await get('/health')).ms);
      for (let k = 0; k < queries.length; k++) times[k]!.push((await get(queries[k]![1](i + 1))).ms);
    }
    const f50 = pct(floor, 50);
    const f99 = pct(floor, 99);
    console.log(`  floor, GET /health: p50 ${f50.toFixed(1)} ms, p99 ${f99.toFixed(1)} ms (${ROUNDS} rounds)`);
    queries.forEach(([label], k) => {
      const p50 = pct(times[k]!, 50);
      const p99 = pct(times[k]!, 99);
      console.log(`  ${label}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms | ratio to floor p50 ${(p50 / f50).toFixed(1)}×, p99 ${(p99 / f99).toFixed(1)}×`);
    });
    await hub.close();
    if (opts.databaseUrl) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  } finally {
    await db.close();
  }
}

await run('pglite', {});
if (process.env.DATABASE_URL) await run('postgres', { databaseUrl: process.env.DATABASE_URL });

import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { SnapshotPageAck, SnapshotSection } from '../../src/core/protocol';
import { adjustStock, createStore } from '../../src/hub';
import { openDb, type Db } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { applyHqChange } from '../../src/hub/hq-changes';
import { storeSnapshotPage } from '../../src/hub/snapshot-page';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';

// The paged snapshot walks each section in byte order of its keys (docs/sync-protocol.md 4.5b),
// whatever collation the hub's database has: a register replaces each page's key range by
// byte comparison, so a page in a language's order ("a1" < "B2") would delete rows an earlier
// page wrote. Checked on PGlite, on Postgres, and on a Postgres database whose default
// collation is ICU en-US (mixed case and punctuation sort differently there).

const SKUS = ['a1', 'B2', 'c-3', 'C.4', 'b/5', 'A6', '7z', 'Z8', 'z9', '10', '9', 'a.b', 'a-b', 'A:B'];
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function seed(db: Db): Promise<void> {
  await migrate(db);
  await createStore(db, { store_id: 'KO', name: 'Key order', currency: 'USD' });
  await db.transaction(async (tx) => {
    const products = SKUS.map((sku, i) => ({ sku, gtins: [] as string[], name: `Item ${sku}`, category: 'general', tax_category: 'general', unit: 'each' as const, price: 100 + i, currency: 'USD', active: true }));
    await applyHqChange(tx, { kind: 'catalog', body: { target: { all: true }, products } });
    await applyHqChange(tx, { kind: 'price', body: { target: { store_ids: ['KO'] }, prices: SKUS.map((sku) => ({ sku, amount: 5 })) } });
    await adjustStock(tx, { store_id: 'KO', reason: 'opening', items: SKUS.map((sku) => ({ sku, quantity: { units: 1, scale: 0 } })) });
  });
}

async function walk(db: Db, limit: number): Promise<Record<string, string[]>> {
  const seen: Record<string, string[]> = {};
  let req: { section: SnapshotSection; after: string; limit: number } | null = { section: 'prices', after: '', limit };
  for (let pages = 0; req; pages++) {
    expect(pages).toBeLessThan(200);
    const page: SnapshotPageAck = await db.transaction((tx) => storeSnapshotPage(tx, 'KO', req!));
    for (const it of page.items) (seen[page.section] ??= []).push(String(it.sku ?? it.promotion_id));
    req = page.next ? { ...page.next, limit } : null;
  }
  return seen;
}

async function checkOrder(db: Db): Promise<void> {
  const sorted = [...SKUS].sort(byBytes);
  for (const limit of [1, 2, 3, 5]) {
    const seen = await walk(db, limit);
    for (const section of ['prices', 'stock', 'catalog']) expect(seen[section], `${section} in pages of ${limit}`).toEqual(sorted);
  }
}

describe.each(testBackends())('snapshot pages in byte order on $name', (backend) => {
  const scratch = scratchDb(backend, 'snapshot-order');
  let db: Db | undefined;
  afterAll(async () => {
    await db?.close();
    await scratch.dispose();
  });

  it('every section in byte order of its keys, in pages of any size', { timeout: 120_000 }, async () => {
    db = await openDb(scratch.dbOpts);
    await seed(db);
    await checkOrder(db);
  });
});

describe.runIf(process.env.DATABASE_URL)('snapshot pages in byte order on a Postgres database with an ICU en-US collation', () => {
  const name = `tillstream_icu_${randomBytes(4).toString('hex')}`;
  let admin: Db | undefined;
  let db: Db | undefined;
  afterAll(async () => {
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.close();
  });

  it('pages the same byte order although the database sorts "a1" before "B2"', { timeout: 120_000 }, async () => {
    admin = await openDb({ databaseUrl: process.env.DATABASE_URL! });
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    db = await openDb({ databaseUrl: url.toString() });
    expect((await db.query<{ lt: boolean }>(`SELECT 'a1' < 'B2' AS lt`)).rows[0]!.lt).toBe(true);
    await seed(db);
    await checkOrder(db);
  });
});

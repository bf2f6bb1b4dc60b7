import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MAX_SNAPSHOT_PAGE_ITEMS, MSG, SNAPSHOT_SECTIONS, type SnapshotPageAck } from '../../src/core/protocol';
import { adjustStock, createEnrollmentCode, createStore, redeemEnrollmentCode, startHub, type HubHandle } from '../../src/hub';
import { storeSnapshot } from '../../src/hub/changes';
import { applyHqChange } from '../../src/hub/hq-changes';
import { storeSnapshotPage } from '../../src/hub/snapshot-page';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { loadCatalogView } from '../../src/main/register/catalog-view';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from './helpers';

// The paged snapshot (docs/sync-protocol.md 4.5b) against the real hub on each backend: every
// row exactly once in bounded pages, a snapshot cut mid-way resumes from its last page (with a
// change made meanwhile arriving through the change log), and the single-message form is still
// answered with the same content.

const STORE = 'SP1';
const N = 1_250;
const sku = (i: number) => `P${String(i).padStart(5, '0')}`;
const gtin = (i: number) => `4${String(1_000_000 + i).padStart(11, '0')}`;

function products(from: number, to: number) {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return { sku: sku(i), gtins: [checkDigit(gtin(i))], name: `Widget ${i} blue`, category: 'general', tax_category: 'general', unit: 'each' as const, price: 100 + i, currency: 'USD', active: true };
  });
}

function checkDigit(body12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body12[i]) * (i % 2 === 0 ? 1 : 3);
  return body12 + String((10 - (sum % 10)) % 10);
}

/** Every projection row of the register, counted straight from its file. */
function counts(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      items: one('SELECT COUNT(*) AS n FROM catalog_items'),
      distinctItems: one('SELECT COUNT(DISTINCT sku) AS n FROM catalog_items'),
      barcodes: one('SELECT COUNT(*) AS n FROM catalog_barcodes'),
      names: one(`SELECT COUNT(*) AS n FROM catalog_names WHERE catalog_names MATCH '"widget"*'`),
      products: one('SELECT COUNT(*) AS n FROM catalog_products'),
      stale: one('SELECT COUNT(*) AS n FROM catalog_products_stale'),
      prices: one('SELECT COUNT(*) AS n FROM prices'),
      stock: one('SELECT COUNT(*) AS n FROM hub_stock'),
      progress: one('SELECT COUNT(*) AS n FROM snapshot_progress'),
    };
  } finally {
    db.close();
  }
}

describe.each(testBackends())('paged snapshot ($name)', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    tmp = tempDir('tillstream-snapshot-pages-');
    t = await openTestDb(backend);
    hub = await startHub({ db: t.db, port: 0, host: '127.0.0.1', logLevel: 'silent' });
    await createStore(t.db, { store_id: STORE, name: 'Paged', currency: 'USD' });
    await createStore(t.db, { store_id: 'SP2', name: 'Other', currency: 'USD' });
    await t.db.transaction(async (tx) => {
      await applyHqChange(tx, { kind: 'catalog', body: { target: { all: true }, products: products(0, N) } });
      // The store's own prices for most products (the rest sell at the catalog's price), one
      // price for a sku the catalog does not have, and another store's prices (never sent here).
      await applyHqChange(tx, { kind: 'price', body: { target: { store_ids: [STORE] }, prices: [...products(0, 1_000).map((p) => ({ sku: p.sku, amount: p.price + 7 })), { sku: 'ORPHAN', amount: 5 }] } });
      await applyHqChange(tx, { kind: 'price', body: { target: { store_ids: ['SP2'] }, prices: products(0, N).map((p) => ({ sku: p.sku, amount: 1 })) } });
      await adjustStock(tx, { store_id: STORE, reason: 'opening', items: products(0, 300).map((p) => ({ sku: p.sku, quantity: { units: 9, scale: 0 } })) });
    });
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
    tmp?.cleanup();
  });

  it('pages cover every row of the store exactly once, bounded, with the single message as the same content', async () => {
    // Price times with microseconds (a page formats them in SQL, the single message from a Date).
    await t.db.query(`UPDATE prices SET updated_at = timestamptz '2026-12-02 23:59:59.999999+00' WHERE store_id = $1 AND sku = $2`, [STORE, products(0, 1)[0]!.sku]);
    await t.db.query(`UPDATE prices SET updated_at = timestamptz '2026-01-01 00:30:00.000500+05' WHERE store_id = $1 AND sku = 'ORPHAN'`, [STORE]);
    const priceItems: Record<string, unknown>[] = [];
    const seen: Record<string, string[]> = {};
    let req: { section: (typeof SNAPSHOT_SECTIONS)[number]; after: string; limit: number } | null = { section: SNAPSHOT_SECTIONS[0], after: '', limit: 97 };
    let pages = 0;
    let first: SnapshotPageAck | null = null;
    let last: SnapshotPageAck | null = null;
    while (req) {
      const page: SnapshotPageAck = await t.db.transaction((tx) => storeSnapshotPage(tx, STORE, req!));
      first ??= page;
      last = page;
      expect(page.items.length).toBeLessThanOrEqual(97);
      for (const it of page.items) (seen[page.section] ??= []).push(String(it.sku ?? it.promotion_id));
      if (page.section === 'prices') priceItems.push(...page.items);
      req = page.next ? { ...page.next, limit: 97 } : null;
      expect(++pages).toBeLessThan(100);
    }
    expect(first!.totals).toEqual({ catalog: N, prices: 1_001, stock: 300, promotions: 0 });
    expect(last!.section).toBe('settings');
    expect(last!.config).toMatchObject({ currency: 'USD' });
    const whole = await t.db.transaction((tx) => storeSnapshot(tx, STORE));
    expect(seen.catalog).toEqual(whole.catalog.map((p) => p.sku));
    expect(seen.prices).toEqual(whole.prices.map((p) => p.sku));
    expect(priceItems).toEqual(whole.prices);
    expect(priceItems.find((p) => p.sku === 'ORPHAN')?.updated_at).toBe('2025-12-31T19:30:00.000Z');
    expect(seen.stock).toEqual(whole.stock.map((p) => p.sku));
    expect(new Set(seen.catalog).size).toBe(N);
  });

  it('refuses a page larger than the bound, naming the field', async () => {
    const cred = await redeemEnrollmentCode(t.db, (await createEnrollmentCode(t.db, { store_id: STORE, terminal_id: 'SP1-TX' })).code);
    const { io } = await import('socket.io-client');
    const s = io(hub.url, { transports: ['websocket'], auth: { token: cred.token }, forceNew: true, reconnection: false });
    try {
      const ack = (await s.timeout(10_000).emitWithAck(MSG.snapshotPage, { section: 'catalog', after: '', limit: MAX_SNAPSHOT_PAGE_ITEMS + 1 })) as { ok: boolean; error?: { code: string; message: string } };
      expect(ack.ok).toBe(false);
      expect(ack.error?.code).toBe('BAD_REQUEST');
      expect(ack.error?.message).toMatch(/limit/);
    } finally {
      s.close();
    }
  });

  it('a snapshot cut mid-way resumes from its last page and ends with every product exactly once', { timeout: 120_000 }, async () => {
    const cred = await redeemEnrollmentCode(t.db, (await createEnrollmentCode(t.db, { store_id: STORE, terminal_id: 'SP1-T1' })).code);
    const file = path.join(tmp.dir, 'cut.db');
    let journal: Journal = openJournal(file, { terminalId: cred.terminal_id, storeId: STORE });
    const opts = { url: hub.url, token: cred.token, appVersion: 'test', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 }, snapshotPageItems: 100 };
    const statuses: { received: number; total: number }[] = [];
    let client = new SyncClient({ ...opts, journal });
    // Cut the link once the catalog section is part-way in: the session ends between pages.
    client.on('status', (s) => {
      if (s.snapshot) statuses.push(s.snapshot);
      const p = journal.snapshotProgress();
      if (p && p.section === 'catalog' && p.after >= sku(400)) client.stop();
    });
    client.start();
    await waitFor('the cut', () => !client.status.connected && journal.snapshotProgress()?.section === 'catalog', 60_000);
    const cut = journal.snapshotProgress()!;
    const mid = counts(file);
    expect(mid.progress).toBe(1);
    expect(mid.items).toBeGreaterThan(0);
    expect(mid.items).toBeLessThan(N);
    expect(journal.syncState().changeCursor).toBe(0); // the cursor moves only with the last page
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.at(-1)!.total).toBe(N + 1_001 + 300);

    // Meanwhile HQ changes a product already taken and one not yet taken, and adds one.
    await t.db.transaction(async (tx) => {
      await applyHqChange(tx, { kind: 'price', body: { target: { store_ids: [STORE] }, prices: [{ sku: sku(10), amount: 4_242 }, { sku: sku(1_200), amount: 4_343 }] } });
      await applyHqChange(tx, { kind: 'catalog', body: { target: { all: true }, products: [{ ...products(N, N + 1)[0]!, name: 'Late widget' }] } });
    });

    // The register restarts (its journal reopened) and connects again: it resumes at the cut.
    journal.close();
    journal = openJournal(file, { terminalId: cred.terminal_id, storeId: STORE });
    expect(journal.snapshotProgress()).toMatchObject({ section: cut.section, after: cut.after, cursor: cut.cursor });
    const asked: string[] = [];
    client = new SyncClient({ ...opts, journal });
    const latest = Number((await t.db.query<{ change_cursor: number }>(`SELECT change_cursor FROM stores WHERE store_id = $1`, [STORE])).rows[0]!.change_cursor);
    client.on('status', () => {
      const p = journal.snapshotProgress();
      if (p) asked.push(`${p.section}:${p.after}`);
    });
    client.start();
    await waitFor('caught up', () => journal.syncState().changeCursor === latest && journal.snapshotProgress() === null, 60_000);
    client.stop();
    // It did not start again from the first page.
    expect(asked.every((a) => !a.startsWith(`${SNAPSHOT_SECTIONS[0]}:`))).toBe(true);

    // The three products the changes after the snapshot's cursor touched wait to be checked
    // again (the view reads their sources meanwhile); everything else came checked with its page.
    const end = counts(file);
    expect(end).toMatchObject({ items: N + 1, distinctItems: N + 1, barcodes: N + 1, names: N + 1, products: N + 1 - 3, stale: 3, prices: 1_002, stock: 300, progress: 0 });
    const check = () => {
      const view = loadCatalogView(journal, 'USD');
      try {
        expect(view.lookup(sku(10))?.price).toBe(4_242);
        expect(view.lookup(checkDigit(gtin(1_200)))?.price).toBe(4_343);
        expect(view.lookup(sku(5))?.price).toBe(112);
        expect(view.lookup(checkDigit(gtin(5)))?.sku).toBe(sku(5));
        expect(view.lookup(sku(1_100))?.price).toBe(1_200); // no store price: the catalog's
        expect(view.lookup(sku(N))?.name).toBe('Late widget');
        expect(view.search('late widget', 5).map((p) => p.sku)).toEqual([sku(N)]);
        expect(view.skipped).toBe(0);
      } finally {
        view.close();
      }
    };
    check();
    expect(journal.refreshCatalogProducts(100)).toBe(0);
    expect(counts(file)).toMatchObject({ products: N + 1, stale: 0 });
    check();
    expect(journal.getStockLevel(sku(3))?.units).toBe(9);
    journal.close();
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_SECTIONS, type SnapshotPageAck } from '../../core/protocol';
import type { Journal, SnapshotPageRequest } from './journal';
import { openJournal } from './open';

// A new register's paged snapshot builds its barcode and name indexes once, after the catalog's
// last page (buildCatalogIndexes, in SQL); a register that already has a catalog writes them
// page by page (barcodeKeysOf, in TypeScript). Both must end with the same indexes.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journal(): Journal {
  const dir = mkdtempSync(path.join(tmpdir(), 'snap-idx-'));
  dirs.push(dir);
  return openJournal(path.join(dir, 'j.db'), { terminalId: 'S1-T1', storeId: 'S1' });
}

/**
 * Takes a paged snapshot of `catalog` (sorted by sku, pages of `per`), as HubSync does; `from`/`to`:
 * only the pages in [from, to) (a snapshot cut and resumed).
 */
function take(j: Journal, catalog: Record<string, unknown>[], per: number, from = 0, to = Infinity): void {
  const pages: { section: (typeof SNAPSHOT_SECTIONS)[number]; items: Record<string, unknown>[] }[] = [];
  for (const section of SNAPSHOT_SECTIONS) {
    if (section !== 'catalog') pages.push({ section, items: [] });
    else for (let k = 0; k === 0 || k < catalog.length; k += per) pages.push({ section, items: catalog.slice(k, k + per) });
  }
  let req: SnapshotPageRequest = { section: pages[0]!.section, after: '', limit: per };
  pages.forEach((p, i) => {
    const n = pages[i + 1];
    const next = n ? { section: n.section, after: n.section === p.section ? (p.items.at(-1)!.sku as string) : '' } : null;
    const page: SnapshotPageAck = { ok: true, store_id: 'S1', cursor: 1, section: p.section, items: p.items, next, ...(p.section === 'settings' ? { tax: {}, config: {} } : {}) };
    if (i >= from && i < to) expect(j.applySnapshotPage(req, page)).toBe(next ? 'more' : 'done');
    if (next) req = { section: next.section, after: next.after, limit: per };
  });
}

function indexes(j: Journal): { barcodes: unknown[]; names: Record<string, string[]> } {
  const db = (j as unknown as { db: import('better-sqlite3').Database }).db;
  const barcodes = db.prepare('SELECT code, sku FROM catalog_barcodes ORDER BY code').all();
  const names: Record<string, string[]> = {};
  for (const q of ['"widget"*', '"blue"', '"caf"*', '"x"*', '"a"*', '"k"*']) {
    names[q] = (db.prepare('SELECT c.sku AS sku FROM catalog_names n JOIN catalog_items c ON c.rowid = n.rowid WHERE catalog_names MATCH ? ORDER BY c.sku').all(q) as { sku: string }[]).map((r) => r.sku);
  }
  return { barcodes, names };
}

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const code = fc.oneof(digits(8, 14), digits(1, 16), fc.constantFrom('1234567a', '１２３４５６７８', ' 12345678', '00000012345678', '12345678'), fc.integer());
const record = fc.record(
  {
    gtins: fc.oneof(fc.array(code, { maxLength: 4 }), fc.array(digits(8, 8), { minLength: 62, maxLength: 70 }), fc.constantFrom('12345678', null, { a: '12345678' })),
    gtin: fc.oneof(code, fc.constant(['12345678'])),
    barcodes: fc.oneof(fc.array(code, { maxLength: 3 }), fc.constantFrom('87654321', { b: '87654321' })),
    name: fc.oneof(fc.constantFrom('Widget blue', 'Café au lait', 'x', '', 'kiwi'), fc.string({ maxLength: 12 }), fc.constant(7), fc.constant(null)),
    description: fc.constantFrom('Widget described', 'apple', 3),
  },
  { requiredKeys: [] },
);
const catalog = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/), record), { selector: ([s]) => s, minLength: 1, maxLength: 40 })
  .map((rows) => rows.map(([sku, r]) => ({ sku, ...r, category: 'general', unit: 'each', price: 100, currency: 'USD' })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)));

describe('paged snapshot lookup indexes', () => {
  it('a new register (indexes built after the catalog) ends with the same indexes as one that had a catalog (page by page)', () => {
    fc.assert(
      fc.property(catalog, fc.integer({ min: 1, max: 7 }), (cat, per) => {
        const fresh = journal();
        const old = journal();
        take(old, [{ sku: 'zz-old', gtins: ['99999999'], name: 'old' }], 5); // now it has a catalog
        take(fresh, cat, per);
        take(old, cat, per);
        expect(fresh.catalogSize()).toBe(cat.length);
        expect(indexes(fresh)).toEqual(indexes(old));
        fresh.close();
        old.close();
      }),
      { numRuns: 60 },
    );
    // 120 journals opened and migrated on disk: about 20 s on a loaded 2-core machine, near the
    // suite's 30 s default (it timed out there once), so its own bound.
  }, 120_000);

  it('a snapshot begun before journal migration 10 (no snapshot_barcodes) and resumed after it ends with the whole barcode index', () => {
    const cat = Array.from({ length: 30 }, (_, i) => ({ sku: `P${String(i).padStart(3, '0')}`, gtins: [String(40000000 + i), String(50000000 + i)], name: `Widget ${i}`, category: 'general', unit: 'each', price: 100 + i, currency: 'USD' }));
    const whole = journal();
    take(whole, cat, 4);
    const dir = mkdtempSync(path.join(tmpdir(), 'snap-idx-'));
    dirs.push(dir);
    const file = path.join(dir, 'j.db');
    let j = openJournal(file, { terminalId: 'S1-T1', storeId: 'S1' });
    take(j, cat, 4, 0, 6); // prices, stock, promotions and three catalog pages
    j.close();
    // As the version before migration 10 left it: the pages' records, no table of their codes.
    const db = new Database(file);
    db.exec('DROP TABLE snapshot_barcodes; DELETE FROM schema_migrations WHERE version = 10');
    db.close();
    j = openJournal(file, { terminalId: 'S1-T1', storeId: 'S1' });
    expect(j.snapshotProgress()).toMatchObject({ section: 'catalog', after: 'P011', deferIndexes: true });
    take(j, cat, 4, 6);
    expect(indexes(j)).toEqual(indexes(whole));
    expect(indexes(j).barcodes).toHaveLength(60);
    j.close();
    whole.close();
  });

  it('a new register finds every product by barcode and name once its snapshot is in', () => {
    const cat = Array.from({ length: 30 }, (_, i) => ({ sku: `P${String(i).padStart(3, '0')}`, gtins: [String(40000000 + i)], name: `Widget ${i}`, category: 'general', unit: 'each', price: 100 + i, currency: 'USD' }));
    const j = journal();
    const db = (j as unknown as { db: import('better-sqlite3').Database }).db;
    const ckpt = db.pragma('wal_autocheckpoint', { simple: true });
    take(j, cat, 4);
    expect(indexes(j).barcodes).toHaveLength(30);
    expect(indexes(j).names['"widget"*']).toHaveLength(30);
    expect(j.catalogProductByBarcode(String(40000007).padStart(14, '0'))).toContain('"P007"');
    // The codes kept for the build are gone; the WAL checkpoint setting a snapshot raises is back.
    expect(db.prepare('SELECT COUNT(*) AS n FROM snapshot_barcodes').get()).toEqual({ n: 0 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(ckpt);
  });
});

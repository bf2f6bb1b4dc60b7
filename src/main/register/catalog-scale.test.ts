import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { loadCatalogView } from './catalog-view';
import { chainBarcode, chainName, chainSku, loadChainCatalog } from './catalog-fixture';

// "A register finds only the first 100,000 products": every product of a chain-sized catalog
// must be found by barcode, sku and name. `npm test` runs a 20,000-SKU slice (beyond every
// old limit's ratio of 2,000 random picks, in seconds); `npm run test:catalog-scale` runs the
// 300,000 and 1,000,000-SKU catalogs (TILLSTREAM_CATALOG_SKUS).
const SIZES = (process.env.TILLSTREAM_CATALOG_SKUS ?? '20000').split(',').map(Number);
const PICKS = 2_000;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(SIZES)('register catalog with %i SKUs', (n) => {
  let dir: string;
  let journal: Journal;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-scale-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'S1' });
    loadChainCatalog(journal, 'S1', n);
  }, 60 * 60_000);
  afterAll(() => {
    journal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`finds every one of ${PICKS} random barcodes, and the same products by sku and name`, () => {
    expect(journal.catalogSize()).toBe(n);
    const view = loadCatalogView(journal, 'USD');
    const rand = rng(n);
    const missing: string[] = [];
    for (let k = 0; k < PICKS; k++) {
      // Picks cover the whole range, including the last products (the old limit cut the tail).
      const i = k === 0 ? n - 1 : Math.floor(rand() * n);
      const p = view.lookup(chainBarcode(i));
      if (p?.sku !== chainSku(i) || p.name !== chainName(i)) missing.push(chainBarcode(i));
      if (k % 100 === 0) {
        expect(view.book.products.get(chainSku(i))?.sku).toBe(chainSku(i));
        const words = chainName(i).toLowerCase().split(' ');
        // Two name prefixes in any order, and the exact sku, find it.
        const hits = view.search(`${words[2]!.slice(0, 4)} ${words[1]!.slice(0, 3)} ${words[0]}`, 50);
        expect(hits.length).toBeGreaterThan(0);
        for (const h of hits) expect(h.name.toLowerCase()).toContain(words[0]);
        expect(view.search(chainSku(i), 5)[0]?.sku).toBe(chainSku(i));
      }
    }
    expect(missing).toEqual([]);
  }, 60 * 60_000);
});

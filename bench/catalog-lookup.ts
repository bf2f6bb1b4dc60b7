import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { openJournal } from '../src/sync';
import { loadCatalogView } from '../src/main/register/catalog-view';
import { chainBarcode, chainName, chainSku, loadChainCatalog } from '../src/main/register/catalog-fixture';

// The register's catalog at chain scale: a 300,000-SKU projection (and 1,000,000) loaded
// through the change log like the hub sends it, then
//  - lookup by barcode (what a scan does: barcode index -> catalog + price, one joined read,
//    parsed into core's Product) for 2,000 random barcodes, every one of which must be found;
//  - search by name prefix (what typing in the scan field does: FTS5 prefix words);
// each p50/p99, against floors measured interleaved in the same run on the same file: a bare
// primary-key SELECT of one row for a scan, a bare FTS5 MATCH of 20 rowids for a search.
// The register's RSS with the catalog loaded is printed against the stated budget.
// usage: node bin/run-ts.mjs bench/catalog-lookup.ts [skus=300000,1000000] [lookups=2000]

/**
 * `--rss-probe <journal>`: a fresh process opens the journal as a register does at start, reads
 * 2,000 products and runs 500 searches, and prints its RSS. Measured apart from the process
 * that loaded the catalog, whose heap still holds the loader's garbage.
 */
if (process.argv[2] === '--rss-probe') {
  const j = openJournal(process.argv[3]!, { terminalId: 'T01', storeId: 'S1' });
  const v = loadCatalogView(j, 'USD');
  const n = Math.max(1, j.catalogSize());
  for (let k = 0; k < 2000; k++) v.lookup(chainBarcode((k * 7919) % n));
  for (let k = 0; k < 500; k++) v.search(chainName((k * 104729) % n).slice(0, 3), 20);
  j.close();
  process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss }));
  process.exit(0);
}
function probeRss(file: string): number {
  const r = spawnSync(process.execPath, ['bin/run-ts.mjs', 'bench/catalog-lookup.ts', '--rss-probe', file], { encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status !== 0) throw new Error(`rss probe failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { rss: number }).rss;
}

const SIZES = (process.argv[2] ?? '300000,1000000').split(',').map(Number);
const LOOKUPS = Number(process.argv[3] ?? 2000);
/** Memory budget of the register's main process with a 1,000,000-SKU catalog (see docs/register.md). */
const RSS_BUDGET_MIB = 256;

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const mib = (b: number): string => (b / 1024 / 1024).toFixed(0);

/** Deterministic pseudo-random indexes (mulberry32). */
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

function time(fn: () => unknown): number {
  const s = performance.now();
  fn();
  return performance.now() - s;
}

const results: Record<string, unknown>[] = [];
for (const n of SIZES) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-catalog-'));
  try {
    const file = path.join(dir, 'journal.sqlite');
    const journal = openJournal(file, { terminalId: 'T01', storeId: 'S1' });
    const l0 = performance.now();
    loadChainCatalog(journal, 'S1', n);
    const loadMs = performance.now() - l0;
    const view = loadCatalogView(journal, 'USD');
    const rand = rng(n);
    const picks = Array.from({ length: LOOKUPS }, () => Math.floor(rand() * n));
    // Floors on a second connection to the same file, measured interleaved with the figure
    // (one floor read, one figure read) so both see the same load on the shared cores.
    const raw = new Database(file, { readonly: true });
    const pk = raw.prepare('SELECT data FROM catalog_items WHERE sku = ?');
    const fts = raw.prepare('SELECT rowid FROM catalog_names WHERE catalog_names MATCH ? LIMIT 20');

    // Warm-up (JIT, page cache), not measured.
    for (const i of picks.slice(0, 200)) {
      pk.get(chainSku(i));
      view.lookup(chainBarcode(i));
      view.search(chainName(i).slice(0, 3), 20);
    }
    let found = 0;
    const scan: number[] = [];
    const floor: number[] = [];
    for (const i of picks) {
      floor.push(time(() => pk.get(chainSku(i))));
      scan.push(time(() => {
        if (view.lookup(chainBarcode(i).padStart(14, '0'))?.sku === chainSku(i)) found++;
      }));
    }
    // Name prefixes as a cashier types them: the first 3 letters of one word, then two words.
    const queries = picks.slice(0, 500).map((i, k) => {
      const w = chainName(i).toLowerCase().split(' ');
      return k % 2 === 0 ? w[0]!.slice(0, 3) : `${w[1]!.slice(0, 4)} ${w[0]!.slice(0, 2)}`;
    });
    let hits = 0;
    const search: number[] = [];
    const ftsFloor: number[] = [];
    for (const q of queries) {
      ftsFloor.push(time(() => fts.all(q.split(' ').map((w) => `"${w}"*`).join(' AND '))));
      search.push(time(() => {
        if (view.search(q, 20).length > 0) hits++;
      }));
    }
    raw.close();
    journal.close();
    const rss = probeRss(file);
    const empty = path.join(dir, 'empty.sqlite');
    openJournal(empty, { terminalId: 'T01', storeId: 'S1' }).close();
    const rssEmpty = probeRss(empty);

    for (const xs of [scan, search, floor, ftsFloor]) xs.sort((a, b) => a - b);
    const row = {
      skus: n, lookups: LOOKUPS, found, load_ms: Math.round(loadMs),
      barcode_p50_ms: pct(scan, 50), barcode_p99_ms: pct(scan, 99),
      name_p50_ms: pct(search, 50), name_p99_ms: pct(search, 99), name_queries_with_results: hits,
      floor_p50_ms: pct(floor, 50), floor_p99_ms: pct(floor, 99), fts_floor_p50_ms: pct(ftsFloor, 50), fts_floor_p99_ms: pct(ftsFloor, 99),
      rss_mib: Number(mib(rss)), rss_empty_catalog_mib: Number(mib(rssEmpty)), rss_budget_mib: RSS_BUDGET_MIB,
    };
    results.push(row);
    console.log(`register catalog, ${n.toLocaleString('en')} SKUs (loaded through the change log in ${(loadMs / 1000).toFixed(1)} s):`);
    const r = (a: number, b: number) => (a / b).toFixed(1);
    console.log(`  barcode lookup (index -> catalog + price, parsed Product): ${found}/${LOOKUPS} found | p50 ${row.barcode_p50_ms.toFixed(3)} ms, p99 ${row.barcode_p99_ms.toFixed(3)} ms | floor, bare PK read: p50 ${row.floor_p50_ms.toFixed(3)}, p99 ${row.floor_p99_ms.toFixed(3)} ms | ratio p50 ${r(row.barcode_p50_ms, row.floor_p50_ms)}×, p99 ${r(row.barcode_p99_ms, row.floor_p99_ms)}×`);
    console.log(`  name prefix search (20 products): ${hits}/${queries.length} answered | p50 ${row.name_p50_ms.toFixed(3)} ms, p99 ${row.name_p99_ms.toFixed(3)} ms | floor, bare FTS5 MATCH of the rowids: p50 ${row.fts_floor_p50_ms.toFixed(3)}, p99 ${row.fts_floor_p99_ms.toFixed(3)} ms | ratio p50 ${r(row.name_p50_ms, row.fts_floor_p50_ms)}×, p99 ${r(row.name_p99_ms, row.fts_floor_p99_ms)}×`);
    console.log(`  RSS of a fresh process with the catalog open, 2,000 reads, 500 searches: ${row.rss_mib} MiB | floor, same with an empty catalog: ${row.rss_empty_catalog_mib} MiB | ratio ${r(row.rss_mib, row.rss_empty_catalog_mib)}× | budget ${RSS_BUDGET_MIB} MiB: ${row.rss_mib <= RSS_BUDGET_MIB ? 'within' : 'OVER'}`);
    if (found !== LOOKUPS) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
mkdirSync(path.join('bench', 'results'), { recursive: true });
writeFileSync(path.join('bench', 'results', 'catalog-lookup.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2));

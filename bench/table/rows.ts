import type { RowSpec } from './harness';
import { hubIngest, hubRss, priceChange, saleLatency } from './rows-hub';
import { barcodeLookup, catalogToRegister, journalCommit, queuedDrain } from './rows-register';

/** Every row of issue 18's table, in the issue's order, then the register's catalog at chain scale. */
export const ROWS: RowSpec[] = [
  { id: 'journal-commit', run: async (size) => [await journalCommit(size)] },
  { id: 'hub-ingest', run: (size, env) => hubIngest(size, env) },
  { id: 'sale-latency', run: (size, env) => saleLatency(size, env) },
  { id: 'price-change', run: (size, env) => priceChange(size, env) },
  { id: 'queued-drain', run: async (size, env) => [await queuedDrain(size, env)] },
  { id: 'catalog-to-register', run: async (size, env) => [await catalogToRegister(size, env)] },
  { id: 'hub-rss', run: (size, env) => hubRss(size, env) },
  { id: 'barcode-lookup-300000', run: async (size) => [await barcodeLookup(size, 300_000)] },
  { id: 'barcode-lookup-1000000', run: async (size) => [await barcodeLookup(size, 1_000_000)] },
];

/** The rows as the table prints them (a run may yield several). */
export const RESULT_ORDER = ['journal-commit', 'hub-ingest', 'sale-applied', 'stock-other-register', 'price-change', 'queued-drain', 'catalog-to-register', 'hub-rss', 'barcode-lookup-300000', 'barcode-lookup-1000000'];

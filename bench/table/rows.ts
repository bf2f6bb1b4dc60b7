import type { RowSpec } from './harness';
import { hubIngest, hubRss, priceChange, saleLatency } from './rows-hub';
import { barcodeLookup, catalogToRegister, journalCommit, queuedDrain } from './rows-register';

const ONE_REGISTER = 'one register by nature: its figure and floor are one register against its own journal or one hub link; other registers would only add unrelated load';

/** Every row of issue 18's table, in the issue's order, then the register's catalog at chain scale. */
export const ROWS: RowSpec[] = [
  { id: 'journal-commit', registers: `${ONE_REGISTER} (a commit to the till's own SQLite file)`, run: async (size) => [await journalCommit(size)] },
  { id: 'hub-ingest', registers: 'a catch-up of 4 registers with a backlog, whatever --registers says: its figure is the hub\'s batch throughput, bounded by Postgres per batch, not by connected registers', run: (size, env) => hubIngest(size, env) },
  { id: 'sale-latency', registers: 'scales', run: (size, env, opts) => saleLatency(size, env, opts) },
  { id: 'price-change', registers: 'scales', run: (size, env, opts) => priceChange(size, env, opts) },
  { id: 'queued-drain', registers: `${ONE_REGISTER} (one register's backlog, one batch in flight)`, run: async (size, env) => [await queuedDrain(size, env)] },
  { id: 'catalog-to-register', registers: `${ONE_REGISTER} (a new register's snapshot)`, run: async (size, env) => [await catalogToRegister(size, env)] },
  { id: 'hub-rss', registers: 'scales', run: (size, env, opts) => hubRss(size, env, opts) },
  { id: 'barcode-lookup-300000', registers: `${ONE_REGISTER} (a lookup in the register's own catalog)`, run: async (size) => [await barcodeLookup(size, 300_000)] },
  { id: 'barcode-lookup-1000000', registers: `${ONE_REGISTER} (a lookup in the register's own catalog)`, run: async (size) => [await barcodeLookup(size, 1_000_000)] },
];

/** The rows as the table prints them (a run may yield several). */
export const RESULT_ORDER = ['journal-commit', 'hub-ingest', 'sale-applied', 'stock-other-register', 'price-change', 'queued-drain', 'catalog-to-register', 'hub-rss', 'barcode-lookup-300000', 'barcode-lookup-1000000'];

/** `--only` takes a row's id or the id of a result it yields (sale-applied and stock-other-register are the sale-latency row). */
export const ROW_OF: Record<string, string> = { 'sale-applied': 'sale-latency', 'stock-other-register': 'sale-latency' };

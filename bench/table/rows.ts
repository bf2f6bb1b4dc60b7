import type { RowSpec } from './harness';
import { barcodeLookup, catalogToRegister, journalCommit, queuedDrain } from './rows-register';

/** Every row of issue 18's table, in the issue's order, then the register's catalog at chain scale. */
export const ROWS: RowSpec[] = [
  { id: 'journal-commit', run: (size) => journalCommit(size) },
  { id: 'queued-drain', run: (size, env) => queuedDrain(size, env) },
  { id: 'catalog-to-register', run: (size, env) => catalogToRegister(size, env) },
  { id: 'barcode-lookup-300000', run: (size) => barcodeLookup(size, 300_000) },
  { id: 'barcode-lookup-1000000', run: (size) => barcodeLookup(size, 1_000_000) },
];

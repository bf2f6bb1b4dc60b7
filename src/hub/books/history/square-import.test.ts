import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { runHistoryImport } from './run';
import { convertSquareFile, parseStoreMap } from './square';
import { squareChart } from '../testing/square-chart';

// A Square Transactions CSV through the real job, twice: the first run posts one entry per row
// (sales and the refund), the second changes nothing, and the trial balance is zero.

const dir = join(__dirname, 'fixtures');

describe.each(testBackends())('Square Transactions CSV import on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    for (const s of ['store-001', 'store-002']) await createStore(t.db, { store_id: s, name: s, currency: 'USD' });
  });
  afterAll(async () => t?.dispose());

  const entries = async () => (await t.db.query<{ entry_id: string; event_type: string }>(`SELECT entry_id, event_type FROM ledger_entries ORDER BY entry_id`)).rows;

  it('imports both layouts once; a second run changes nothing; the trial balance is zero', async () => {
    const storeMap = parseStoreMap('Main Street=store-001,Harbour=store-002');
    for (const name of ['square-transactions.csv', 'square-transactions-older.csv']) {
      const { bytes } = await convertSquareFile(t.db, readFileSync(join(dir, name)), { storeMap });
      const first = await runHistoryImport(t.db, squareChart, { bytes, file_name: name, by: 'it@hq' });
      expect(first.status).toBe('done');
      const again = await runHistoryImport(t.db, squareChart, { bytes: (await convertSquareFile(t.db, readFileSync(join(dir, name)), { storeMap })).bytes, file_name: name, by: 'it@hq' });
      expect(again).toMatchObject({ already_imported: true, posted_now: 0 });
    }
    const rows = await entries();
    expect(rows.length).toBe(7);
    expect(rows.filter((r) => r.event_type === 'sale.refunded').length).toBe(1);
    const tb = await trialBalance(t.db);
    expect(tb.balanced).toBe(true);
    expect(tb.totals.USD!.debit).toBe(tb.totals.USD!.credit);
    expect(tb.totals.USD!.debit).toBeGreaterThan(0);
    // The same sales in another file (the rows reordered) post nothing new.
    const csv = readFileSync(join(dir, 'square-transactions.csv')).toString().trim().split('\n');
    const reordered = Buffer.from([csv[0], ...csv.slice(1).reverse()].join('\n'));
    const rerun = await runHistoryImport(t.db, squareChart, { bytes: (await convertSquareFile(t.db, reordered, { storeMap })).bytes, by: 'it@hq' });
    expect(rerun).toMatchObject({ status: 'done', already_imported: false, posted_now: 0 });
    expect(await entries()).toEqual(rows);
    expect(await trialBalance(t.db)).toEqual(tb);
  });

  it('refuses a store map naming a store the hub does not have, before reading the file', async () => {
    await expect(convertSquareFile(t.db, Buffer.from(''), { storeMap: parseStoreMap('Main Street=store-009') })).rejects.toMatchObject({ code: 'UNKNOWN_STORE', message: expect.stringContaining('store-009') });
  });
});

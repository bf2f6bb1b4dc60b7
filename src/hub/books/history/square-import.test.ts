import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { startHub } from '../../server';
import { ADMIN_TOKEN, api } from '../../testing/hub-fixture';
import { openTestDb, scratchDb, testBackends, type TestDb } from '../../testing/test-db';
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

  it('POST /api/books/history takes a Square CSV with its store map: refusals name the row, the hub runs it once', async () => {
    const scratch = scratchDb(backend, 'square-api');
    const hub = await startHub({ ...scratch.dbOpts, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN_TOKEN, schedulerIntervalMs: 50 });
    try {
      for (const s of ['store-001', 'store-002']) await createStore(hub.db, { store_id: s, name: s, currency: 'USD' });
      const content = readFileSync(join(dir, 'square-transactions-older.csv'), 'utf8');
      const body = { content, format: 'square-transactions', file_name: 'square.csv' };
      expect((await api(hub, 'POST', '/api/books/history', body)).body).toMatchObject({ error: { code: 'BAD_STORE_MAP' } });
      expect((await api(hub, 'POST', '/api/books/history', { content, store_map: { Harbour: 'store-002' } })).body).toMatchObject({ error: { code: 'BAD_FORMAT' } });
      expect((await api(hub, 'POST', '/api/books/history', { ...body, store_map: { Uptown: 'store-002' } })).body).toMatchObject({ error: { code: 'BAD_HISTORY_LINE', message: expect.stringMatching(/^line 2: Location "Harbour" is not in the store map; line 3: /) } });
      expect((await api(hub, 'POST', '/api/books/history', { ...body, store_map: { Harbour: 'store-002' }, source_time_zone: 'Mars/Base' })).body).toMatchObject({ error: { code: 'BAD_TIME_ZONE' } });
      const r = await api(hub, 'POST', '/api/books/history', { ...body, store_map: { Harbour: 'store-002' } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ total_sales: 2, hub_run: true, already_imported: false });
      const id = r.body.import_id as number;
      // Polled, not timed: the hub's scheduler runs it beside its tick.
      for (let i = 0; ; i++) {
        const j = (await api(hub, 'GET', '/api/books/history')).body.imports.find((x: { import_id: number }) => x.import_id === id);
        if (j.status === 'done') break;
        if (i > 2_400) throw new Error(`import still ${j.status}`);
        await new Promise((res) => setTimeout(res, 25));
      }
      expect((await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n).toBe(2);
      expect((await api(hub, 'POST', '/api/books/history', { ...body, store_map: { Harbour: 'store-002' } })).body).toMatchObject({ already_imported: true });
      expect((await trialBalance(hub.db)).balanced).toBe(true);
    } finally {
      await hub.close();
      await scratch.dispose();
    }
  });

  it('refuses a store map naming a store the hub does not have, before reading the file', async () => {
    await expect(convertSquareFile(t.db, Buffer.from(''), { storeMap: parseStoreMap('Main Street=store-009') })).rejects.toMatchObject({ code: 'UNKNOWN_STORE', message: expect.stringContaining('store-009') });
  });
});

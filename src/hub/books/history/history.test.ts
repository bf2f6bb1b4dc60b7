import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../../core/ledger/default-charts';
import { trialBalance } from '../../ledger-queries';
import { createStore } from '../../stores';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { historyFile, historyLine } from '../testing/history-gen';
import { listHistoryImports, requestHistoryPause, runHistoryImport } from './run';

// The historical import: HISTORY_SALES sales (default 100,000 on Postgres; 20,000 on PGlite,
// whose single-connection engine takes ~9 minutes for 100,000 on a loaded 2-core machine) imported, interrupted (an
// AbortSignal, as Ctrl-C does in the CLI) and paused (a request from another session), then
// resumed to the end; the same file again changes nothing; another file holding the same
// sales posts nothing new; the trial balance is zero; a file with one bad line posts nothing.

const chart = defaultChart('us');

async function entryCount(t: TestDb): Promise<number> {
  return (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n;
}

describe.each(testBackends())('historical import on $name', (backend) => {
  const COUNT = Number(process.env.HISTORY_SALES ?? (backend.databaseUrl ? 100_000 : 20_000));
  let t: TestDb;
  const file = historyFile({ count: COUNT, seed: 11 });
  beforeAll(async () => {
    t = await openTestDb(backend);
    for (const s of ['store-001', 'store-002']) await createStore(t.db, { store_id: s, name: s, currency: 'USD' });
  });
  afterAll(async () => t?.dispose());

  it(`imports ${COUNT} sales once, interrupted and resumed, with the trial balance zero`, async () => {
    const abort = new AbortController();
    const progress: number[] = [];
    const first = await runHistoryImport(t.db, chart, {
      bytes: file, file_name: 'old-pos.jsonl', by: 'it@hq', batch_size: 1_000, signal: abort.signal,
      onProgress: (p) => {
        progress.push(p.done_sales);
        if (p.done_sales >= COUNT * 0.3) abort.abort();
      },
    });
    expect(first.status).toBe('paused');
    expect(first.done_sales).toBe(progress.at(-1));
    expect(first.done_sales).toBeLessThan(COUNT);
    expect(await entryCount(t)).toBe(first.done_sales);

    // Resumed; another session asks it to pause half way.
    const second = await runHistoryImport(t.db, chart, {
      bytes: file, by: 'it@hq', batch_size: 1_000,
      onProgress: (p) => {
        if (p.done_sales >= COUNT * 0.6 && p.done_sales < COUNT * 0.6 + 1_000) void requestHistoryPause(t.db, p.import_id);
      },
    });
    expect(second.status).toBe('paused');
    expect(second.import_id).toBe(first.import_id);
    expect(second.done_sales).toBeGreaterThan(first.done_sales);
    const third = await runHistoryImport(t.db, chart, { bytes: file, by: 'it@hq', batch_size: 1_000 });
    expect(third).toMatchObject({ status: 'done', done_sales: COUNT, posted_entries: COUNT, total_sales: COUNT });
    expect(first.posted_now + second.posted_now + third.posted_now).toBe(COUNT);
    expect(await entryCount(t)).toBe(COUNT);
    const tb = await trialBalance(t.db);
    expect(tb.balanced).toBe(true);
    expect(tb.totals.USD!.debit).toBeGreaterThan(0);

    // The same file again: recognised. The same sales in another file (other order, other whitespace): nothing new.
    const again = await runHistoryImport(t.db, chart, { bytes: file, by: 'it@hq' });
    expect(again).toMatchObject({ already_imported: true, posted_now: 0 });
    const lines = file.toString('utf8').trim().split('\n').reverse();
    const other = Buffer.from(`\n${lines.join('\n\n')}\n`);
    const rerun = await runHistoryImport(t.db, chart, { bytes: other, by: 'it@hq', batch_size: 5_000 });
    expect(rerun).toMatchObject({ status: 'done', already_imported: false, posted_now: 0, done_sales: COUNT, posted_entries: 0 });
    expect(await entryCount(t)).toBe(COUNT);
    expect(await trialBalance(t.db)).toEqual(tb);
    expect((await listHistoryImports(t.db)).map((j) => j.status)).toEqual(['done', 'done']);
  }, 3_600_000);

  it('refuses a file with one bad line, naming it, and posts nothing', async () => {
    const before = await entryCount(t);
    const good = Array.from({ length: 60 }, (_, i) => historyLine(i, { count: 60, seed: 99 }));
    const bad = [...good];
    bad[56] = bad[56]!.replace(/"unit_price":"[^"]+"/, '"unit_price":"12,50"');
    await expect(runHistoryImport(t.db, chart, { bytes: Buffer.from(bad.join('\n')), by: 'x' })).rejects.toMatchObject({ code: 'BAD_HISTORY_LINE', message: expect.stringMatching(/^line 57: lines\.\d+\.unit_price: must be a decimal string/) });
    const unknown = [...good];
    unknown[3] = unknown[3]!.replace('"store_id":"store-002"', '"store_id":"store-999"');
    await expect(runHistoryImport(t.db, chart, { bytes: Buffer.from(unknown.join('\n')), by: 'x' })).rejects.toMatchObject({ code: 'BAD_HISTORY_LINE', message: expect.stringMatching(/^line 4: store store-999 does not exist/) });
    const twice = [...good, good[5]!];
    await expect(runHistoryImport(t.db, chart, { bytes: Buffer.from(twice.join('\n')), by: 'x' })).rejects.toMatchObject({ message: expect.stringMatching(/^line 61: sale OLD-store-002-6 of store-002 is also on line 6/) });
    const wrongTotal = [...good];
    const sale = JSON.parse(wrongTotal[9]!) as { tenders: Array<{ amount: string }> };
    sale.tenders[0]!.amount = (Number(sale.tenders[0]!.amount) + 1).toFixed(2);
    wrongTotal[9] = JSON.stringify(sale);
    await expect(runHistoryImport(t.db, chart, { bytes: Buffer.from(wrongTotal.join('\n')), by: 'x' })).rejects.toMatchObject({ message: expect.stringMatching(/^line 10: .*tender/i) });
    expect(await entryCount(t)).toBe(before);
    expect((await listHistoryImports(t.db)).length).toBe(2);
  }, 600_000);
});

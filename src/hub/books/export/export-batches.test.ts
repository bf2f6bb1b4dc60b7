import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../../core/ledger/default-charts';
import { trialBalance } from '../../ledger-queries';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { generateMonth, loadMonth, type GeneratedMonth } from '../testing/month';
import { BooksInputError } from '../reconcile/store';
import { batchEntryIds, createExportBatch, listBatches, renderBatch } from './batches';
import { hledgerBalances, beancountBalances, hubBalances, HAS_TOOLS } from '../testing/tools';

// A generated month (sales, refunds, post-voids, shift closes, cash drops, settlements with
// fees and payouts) exported to hledger and Beancount in both posting modes: the real tools
// accept the files and report the hub's trial balance, account by account. Then the batch
// rules: since-last-export takes only new entries, repeats need asking, a batch re-renders
// byte-identical.

const chart = defaultChart('us');
const dir = mkdtempSync(join(tmpdir(), 'tillstream-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

describe.each(testBackends())('export batches on $name', (backend) => {
  let t: TestDb;
  let month: GeneratedMonth;
  beforeAll(async () => {
    t = await openTestDb(backend);
    month = generateMonth(fc, { seed: 4242, days: 30, salesPerDay: 6 });
    await loadMonth(t.db, chart, month);
  }, 600_000);
  afterAll(async () => t?.dispose());

  it('generated a month with every kind of event and settlement', async () => {
    for (const type of ['sale.completed', 'sale.refunded', 'sale.post_voided', 'shift.opened', 'shift.closed', 'shift.cash_moved']) expect(month.counts[type] ?? 0).toBeGreaterThan(0);
    expect(month.settlements.length).toBeGreaterThan(3);
    const kinds = await t.db.query<{ event_type: string }>(`SELECT DISTINCT event_type FROM ledger_entries ORDER BY 1`);
    expect(kinds.rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(['books.settlement_payout', 'sale.completed', 'sale.refunded', 'sale.post_voided', 'shift.closed', 'shift.cash_moved']));
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });

  for (const mode of ['per_transaction', 'daily_summary'] as const) {
    it.skipIf(!HAS_TOOLS)(`${mode}: hledger check and bean-check accept the exports, and their balances are the trial balance`, async () => {
      const tb = hubBalances(chart, await trialBalance(t.db));
      expect(tb.size).toBeGreaterThan(8);
      const h = await createExportBatch(t.db, chart, { target: `${backend.name}-h-${mode}`.replace(/_/g, '-'), format: 'hledger', mode, by: 'finance@hq' });
      const hf = join(dir, `${backend.name}-${mode}.journal`);
      writeFileSync(hf, h.files[0]!);
      const hc = check('hledger', ['-f', hf, 'check', 'accounts', 'commodities', 'balancednoautoconversion']);
      expect(hc.out).toBe('');
      expect(hc.status).toBe(0);
      expect(hledgerBalances(hf)).toEqual(tb);

      const b = await createExportBatch(t.db, chart, { target: `${backend.name}-b-${mode}`.replace(/_/g, '-'), format: 'beancount', mode, by: 'finance@hq' });
      const bf = join(dir, `${backend.name}-${mode}.beancount`);
      writeFileSync(bf, b.files[0]!);
      const bc = check('bean-check', [bf]);
      expect(bc.out).toBe('');
      expect(bc.status).toBe(0);
      expect(beancountBalances(bf)).toEqual(tb);

      if (mode === 'daily_summary') {
        // one entry per store and day (plus the books' own entries, store "hq")
        const txns = h.files[0]!.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} \* /.test(l));
        const total = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n;
        expect(txns.length).toBeLessThan(total / 5);
        expect(txns.length).toBeGreaterThanOrEqual(30 * 2);
      } else {
        expect(h.entry_count).toBe((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n);
      }
    }, 600_000);
  }

  it('exports only what is new since the last batch, refuses repeats unless asked, and re-renders a batch identically', async () => {
    const target = `${backend.name}-since`;
    const first = await createExportBatch(t.db, chart, { target, format: 'hledger', mode: 'per_transaction', to: '2026-11-15', by: 'finance@hq' });
    const second = await createExportBatch(t.db, chart, { target, by: 'finance@hq' });
    const a = await batchEntryIds(t.db, first.batch_id);
    const b = await batchEntryIds(t.db, second.batch_id);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    const total = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n;
    expect(a.length + b.length).toBe(total);
    await expect(createExportBatch(t.db, chart, { target, by: 'finance@hq' })).rejects.toMatchObject({ code: 'NOTHING_TO_EXPORT' });
    await expect(createExportBatch(t.db, chart, { target, entries: 'all', from: '2026-11-10', to: '2026-11-10', by: 'finance@hq' })).rejects.toMatchObject({ code: 'ALREADY_EXPORTED' });
    const repeat = await createExportBatch(t.db, chart, { target, entries: 'all', again: true, from: '2026-11-10', to: '2026-11-10', by: 'finance@hq' });
    expect(repeat.repeat).toBe(true);
    await expect(createExportBatch(t.db, chart, { target, format: 'beancount', by: 'x' })).rejects.toBeInstanceOf(BooksInputError);
    await expect(createExportBatch(t.db, chart, { target: 'Bad Target', format: 'hledger', mode: 'per_transaction', by: 'x' })).rejects.toMatchObject({ code: 'BAD_TARGET' });

    // A new day arrives (a register that was offline): only its entries go in the next batch.
    const count = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n;
    const before = await count();
    const late = generateMonth(fc, { seed: 99, start: '2026-12-01', days: 1, salesPerDay: 3, stores: ['store-late'] });
    await loadMonth(t.db, chart, late);
    const lateCount = (await count()) - before;
    expect(lateCount).toBeGreaterThan(5);
    const third = await createExportBatch(t.db, chart, { target, by: 'finance@hq' });
    const c = await batchEntryIds(t.db, third.batch_id);
    expect(c.length).toBe(lateCount);

    const again = await renderBatch(t.db, first.batch_id);
    expect(again.files).toEqual(first.files);
    expect(again.content_sha256).toBe(first.content_sha256);
    const history = await listBatches(t.db, { target });
    expect(history.map((x) => x.batch_id)).toEqual([third.batch_id, repeat.batch_id, second.batch_id, first.batch_id]);
    await expect(t.db.query(`DELETE FROM export_batch_entries WHERE batch_id = $1`, [first.batch_id])).rejects.toThrow(/append-only/);
  }, 600_000);
});

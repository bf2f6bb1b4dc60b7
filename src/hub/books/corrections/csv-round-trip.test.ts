import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../../core/ledger/default-charts';
import { trialBalance } from '../../ledger-queries';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { createExportBatch } from '../export/batches';
import { generateMonth, loadMonth } from '../testing/month';
import { hubBalances } from '../testing/tools';
import { importCorrections, previewCorrections } from './import';

// QuickBooks Online and Xero journals coming back: export a per_transaction batch as QBO's
// journal import CSV (and as Xero's manual journal CSV), edit it as a person would in the
// tool (reclassify a sale's revenue, fix a tender recorded as card that was cash, delete a
// duplicate journal), import it: one adjusting entry per changed journal, linked to it; the
// edited file's balances (summed here from its rows) equal the hub's trial balance; the same
// bytes again and an equivalent file change nothing; a journal we never exported is listed
// for a person. QBO's Journal report layout (title lines, Date/Num on a journal's first row
// only, totals) of the same books is read too.

const chart = defaultChart('us');
const byLedger = new Map([...chart.accounts.values()].map((a) => [chart.ledgerNames.get(a.code)!, a] as const));
const acct = (ledger: string) => byLedger.get(ledger)!;

function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\r\n`;
}
function rows(text: string): string[][] {
  return parseCsv(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
}
const cents = (s: string) => (s.trim() === '' ? 0 : Math.round(Number(s.replace(/,/g, '')) * 100));

/** Balances of the edited file per ledger account, as the tool would show them (zero balances left out). */
function fileBalances(body: string[][], account: (r: string[]) => string, amount: (r: string[]) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of body) {
    const key = `${account(r)} USD`;
    out.set(key, (out.get(key) ?? 0) + amount(r));
  }
  return new Map([...out].filter(([, v]) => v !== 0).sort());
}
const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, v]) => v !== 0).sort());

/** The journals of a sale, by the entry id in brackets in a column. */
function journals(body: string[][], col: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  body.forEach((r, i) => {
    const id = /\[(sale-[^\]]+)\]/.exec(r[col] ?? '')?.[1];
    if (id) out.set(id, [...(out.get(id) ?? []), i]);
  });
  return out;
}

describe.each(testBackends())('QuickBooks Online and Xero corrections on $name', (backend) => {
  let t: TestDb;
  /** The first QBO batch and its file as exported (for the batch-finding test). */
  let qbo: { batch_id: number; file: string } | null = null;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await loadMonth(t.db, chart, generateMonth(fc, { seed: 4242, days: 4, salesPerDay: 4 }));
  }, 600_000);
  afterAll(async () => t?.dispose());

  it('QuickBooks journal CSV: edits come back as adjusting entries, balances agree, re-import is a no-op; the Journal report layout is read', async () => {
    const batch = await createExportBatch(t.db, chart, { target: 'qbo', format: 'quickbooks-csv', mode: 'per_transaction', by: 'finance@hq' });
    qbo = { batch_id: batch.batch_id, file: batch.files[0]! };
    const [header, ...body] = rows(batch.files[0]!);
    expect(header!.slice(0, 6)).toEqual(['Journal No.', 'Journal Date', 'Account Name', 'Debits', 'Credits', 'Description']);
    const js = journals(body, 5);
    const ids = [...js.keys()];
    const sales = acct('Income:Sales:General');
    const other = acct('Income:Other');
    const cash = acct('Assets:Cash:Drawers');
    const rowOf = (pred: (r: string[]) => boolean, skip: Set<string>) => {
      const id = ids.find((i) => !skip.has(i) && js.get(i)!.some((k) => pred(body[k]!)));
      if (!id) throw new Error('no journal to edit');
      skip.add(id);
      return { id, row: js.get(id)!.find((k) => pred(body[k]!))! };
    };
    const used = new Set<string>();
    // 1. reclassify revenue  2. card tender that was cash  3. delete a duplicate journal
    const a = rowOf((r) => r[2] === (sales.qbo_name ?? sales.name), used);
    body[a.row]![2] = other.qbo_name ?? other.name;
    const b = rowOf((r) => /^Card Clearing/.test(r[2]!) && r[3] !== '', used);
    body[b.row]![2] = cash.qbo_name ?? cash.name;
    const d = rowOf(() => true, used);
    const edited = body.filter((_, i) => !js.get(d.id)!.includes(i));
    const text = csvLine(header!) + edited.map(csvLine).join('');

    const preview = await previewCorrections(t.db, { bytes: Buffer.from(text), format: 'quickbooks-csv', by: 'anna@finance' });
    expect(preview.adjustments.map((x) => x.adjusts).sort()).toEqual([a.id, b.id, d.id].sort());
    const r = await importCorrections(t.db, { bytes: Buffer.from(text), format: 'quickbooks-csv', by: 'anna@finance', file_name: 'qbo.csv' });
    expect(r.batch_id).toBe(batch.batch_id); // found by the entry ids it names: a CSV has no marker line
    expect(r.needs_person).toEqual([]);
    expect(r.adjusted.map((x) => x.entry_id).sort()).toEqual([a.id, b.id, d.id].sort());
    const links = await t.db.query<{ adjusts: string; event_type: string }>(`SELECT adjusts, event_type FROM ledger_entries WHERE entry_id = ANY($1::text[])`, [r.adjusted.map((x) => x.correction_entry_id)]);
    expect(links.rows.every((x) => x.event_type === 'books.correction')).toBe(true);

    const tb = await trialBalance(t.db);
    expect(tb.balanced).toBe(true);
    const names = new Map([...chart.accounts.values()].flatMap((x) => [[x.qbo_name ?? x.name, chart.ledgerNames.get(x.code)!] as const]));
    expect(fileBalances(edited, (row) => names.get(row[2]!)!, (row) => cents(row[3]!) - cents(row[4]!))).toEqual(nonZero(hubBalances(chart, tb)));

    expect(await importCorrections(t.db, { bytes: Buffer.from(text), format: 'quickbooks-csv', by: 'anna@finance' })).toMatchObject({ import_id: r.import_id, already_imported: true, adjusted: [] });
    const lf = text.replace(/\r\n/g, '\n');
    expect(await importCorrections(t.db, { bytes: Buffer.from(lf), format: 'quickbooks-csv', by: 'bob@finance', batch_id: batch.batch_id })).toMatchObject({ already_imported: false, adjusted: [], needs_person: [] });

    // QBO's Journal report of the same books: title lines, a journal's date and number on its
    // first row only, amounts with thousands separators, totals. Nothing new in it: no change.
    const report: string[] = ['Tillstream Demo Company\r\n', 'Journal\r\n', 'All Dates\r\n', '\r\n', csvLine(['', 'Date', 'Transaction Type', 'Num', 'Name', 'Memo/Description', 'Account', 'Debit', 'Credit'])];
    let prev = '';
    for (const row of edited) {
      const first = row[0] !== prev;
      prev = row[0]!;
      const money = (s: string) => (s === '' ? '' : Number(s).toLocaleString('en-US', { minimumFractionDigits: 2 }));
      report.push(csvLine(['', first ? row[1]! : '', first ? 'Journal Entry' : '', first ? row[0]! : '', '', row[5]!, row[2]!, money(row[3]!), money(row[4]!)]));
    }
    report.push(csvLine(['TOTAL', '', '', '', '', '', '', '999,999.00', '999,999.00']));
    const rep = await importCorrections(t.db, { bytes: Buffer.from(report.join('')), format: 'quickbooks-csv', by: 'bob@finance', batch_id: batch.batch_id });
    expect(rep).toMatchObject({ already_imported: false, adjusted: [], needs_person: [] });

    // A journal entered in QBO by hand: listed for a person, nothing posted.
    const before = await trialBalance(t.db);
    const foreign = text + csvLine(['X-1', '11/05/2026', 'Office Supplies', '4.50', '', 'Coffee for the office', '']) + csvLine(['X-1', '11/05/2026', cash.qbo_name ?? cash.name, '', '4.50', 'Coffee for the office', '']);
    const f = await importCorrections(t.db, { bytes: Buffer.from(foreign), format: 'quickbooks-csv', by: 'anna@finance', batch_id: batch.batch_id });
    expect(f.adjusted).toEqual([]);
    expect(f.needs_person.map((n) => n.reason)).toEqual([expect.stringMatching(/not exported by Tillstream/)]);
    expect(await trialBalance(t.db)).toEqual(before);

    // A bad amount is refused (nothing written) only when it cannot be read; a row without a journal date names its line.
    const bad = csvLine(header!) + csvLine(['', '', acct('Income:Other').name, '1.00', '', `x [${ids[0]}]`, '']);
    await expect(importCorrections(t.db, { bytes: Buffer.from(bad), format: 'quickbooks-csv', by: 'x', batch_id: batch.batch_id })).rejects.toMatchObject({ code: 'BAD_FILE', message: expect.stringMatching(/^quickbooks-csv: line 2: /) });
    await expect(importCorrections(t.db, { bytes: Buffer.from(text), format: 'xero-csv', by: 'x', batch_id: batch.batch_id })).rejects.toMatchObject({ code: 'FORMAT_MISMATCH' });
  }, 600_000);

  it('Xero manual journal CSV: a reclassification and a deleted journal come back; balances agree; re-import is a no-op', async () => {
    const batch = await createExportBatch(t.db, chart, { target: 'xero', format: 'xero-csv', mode: 'per_transaction', currency: 'USD', by: 'finance@hq' });
    // Several files of at most 300 lines: put together, as a person exporting from Xero gets one file.
    const parts = batch.files.map((f) => rows(f));
    const header = parts[0]![0]!;
    expect(header.slice(0, 6)).toEqual(['*Narration', '*Date', 'Description', '*AccountCode', '*TaxRate', '*Amount']);
    const body = parts.flatMap((p) => p.slice(1));
    const js = journals(body, 0);
    const ids = [...js.keys()];
    const sales = acct('Income:Sales:General');
    const other = acct('Income:Other');
    const a = ids.find((i) => js.get(i)!.some((k) => body[k]![3] === (sales.xero_code ?? sales.code)))!;
    const row = js.get(a)!.find((k) => body[k]![3] === (sales.xero_code ?? sales.code))!;
    body[row]![3] = other.xero_code ?? other.code;
    const d = ids.find((i) => i !== a)!;
    const edited = body.filter((_, i) => !js.get(d)!.includes(i));
    const text = csvLine(header) + edited.map(csvLine).join('');

    const r = await importCorrections(t.db, { bytes: Buffer.from(text), format: 'xero-csv', by: 'anna@finance', file_name: 'xero.csv' });
    expect(r.batch_id).toBe(batch.batch_id);
    expect(r.needs_person).toEqual([]);
    expect(r.adjusted.map((x) => x.entry_id).sort()).toEqual([a, d].sort());
    const codes = new Map([...chart.accounts.values()].map((x) => [x.xero_code ?? x.code, chart.ledgerNames.get(x.code)!] as const));
    // Xero's journals cover what the batch exported; the QBO corrections made before it are in it too.
    expect(fileBalances(edited, (x) => codes.get(x[3]!)!, (x) => cents(x[5]!))).toEqual(nonZero(hubBalances(chart, await trialBalance(t.db))));
    expect(await importCorrections(t.db, { bytes: Buffer.from(text), format: 'xero-csv', by: 'anna@finance' })).toMatchObject({ already_imported: true, adjusted: [] });
    expect(await importCorrections(t.db, { bytes: Buffer.from(text.replace(/\r\n/g, '\n')), format: 'xero-csv', by: 'bob@finance', batch_id: batch.batch_id })).toMatchObject({ already_imported: false, adjusted: [], needs_person: [] });
    const baddate = text.replace(/\r\n([^\r\n]*?),(\d\d)\/(\d\d)\/(\d{4}),/, '\r\n$1,31/02/$4,');
    expect(baddate).not.toBe(text);
    await expect(importCorrections(t.db, { bytes: Buffer.from(baddate), format: 'xero-csv', by: 'x', batch_id: batch.batch_id })).rejects.toMatchObject({ code: 'BAD_FILE', message: expect.stringMatching(/^xero-csv: line 2: \*Date "31\/02\/\d{4}" is not a date DD\/MM\/YYYY$/) });
  }, 600_000);

  it('a CSV that does not name its batch is matched only to the one batch holding every entry it names; otherwise the caller must say', async () => {
    expect(qbo).not.toBeNull();
    const [header, ...body] = rows(qbo!.file);
    const js = journals(body, 5);
    const dropped = [...js.keys()].at(-1)!; // one the first test did not edit
    // The first batch's file with one journal deleted, while a newer `again` export of the same
    // target and format holds all its entries too: which batch it came from decides whether
    // only that journal or everything the newer batch has besides is "deleted". Refused.
    const again = await createExportBatch(t.db, chart, { target: 'qbo', entries: 'all', again: true, by: 'finance@hq' });
    expect(again.batch_id).toBeGreaterThan(qbo!.batch_id);
    const old = csvLine(header!) + body.filter((_, i) => !js.get(dropped)!.includes(i)).map(csvLine).join('');
    const before = await trialBalance(t.db);
    for (const run of [previewCorrections, importCorrections]) {
      await expect(run(t.db, { bytes: Buffer.from(old), format: 'quickbooks-csv', by: 'anna@finance' })).rejects.toMatchObject({ code: 'BATCH_NOT_NAMED', message: expect.stringMatching(/--batch .*batch_id/) });
    }
    expect(await trialBalance(t.db)).toEqual(before);
    // Named, it is read against that batch (the dropped journal is a difference there).
    const named = await previewCorrections(t.db, { bytes: Buffer.from(old), format: 'quickbooks-csv', by: 'anna@finance', batch_id: qbo!.batch_id });
    expect(named.batch_id).toBe(qbo!.batch_id);
    expect(named.adjustments.map((a) => a.adjusts)).toContain(dropped);
    // The newer batch's own file names entries (the corrections) only it holds: found without help.
    const own = await previewCorrections(t.db, { bytes: Buffer.from(again.files.join('')), format: 'quickbooks-csv', by: 'anna@finance' });
    expect(own).toMatchObject({ batch_id: again.batch_id, adjustments: [], needs_person: [] });
    // A file naming no Tillstream entry at all cannot be matched either.
    await expect(importCorrections(t.db, { bytes: Buffer.from(csvLine(header!)), format: 'quickbooks-csv', by: 'x' })).rejects.toMatchObject({ code: 'BATCH_NOT_NAMED' });
  }, 600_000);
});

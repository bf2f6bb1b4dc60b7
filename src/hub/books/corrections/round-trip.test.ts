import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../../core/ledger/default-charts';
import { trialBalance } from '../../ledger-queries';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import { createExportBatch } from '../export/batches';
import { generateMonth, loadMonth } from '../testing/month';
import { beancountBalances, hledgerBalances, hubBalances, HAS_TOOLS } from '../testing/tools';
import { correctionItems, importCorrections, listCorrectionImports } from './import';

// The round trip a finance person makes: export to hledger (or Beancount), edit the file in
// the tool's syntax (reclassify a sale's revenue, fix a tender recorded as card that was
// cash, split a line, delete a transaction as a duplicate), import it back. Each change
// becomes an adjusting entry linked to the entry it corrects; the tool's balances of the
// edited file then equal the hub's trial balance; importing again changes nothing; a
// transaction the hub never exported is listed for a person, not posted.

const chart = defaultChart('us');
const dir = mkdtempSync(join(tmpdir(), 'tillstream-corrections-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Transactions are blocks separated by blank lines; the header line carries the entry id. */
function blocks(text: string): string[] {
  return text.split('\n\n');
}

function idOf(block: string, format: 'hledger' | 'beancount'): string | null {
  const m = format === 'hledger' ? /^\d{4}-\d{2}-\d{2} \* \(([^)]+)\)/m.exec(block) : /^\s+entry_id: "([^"]+)"/m.exec(block);
  return m ? m[1]! : null;
}

interface Edits {
  text: string;
  changed: string[];
}

/** Edits as a person would, in the tool's own syntax. */
function editAsAPerson(text: string, format: 'hledger' | 'beancount', skip: ReadonlySet<string>): Edits {
  const bs = blocks(text);
  const changed: string[] = [];
  const used = new Set<number>();
  const pick = (pred: (b: string) => boolean) => {
    const i = bs.findIndex((b, k) => !used.has(k) && /sale\.completed|^\d{4}-\d{2}-\d{2} \* \(sale/m.test(b) && idOf(b, format)?.startsWith('sale') === true && !skip.has(idOf(b, format)!) && pred(b));
    if (i < 0) throw new Error('no transaction to edit');
    used.add(i);
    changed.push(idOf(bs[i]!, format)!);
    return i;
  };
  // 1. reclassify: a sale's revenue belongs to another account
  const a = pick((b) => /^\s+Income:Sales:\S+\s+-/m.test(b));
  bs[a] = bs[a]!.replace(/^(\s+)Income:Sales:\S+(\s+-)/m, '$1Income:Other$2');
  // 2. fix a tender: recorded as card, was cash
  const b = pick((x) => /^\s+Assets:Card-Clearing:\S+\s+\d/m.test(x));
  bs[b] = bs[b]!.replace(/^(\s+)Assets:Card-Clearing:\S+(\s+\d)/m, '$1Assets:Cash:Drawers$2');
  // 3. split a revenue line in two accounts
  const c = pick((x) => /^\s+Income:Sales:\S+\s+-\d+\.\d\d USD/m.test(x) && /-([1-9]\d*)\.\d\d USD/.test(x));
  bs[c] = bs[c]!.replace(/^(\s+)(Income:Sales:\S+)(\s+)-(\d+)\.(\d\d) USD(.*)$/m, (_all, ind: string, acct: string, sp: string, units: string, cents: string, rest: string) => {
    const total = Number(units) * 100 + Number(cents);
    const one = Math.floor(total / 3);
    const fmt = (n: number) => `-${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')} USD`;
    return `${ind}${acct}${sp}${fmt(total - one)}${rest}\n${ind}Income:Other${sp}${fmt(one)}`;
  });
  // 4. delete a duplicate
  const d = pick(() => true);
  bs[d] = '';
  return { text: bs.filter((x) => x !== '').join('\n\n'), changed };
}

describe.each(testBackends())('corrections round trip on $name', (backend) => {
  let t: TestDb;
  // The Beancount round edits other sales than the hledger round did (the same edit of the
  // same sale again would rightly find nothing to correct).
  const editedBefore = new Set<string>();
  beforeAll(async () => {
    t = await openTestDb(backend);
    await loadMonth(t.db, chart, generateMonth(fc, { seed: 777, days: 8, salesPerDay: 5 }));
  }, 600_000);
  afterAll(async () => t?.dispose());

  for (const format of ['hledger', 'beancount'] as const) {
    it.skipIf(!HAS_TOOLS)(`${format}: edits come back as adjusting entries, balances agree, re-import is a no-op`, async () => {
      const batch = await createExportBatch(t.db, chart, { target: `acct-${format}`, format, mode: 'per_transaction', by: 'finance@hq' });
      const edited = editAsAPerson(batch.files[0]!, format, editedBefore);
      for (const id of edited.changed) editedBefore.add(id);
      const file = join(dir, `${backend.name}-edited.${format}`);
      writeFileSync(file, edited.text);

      const r = await importCorrections(t.db, { bytes: Buffer.from(edited.text), format, by: 'anna@finance', file_name: 'edited' });
      expect(r.needs_person).toEqual([]);
      expect(r.adjusted.map((x) => x.entry_id).sort()).toEqual([...edited.changed].sort());
      expect(r.unchanged).toBe(batch.entry_count - 4);
      const links = await t.db.query<{ adjusts: string; event_type: string; memo: string }>(`SELECT adjusts, event_type, memo FROM ledger_entries WHERE entry_id = ANY($1::text[])`, [r.adjusted.map((x) => x.correction_entry_id)]);
      expect(links.rows.every((x) => x.event_type === 'books.correction' && x.memo.includes('anna@finance') && edited.changed.includes(x.adjusts))).toBe(true);

      const tb = await trialBalance(t.db);
      expect(tb.balanced).toBe(true);
      const tool = format === 'hledger' ? hledgerBalances(file) : beancountBalances(file);
      expect(tool).toEqual(hubBalances(chart, tb));

      // the same bytes: recognised; an equivalent file (a comment added): no difference
      const same = await importCorrections(t.db, { bytes: Buffer.from(edited.text), format, by: 'anna@finance' });
      expect(same).toMatchObject({ import_id: r.import_id, already_imported: true, adjusted: [] });
      const comment = format === 'hledger' ? '\n; checked by Bob\n' : '\n; checked by Bob\n';
      const equivalent = await importCorrections(t.db, { bytes: Buffer.from(edited.text + comment), format, by: 'bob@finance' });
      expect(equivalent).toMatchObject({ already_imported: false, adjusted: [], needs_person: [], unchanged: batch.entry_count });
      expect(hubBalances(chart, await trialBalance(t.db))).toEqual(tool);

      // the next export to the target carries exactly the corrections, linked to what they correct
      const next = await createExportBatch(t.db, chart, { target: `acct-${format}`, by: 'finance@hq' });
      expect(next.entry_count).toBe(4);
      for (const x of r.adjusted) expect(next.files[0]).toContain(format === 'hledger' ? `adjusts:${x.entry_id}` : `adjusts: "${x.entry_id}"`);
      const nf = join(dir, `${backend.name}-next.${format}`);
      writeFileSync(nf, next.files[0]!);
      const ok = format === 'hledger' ? spawnSync('hledger', ['-f', nf, 'check', 'accounts', 'commodities']) : spawnSync('bean-check', [nf]);
      expect(`${ok.stdout}${ok.stderr}`).toBe('');

      // a transaction the hub never exported, and one whose id was changed: listed for a person, nothing posted
      const foreign = format === 'hledger'
        ? `${edited.text}\n2026-11-05 Coffee for the office\n    Expenses:Supplies  4.50 USD\n    Assets:Cash:Drawers  -4.50 USD\n`
        : `${edited.text}\n2026-11-05 * "Coffee for the office"\n  Expenses:Supplies  4.50 USD\n  Assets:Cash:Drawers  -4.50 USD\n`;
      const before = await trialBalance(t.db);
      const f = await importCorrections(t.db, { bytes: Buffer.from(foreign), format, by: 'anna@finance' });
      expect(f.adjusted).toEqual([]);
      expect(f.needs_person).toHaveLength(1);
      expect(f.needs_person[0]!.reason).toMatch(/not exported by Tillstream/);
      expect((await correctionItems(t.db, f.import_id)).map((i) => i.outcome)).toEqual(['needs_person']);
      expect(await trialBalance(t.db)).toEqual(before);
      expect((await listCorrectionImports(t.db)).length).toBeGreaterThanOrEqual(3);
    }, 600_000);
  }

  it('refuses a file that does not parse, naming the problem, and writes nothing', async () => {
    const batch = await createExportBatch(t.db, chart, { target: 'acct-bad', format: 'hledger', mode: 'per_transaction', by: 'finance@hq', entries: 'all', again: true, to: '2026-11-02' });
    const broken = batch.files[0]!.replace(/^(\d{4}-\d{2}-\d{2} \* \(sale[^\n]*\n\s+\S+\s+)(\d+\.\d\d USD)/m, '$1999.99 USD');
    const count = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM correction_imports`)).rows[0]!.n;
    const n = await count();
    await expect(importCorrections(t.db, { bytes: Buffer.from(broken), format: 'hledger', by: 'x' })).rejects.toMatchObject({ code: 'BAD_FILE' });
    await expect(importCorrections(t.db, { bytes: Buffer.from('2026-11-01 x\n  a  1 USD\n  b\n'), format: 'hledger', by: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_BATCH' });
    await expect(importCorrections(t.db, { bytes: Buffer.from(batch.files[0]!), format: 'beancount', by: 'x' })).rejects.toMatchObject({ code: 'FORMAT_MISMATCH' });
    expect(await count()).toBe(n);
  }, 600_000);
});

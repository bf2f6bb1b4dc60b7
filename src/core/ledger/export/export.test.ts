import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED, EXAMPLE_SHIFT_CLOSED } from '../../events/examples';
import { money, parseMoney, toDecimalString } from '../../money/money';
import { loadChart, type Chart, type ChartInput } from '../chart';
import { EU_VAT_DEFAULT_CHART, US_DEFAULT_CHART } from '../default-charts';
import type { JournalEntry } from '../entry';
import { postEvent } from '../post';
import { envelope } from '../testing/envelope';
import { saleArbitraries } from '../testing/arbitraries';
import { trialBalance } from '../trial-balance';
import { toBeancount } from './beancount';
import { toHledgerJournal } from './hledger';
import { qboJournalNo, QBO_COLUMNS, toQuickBooksCsv } from './qbo';
import { toXeroCsv, XERO_COLUMNS } from './xero';

// The exports are fed to the real tools when they are installed (Debian packages `hledger`
// and `beancount`); each test that needs one says so and is skipped when it is absent.

const { saleCompletedArb } = saleArbitraries(fc);

function has(cmd: string, arg: string): boolean {
  const r = spawnSync(cmd, [arg], { encoding: 'utf8' });
  return r.status === 0;
}
const HAS_HLEDGER = has('hledger', '--version');
const HAS_LEDGER = has('ledger', '--version');
const HAS_BEANCOUNT = has('bean-check', '--version') && has('bean-query', '--version');
if (!HAS_HLEDGER) console.warn('SKIPPING hledger export checks: `hledger` is not installed (apt-get install hledger)');
if (!HAS_LEDGER) console.warn('SKIPPING Ledger export check: `ledger` is not installed (apt-get install ledger)');
if (!HAS_BEANCOUNT) console.warn('SKIPPING Beancount export checks: `bean-check`/`bean-query` not installed (apt-get install beancount)');

const dir = mkdtempSync(join(tmpdir(), 'tillstream-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Minimal RFC 4180 reader for checking our own CSV. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i += 1;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

// A chart with both tax styles, and an account whose name needs quoting in CSV.
const chartInput: ChartInput = {
  ...US_DEFAULT_CHART,
  accounts: [
    ...US_DEFAULT_CHART.accounts.map((a) => (a.code === '6900' ? { ...a, name: 'Cash "Over", Short' } : a)),
    ...EU_VAT_DEFAULT_CHART.accounts.filter((a) => a.code.startsWith('23')),
  ],
  mapping: { ...US_DEFAULT_CHART.mapping, tax_payable: { default: '2200', by_code: {}, by_jurisdiction: { 'US-NY': '2210', DE: '2310', FR: '2320', NL: '2330' } } },
};
const chart: Chart = loadChart(chartInput);

function fixtureEntries(currencies: readonly string[], seed: number): JournalEntry[] {
  const sales = fc.sample(saleCompletedArb({ currencies }), { numRuns: 25, seed });
  let seq = 1;
  const out: JournalEntry[] = [];
  const post = (type: string, p: object, at = '2026-11-23T02:30:00.000Z') => out.push(...postEvent(envelope(type, p as Record<string, unknown>, { seq: seq++, occurred_at: at }), chart));
  post('sale.completed', EXAMPLE_SALE_COMPLETED);
  // A reason with the characters each format must escape.
  post('sale.refunded', { ...EXAMPLE_SALE_REFUNDED, reason: 'Wrong size; "too small", =SUM(A1)\nsorry \\ really' }, '2026-11-23T03:00:00.000Z');
  post('shift.closed', EXAMPLE_SHIFT_CLOSED, '2026-11-24T09:00:00.000Z');
  sales.forEach((s, i) => {
    post('sale.completed', s, `2026-11-${String(10 + (i % 15)).padStart(2, '0')}T12:00:00.000Z`);
    if (i % 4 === 0) {
      post('sale.post_voided', {
        post_void_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, sale_id: s.sale_id, store_id: s.store_id, terminal_id: s.terminal_id,
        shift_id: s.shift_id, cashier_id: 'emp-1', reason: 'void', original: s, voided_at: '2026-11-25T12:00:00.000Z',
      }, '2026-11-25T12:00:00.000Z');
    }
  });
  if (currencies.includes('USD')) {
    post('shift.cash_moved', {
      movement_id: '11111111-2222-4333-8444-555555555555', shift_id: EXAMPLE_SHIFT_CLOSED.shift_id, store_id: 'store-001', terminal_id: 'store-001-t1',
      cashier_id: 'emp-17', currency: 'USD', kind: 'paid_out', amount: 1234, reason: 'Milk delivery, cash', account_hint: 'expense:delivery', moved_at: '2026-11-23T04:00:00.000Z',
    });
  }
  return out;
}

const multi = fixtureEntries(['USD', 'EUR', 'JPY', 'BHD'], 42);
const usdOnly = fixtureEntries(['USD'], 7);

/** Our own trial balance keyed by ledger name and currency, as decimal strings. */
function expectedBalances(entries: JournalEntry[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of trialBalance(entries).rows) {
    if (r.balance === 0n) continue;
    m.set(`${chart.ledgerNames.get(r.account)}|${r.currency}`, String(r.balance));
  }
  return m;
}

function minor(decimalText: string, currency: string): string {
  return String(parseMoney(decimalText.trim(), currency).amount);
}

describe('hledger journal export', () => {
  const text = toHledgerJournal(multi, chart);

  it('follows the journal format rules', () => {
    const postingLines = text.split('\n').filter((l) => /^ {4}[A-Z]/.test(l));
    expect(postingLines.length).toBe(multi.reduce((n, e) => n + e.lines.length, 0));
    for (const l of postingLines) expect(l).toMatch(/^ {4}[A-Z][A-Za-z0-9:-]+ {2}-?\d+(\.\d+)? [A-Z]{3} {2}; store:/);
    expect(text).toContain('    Assets:Cash:Drawers  6.78 USD  ; store:store-001, tender:cash');
    expect(text).toMatch(/\n\d{4}-\d{2}-\d{2} \* \(refund-[0-9a-f-]+\) Refund [^\n;]*Wrong size, "too small", =SUM\(A1\) sorry \\ really {2}; entry:/);
    expect(text).toMatch(/^commodity JPY$/m);
    expect(text).not.toContain('format 1000 JPY');
    expect(text).toContain('commodity BHD\n    format 1000.000 BHD');
    expect(text).toContain('account Income:Returns\n    ; type:R, code:4600, name:Sales Returns');
  });

  it.skipIf(!HAS_HLEDGER)('is read by hledger (strict checks) with the same balances as our trial balance', () => {
    const f = join(dir, 'multi.journal');
    writeFileSync(f, text);
    const check = run('hledger', ['-f', f, 'check', '--strict']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const bal = run('hledger', ['-f', f, 'bal', '-O', 'csv', '--layout=bare', '--no-total', '--empty']);
    expect(bal.status).toBe(0);
    const got = new Map<string, string>();
    for (const [account, commodity, amount] of parseCsv(bal.stdout.replace(/\r?\n/g, '\r\n')).slice(1)) {
      if (amount === '0' || amount === '') continue;
      got.set(`${account}|${commodity}`, minor(amount!, commodity!));
    }
    expect(got).toEqual(expectedBalances(multi));
    // every transaction is there, under its entry id
    const print = run('hledger', ['-f', f, 'print', '-O', 'csv']);
    const codes = new Set(parseCsv(print.stdout.replace(/\r?\n/g, '\r\n')).slice(1).map((r) => r[4]));
    expect(codes).toEqual(new Set(multi.map((e) => e.entry_id)));
    // dimensions are queryable tags
    const apparel = run('hledger', ['-f', f, 'bal', 'tag:category=^apparel$', 'cur:USD', '-O', 'csv', '--layout=bare', '--no-total']);
    let want = 0;
    for (const e of multi) for (const l of e.lines) if (l.dimensions.category === 'apparel' && l.currency === 'USD' && l.account === '4060') want += l.debit - l.credit;
    expect(want).toBeLessThan(0);
    expect(apparel.stdout).toContain(`"Income:Sales:Apparel","USD","${toDecimalString(money(want, 'USD'))}"`);
  });

  it.skipIf(!HAS_LEDGER)('is read by Ledger 3 (--pedantic: every account and commodity declared) with the same balances', () => {
    const f = join(dir, 'multi-ledger.journal');
    writeFileSync(f, text);
    const got = new Map<string, string>();
    // One currency at a time: Ledger will not print a multi-commodity balance as one quantity.
    for (const cur of ['USD', 'EUR', 'JPY', 'BHD']) {
      const r = run('ledger', ['-f', f, '--pedantic', 'bal', '--flat', '--no-total', '-l', `commodity == "${cur}"`, '--balance-format', '%(account)\t%(quantity(scrub(display_amount)))\t%(commodity(scrub(display_amount)))\n']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      for (const line of r.stdout.split('\n').filter(Boolean)) {
        const [account, qty, commodity] = line.split('\t') as [string, string, string];
        expect(commodity).toBe(cur);
        const amt = minor(qty, commodity);
        if (amt !== '0') got.set(`${account}|${commodity}`, amt);
      }
    }
    expect(got).toEqual(expectedBalances(multi));
  });

  it.skipIf(!HAS_HLEDGER)('hledger refuses a journal we broke by one cent (so the check above can fail)', () => {
    const f = join(dir, 'broken.journal');
    writeFileSync(f, text.replace('    Assets:Cash:Drawers  6.78 USD', '    Assets:Cash:Drawers  6.79 USD'));
    const r = run('hledger', ['-f', f, 'check']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/balance/i);
  });
});

describe('Beancount export', () => {
  const text = toBeancount(multi, chart, { operatingCurrencies: ['USD'] });

  it('opens every account before use and quotes strings', () => {
    for (const a of chart.config.accounts) expect(text).toContain(`open ${chart.ledgerNames.get(a.code)}\n`);
    expect(text).toMatch(/"Refund [^"\n]*Wrong size; \\"too small\\", =SUM\(A1\) sorry \\\\ really" \^refund-[0-9a-f-]+ \^sale-0b9d2f0e/);
  });

  it.skipIf(!HAS_BEANCOUNT)('passes bean-check and bean-query gives our trial balance', () => {
    const f = join(dir, 'multi.beancount');
    writeFileSync(f, text);
    const check = run('bean-check', [f]);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    // sum(position) renders each currency at its own precision ("12.345 BHD"); an empty cell is zero.
    const q = run('bean-query', ['-f', 'csv', f, 'SELECT account, currency, sum(position) AS total GROUP BY account, currency ORDER BY account, currency']);
    expect(q.status).toBe(0);
    const got = new Map<string, string>();
    for (const [account, currency, total] of parseCsv(q.stdout.replace(/\r?\n/g, '\r\n')).slice(1)) {
      const cur = currency!.trim();
      const t = total!.trim();
      if (t === '') continue;
      expect(t.endsWith(` ${cur}`)).toBe(true);
      const amt = minor(t.slice(0, -cur.length - 1), cur);
      if (amt !== '0') got.set(`${account!.trim()}|${cur}`, amt);
    }
    expect(got).toEqual(expectedBalances(multi));
  });

  it.skipIf(!HAS_BEANCOUNT)('bean-check refuses an export we unbalanced (so the check above can fail)', () => {
    const f = join(dir, 'broken.beancount');
    writeFileSync(f, text.replace('  Assets:Cash:Drawers  6.78 USD', '  Assets:Cash:Drawers  6.79 USD'));
    const r = run('bean-check', [f]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/does not balance/i);
  });
});

describe('QuickBooks Online journal CSV', () => {
  it('has the import columns, short stable journal numbers, and each journal balances', () => {
    const csv = toQuickBooksCsv(usdOnly, chart);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...QBO_COLUMNS]);
    const byNo = new Map<string, bigint>();
    for (const r of rows.slice(1)) {
      expect(r).toHaveLength(QBO_COLUMNS.length);
      const [no, date, account, debit, credit] = r as [string, string, string, string, string];
      expect(no.length).toBeLessThanOrEqual(21);
      expect(date).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
      expect((debit === '') !== (credit === '')).toBe(true);
      expect([...chart.accounts.values()].some((a) => a.name === account)).toBe(true);
      const amt = BigInt(parseMoney(debit || credit, 'USD').amount);
      byNo.set(no, (byNo.get(no) ?? 0n) + (debit ? amt : -amt));
    }
    expect(byNo.size).toBe(usdOnly.length);
    for (const v of byNo.values()) expect(v).toBe(0n);
    expect(byNo.has(qboJournalNo(usdOnly[0]!.entry_id)) || byNo.has(qboJournalNo(usdOnly.find((e) => e.date === [...usdOnly].map((x) => x.date).sort()[0])!.entry_id))).toBe(true);
    expect(csv).toContain('"Cash ""Over"", Short"');
    expect(csv).toMatch(/,"'=SUM|Refund [^\r\n]*=SUM/); // formula text never starts a cell
    for (const r of rows.slice(1)) expect(r[5]!).not.toMatch(/^[=+@]/);
  });

  it('refuses mixed currencies unless the Currency column is asked for; DD/MM/YYYY on request', () => {
    expect(() => toQuickBooksCsv(multi, chart)).toThrow(/add the Currency column/);
    const rows = parseCsv(toQuickBooksCsv(multi, chart, { extraColumns: ['Currency', 'Location', 'Class'], dateFormat: 'DD/MM/YYYY' }));
    expect(rows[0]).toEqual([...QBO_COLUMNS, 'Currency', 'Location', 'Class']);
    expect(new Set(rows.slice(1).map((r) => r[7]))).toEqual(new Set(['USD', 'EUR', 'JPY', 'BHD']));
    expect(rows.find((r) => r[1] === '22/11/2026')).toBeDefined();
  });
});

describe('Xero manual journal CSV', () => {
  it('uses the template columns, signed amounts, ≤300 lines a file, never splitting a journal', () => {
    const files = toXeroCsv(usdOnly, chart, { currency: 'USD', tracking: [{ name: 'Store', dimension: 'store_id' }], maxLinesPerFile: 40 });
    expect(files.length).toBeGreaterThan(1);
    const seen = new Set<string>();
    let lines = 0;
    for (const f of files) {
      const rows = parseCsv(f);
      expect(rows[0]).toEqual([...XERO_COLUMNS]);
      expect(rows.length - 1).toBeLessThanOrEqual(40);
      const sums = new Map<string, bigint>();
      for (const r of rows.slice(1)) {
        const [narration, date, , code, tax, amount, tn1, to1] = r as string[];
        expect(date).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
        expect(tax).toBe('Tax Exempt');
        expect(tn1).toBe('Store');
        expect(to1).toBe('store-001');
        expect([...chart.accounts.values()].some((a) => a.code === code)).toBe(true);
        const k = `${narration}|${date}`;
        sums.set(k, (sums.get(k) ?? 0n) + BigInt(parseMoney(amount!, 'USD').amount));
        lines += 1;
      }
      for (const [k, v] of sums) {
        expect(v).toBe(0n);
        expect(seen.has(k)).toBe(false); // a journal lives in one file only
        seen.add(k);
      }
    }
    expect(lines).toBe(usdOnly.reduce((n, e) => n + e.lines.length, 0));
    expect(seen.size).toBe(usdOnly.length);
  });

  it('refuses lines not in the base currency', () => {
    expect(() => toXeroCsv(multi, chart, { currency: 'USD' })).toThrow(/base currency USD/);
    expect(toXeroCsv([], chart, { currency: 'USD' })).toEqual([`${XERO_COLUMNS.join(',')}\r\n`]);
    expect(money(1, 'USD').amount).toBe(1);
  });
});

describe('exports are deterministic and refuse bad entries', () => {
  it('refuses an entry of the wrong shape, an unbalanced one, or one with an account not in the chart', () => {
    const e = multi[0]!;
    expect(() => toHledgerJournal([{ ...e, entry_id: 'x) injected' }], chart)).toThrow(/entry_id/);
    expect(() => toBeancount([{ ...e, lines: e.lines.map((l, i) => (i === 0 ? { ...l, debit: l.debit + 1 } : l)) }], chart)).toThrow(/debits .* ≠ credits/);
    expect(() => toQuickBooksCsv([{ ...e, lines: e.lines.map((l) => ({ ...l, account: '9999' })) }], chart)).toThrow(/account "9999" is not in chart/);
    expect(() => toBeancount(multi, chart, { openDate: '2030-01-01' })).toThrow(/openDate 2030-01-01 is after the first entry/);
  });

  it('the same entries give the same bytes', () => {
    expect(toHledgerJournal(multi, chart)).toBe(toHledgerJournal([...multi], loadChart(chartInput)));
    expect(toBeancount(multi, chart)).toBe(toBeancount([...multi], chart));
  });
});

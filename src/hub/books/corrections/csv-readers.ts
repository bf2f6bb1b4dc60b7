import { parse as parseCsv } from 'csv-parse/sync';
import type { Chart } from '../../../core/ledger/chart';
import type { ToolPosting, ToolTransaction } from '../../../core/ledger/corrections';
import { qboJournalNo } from '../../../core/ledger/export/qbo';
import { BooksInputError } from '../reconcile/store';
import { mantissaToMinor } from './tool-readers';

// QuickBooks Online and Xero journals coming back. Neither tool has a journal grammar with a
// parser we could run (as hledger and bean-check are), so the CSV is read with csv-parse and
// each row turned into a posting; the comparison is the same planCorrections as for hledger.
//
// - QuickBooks Online: the journal entry import layout our export wrote (Journal No., Journal
//   Date, Account Name, Debits, Credits, Description[, Currency, …]), edited; or QBO's
//   Journal report exported to CSV (title lines, then Date, Transaction Type, Num, Name,
//   Memo/Description, Account, Debit, Credit; a journal's later rows leave Date and Num empty;
//   total rows). The entry is found by the "[entry id]" our export put in the description,
//   else by the journal number (qboJournalNo of an entry of the batch).
// - Xero: the manual journal layout (*Narration, *Date, Description, *AccountCode, *TaxRate,
//   *Amount, …), as exported and as Xero's manual journal export writes it; the entry is the
//   "[entry id]" in the narration. Amount is signed (debit +).
// Accounts are named as the export named them (QBO: `qbo_name` or the name; Xero:
// `xero_code` or the code) and mapped back to the chart's ledger names; one the chart does
// not know is passed on as written, so the plan lists it for a person.

export const MAX_CSV_ROWS = 2_000_000;

export interface CsvReadContext {
  chart: Chart;
  /** The batch's entry ids (to recognise QBO journal numbers). */
  entryIds: readonly string[];
  /** The currency of rows without a Currency column (the batch's entries' one currency). */
  currency: string | null;
}

const ENTRY_IN_TEXT = /\[([A-Za-z0-9][A-Za-z0-9:._-]{0,127})\]/g;

function entryIdIn(text: string, known: ReadonlySet<string>): string | null {
  const ids = [...text.matchAll(ENTRY_IN_TEXT)].map((m) => m[1]!);
  return ids.reverse().find((id) => known.has(id)) ?? ids[0] ?? null;
}

/** Our export protects text starting with = + - @ with a leading apostrophe (spreadsheet formulas). */
function unprotect(s: string): string {
  return s.replace(/^'(?=[=+\-@\t\r])/, '').trim();
}

function amountMinor(text: string, currency: string): number | null {
  let t = text.trim().replace(/[\s\u00a0]/g, '');
  if (t === '') return 0;
  let neg = false;
  if (/^\(.*\)$/.test(t)) {
    neg = true;
    t = t.slice(1, -1);
  }
  t = t.replace(/^[$€£]/, '').replace(/,(?=\d{3}(\D|$))/g, '');
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m) return null;
  const v = mantissaToMinor(BigInt(`${m[1] ?? ''}${m[2]}${m[3] ?? ''}`), m[3]?.length ?? 0, currency);
  return v === null ? null : neg ? -v : v;
}

function isoDate(text: string, order: 'MDY' | 'DMY'): string | null {
  const t = text.trim();
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (!m) return null;
  let [a, b] = [Number(m[1]), Number(m[2])];
  if (order === 'DMY' || a > 12) [a, b] = [b, a];
  const iso = `${m[3]}-${String(a).padStart(2, '0')}-${String(b).padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

function rowsOf(bytes: Uint8Array, format: string): string[][] {
  let text = Buffer.from(bytes).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let rows: string[][];
  try {
    rows = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, bom: true, max_record_size: 100_000 }) as string[][];
  } catch (e) {
    throw new BooksInputError('BAD_FILE', `${format}: not a CSV file: ${(e as Error).message.slice(0, 300)}`);
  }
  if (rows.length > MAX_CSV_ROWS) throw new BooksInputError('BAD_FILE', `${format}: more than ${MAX_CSV_ROWS} rows`);
  return rows;
}

const norm = (s: string) => s.trim().replace(/^\*/, '').toLowerCase();

function findHeader(rows: string[][], format: string, must: readonly string[][]): { at: number; col: (names: readonly string[]) => number } {
  for (let i = 0; i < Math.min(rows.length, 30); i++) {
    const cells = rows[i]!.map(norm);
    const col = (names: readonly string[]) => cells.findIndex((c) => names.includes(c));
    if (must.every((names) => col(names) >= 0)) return { at: i, col };
  }
  throw new BooksInputError('BAD_FILE', `${format}: no header row with ${must.map((n) => `"${n[0]}"`).join(', ')} in the first 30 lines`);
}

/** Chart accounts by the name the export wrote, to their ledger names. */
function accountNames(chart: Chart, by: 'qbo' | 'xero'): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of chart.accounts.values()) {
    const ledger = chart.ledgerNames.get(a.code)!;
    if (by === 'qbo') {
      out.set((a.qbo_name ?? a.name).toLowerCase(), ledger);
      out.set(a.name.toLowerCase(), ledger);
    } else {
      out.set((a.xero_code ?? a.code).toLowerCase(), ledger);
    }
  }
  return out;
}

class Builder {
  private readonly byKey = new Map<string, ToolTransaction>();
  add(key: string, where: string, date: string, description: string, entryId: string | null, posting: ToolPosting): void {
    let t = this.byKey.get(key);
    if (!t) {
      t = { where, date, description, entry_id: entryId, postings: [] };
      this.byKey.set(key, t);
    }
    if (!t.entry_id && entryId) t.entry_id = entryId;
    t.postings.push(posting);
  }
  done(): ToolTransaction[] {
    return [...this.byKey.values()];
  }
}

export function readQuickBooksCsv(bytes: Uint8Array, ctx: CsvReadContext): ToolTransaction[] {
  const F = 'quickbooks-csv';
  const rows = rowsOf(bytes, F);
  const h = findHeader(rows, F, [['account name', 'account'], ['debits', 'debit'], ['credits', 'credit']]);
  const c = {
    no: h.col(['journal no.', 'journal no', 'num', 'no.']),
    date: h.col(['journal date', 'date', 'transaction date']),
    account: h.col(['account name', 'account', 'account full name']),
    debit: h.col(['debits', 'debit']),
    credit: h.col(['credits', 'credit']),
    desc: h.col(['description', 'memo/description', 'memo', 'line description']),
    type: h.col(['transaction type']),
    currency: h.col(['currency']),
  };
  const known = new Set(ctx.entryIds);
  const byNo = new Map(ctx.entryIds.map((id) => [qboJournalNo(id), id] as const));
  const names = accountNames(ctx.chart, 'qbo');
  const b = new Builder();
  let cur: { key: string; date: string } | null = null;
  for (let i = h.at + 1; i < rows.length; i++) {
    const r = rows[i]!;
    const cell = (k: number) => (k >= 0 ? (r[k] ?? '').trim() : '');
    if (norm(cell(c.account)) === 'account name') continue; // the header again
    const account = unprotect(cell(c.account));
    const no = cell(c.no);
    const dateText = cell(c.date);
    // QBO's report: a journal's first row has the date and number, later ones leave them empty;
    // rows with no account are titles, totals and blank separators.
    if (dateText || no) cur = { key: `${no}\u0000${dateText}\u0000${i}`, date: dateText };
    if (account === '' || /^total\b/i.test(account) || /^total\b/i.test(cell(0))) continue;
    if (c.type >= 0 && cell(c.type) !== '' && !/journal/i.test(cell(c.type))) continue; // not a journal entry row
    if (!cur) throw new BooksInputError('BAD_FILE', `${F}: line ${i + 1}: a posting before any journal date or number`);
    const where = `line ${i + 1}`;
    const currency = c.currency >= 0 && cell(c.currency) ? cell(c.currency).toUpperCase() : ctx.currency;
    if (!currency) throw new BooksInputError('BAD_FILE', `${F}: line ${i + 1}: no Currency column and the batch has more than one currency`);
    const date = isoDate(cur.date, 'MDY');
    if (!date) throw new BooksInputError('BAD_FILE', `${F}: line ${i + 1}: Journal Date "${cur.date.slice(0, 40)}" is not a date MM/DD/YYYY`);
    const desc = unprotect(cell(c.desc));
    const entryId = entryIdIn(desc, known) ?? byNo.get(no) ?? null;
    const debit = amountMinor(cell(c.debit), currency);
    const credit = amountMinor(cell(c.credit), currency);
    const ledger = names.get(account.toLowerCase()) ?? account;
    const minor = debit === null || credit === null ? null : debit - credit;
    // Rows of one journal share its number (import layout) or follow its first row (report).
    const key = no && c.type < 0 ? `no:${no}` : cur.key;
    b.add(key, where, date, desc.replace(ENTRY_IN_TEXT, '').trim(), entryId, { account: ledger, currency, minor });
  }
  return b.done();
}

export function readXeroCsv(bytes: Uint8Array, ctx: CsvReadContext): ToolTransaction[] {
  const F = 'xero-csv';
  const rows = rowsOf(bytes, F);
  const h = findHeader(rows, F, [['narration'], ['date'], ['accountcode', 'account code'], ['amount']]);
  const c = { narration: h.col(['narration']), date: h.col(['date']), account: h.col(['accountcode', 'account code']), amount: h.col(['amount']), desc: h.col(['description']) };
  const known = new Set(ctx.entryIds);
  const names = accountNames(ctx.chart, 'xero');
  const b = new Builder();
  const currency = ctx.currency;
  if (!currency) throw new BooksInputError('BAD_FILE', `${F}: the batch has no single currency`);
  for (let i = h.at + 1; i < rows.length; i++) {
    const r = rows[i]!;
    const cell = (k: number) => (k >= 0 ? (r[k] ?? '').trim() : '');
    if (norm(cell(c.narration)) === 'narration') continue; // the header again: parts of a split batch put together
    const narration = unprotect(cell(c.narration));
    const account = cell(c.account);
    if (narration === '' && account === '') continue;
    const date = isoDate(cell(c.date), 'DMY');
    if (!date) throw new BooksInputError('BAD_FILE', `${F}: line ${i + 1}: *Date "${cell(c.date).slice(0, 40)}" is not a date DD/MM/YYYY`);
    const entryId = entryIdIn(narration, known);
    const ledger = names.get(account.toLowerCase()) ?? account;
    // Xero makes one journal of the rows with the same narration and date.
    b.add(`${narration}\u0000${date}`, `line ${i + 1}`, date, narration.replace(ENTRY_IN_TEXT, '').trim(), entryId, { account: ledger, currency, minor: amountMinor(cell(c.amount), currency) });
  }
  return b.done();
}

/**
 * The entry ids a CSV names (to find its batch when it does not say), all of them, up to
 * `max` distinct ids; null when it names more (no batch can hold them all).
 */
export function entryIdsInCsv(bytes: Uint8Array, max: number): string[] | null {
  const ids = new Set<string>();
  for (const m of Buffer.from(bytes).toString('utf8').matchAll(ENTRY_IN_TEXT)) {
    ids.add(m[1]!);
    if (ids.size > max) return null;
  }
  return [...ids];
}

import { parse as parseCsvSync } from 'csv-parse/sync';
import { z } from 'zod';
import { safeText } from '../../../core/protocol/text';
import { addDecimal, cleanText, finishStatement, isCurrencyCode, isoDate, normaliseDecimal, signed } from './amounts';
import { MAX_ENTRIES, MAX_TEXT, StatementParseError, type BankStatement, type DatedAmount, type StatementEntry } from './types';

// Bank CSV exports have no standard: a saved column profile says which column is what.
// Columns are named by their header text (or a 1-based number when the file has no header).
// Parsing the CSV itself (quotes, embedded separators and line breaks) is csv-parse's job.

const column = z.union([safeText().min(1).max(100), z.number().int().min(1).max(500)]);

export const csvProfileSchema = z
  .object({
    /** Field separator; detected from the header line (, ; tab |) when absent. */
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    /** Lines to skip before the header (bank preambles). */
    skip_lines: z.number().int().min(0).max(100).default(0),
    header: z.boolean().default(true),
    decimal: z.enum(['.', ',']).default('.'),
    /** Thousands grouping character to drop from amounts. */
    thousands: z.enum(['', ',', '.', ' ', "'"]).default(''),
    /** Tokens YYYY, YY, MM, DD with any separators: "DD.MM.YYYY", "MM/DD/YYYY", "YYYYMMDD". */
    date_format: safeText().regex(/^(?=.*YY)(?=.*MM)(?=.*DD)[YMD./\- ]{6,12}$/, 'must use YYYY or YY, MM and DD').default('YYYY-MM-DD'),
    account: safeText().min(1).max(70).optional(),
    /** The statement currency when the file has no currency column. */
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    columns: z
      .object({
        booking_date: column,
        value_date: column.optional(),
        /** One signed amount column, or a debit and a credit column, or amount plus a C/D indicator. */
        amount: column.optional(),
        debit: column.optional(),
        credit: column.optional(),
        indicator: column.optional(),
        currency: column.optional(),
        reference: column.optional(),
        counterparty: column.optional(),
        description: z.union([column, z.array(column).min(1).max(10)]).optional(),
        /** Running balance after each row: gives the opening and closing balances. */
        balance: column.optional(),
        account: column.optional(),
      })
      .strict()
      .refine((c) => c.amount !== undefined || (c.debit !== undefined && c.credit !== undefined), 'columns need "amount", or both "debit" and "credit"'),
    /** Indicator values meaning debit (money out); anything else is credit. */
    debit_values: z.array(safeText().min(1).max(20)).max(20).default(['D', 'DBIT', 'DR', 'Debit', 'S', 'Soll']),
  })
  .strict();
export type CsvProfile = z.output<typeof csvProfileSchema>;
export type CsvProfileInput = z.input<typeof csvProfileSchema>;

const CSV = 'csv' as const;

export function loadCsvProfile(json: unknown): CsvProfile {
  const r = csvProfileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new StatementParseError(CSV, `profile ${i.path.join('.') || '(root)'}`, i.message);
  }
  return r.data;
}

function detectDelimiter(line: string): ',' | ';' | '\t' | '|' {
  const counts = ([',', ';', '\t', '|'] as const).map((d) => ({ d, n: line.split(d).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0]!.n > 0 ? counts[0]!.d : ',';
}

function dateParser(format: string): (s: string) => string | null {
  const tokens: Array<'YYYY' | 'YY' | 'MM' | 'DD'> = [];
  const re = new RegExp(
    `^${format.replace(/YYYY|YY|MM|DD|[./\- ]/g, (t) => {
      if (t === 'YYYY') return tokens.push('YYYY'), '(\\d{4})';
      if (t === 'YY') return tokens.push('YY'), '(\\d{2})';
      if (t === 'MM' || t === 'DD') return tokens.push(t), '(\\d{1,2})';
      return `\\${t}`;
    })}`,
  );
  return (s) => {
    const m = re.exec(s.trim());
    if (!m) return null;
    let y = 0;
    let mo = 0;
    let d = 0;
    tokens.forEach((t, i) => {
      const v = Number(m[i + 1]);
      if (t === 'YYYY') y = v;
      else if (t === 'YY') y = v < 80 ? 2000 + v : 1900 + v;
      else if (t === 'MM') mo = v;
      else d = v;
    });
    return isoDate(y, mo, d);
  };
}

export function parseCsvStatement(text: string, profile: CsvProfile): BankStatement[] {
  const lines = text.split(/\r\n|\r|\n/);
  const headerLine = lines[profile.skip_lines] ?? '';
  const delimiter = profile.delimiter ?? detectDelimiter(headerLine);
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parseCsvSync(text, { delimiter, from_line: profile.skip_lines + 1, info: true, relax_column_count: true, skip_empty_lines: true, bom: true, max_record_size: 64 * 1024 }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    throw new StatementParseError(CSV, `line ${err.lines ?? profile.skip_lines + 1}`, (err.message ?? String(e)).replace(/^.*?: /, ''));
  }
  if (rows.length > MAX_ENTRIES + 1) throw new StatementParseError(CSV, `line ${MAX_ENTRIES + 1}`, `more than ${MAX_ENTRIES} rows`);
  const lineOf = (i: number) => rows[i]!.info.lines; // csv-parse counts from the file's first line
  let header: string[] = [];
  let body = rows;
  if (profile.header) {
    if (rows.length === 0) throw new StatementParseError(CSV, `line ${profile.skip_lines + 1}`, 'no header line');
    header = rows[0]!.record.map((h) => h.trim());
    body = rows.slice(1);
  }
  const idx = (c: string | number | undefined, what: string): number | undefined => {
    if (c === undefined) return undefined;
    if (typeof c === 'number') return c - 1;
    const i = header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
    if (i < 0) throw new StatementParseError(CSV, `line ${profile.skip_lines + 1}`, `profile column ${what} "${c}" is not in the header (${header.slice(0, 12).join(', ')})`);
    return i;
  };
  const col = profile.columns;
  const ix = {
    booking: idx(col.booking_date, 'booking_date')!,
    value: idx(col.value_date, 'value_date'),
    amount: idx(col.amount, 'amount'),
    debit: idx(col.debit, 'debit'),
    credit: idx(col.credit, 'credit'),
    indicator: idx(col.indicator, 'indicator'),
    currency: idx(col.currency, 'currency'),
    reference: idx(col.reference, 'reference'),
    counterparty: idx(col.counterparty, 'counterparty'),
    description: (Array.isArray(col.description) ? col.description : col.description === undefined ? [] : [col.description]).map((c) => idx(c, 'description')!),
    balance: idx(col.balance, 'balance'),
    account: idx(col.account, 'account'),
  };
  const parseDate = dateParser(profile.date_format);
  const debitValues = new Set(profile.debit_values.map((v) => v.toLowerCase()));
  const entries: StatementEntry[] = [];
  const balances: string[] = [];
  let account = profile.account ?? '';
  let currency = profile.currency ?? '';
  body.forEach((row, r) => {
    const line = lineOf(profile.header ? r + 1 : r);
    const cell = (i: number | undefined) => (i === undefined ? '' : (row.record[i] ?? '').trim());
    const bad = (what: string, problem: string): never => {
      throw new StatementParseError(CSV, `line ${line}`, `${what}: ${problem}`);
    };
    const rowCurrency = cell(ix.currency) || currency;
    if (!isCurrencyCode(rowCurrency)) bad('currency', `no ISO 4217 currency (give "currency" in the profile or a currency column), got "${rowCurrency.slice(0, 10)}"`);
    if (!currency) currency = rowCurrency;
    const money = (raw: string, what: string): string | null => {
      let t = raw.replace(/\s/g, '');
      if (t === '') return null;
      if (profile.thousands) t = t.split(profile.thousands).join('');
      let neg = false;
      if (/^\(.*\)$/.test(t)) {
        neg = true;
        t = t.slice(1, -1);
      }
      if (t.startsWith('-') || t.startsWith('+')) {
        neg = t.startsWith('-');
        t = t.slice(1);
      }
      if (t.endsWith('-')) {
        neg = true;
        t = t.slice(0, -1);
      }
      const v = normaliseDecimal(t, rowCurrency, profile.decimal);
      if (v === null) bad(what, `not an amount in ${rowCurrency}: "${raw.slice(0, 40)}"`);
      return signed(v!, neg);
    };
    let amount: string;
    if (ix.amount !== undefined) {
      const v = money(cell(ix.amount), 'amount');
      if (v === null) bad('amount', 'empty');
      amount = v!;
      if (ix.indicator !== undefined && debitValues.has(cell(ix.indicator).toLowerCase())) amount = amount.startsWith('-') ? amount : signed(amount, true);
    } else {
      const d = money(cell(ix.debit), 'debit');
      const c = money(cell(ix.credit), 'credit');
      if (d === null && c === null) bad('debit/credit', 'both empty');
      // Debit and credit columns hold magnitudes (some banks write debits with a minus too).
      amount = inCurrency(addDecimal(c === null ? '0' : abs(c), d === null ? '0' : `-${abs(d)}`), rowCurrency);
    }
    const booking = parseDate(cell(ix.booking));
    if (!booking) bad('booking_date', `not a date ${profile.date_format}: "${cell(ix.booking).slice(0, 30)}"`);
    const valueRaw = cell(ix.value);
    const value = valueRaw === '' ? booking : parseDate(valueRaw);
    if (!value) bad('value_date', `not a date ${profile.date_format}: "${valueRaw.slice(0, 30)}"`);
    if (ix.balance !== undefined) {
      const b = money(cell(ix.balance), 'balance');
      if (b !== null) balances.push(b);
    }
    if (!account && ix.account !== undefined) account = cell(ix.account);
    entries.push({
      booking_date: booking!,
      value_date: value!,
      amount,
      currency: rowCurrency,
      reference: cleanText(cell(ix.reference), 140),
      counterparty: cleanText(cell(ix.counterparty), 140),
      description: cleanText(ix.description.map((i) => cell(i)).filter(Boolean).join(' '), MAX_TEXT),
    });
  });
  if (entries.length === 0) throw new StatementParseError(CSV, `line ${profile.skip_lines + 1}`, 'no rows after the header');
  let opening: DatedAmount | null = null;
  let closing: DatedAmount | null = null;
  if (ix.balance !== undefined && balances.length === entries.length) {
    // Rows may be newest first: order by booking date, keeping file order within a day.
    const first = entries[0]!;
    const last = entries[entries.length - 1]!;
    const newestFirst = first.booking_date > last.booking_date;
    const [firstRow, lastRow] = newestFirst ? [entries.length - 1, 0] : [0, entries.length - 1];
    opening = { date: entries[firstRow]!.booking_date, amount: inCurrency(addDecimal(balances[firstRow]!, negate(entries[firstRow]!.amount)), currency) };
    closing = { date: entries[lastRow]!.booking_date, amount: balances[lastRow]! };
    // The check then proves every row's running balance follows from the one before it.
    const ordered = newestFirst ? [...entries].reverse() : entries;
    const orderedBal = newestFirst ? [...balances].reverse() : balances;
    let run = opening.amount;
    for (let i = 0; i < ordered.length; i++) {
      run = addDecimal(run, ordered[i]!.amount);
      if (!isZero(addDecimal(run, negate(orderedBal[i]!)))) return [{ ...finishStatement({ account, currency, opening, closing, entries }), balance_check: 'mismatch' }];
    }
  }
  return [finishStatement({ account, currency, opening, closing, entries })];
}

const abs = (s: string) => s.replace(/^-/, '');
const negate = (s: string) => (s.startsWith('-') ? s.slice(1) : `-${s}`);
const isZero = (s: string) => /^-?0*(\.0*)?$/.test(s);

/** A computed signed decimal written with the currency's decimals. */
function inCurrency(v: string, currency: string): string {
  const n = normaliseDecimal(abs(v), currency);
  return n === null ? v : signed(n, v.startsWith('-'));
}

import { money, toDecimalString } from '../../money/money';
import type { Chart } from '../chart';
import { assertBalanced, journalEntrySchema, type JournalEntry, type JournalLine } from '../entry';

// Shared by the exporters: every entry is checked (balanced, accounts in the chart) before
// a byte is written, and entries are ordered by date then input order, so an export is a
// pure function of its input.

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export const MAX_EXPORT_ENTRIES = 1_000_000;

export function prepareEntries(entries: readonly JournalEntry[], chart: Chart): JournalEntry[] {
  if (entries.length > MAX_EXPORT_ENTRIES) throw new ExportError(`at most ${MAX_EXPORT_ENTRIES} entries per export, got ${entries.length}; export a shorter period`);
  for (const e of entries) {
    // Entries may come back from a database: check their shape too (ids, dimension values).
    const shape = journalEntrySchema.safeParse(e);
    if (!shape.success) {
      const i = shape.error.issues[0]!;
      throw new ExportError(`entry ${String((e as { entry_id?: unknown }).entry_id)}: ${i.path.join('.')}: ${i.message}`);
    }
    assertBalanced(e);
    for (const l of e.lines) {
      if (!chart.accounts.has(l.account)) throw new ExportError(`entry ${e.entry_id}: account "${l.account}" is not in chart "${chart.config.name}"`);
    }
  }
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.date < b.e.date ? -1 : a.e.date > b.e.date ? 1 : a.i - b.i))
    .map((x) => x.e);
}

/** Signed amount of a line (debit positive) as a decimal string with the currency's exponent. */
export function signedDecimal(l: JournalLine): string {
  return toDecimalString(money(l.debit - l.credit, l.currency));
}

export function decimal(amountMinor: number, currency: string): string {
  return toDecimalString(money(amountMinor, currency));
}

/** One-line text: no control characters, bounded length. */
export function oneLine(s: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim().slice(0, max);
}

/** Dimensions other than store/terminal as "key:value" pairs, for comments and descriptions. */
export function dimensionPairs(l: JournalLine): Array<[string, string]> {
  return Object.entries(l.dimensions)
    .filter(([k, v]) => v !== undefined && k !== 'store_id' && k !== 'terminal_id')
    .map(([k, v]) => [k, String(v)]);
}

/** RFC 4180 field; text that a spreadsheet would run as a formula is prefixed with '. */
export function csvField(value: string, opts: { text?: boolean } = {}): string {
  let v = value;
  if (opts.text && /^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvRow(fields: readonly string[]): string {
  return `${fields.join(',')}\r\n`;
}

export function isoToParts(date: string): { y: string; m: string; d: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new ExportError(`bad entry date "${date}"`);
  return { y: m[1]!, m: m[2]!, d: m[3]! };
}

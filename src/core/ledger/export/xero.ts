import type { Chart } from '../chart';
import type { Dimensions, JournalEntry } from '../entry';
import { csvField, csvRow, dimensionPairs, ExportError, isoToParts, oneLine, prepareEntries, signedDecimal } from './common';

// Xero manual journal import CSV (Accounting → Manual Journals → Import). Columns of Xero's
// template: *Narration, *Date, Description, *AccountCode, *TaxRate, *Amount, TrackingName1,
// TrackingOption1, TrackingName2, TrackingOption2 (* = mandatory). Rows with the same
// narration and date become one journal, so the narration carries the entry id. Amount is
// signed: positive = debit, negative = credit. Date dd/mm/yyyy. TaxRate is the name of a
// tax rate in the organisation; tax is already posted on its own lines, so a no-tax rate
// ("Tax Exempt", "No VAT", "BAS Excluded" by region). Xero takes at most 300 lines a file
// and journals in the organisation's base currency, so the export is split into files
// (never inside a journal) and refuses other currencies.

export const XERO_COLUMNS = ['*Narration', '*Date', 'Description', '*AccountCode', '*TaxRate', '*Amount', 'TrackingName1', 'TrackingOption1', 'TrackingName2', 'TrackingOption2'] as const;
export const XERO_MAX_LINES_PER_FILE = 300;

export interface XeroOptions {
  /** The organisation's base currency; every line must be in it. */
  currency: string;
  /** Name of a no-tax rate in the Xero organisation. Default "Tax Exempt". */
  taxRate?: string;
  /** Up to two Xero tracking categories fed from line dimensions, e.g. [{ name: 'Store', dimension: 'store_id' }]. */
  tracking?: ReadonlyArray<{ name: string; dimension: keyof Dimensions }>;
  maxLinesPerFile?: number;
}

/** Returns one CSV text per file, each at most maxLinesPerFile lines plus the header. */
export function toXeroCsv(entries: readonly JournalEntry[], chart: Chart, options: XeroOptions): string[] {
  const sorted = prepareEntries(entries, chart);
  const max = options.maxLinesPerFile ?? XERO_MAX_LINES_PER_FILE;
  const tracking = options.tracking ?? [];
  if (tracking.length > 2) throw new ExportError('Xero has at most two tracking categories');
  const taxRate = options.taxRate ?? 'Tax Exempt';
  const header = csvRow(XERO_COLUMNS.map((c) => csvField(c)));
  const files: string[] = [];
  let cur = '';
  let count = 0;
  for (const e of sorted) {
    if (e.lines.length > max) throw new ExportError(`entry ${e.entry_id} has ${e.lines.length} lines; Xero imports at most ${max} per file`);
    const foreign = e.lines.find((l) => l.currency !== options.currency);
    if (foreign) throw new ExportError(`entry ${e.entry_id} has a ${foreign.currency} line; Xero manual journals are in the base currency ${options.currency}`);
    if (count + e.lines.length > max) {
      files.push(header + cur);
      cur = '';
      count = 0;
    }
    const { y, m, d } = isoToParts(e.date);
    const narration = oneLine(`${e.memo} [${e.entry_id}]`, 4000);
    for (const l of e.lines) {
      const acct = chart.accounts.get(l.account)!;
      const desc = oneLine(dimensionPairs(l).map(([k, v]) => `${k}=${v}`).join(' '), 4000);
      const t = tracking.map((tr) => [tr.name, String(l.dimensions[tr.dimension] ?? '')]);
      cur += csvRow([
        csvField(narration, { text: true }),
        `${d}/${m}/${y}`,
        csvField(desc, { text: true }),
        csvField(acct.xero_code ?? acct.code),
        csvField(taxRate),
        signedDecimal(l),
        csvField(t[0]?.[0] ?? '', { text: true }),
        csvField(t[0]?.[1] ?? '', { text: true }),
        csvField(t[1]?.[0] ?? '', { text: true }),
        csvField(t[1]?.[1] ?? '', { text: true }),
      ]);
      count += 1;
    }
  }
  if (count > 0 || files.length === 0) files.push(header + cur);
  return files;
}

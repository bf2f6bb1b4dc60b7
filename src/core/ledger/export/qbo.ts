import { sha256Hex } from '../../protocol/sha256';
import type { Chart } from '../chart';
import type { JournalEntry } from '../entry';
import { csvField, csvRow, decimal, dimensionPairs, ExportError, isoToParts, oneLine, prepareEntries } from './common';

// QuickBooks Online "Import journal entries" CSV (Settings → Import data → Journal entries).
// Columns as QBO's import screen names them: Journal No., Journal Date, Account Name,
// Debits, Credits, Description, Name, plus the optional Currency, Location and Class. Rows
// with the same Journal No. form one entry, which must balance. Account Name is the account
// name exactly as in the QBO chart ("Parent:Sub" for sub-accounts) with account numbers
// turned off; the chart's `qbo_name` overrides `name`. Dates are MM/DD/YYYY in US companies
// and DD/MM/YYYY elsewhere.

export const QBO_COLUMNS = ['Journal No.', 'Journal Date', 'Account Name', 'Debits', 'Credits', 'Description', 'Name'] as const;
export type QboExtraColumn = 'Currency' | 'Location' | 'Class';

export interface QboOptions {
  dateFormat?: 'MM/DD/YYYY' | 'DD/MM/YYYY';
  /**
   * Currency (multicurrency companies), Location (= store_id), Class (= category). Without
   * 'Currency' every line must be in one currency.
   */
  extraColumns?: readonly QboExtraColumn[];
}

/**
 * QBO journal numbers are at most 21 characters, so the entry id (longer) is hashed: "TS" +
 * 19 hex digits, stable across exports so QBO's duplicate-number warning catches a re-import.
 */
export function qboJournalNo(entryId: string): string {
  return `TS${sha256Hex(entryId).slice(0, 19)}`;
}

export function toQuickBooksCsv(entries: readonly JournalEntry[], chart: Chart, options: QboOptions = {}): string {
  const sorted = prepareEntries(entries, chart);
  const extras = options.extraColumns ?? [];
  if (!extras.includes('Currency')) {
    const currencies = new Set(sorted.flatMap((e) => e.lines.map((l) => l.currency)));
    if (currencies.size > 1) throw new ExportError(`entries are in ${[...currencies].sort().join(', ')}; add the Currency column (multicurrency QBO company) or export one currency at a time`);
  }
  let out = csvRow([...QBO_COLUMNS, ...extras].map((c) => csvField(c)));
  for (const e of sorted) {
    const { y, m, d } = isoToParts(e.date);
    const date = options.dateFormat === 'DD/MM/YYYY' ? `${d}/${m}/${y}` : `${m}/${d}/${y}`;
    const no = qboJournalNo(e.entry_id);
    for (const l of e.lines) {
      const acct = chart.accounts.get(l.account)!;
      const dims = dimensionPairs(l).map(([k, v]) => `${k}=${v}`).join(' ');
      const desc = oneLine(`${e.memo} [${e.entry_id}]${dims ? ` ${dims}` : ''}`, 4000);
      const row = [
        csvField(no),
        csvField(date),
        csvField(acct.qbo_name ?? acct.name, { text: true }),
        l.debit > 0 ? decimal(l.debit, l.currency) : '',
        l.credit > 0 ? decimal(l.credit, l.currency) : '',
        csvField(desc, { text: true }),
        '',
      ];
      for (const x of extras) {
        if (x === 'Currency') row.push(l.currency);
        else if (x === 'Location') row.push(csvField(l.dimensions.store_id, { text: true }));
        else row.push(csvField(l.dimensions.category ?? '', { text: true }));
      }
      out += csvRow(row);
    }
  }
  return out;
}

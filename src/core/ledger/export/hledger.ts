import type { AccountType, Chart } from '../chart';
import type { JournalEntry } from '../entry';
import { currencyExponent } from '../../money/currency';
import { dimensionPairs, oneLine, prepareEntries, signedDecimal } from './common';

// hledger / Ledger journal text. Rules followed (hledger manual, "Journal format"):
// dates YYYY-MM-DD; a transaction line "DATE [*] [(CODE)] DESCRIPTION"; postings indented,
// with at least two spaces between the account name and the amount; amounts as a decimal
// with the currency's exponent and the commodity symbol on the right after a space
// ("12.34 USD", "1234 JPY"); comments after "; ", tags as "name:value" separated by commas.
// Account directives declare every chart account with its type tag (A L E R X), so hledger's
// balance sheet and income statement classify them without guessing from the names. The same
// file is read by Ledger 3 (`ledger --pedantic`).

const HLEDGER_TYPE: Readonly<Record<AccountType, string>> = {
  asset: 'A',
  liability: 'L',
  equity: 'E',
  revenue: 'R',
  'contra-revenue': 'R',
  expense: 'X',
};

/** A tag value may not contain a comma (it ends the tag) or a newline. */
function tagValue(v: string): string {
  return oneLine(v, 200).replace(/,/g, ' ');
}

/** Description text: a ";" would start a comment. */
function description(v: string): string {
  return oneLine(v).replace(/;/g, ',');
}

export function currenciesOf(entries: readonly JournalEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => e.lines.map((l) => l.currency)))].sort();
}

export interface HledgerOptions {
  /** Leading comment line. */
  title?: string;
  /**
   * Sales channel of each terminal (a web shop's virtual terminal → its channel id). When
   * given, every transaction carries a `channel:` tag (`store` for the registers), so
   * `hledger bal type:R --pivot channel` shows revenue per channel.
   */
  channels?: Readonly<Record<string, string>>;
  /** Commodities to declare besides those of the entries (a streamed export declares all of its range up front). */
  currencies?: readonly string[];
}

export function toHledgerJournal(entries: readonly JournalEntry[], chart: Chart, options: HledgerOptions = {}): string {
  const sorted = prepareEntries(entries, chart);
  const out: string[] = [];
  out.push(`; ${description(options.title ?? `Tillstream ledger export, chart "${chart.config.name}"`)}`, '');
  for (const a of chart.config.accounts) {
    // The comment goes on the next line: Ledger would read a same-line comment as part of the name.
    out.push(`account ${chart.ledgerNames.get(a.code)}`, `    ; type:${HLEDGER_TYPE[a.type]}, code:${tagValue(a.code)}, name:${tagValue(a.name)}`);
  }
  out.push('');
  // Declared commodities fix each currency's display precision and satisfy `hledger check
  // --strict` and `ledger --pedantic`. A `format` with no decimals is read differently by the
  // two tools, so exponent-0 currencies are declared without one.
  for (const c of [...new Set([...currenciesOf(sorted), ...(options.currencies ?? [])])].sort()) {
    const exp = currencyExponent(c);
    out.push(`commodity ${c}`);
    if (exp > 0) out.push(`    format 1000.${'0'.repeat(exp)} ${c}`);
  }
  out.push('');
  for (const e of sorted) {
    const tags: string[] = [`entry:${e.entry_id}`, `event:${e.source.event_id}`, `terminal:${tagValue(e.source.terminal_id)}`, `seq:${e.source.seq}`];
    if (e.reverses) tags.push(`reverses:${e.reverses}`);
    if (e.adjusts) tags.push(`adjusts:${e.adjusts}`);
    if (options.channels) tags.push(`channel:${tagValue(Object.prototype.hasOwnProperty.call(options.channels, e.source.terminal_id) ? options.channels[e.source.terminal_id]! : 'store')}`);
    out.push(`${e.date} * (${e.entry_id}) ${description(e.memo) || e.source.type}  ; ${tags.join(', ')}`);
    for (const l of e.lines) {
      const name = chart.ledgerNames.get(l.account)!;
      const dims = [`store:${tagValue(l.dimensions.store_id)}`, ...dimensionPairs(l).map(([k, v]) => `${k}:${tagValue(v)}`)];
      out.push(`    ${name}  ${signedDecimal(l)} ${l.currency}  ; ${dims.join(', ')}`);
    }
    out.push('');
  }
  return out.join('\n');
}
